// Wires one window together, once: the engine worker, the services' events (serial data, connection
// and session status, board changes) into the stores, and the serial fan-out into the worker, each
// tab's bytes to that tab's board. Also the two-click flows: open the demo board and connect to its
// serial line; and each tab's recording session annotated with its comparison as it stands, so its
// exports carry the verdicts the app shows.
import { onBeforeUnmount, watch } from 'vue';
import { getTransport, useApi } from '../api';
import { emitSerial, getEngine, onSerial, setEngine } from '../lib/engine-link';
import { useBindingsStore } from '../stores/bindings';
import { useBoardStore } from '../stores/board';
import { useConnectionStore, type ConsoleTab } from '../stores/connection';
import { useLabStore } from '../stores/lab';
import { useProbeStore } from '../stores/probe';
import { useWhatIfStore } from '../stores/what-if';
import { createEngineClient, type EngineClient } from '../worker/client';
import type { NodeDetail, SessionReport } from '../worker/protocol';

let nextRequest = 1;
const pendingNodes = new Map<number, (d: NodeDetail | null) => void>();

/** The DT node behind a device of the front tab's board, decoded by the worker (properties, source lines, links). */
export function requestNode(path: string): Promise<NodeDetail | null> {
  const engine = getEngine();
  if (!engine) return Promise.resolve(null);
  const requestId = nextRequest++;
  const tab = useConnectionStore().activeKey;
  return new Promise((resolve) => {
    pendingNodes.set(requestId, resolve);
    engine.post({ type: 'node', tab, requestId, path });
  });
}

const pendingReports = new Map<number, (r: SessionReport | null) => void>();

/** A tab's comparison as it stands (the worker compares every device of its board for it). */
export function requestReport(tab: number): Promise<SessionReport | null> {
  const engine = getEngine();
  if (!engine) return Promise.resolve(null);
  const requestId = nextRequest++;
  return new Promise((resolve) => {
    pendingReports.set(requestId, resolve);
    engine.post({ type: 'report', tab, requestId });
  });
}

/** The user says the front tab's boot is over: what is still pending gets its verdict now. */
export function endBoot(): void {
  getEngine()?.post({ type: 'endBoot', tab: useConnectionStore().activeKey });
}

/** Opens the bundled demo board and connects to its virtual serial line (the README's first command). */
export async function startDemo(): Promise<void> {
  const board = useBoardStore();
  const conn = useConnectionStore();
  const target = await board.openDemo();
  if (!target) return;
  if (conn.connected) await conn.disconnect();
  conn.target = target;
  await conn.connect(target);
}

