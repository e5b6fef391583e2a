// The probe board's state for the console tab in front: one row per device (prediction and live side
// by side), the capped event windows for the timeline, and the board's filter/sort/selection. Rows live
// in a shallow array patched in place by the worker's messages; a version counter tells the views to
// re-query. Of the other tabs only what their tab shows is kept (summary, boot, engine error): the
// worker holds each tab's whole board and sends it again when the tab comes to the front (show()).
import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowRef, triggerRef, watch } from 'vue';
import type { Diagnostic } from '../../../engine/common';
import { DEFAULT_QUERY, dependsOnLive, placementChanged, queryRows, summarize, type RowQuery } from '../lib/rows';
import { LIVE_MARK_CAP, type Anchoring, type BootInfo, type DeviceRow, type FromWorker, type RowSummary, type TimelineMark } from '../worker/protocol';

/** What a console tab shows of its board at a glance, whether it is in front or not. */
export interface TabProbe {
  summary: RowSummary;
  boot: BootInfo | null;
  engineError: string | null;
}
const REQUERY_MS = 150;

export const useProbeStore = defineStore('probe', () => {
  /** The tab whose board the views show; null until the window says (then every message is shown). */
  const front = ref<number | null>(null);
  /** Each tab's summary, boot and error, kept as its messages arrive. */
  const byTab = reactive(new Map<number, TabProbe>());
  const rows = shallowRef<DeviceRow[]>([]);
  /** The same array as rows.value, read without tracking. */
  let current: DeviceRow[] = [];
  const indexByKey = new Map<string, number>();
  const version = ref(0);
  const summary = shallowRef<RowSummary>(summarize([]));
  const boot = shallowRef<BootInfo | null>(null);
  /** What the live log fixed in the prediction (its command line, module load times). */
  const anchoring = shallowRef<Anchoring>({ cmdline: null, cmdlineFromLog: false, modules: [] });
  const predictedEvents = shallowRef<TimelineMark[]>([]);
  const liveEvents = shallowRef<TimelineMark[]>([]);
  const diagnostics = shallowRef<Diagnostic[]>([]);
  const drivers = shallowRef<string[]>([]);
  const iommus = shallowRef<string[]>([]);
  const predictMs = ref<number | null>(null);
  const lastLiveHostTime = ref(0);
  const engineError = ref<string | null>(null);
  const query = reactive<RowQuery>({ ...DEFAULT_QUERY });
  const selectedKey = ref<string | null>(null);

  /** Bumped when the row list must be re-queried (not for live patches the query cannot see). */
  const queryVersion = ref(0);
  const display = computed(() => {
    void queryVersion.value;
    // The plain array, not the ref: a live patch must not re-query by itself (requery() decides).
    return queryRows(current, query);
  });
  // Re-querying 10,000 rows on every patch of a streaming log is wasted work when the query ignores the
  // live side; when it does not, re-query at most every REQUERY_MS.
  let requeryTimer: ReturnType<typeof setTimeout> | null = null;
  function requery(soon: boolean) {
    if (!soon) {
      if (requeryTimer) clearTimeout(requeryTimer);
      requeryTimer = null;
      queryVersion.value++;
      return;
    }
    if (requeryTimer) return;
    requeryTimer = setTimeout(() => {
      requeryTimer = null;
      queryVersion.value++;
    }, REQUERY_MS);
  }
  watch(query, () => requery(false), { deep: true });

  const selected = computed(() => {
    void version.value;
    const i = selectedKey.value === null ? undefined : indexByKey.get(selectedKey.value);
    return i === undefined ? null : rows.value[i]!;
  });

  function replaceAll(next: DeviceRow[]) {
    indexByKey.clear();
    next.forEach((r, i) => indexByKey.set(r.key, i));
    rows.value = next;
    current = next;
    version.value++;
    requery(false);
  }

  function patch(changed: DeviceRow[], now: number) {
    if (!changed.length) return;
    const arr = rows.value;
    let added = false;
    let moved = false;
    const live = dependsOnLive(query);
    for (const r of changed) {
      r.changedAt = now;
      const i = indexByKey.get(r.key);
      if (i === undefined) {
        indexByKey.set(r.key, arr.length);
        arr.push(r);
        added = true;
      } else {
        if (live && !moved) moved = placementChanged(arr[i]!, r, query);
        arr[i] = r;
      }
    }
    triggerRef(rows);
    version.value++;
    if (added || moved) requery(true);
  }

  function tabProbe(tab: number): TabProbe {
    let t = byTab.get(tab);
    if (!t) {
      byTab.set(tab, { summary: summarize([]), boot: null, engineError: null });
      t = byTab.get(tab)!;
    }
    return t;
  }

  function apply(msg: FromWorker, now = performance.now()) {
    if (msg.type === 'prediction' || msg.type === 'live' || (msg.type === 'error' && msg.tab !== null)) {
      const t = tabProbe(msg.tab!);
      if (msg.type === 'error') t.engineError = msg.message;
      else {
        t.summary = msg.summary;
        t.boot = msg.boot;
        if (msg.type === 'prediction') t.engineError = null;
      }
    }
    if (front.value !== null && msg.tab !== null && msg.tab !== front.value) return;
    switch (msg.type) {
      case 'prediction':
        replaceAll(msg.rows);
        summary.value = msg.summary;
        predictedEvents.value = msg.events;
        diagnostics.value = msg.diagnostics;
        drivers.value = msg.drivers;
        iommus.value = msg.iommus;
        predictMs.value = msg.ms;
        anchoring.value = msg.anchoring;
        boot.value = msg.boot;
        engineError.value = null;
        break;
      case 'live': {
        patch(msg.rows, now);
        summary.value = msg.summary;
        boot.value = msg.boot;
        if (msg.restart) liveEvents.value = [];
        if (msg.events.length) {
          const next = liveEvents.value.concat(msg.events);
          liveEvents.value = next.length > LIVE_MARK_CAP ? next.slice(next.length - LIVE_MARK_CAP) : next;
        }
        lastLiveHostTime.value = msg.lastHostTime;
        break;
      }
      case 'error':
        engineError.value = msg.message;
        break;
      case 'node':
      case 'report':
        break;
    }
  }

  /**
   * Another tab to the front: its rows and marks come from the worker as it sends them again, so
   * nothing of the last tab's board is shown meanwhile. Each tab keeps its own selection.
   */
  const selectedByTab = new Map<number, string | null>();
  function show(tab: number) {
    if (front.value === tab) return;
    if (front.value !== null) selectedByTab.set(front.value, selectedKey.value);
    front.value = tab;
    const t = byTab.get(tab);
    replaceAll([]);
    summary.value = t?.summary ?? summarize([]);
    boot.value = t?.boot ?? null;
    engineError.value = t?.engineError ?? null;
    predictedEvents.value = [];
    liveEvents.value = [];
    diagnostics.value = [];
    drivers.value = [];
    iommus.value = [];
    predictMs.value = null;
    anchoring.value = { cmdline: null, cmdlineFromLog: false, modules: [] };
    selectedKey.value = selectedByTab.get(tab) ?? null;
  }

  /** The tab closed: nothing of it is kept. */
  function forget(tab: number) {
    byTab.delete(tab);
    selectedByTab.delete(tab);
  }

  /** The rows without a reactive dependency (for throttled views). */
  function rowsNow(): readonly DeviceRow[] {
    return current;
  }

  function select(key: string | null) {
    selectedKey.value = key;
  }

  return {
    front,
    byTab,
    rows,
    version,
    summary,
    boot,
    anchoring,
    predictedEvents,
    liveEvents,
    diagnostics,
    drivers,
    iommus,
    predictMs,
    lastLiveHostTime,
    engineError,
    query,
    selectedKey,
    display,
    selected,
    apply,
    show,
    forget,
    select,
    rowsNow,
  };
});
