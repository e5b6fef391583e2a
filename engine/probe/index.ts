// Public face of the probe model: predict() runs the driver-core simulation for a resolved tree and a
// kernel description and returns per-device reports plus the ordered trace. Nothing outside
// engine/probe imports deeper than this file.
// Rules: docs/kernel-model.md (overview; this file only wires the sections together).
import type { Diagnostic, Result } from '../common';
import type { DtTree } from '../devicetree/index';
import { CatalogIndex } from './catalog';
import { simulate } from './simulate';
import type { ProbeEvent } from './events';
import type { PredictOptions } from './options';
import { populateDevices as populate, type PlatformDevice, type PopulateOptions } from './populate';
import { kernelProfile, type KernelProfile } from './profile';
import { buildReports, type PredictedDevice } from './report';

export interface Prediction {
  devices: PredictedDevice[];
  events: ProbeEvent[];
  /** The profile the prediction ran with. */
  kernel: string;
  /** Kernel times of the landmarks, seconds. */
  milestones: { lateInitcall: number; userspace: number; timeoutFired: number | null };
}

export function predict(tree: DtTree, options: PredictOptions = {}): Result<Prediction> {
  const profile = options.profile ?? kernelProfile(options.kernel ?? '6.1');
  const sim = simulate(tree, profile, options);
  const index = options.catalog ? CatalogIndex.for(options.catalog) : null;
  const devices = buildReports(sim, index, options, profile);
  const diagnostics: Diagnostic[] = [...sim.diagnostics];
  for (const m of sim.missingModules) diagnostics.push({ severity: 'warning', code: 'unknown_module', message: `module "${m}" has no platform/AMBA/PCI driver in the catalog (loaded, nothing to bind)` });
  return {
    value: {
      devices,
      events: sim.events,
      kernel: profile.version,
      milestones: { lateInitcall: us(sim.lateInitcallAt), userspace: us(sim.systemRunningAt), timeoutFired: sim.timeoutFiredAt === null ? null : us(sim.timeoutFiredAt) },
    },
    diagnostics,
  };
}

/** Kernel times are printed to the microsecond; so are the trace's. */
function us(t: number): number {
  return Math.round(t * 1e6) / 1e6;
}

/** of_platform_populate() as the kernel runs it at boot, with kernel device names. */
export function populateDevices(tree: DtTree, profile: KernelProfile | string = '6.1', opts?: PopulateOptions): PlatformDevice[] {
  return populate(tree, typeof profile === 'string' ? kernelProfile(profile) : profile, opts);
}

export { kernelProfile, KERNEL_VERSIONS, type KernelProfile, type KernelVersion, type FwDevlinkMode } from './profile';
export { catalogVersionFor, decodeCatalog, parseKernelConfig, availabilityFromConfig, CatalogIndex, INITCALL_LEVELS, type DriverCatalog, type CatalogDriver, type KernelConfig, type Availability, type InitcallLevel, type CatalogMachine, type HandMadeChildren, type LookupKind, type ProbeLookup } from './catalog';
export { probeDeferReason } from './probe-errors';
export { armMachineFor } from './machine';
export { parseCmdline, splitCmdline, type CmdlineKnobs } from './cmdline';
export { deviceName, translateFirstReg, mapId, parseBdf, type PlatformDevice, type PciFunctionSpec, type PopulateOptions } from './populate';
export { parseAssumedOutcome, errnoName, errnoFromName, type PredictOptions, type Assumption, type AssumedOutcome, type DriverOverride, type IommuPolicy, type ModuleLoad } from './options';
export type { ProbeEvent, ProbeEventKind } from './events';
export type { PredictedDevice } from './report';
export type { ProbeOutcome, SimDevice } from './core-state';