export function useWorkbench(engine: EngineClient = createEngineClient()): void {
  const transport = getTransport();
  const probe = useProbeStore();
  const conn = useConnectionStore();
  const board = useBoardStore();
  const whatIf = useWhatIfStore();
  const lab = useLabStore();
  setEngine(engine);
  const offs: (() => void)[] = [];

  offs.push(
    engine.onMessage((msg) => {
      if (msg.type === 'node') {
        pendingNodes.get(msg.requestId)?.(msg.detail);
        pendingNodes.delete(msg.requestId);
        return;
      }
      if (msg.type === 'report') {
        pendingReports.get(msg.requestId)?.(msg.report);
        pendingReports.delete(msg.requestId);
        return;
      }
      probe.apply(msg);
    }),
  );
  // Each tab's board in the worker starts from its panel settings, whatever order board and options arrive in.
  for (const t of conn.tabs) whatIf.send(t.key);

  // Every tab's bytes go to its own board in the worker, in front or not, so each tab's verdicts are
  // current. Chunks are coalesced per tab: the first after a quiet spell goes at once (a row's delay
  // starts with it), the ones close behind it wait for the end of BATCH_MS, one message per batch.
  const BATCH_MS = 8;
  interface Batch {
    chunks: Uint8Array[];
    bytes: number;
    hostTime: number;
    timer: ReturnType<typeof setTimeout> | null;
    lastPost: number;
  }
  const batches = new Map<number, Batch>();
  const flushBatch = (tab: number, b: Batch) => {
    b.timer = null;
    if (!b.chunks.length) return;
    b.lastPost = performance.now();
    const bytes = b.chunks.length === 1 ? b.chunks[0]! : new Uint8Array(b.bytes);
    if (b.chunks.length > 1) {
      let o = 0;
      for (const c of b.chunks) {
        bytes.set(c, o);
        o += c.length;
      }
    }
    engine.post({ type: 'serial', tab, bytes, hostTime: b.hostTime });
    b.chunks = [];
    b.bytes = 0;
  };
  const dropBatch = (tab: number) => {
    const b = batches.get(tab);
    if (b?.timer) clearTimeout(b.timer);
    batches.delete(tab);
  };
  const feedEngine = (tab: number, bytes: Uint8Array, hostTime: number) => {
    let b = batches.get(tab);
    if (!b) batches.set(tab, (b = { chunks: [], bytes: 0, hostTime: 0, timer: null, lastPost: -Infinity }));
    // The parser stamps a line with the host time of the chunk holding its first byte: keep the first.
    if (!b.chunks.length) b.hostTime = hostTime;
    b.chunks.push(bytes);
    b.bytes += bytes.length;
    const batch = b;
    if (b.timer) {
      if (b.bytes > 1 << 16) {
        clearTimeout(b.timer);
        flushBatch(tab, b);
      }
      return;
    }
    const since = performance.now() - b.lastPost;
    if (since >= BATCH_MS || b.bytes > 1 << 16) flushBatch(tab, b);
    else b.timer = setTimeout(() => flushBatch(tab, batch), BATCH_MS - since);
  };
  offs.push(
    onSerial((bytes, hostTime, connectionId) => {
      const tab = conn.tabOf(connectionId);
      if (tab) feedEngine(tab.key, bytes, hostTime);
    }),
  );
  offs.push(() => {
    for (const tab of [...batches.keys()]) dropBatch(tab);
  });

  const rxWindow = new Map<string, number>();
  // The rx counters are shown, not used: one store update per RX_SHOW_MS, not a re-render of the connect
  // bar per received chunk.
  const RX_SHOW_MS = 100;
  const rxUnshown = new Map<ConsoleTab, number>();
  let rxTimer: ReturnType<typeof setTimeout> | null = null;
  const countRx = (tab: ConsoleTab, n: number) => {
    rxUnshown.set(tab, (rxUnshown.get(tab) ?? 0) + n);
    rxTimer ??= setTimeout(() => {
      rxTimer = null;
      for (const [t, k] of rxUnshown) t.rxBytes += k;
      rxUnshown.clear();
    }, RX_SHOW_MS);
  };
  offs.push(() => {
    if (rxTimer) clearTimeout(rxTimer);
  });
  const deliver = (e: { connectionId: string; hostTime: number; bytes: Uint8Array }) => {
    const tab = conn.tabOf(e.connectionId);
    if (!tab) return;
    rxWindow.set(e.connectionId, (rxWindow.get(e.connectionId) ?? 0) + e.bytes.length);
    countRx(tab, e.bytes.length);
    emitSerial(e.bytes, e.hostTime, e.connectionId);
  };
  // Data can arrive before connect() has returned a tab's connection id: hold it (capped) until we know.
  let early: { connectionId: string; hostTime: number; bytes: Uint8Array }[] = [];
  let earlyBytes = 0;
  offs.push(
    transport.on('serialData', (e) => {
      if (!conn.tabOf(e.connectionId)) {
        if (conn.tabs.some((t) => t.busy) && earlyBytes < 4 << 20) {
          early.push(e);
          earlyBytes += e.bytes.length;
        }
        return;
      }
      deliver(e);
    }),
  );
  offs.push(
    watch(
      () => conn.tabs.map((t) => t.status?.connectionId ?? null).join(' '),
      () => {
        const ids = new Set(conn.tabs.map((t) => t.status?.connectionId).filter((id): id is string => !!id));
        const held = early;
        early = [];
        earlyBytes = 0;
        for (const e of held) {
          if (ids.has(e.connectionId)) deliver(e);
          else if (conn.tabs.some((t) => t.busy)) {
            early.push(e);
            earlyBytes += e.bytes.length;
          }
        }
      },
      { flush: 'sync' },
    ),
  );
  // A tab on a new connection (not a reconnect of the same one, whose parser sees the resets) starts its
  // live half again from that connection's bytes.
  const tabConnection = new Map<number, string | null>();
  offs.push(
    watch(
      () => conn.tabs.map((t) => [t.key, t.status?.connectionId ?? null] as const),
      (now) => {
        for (const [tab, id] of now) {
          const was = tabConnection.get(tab);
          tabConnection.set(tab, id);
          if (was === undefined || id === null || id === was) continue;
          dropBatch(tab);
          engine.post({ type: 'resetLive', tab });
        }
        // A closed tab takes its board, settings, verdicts and recording annotations with it.
        const open = new Set(now.map(([tab]) => tab));
        for (const tab of [...tabConnection.keys()]) {
          if (open.has(tab)) continue;
          tabConnection.delete(tab);
          dropBatch(tab);
          engine.post({ type: 'closeTab', tab });
          board.forget(tab);
          whatIf.forget(tab);
          probe.forget(tab);
          forgetAnnotations(tab);
        }
      },
      { flush: 'sync', immediate: true },
    ),
  );
  // The views show the tab in front: the worker sends its board again whole.
  offs.push(
    watch(
      () => conn.activeKey,
      (tab) => {
        probe.show(tab);
        engine.post({ type: 'show', tab });
      },
      { flush: 'sync', immediate: true },
    ),
  );
  const rateTimer = setInterval(() => {
    for (const t of conn.tabs) t.rxRate = (t.status && rxWindow.get(t.status.connectionId)) || 0;
    rxWindow.clear();
  }, 1000);
  offs.push(() => clearInterval(rateTimer));

  offs.push(transport.on('connectionStatus', (st) => conn.onStatus(st)));
  offs.push(transport.on('sessionStatus', (s) => conn.onSession(s)));
  offs.push(transport.on('boardChanged', (b) => board.onChanged(b)));
  const bindings = useBindingsStore();
  offs.push(transport.on('boardBindings', (e) => bindings.receive(e)));
  offs.push(transport.on('labPlaces', (s) => lab.onPlaces(s)));

  // Each tab's session gets a 'comparison' annotation that follows its verdicts: soon after they change
  // once the boot has ended, at most every ANNOTATE_MS while it streams (a session file grows by each one).
  const ANNOTATE_MS = 5000;
  const annotated = new Map<number, string>();
  const annotateTimers = new Map<number, ReturnType<typeof setTimeout>>();
  /** Each tab's last summary (and whether its boot had ended), so an unchanged one schedules nothing. */
  const lastSummary = new Map<number, string>();
  const annotate = async (tab: number) => {
    annotateTimers.delete(tab);
    const sessionId = conn.tabs.find((t) => t.key === tab)?.status?.sessionId;
    if (!sessionId || !board.byTab.get(tab)) return;
    const report = await requestReport(tab);
    if (!report) return;
    const key = JSON.stringify([sessionId, report.comparison.summary, report.comparison.devices.map((d) => d.verdict)]);
    if (key === annotated.get(tab)) return;
    annotated.set(tab, key);
    await useApi()
      .annotateSession(sessionId, 'comparison', report)
      .catch(() => undefined);
  };
  const scheduleAnnotation = (tab: number, ended: boolean) => {
    const timer = annotateTimers.get(tab);
    if (timer && !ended) return;
    if (timer) clearTimeout(timer);
    annotateTimers.set(
      tab,
      setTimeout(() => void annotate(tab), ended ? 200 : ANNOTATE_MS),
    );
  };
  function forgetAnnotations(tab: number) {
    const timer = annotateTimers.get(tab);
    if (timer) clearTimeout(timer);
    annotateTimers.delete(tab);
    annotated.delete(tab);
    lastSummary.delete(tab);
  }
  offs.push(
    engine.onMessage((msg) => {
      if (msg.type !== 'prediction' && msg.type !== 'live') return;
      const ended = msg.type === 'live' && msg.boot.ended !== null;
      const key = JSON.stringify([msg.summary, ended]);
      if (key === lastSummary.get(msg.tab)) return;
      lastSummary.set(msg.tab, key);
      scheduleAnnotation(msg.tab, ended);
    }),
  );
  // A recording that starts after the verdicts settled gets them too.
  offs.push(
    watch(
      () => conn.tabs.map((t) => `${t.key}:${t.status?.sessionId ?? ''}`).join(' '),
      () => {
        for (const t of conn.tabs) if (t.status?.sessionId && board.byTab.get(t.key)) scheduleAnnotation(t.key, probe.byTab.get(t.key)?.boot?.ended != null);
      },
    ),
  );
  offs.push(() => {
    for (const t of annotateTimers.values()) clearTimeout(t);
    annotateTimers.clear();
  });

  // The session's 'bindings' annotation: the findings of the board as it was checked, once per session
  // and check, so the HTML and JSON exports carry them (engine/session report-model).
  let bindingsAnnotated = '';
  offs.push(
    watch(
      () => [bindings.report, board.board?.bindingsCheck, conn.status?.sessionId] as const,
      ([report, check, sessionId]) => {
        if (!report || !check || !sessionId) return;
        const key = `${sessionId}\0${check}`;
        if (key === bindingsAnnotated) return;
        bindingsAnnotated = key;
        void useApi()
          .annotateSession(sessionId, 'bindings', { board: board.board?.request.path ?? null, status: report.status, findings: report.findings })
          .catch(() => undefined);
      },
    ),
  );

  void conn.refreshPorts();
  const url = new URL(window.location.href);
  if (url.searchParams.get('demo') === '1') void startDemo();

  onBeforeUnmount(() => {
    for (const off of offs) off();
    setEngine(null);
    engine.terminate();
  });
}
