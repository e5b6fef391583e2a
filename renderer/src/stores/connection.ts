// The serial connection as the connect bar shows it: the port list, the target and settings, the
// live status from the services (connecting / connected / lost / reconnecting / closed) and byte
// counters. Received bytes are never kept here: they flow through lib/engine-link's serial fan-out.
import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowRef } from 'vue';
import {
  DEFAULT_SERIAL_SETTINGS,
  type ConnectionStatus,
  type PortInfo,
  type SerialSettings,
  type SessionSummary,
} from '../../../electron/common/contract';
import { useApi } from '../api';

export const COMMON_BAUDS = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1000000, 1500000, 2000000, 3000000];

export const useConnectionStore = defineStore('connection', () => {
  const ports = shallowRef<PortInfo[]>([]);
  const target = ref('');
  const settings = reactive<SerialSettings>({ ...DEFAULT_SERIAL_SETTINGS });
  const autoReconnect = ref(true);
  const resetLine = ref<'dtr' | 'rts'>('rts');
  const resetMs = ref(100);
  const status = shallowRef<ConnectionStatus | null>(null);
  const session = shallowRef<SessionSummary | null>(null);
  const busy = ref(false);
  const error = ref<string | null>(null);
  /** Bytes/s received, sampled once a second. */
  const rxRate = ref(0);
  /** Bytes this window received and sent on the current connection (the services' counters may lag). */
  const rxBytes = ref(0);
  const txBytes = ref(0);

  const connected = computed(() => status.value !== null && status.value.state !== 'closed');
  const state = computed(() => status.value?.state ?? 'closed');

  async function guard<T>(what: () => Promise<T>): Promise<T | undefined> {
    busy.value = true;
    error.value = null;
    try {
      return await what();
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  async function refreshPorts() {
    const list = await guard(() => useApi().listPorts());
    if (list) ports.value = list;
  }

  async function connect(to = target.value) {
    if (!to.trim()) {
      error.value = 'choose a port, or type a path, tcp://host:port, rfc2217://host:port or labgrid://coordinator/place';
      return;
    }
    target.value = to.trim();
    const st = await guard(() => useApi().connect({ target: target.value, settings: { ...settings }, autoReconnect: autoReconnect.value }));
    if (st) status.value = st;
  }

  async function disconnect() {
    const id = status.value?.connectionId;
    if (!id) return;
    await guard(() => useApi().disconnect(id));
    if (status.value?.connectionId === id) status.value = { ...status.value, state: 'closed' };
  }

  async function applySettings() {
    const id = status.value?.connectionId;
    if (id && connected.value) await guard(() => useApi().updateSettings(id, { ...settings }));
  }

  async function pulseReset() {
    const id = status.value?.connectionId;
    if (id) await guard(() => useApi().pulseSignal(id, resetLine.value, resetMs.value));
  }

  async function sendBreak(ms = 250) {
    const id = status.value?.connectionId;
    if (id) await guard(() => useApi().sendBreak(id, ms));
  }

  async function write(bytes: Uint8Array) {
    const id = status.value?.connectionId;
    if (!id || status.value?.state !== 'connected') return;
    try {
      txBytes.value += bytes.length;
      await useApi().write(id, bytes);
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
    }
  }

  /** From the services' connectionStatus event: only the connection we opened. */
  function onStatus(st: ConnectionStatus) {
    if (status.value && st.connectionId !== status.value.connectionId) return;
    if (!status.value && st.target !== target.value) return;
    status.value = st;
    if (st.error && (st.state === 'lost' || st.state === 'closed')) error.value = st.error;
    else if (st.state === 'connected') error.value = null;
  }

  function onSession(s: SessionSummary) {
    if (!status.value?.sessionId || s.sessionId === status.value.sessionId) session.value = s;
  }

  return {
    ports,
    target,
    settings,
    autoReconnect,
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
    refreshPorts,
    connect,
    disconnect,
    applySettings,
    pulseReset,
    sendBreak,
    write,
    onStatus,
    onSession,
  };
});
