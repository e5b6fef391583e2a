// Wires one window together, once: the engine worker, the services' events (serial data, connection
// and session status, board changes) into the stores, and the serial fan-out into the worker. Also
// the two-click flows: open the demo board and connect to its serial line; and the recording session
// annotated with the comparison as it stands, so its exports carry the verdicts the app shows.
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

/** The DT node behind a device, decoded by the worker (properties, source lines, links). */
export function requestNode(path: string): Promise<NodeDetail | null> {
  const engine = getEngine();
  if (!engine) return Promise.resolve(null);
  const requestId = nextRequest++;
  return new Promise((resolve) => {
    pendingNodes.set(requestId, resolve);
    engine.post({ type: 'node', requestId, path });
  });
}

const pendingReports = new Map<number, (r: SessionReport | null) => void>();

/** The comparison as it stands (the worker compares every device for it). */
export function requestReport(): Promise<SessionReport | null> {
  const engine = getEngine();
  if (!engine) return Promise.resolve(null);
  const requestId = nextRequest++;
  return new Promise((resolve) => {
    pendingReports.set(requestId, resolve);
    engine.post({ type: 'report', requestId });
  });
}

/** The user says the boot is over: what is still pending gets its verdict now. */
export function endBoot(): void {
  getEngine()?.post({ type: 'endBoot' });
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
  // The worker starts from the panel's current settings, whatever order board and options arrive in.
  whatIf.send();

  // The probe board follows the tab in front: only its connection's bytes go to the worker. Each
  // connection's last REPLAY_CAP bytes are kept so that bringing another tab to the front rebuilds the
  // board's live half from that tab's own boot.
  const REPLAY_CAP = 4 << 20;
  const replay = new Map<string, { chunks: { bytes: Uint8Array; hostTime: number }[]; bytes: number }>();
  let boardConnection: string | null = null;

  // Chunks for the worker are coalesced: the first after a quiet spell goes at once (a row's delay
  // starts with it), the ones close behind it wait for the end of BATCH_MS, one message per batch.
  const BATCH_MS = 8;
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  let batchTime = 0;
  let batchTimer: ReturnType<typeof setTimeout> | null = null;
  let lastPost = -Infinity;
  const flushBatch = () => {
    batchTimer = null;
    if (!batch.length) return;
    lastPost = performance.now();
    const bytes = batch.length === 1 ? batch[0]! : new Uint8Array(batchBytes);
    if (batch.length > 1) {
      let o = 0;
      for (const b of batch) {
        bytes.set(b, o);
        o += b.length;
      }
    }
    engine.post({ type: 'serial', bytes, hostTime: batchTime });
    batch = [];
    batchBytes = 0;
  };
  const feedEngine = (bytes: Uint8Array, hostTime: number) => {
    // The parser stamps a line with the host time of the chunk holding its first byte: keep the first.
    if (!batch.length) batchTime = hostTime;
    batch.push(bytes);
    batchBytes += bytes.length;
    if (batchTimer) {
      if (batchBytes > 1 << 16) {
        clearTimeout(batchTimer);
        flushBatch();
      }
      return;
    }
    const since = performance.now() - lastPost;
    if (since >= BATCH_MS || batchBytes > 1 << 16) flushBatch();
    else batchTimer = setTimeout(flushBatch, BATCH_MS - since);
  };
  offs.push(
    onSerial((bytes, hostTime, connectionId) => {
      if (connectionId === boardConnection) feedEngine(bytes, hostTime);
    }),
  );
  offs.push(() => {
    if (batchTimer) clearTimeout(batchTimer);
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
    let kept = replay.get(e.connectionId);
    if (!kept) replay.set(e.connectionId, (kept = { chunks: [], bytes: 0 }));
    kept.chunks.push({ bytes: e.bytes, hostTime: e.hostTime });
    kept.bytes += e.bytes.length;
    while (kept.bytes > REPLAY_CAP && kept.chunks.length > 1) kept.bytes -= kept.chunks.shift()!.bytes.length;
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
        for (const id of [...replay.keys()]) if (!ids.has(id)) replay.delete(id);
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
  offs.push(
    watch(
      () => conn.active.status?.connectionId ?? null,
      (id) => {
        if (id === boardConnection) return;
        // Another connection in front (a new connect, or another tab): the live half starts again from
        // that connection's bytes; reconnects of the same one keep it (the parser sees resets).
        if (batchTimer) clearTimeout(batchTimer);
        batchTimer = null;
        batch = [];
        batchBytes = 0;
        boardConnection = id;
        engine.post({ type: 'resetLive' });
        probe.clearLive();
        for (const c of (id && replay.get(id)?.chunks) || []) feedEngine(c.bytes, c.hostTime);
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

  // The session's 'comparison' annotation follows the verdicts: soon after they change once the boot has
  // ended, at most every ANNOTATE_MS while it streams (a session file grows by each one).
  const ANNOTATE_MS = 5000;
  let annotated = '';
  let annotateTimer: ReturnType<typeof setTimeout> | null = null;
  const annotate = async () => {
    annotateTimer = null;
    const sessionId = conn.status?.sessionId;
    if (!sessionId || !board.board) return;
    const report = await requestReport();
    if (!report) return;
    const key = JSON.stringify([sessionId, report.comparison.summary, report.comparison.devices.map((d) => d.verdict)]);
    if (key === annotated) return;
    annotated = key;
    await useApi()
      .annotateSession(sessionId, 'comparison', report)
      .catch(() => undefined);
  };
  offs.push(
    watch(
      () => [probe.summary, probe.boot?.ended ?? null, conn.status?.sessionId] as const,
      ([, ended]) => {
        if (annotateTimer && !ended) return;
        if (annotateTimer) clearTimeout(annotateTimer);
        annotateTimer = setTimeout(() => void annotate(), ended ? 200 : ANNOTATE_MS);
      },
    ),
  );
  offs.push(() => {
    if (annotateTimer) clearTimeout(annotateTimer);
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
