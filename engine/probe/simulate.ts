// The driver core as a deterministic simulation: initcalls in level and link order (init/main.c),
// device_add()/driver_register() matching (drivers/base/bus.c, dd.c __device_attach / __driver_attach),
// really_probe() with its gates (fw_devlink supplier check in core.c, pinctrl, bus dma_configure →
// of_dma_configure → of_iommu_configure), the deferred-probe lists and the timeout (dd.c).
//
// The state machine, as dd.c runs it. A device is added (of_platform_populate) and tried against every
// registered driver of its bus in registration order; a driver is registered and tried against every
// device of its bus in registration order. A try walks really_probe's gates: fw_devlink first (a fwnode
// link to a supplier with no device yet → "wait for supplier", a device link to an unbound supplier →
// "supplier X not ready"), then pinctrl, then DMA configuration, where of_iommu_xlate() asks whether the
// master's IOMMU has registered; if not, driver_deferred_probe_check_state() says defer, or (after
// initcalls_done / the timeout) "ignoring dependency" and the master goes on without the IOMMU. Then the
// driver's own probe (the one thing we cannot see: its outcome is an assumption, ok by default, and it
// defers while a resource it asks for - clock, GPIO, regulator, IRQ - has no bound provider). Any
// -EPROBE_DEFER appends the device to the pending list. Every successful bind triggers: the pending list
// moves to the active list and the deferred work retries it in FIFO order, until nothing is left - but
// triggers do nothing before deferred_probe_initcall() (late_initcall) sets driver_deferred_probe_enable,
// so during initcalls a deferred device is only retried when a matching driver registers. At
// late_initcall: pass 1, initcalls_done, pass 2, then (CONFIG_MODULES) the timeout work is armed;
// each driver registration re-arms it; when it fires it relaxes fw_devlink links to suppliers no driver
// ever matched, makes check_state give up, retries everything and reports what is still pending.
//
// This file runs the phases; the parts, as the kernel files them, are initcalls.ts (init/main.c), dd.ts
// (dd.c, bus.c), devlink.ts (fw_devlink in core.c) and dma-configure.ts (of_iommu.c, iommu.c), each over
// the state in core-state.ts.
// Rules: docs/kernel-model.md, every section (§Population to §Outcomes): the state machine itself.
import type { DtTree } from '../devicetree/index';
import type { PredictOptions } from './options';
import type { KernelProfile } from './profile';
import { powerOffHolderAtBoot } from './power-off';
import { CoreState, type SimulationResult } from './core-state';
import { buildDrivers, runEarlyDeclares, doInitcalls, kernelInit } from './initcalls';
import { computeCycles } from './devlink';

export function simulate(tree: DtTree, profile: KernelProfile, opts: PredictOptions): SimulationResult {
  const core = new CoreState(tree, profile, opts);
  if (!core.index) core.diag('warning', 'no_catalog', 'no driver catalog given: no device can bind');
  buildDrivers(core);
  runEarlyDeclares(core);
  core.powerOffHolder = powerOffHolderAtBoot(core.tree, core.config);
  computeCycles(core);
  core.time = 0.05;
  doInitcalls(core);
  kernelInit(core);
  finish(core);
  return {
    devices: core.devices, events: core.events, diagnostics: core.diagnostics, drivers: core.drivers, disabled: core.disabled,
    early: core.early, knobs: core.knobs, modules: core.modules, systemRunningAt: core.systemRunningAt, lateInitcallAt: core.lateInitcallAt,
    timeoutFiredAt: core.timeoutFiredAt, blacklisted: core.blacklisted, missingModules: core.missingModules,
  };
}

/** The trace ends with the devices no driver ever matched. */
function finish(core: CoreState): void {
  for (const ds of core.devices) {
    if (!ds.driver && !ds.canMatch && !ds.onDeferredList && !ds.failure) core.emit('no-driver', { device: ds.dev.name });
  }
}
