// The console tabs: each tab is one serial connection as the connect bar shows it (target and settings,
// the live status from the services, byte counters, its recording session). The connect bar and the
// verbs below work on the active tab, so a user with one board sees one console and nothing else; a lab
// opens more tabs, and two of them side by side (`split`). Received bytes are never kept here: they
// flow through lib/engine-link's serial fan-out, tagged with their connection.
import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowRef, type WritableComputedRef } from 'vue';
import {
  DEFAULT_SERIAL_SETTINGS,
  type ConnectionStatus,
  type PortInfo,
  type PowerAction,
  type SerialSettings,
  type SessionSummary,
} from '../../../electron/common/contract';
import { parseLabgridTarget } from '../../../electron/common/labgrid-target';
import { useApi } from '../api';
import { useProbeStore } from './probe';

export const COMMON_BAUDS = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1000000, 1500000, 2000000, 3000000];

/** A power action the user took on a tab's place, as its timeline marks it. */
export interface PowerMark {
  action: PowerAction;
  /** Wall-clock time it was sent (ms since the epoch). */
  at: number;
  /** The tab's stream had shown this many boots then, and its kernel clock stood here (null before a stamp). */
  boots: number;
  kernelTime: number | null;
  /** labgrid-client's answer: null while it runs. */
  ok: boolean | null;
  error?: string;
}

export interface ConsoleTab {
  /** Stable for the tab's life (a connection id changes with every connect). */
  key: number;
  target: string;
  settings: SerialSettings;
  autoReconnect: boolean;
  /** labgrid targets: release the place when this console disconnects (else keep holding it). */
  releaseOnDisconnect: boolean;
  resetLine: 'dtr' | 'rts';
  resetMs: number;
  status: ConnectionStatus | null;
  session: SessionSummary | null;
  busy: boolean;
  error: string | null;
  /** Bytes/s received, sampled once a second. */
  rxRate: number;
  /** Bytes this window received and sent on the current connection (the services' counters may lag). */
  rxBytes: number;
  txBytes: number;
  /** Power actions on this console's place, oldest first (the recording has them as markers too). */
  powerMarks: PowerMark[];
}

/** A tab's short name: the place of a labgrid target, the last part of a path, the host of a network one. */
export function tabTitle(t: Pick<ConsoleTab, 'target' | 'key'>): string {
  const target = t.target.trim();
  if (!target) return `console ${t.key}`;
  const lg = parseLabgridTarget(target);
  if ('value' in lg && lg.value.place) return lg.value.place;
  const net = /^[a-z0-9+]+:\/\/(.+)$/i.exec(target);
  if (net) return net[1]!;
  return target.split('/').pop() || target;
}

export function isOpen(t: ConsoleTab): boolean {
  return t.status !== null && t.status.state !== 'closed';
}

