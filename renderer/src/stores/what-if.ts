// The what-if settings (kernel, command-line knobs, drivers, IOMMU policy and contexts, per-device
// outcome overrides), one set per console tab since each tab predicts its own board. The panel edits
// the set of the tab in front (`options`). Every change is sent to the engine worker for that tab at
// once; predictions come back as a new `prediction` message.
import { defineStore } from 'pinia';
import { computed, reactive, toRaw, watch } from 'vue';
import { getEngine } from '../lib/engine-link';
import { cmdlineOf, DEFAULT_WHAT_IF, type DriverAvailability, type OutcomeOverride, type WhatIfOptions } from '../worker/protocol';
import { useConnectionStore } from './connection';

function clone(o: WhatIfOptions): WhatIfOptions {
  return JSON.parse(JSON.stringify(toRaw(o))) as WhatIfOptions;
}

export const useWhatIfStore = defineStore('whatIf', () => {
  const conn = useConnectionStore();
  const byTab = new Map<number, { options: WhatIfOptions; stop: () => void }>();

  function send(tab = conn.activeKey) {
    getEngine()?.post({ type: 'options', tab, options: clone(optionsFor(tab)) });
  }

  /** A tab's settings, made from the defaults on first use (and sent to the worker on every change). */
  function optionsFor(tab: number): WhatIfOptions {
    let entry = byTab.get(tab);
    if (!entry) {
      const options = reactive<WhatIfOptions>(clone(DEFAULT_WHAT_IF));
      entry = { options, stop: watch(options, () => send(tab), { deep: true }) };
      byTab.set(tab, entry);
    }
    return entry.options;
  }

  const options = computed(() => optionsFor(conn.activeKey));
  const cmdline = computed(() => cmdlineOf(options.value));
  const changed = computed(() => JSON.stringify(options.value) !== JSON.stringify(DEFAULT_WHAT_IF));

  function setDriver(name: string, v: DriverAvailability | null) {
    if (v === null) delete options.value.drivers[name];
    else options.value.drivers[name] = v;
  }
  function assume(device: string, v: OutcomeOverride | null) {
    if (v === null) delete options.value.assume[device];
    else options.value.assume[device] = v;
  }
  function setContexts(iommu: string, n: number | null) {
    if (n === null || !Number.isFinite(n)) delete options.value.iommuContexts[iommu];
    else options.value.iommuContexts[iommu] = n;
  }
  function reset() {
    Object.assign(options.value, clone(DEFAULT_WHAT_IF));
  }

  /** The tab closed: its settings go. */
  function forget(tab: number) {
    byTab.get(tab)?.stop();
    byTab.delete(tab);
  }

  return { options, cmdline, changed, send, optionsFor, setDriver, assume, setContexts, reset, forget };
});
