// The what-if panel's settings (kernel, command-line knobs, drivers, IOMMU policy and contexts,
// per-device outcome overrides). Every change is sent to the engine worker at once; predictions
// come back as a new `prediction` message.
import { defineStore } from 'pinia';
import { computed, reactive, toRaw, watch } from 'vue';
import { getEngine } from '../lib/engine-link';
import { cmdlineOf, DEFAULT_WHAT_IF, type DriverAvailability, type OutcomeOverride, type WhatIfOptions } from '../worker/protocol';

function clone(o: WhatIfOptions): WhatIfOptions {
  return JSON.parse(JSON.stringify(toRaw(o))) as WhatIfOptions;
}

export const useWhatIfStore = defineStore('whatIf', () => {
  const options = reactive<WhatIfOptions>(clone(DEFAULT_WHAT_IF));
  const cmdline = computed(() => cmdlineOf(options));
  const changed = computed(
    () =>
      JSON.stringify(options) !== JSON.stringify(DEFAULT_WHAT_IF),
  );

  function send() {
    getEngine()?.post({ type: 'options', options: clone(options) });
  }
  watch(options, send, { deep: true });

  function setDriver(name: string, v: DriverAvailability | null) {
    if (v === null) delete options.drivers[name];
    else options.drivers[name] = v;
  }
  function assume(device: string, v: OutcomeOverride | null) {
    if (v === null) delete options.assume[device];
    else options.assume[device] = v;
  }
  function setContexts(iommu: string, n: number | null) {
    if (n === null || !Number.isFinite(n)) delete options.iommuContexts[iommu];
    else options.iommuContexts[iommu] = n;
  }
  function reset() {
    Object.assign(options, clone(DEFAULT_WHAT_IF));
  }

  return { options, cmdline, changed, send, setDriver, assume, setContexts, reset };
});