export const useConnectionStore = defineStore('connection', () => {
  const ports = shallowRef<PortInfo[]>([]);
  let nextKey = 1;
  const newTab = (target = ''): ConsoleTab =>
    reactive({
      key: nextKey++,
      target,
      settings: { ...DEFAULT_SERIAL_SETTINGS },
      autoReconnect: true,
      releaseOnDisconnect: false,
      resetLine: 'rts',
      resetMs: 100,
      status: null,
      session: null,
      busy: false,
      error: null,
      rxRate: 0,
      rxBytes: 0,
      txBytes: 0,
      powerMarks: [],
    }) as ConsoleTab;
  const tabs = ref<ConsoleTab[]>([newTab()]);
  const activeKey = ref(tabs.value[0]!.key);
  /** Two consoles side by side: the active tab and `partnerKey`. */
  const split = ref(false);
  const partnerKey = ref<number | null>(null);

  const active = computed(() => tabs.value.find((t) => t.key === activeKey.value) ?? tabs.value[0]!);
  /** The tabs on screen, in tab order: one, or two when split. */
  const shown = computed(() => {
    const partner = split.value ? tabs.value.find((t) => t.key === partnerKey.value && t.key !== activeKey.value) : undefined;
    return tabs.value.filter((t) => t === active.value || t === partner);
  });

  // The active tab's fields, as the connect bar binds them.
  function field<K extends keyof ConsoleTab>(k: K): WritableComputedRef<ConsoleTab[K]> {
    return computed({ get: () => active.value[k], set: (v) => (active.value[k] = v) });
  }
  const target = field('target');
  const settings = computed(() => active.value.settings);
  const autoReconnect = field('autoReconnect');
  const releaseOnDisconnect = field('releaseOnDisconnect');
  const resetLine = field('resetLine');
  const resetMs = field('resetMs');
  const status = field('status');
  const session = field('session');
  const busy = field('busy');
  const error = field('error');
  const rxRate = field('rxRate');
  const rxBytes = field('rxBytes');
  const txBytes = field('txBytes');
  const connected = computed(() => isOpen(active.value));
  const state = computed(() => active.value.status?.state ?? 'closed');
  const isLabgrid = computed(() => /^labgrid:\/\//i.test(active.value.target.trim()));

  async function guard<T>(tab: ConsoleTab, what: () => Promise<T>): Promise<T | undefined> {
    tab.busy = true;
    tab.error = null;
    try {
      return await what();
    } catch (e) {
      tab.error = e instanceof Error ? e.message : String(e);
      return undefined;
    } finally {
      tab.busy = false;
    }
  }

  async function refreshPorts() {
    try {
      ports.value = await useApi().listPorts();
    } catch (e) {
      active.value.error = e instanceof Error ? e.message : String(e);
    }
  }

  async function connect(to?: string, tab: ConsoleTab = active.value) {
    const t = (to ?? tab.target).trim();
    if (!t) {
      tab.error = 'choose a port, or type a path, tcp://host:port, rfc2217://host:port or labgrid://coordinator/place';
      return;
    }
    // The services hand a window the connection it already holds on a target: one tab per target.
    const other = tabs.value.find((x) => x !== tab && x.target.trim() === t && isOpen(x));
    if (other) {
      tab.error = `${t} is open in tab ${tabTitle(other)}`;
      return;
    }
    tab.target = t;
    tab.rxBytes = 0;
    tab.txBytes = 0;
    const st = await guard(tab, () =>
      useApi().connect({ target: t, settings: { ...tab.settings }, autoReconnect: tab.autoReconnect, releaseOnDisconnect: tab.releaseOnDisconnect }),
    );
    if (st) tab.status = st;
  }

  async function disconnect(tab: ConsoleTab = active.value) {
    const id = tab.status?.connectionId;
    if (!id) return;
    await guard(tab, () => useApi().disconnect(id));
    if (tab.status?.connectionId === id) tab.status = { ...tab.status, state: 'closed' };
  }

  async function applySettings() {
    const tab = active.value;
    const id = tab.status?.connectionId;
    if (id && isOpen(tab)) await guard(tab, () => useApi().updateSettings(id, { ...tab.settings }));
  }

  async function applyReleaseOnDisconnect() {
    const tab = active.value;
    const id = tab.status?.connectionId;
    if (id && isOpen(tab) && tab.status?.releaseOnDisconnect !== undefined) await guard(tab, () => useApi().setReleaseOnDisconnect(id, tab.releaseOnDisconnect));
  }

  /** labgrid: the place's power, through the user's labgrid-client; written into the recording. */
  async function power(action: PowerAction) {
    const tab = active.value;
    const id = tab.status?.connectionId;
    if (!id) return;
    const boot = useProbeStore().byTab.get(tab.key)?.boot;
    tab.powerMarks.push({ action, at: Date.now(), boots: boot?.boots ?? 0, kernelTime: boot?.lastKernelTime ?? null, ok: null });
    const mark = tab.powerMarks[tab.powerMarks.length - 1]!;
    const done = await guard(tab, async () => {
      await useApi().power(id, action);
      return true;
    });
    mark.ok = done === true;
    if (!mark.ok) mark.error = tab.error ?? 'failed';
  }

  async function pulseReset() {
    const tab = active.value;
    const id = tab.status?.connectionId;
    if (id) await guard(tab, () => useApi().pulseSignal(id, tab.resetLine, tab.resetMs));
  }

  async function sendBreak(ms = 250) {
    const tab = active.value;
    const id = tab.status?.connectionId;
    if (id) await guard(tab, () => useApi().sendBreak(id, ms));
  }

  async function write(bytes: Uint8Array, tab: ConsoleTab = active.value) {
    const id = tab.status?.connectionId;
    if (!id || tab.status?.state !== 'connected') return;
    try {
      tab.txBytes += bytes.length;
      await useApi().write(id, bytes);
    } catch (e) {
      tab.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** The tab showing a connection, by id. */
  function tabOf(connectionId: string): ConsoleTab | undefined {
    return tabs.value.find((t) => t.status?.connectionId === connectionId);
  }

  /** From the services' connectionStatus event: only connections our tabs opened. */
  function onStatus(st: ConnectionStatus) {
    // Before connect() returns, a tab knows its connection only by the target it is connecting to.
    const tab = tabOf(st.connectionId) ?? tabs.value.find((t) => t.busy && (!t.status || t.status.state === 'closed') && t.target === st.target);
    if (!tab) return;
    tab.status = st;
    if (st.releaseOnDisconnect !== undefined) tab.releaseOnDisconnect = st.releaseOnDisconnect;
    if (st.error && (st.state === 'lost' || st.state === 'closed')) tab.error = st.error;
    else if (st.state === 'connected') tab.error = null;
  }

  function onSession(s: SessionSummary) {
    const tab = tabs.value.find((t) => t.status?.sessionId === s.sessionId) ?? (tabs.value.length === 1 && !tabs.value[0]!.status?.sessionId ? tabs.value[0] : undefined);
    if (tab) tab.session = s;
  }

  // ---- tabs ----------------------------------------------------------------------------------------

  function addTab(target = ''): ConsoleTab {
    const tab = newTab(target);
    // A new console starts from the line settings of the one in front (same lab, same baud).
    tab.settings = { ...active.value.settings };
    tabs.value.push(tab);
    return tabs.value[tabs.value.length - 1]!;
  }

  /** Brings a tab to the front; in a split, a tab not on screen takes the place of the focused one. */
  function select(key: number) {
    if (key === activeKey.value) return;
    if (split.value && key === partnerKey.value) partnerKey.value = activeKey.value;
    activeKey.value = key;
  }

  async function closeTab(key: number) {
    const tab = tabs.value.find((t) => t.key === key);
    if (!tab) return;
    if (isOpen(tab)) await disconnect(tab);
    if (tabs.value.length === 1) {
      // The last console stays, empty: the single-board window always has one.
      Object.assign(tab, { status: null, session: null, error: null, rxBytes: 0, txBytes: 0, rxRate: 0, powerMarks: [] });
      return;
    }
    const i = tabs.value.indexOf(tab);
    tabs.value.splice(i, 1);
    if (partnerKey.value === key) partnerKey.value = null;
    if (activeKey.value === key) {
      activeKey.value = tabs.value[Math.min(i, tabs.value.length - 1)]!.key;
      if (partnerKey.value === activeKey.value) partnerKey.value = null;
    }
    if (tabs.value.length < 2) split.value = false;
  }

  /** Side by side: the active tab and the next one (a new, empty tab when there is only one). */
  function toggleSplit() {
    if (split.value) {
      split.value = false;
      return;
    }
    const others = tabs.value.filter((t) => t.key !== activeKey.value);
    const partner = others.find((t) => t.key === partnerKey.value) ?? others[0];
    if (partner) partnerKey.value = partner.key;
    else {
      // A new, empty console beside this one, in front so the connect bar fills it.
      partnerKey.value = activeKey.value;
      activeKey.value = addTab().key;
    }
    split.value = true;
  }

  /**
   * Opens a target in a console: the tab already on it, else the active tab when it is unused, else
   * a new tab (beside the active one when split). Connects unless it already is.
   */
  async function openConsole(to: string, opts: { releaseOnDisconnect?: boolean } = {}): Promise<ConsoleTab> {
    const t = to.trim();
    let tab = tabs.value.find((x) => x.target.trim() === t && (isOpen(x) || x.busy));
    if (!tab) {
      const unused = !isOpen(active.value) && !active.value.busy && (!active.value.target.trim() || active.value.target.trim() === t);
      tab = unused ? active.value : addTab(t);
      tab.target = t;
      if (opts.releaseOnDisconnect !== undefined) tab.releaseOnDisconnect = opts.releaseOnDisconnect;
    }
    // In a split, the console opened goes in front and the one that was there stays beside it.
    if (split.value && tab.key !== activeKey.value && tab.key !== partnerKey.value) partnerKey.value = activeKey.value;
    select(tab.key);
    if (!isOpen(tab) && !tab.busy) await connect(t, tab);
    return tab;
  }

  return {
    ports,
    tabs,
    activeKey,
    active,
    split,
    partnerKey,
    shown,
    target,
    settings,
    autoReconnect,
    releaseOnDisconnect,
    resetLine,
    resetMs,
    status,
    session,
    busy,
    error,
    rxRate,
    rxBytes,
    txBytes,
    connected,
    state,
    isLabgrid,
    refreshPorts,
    connect,
    disconnect,
    applySettings,
    applyReleaseOnDisconnect,
    power,
    pulseReset,
    sendBreak,
    write,
    tabOf,
    onStatus,
    onSession,
    addTab,
    select,
    closeTab,
    toggleSplit,
    openConsole,
  };
});
