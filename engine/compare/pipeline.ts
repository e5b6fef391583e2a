// The one comparison pipeline, board + boot log → verdicts, used by `bringup compare`, the app's engine
// worker and session exports. What the log reveals about the kernel that ran re-anchors the prediction
// first: its command line (init/main.c "Kernel command line:"), the PCI functions it enumerated, and
// when userspace loaded each module (a module's driver first named after "Run /init"), which moves the
// deferred-probe timeout the way driver_deferred_probe_extend_timeout() (drivers/base/dd.c) does.
import type { BootEvent, LiveDeviceReport, LogCoverage } from '../bootlog';
import { LiveState, nodeIndexFromDevices } from '../bootlog';
import type { Diagnostic } from '../common';
import type { DtTree } from '../devicetree';
import { availabilityFromConfig, CatalogIndex, predict, type ModuleLoad, type PciFunctionSpec, type PredictOptions, type Prediction, type ProbeEvent } from '../probe';
import { compareDevices, type CompareClock, type Comparison } from './compare';

const BDF = /^[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
/** init/main.c kernel_init(): printed after every initcall, late_initcall's deferred pass included. */
const RUN_INIT = /^Run \S+ as init process/;
/** kernel/reboot.c: the kernel's last words when it powers off, halts or restarts. */
const REBOOT = /^reboot: (Power down|Restarting system|System halted)/;

/** What a boot log says about the kernel that printed it, folded as it streams. */
export class LogFacts {
  /** The first `Kernel command line:`, null until seen. */
  cmdline: string | null = null;
  /** Kernel time of "Run /init as init process", null until seen. */
  userspaceAt: number | null = null;
  /** The last printk time seen. */
  kernelTime: number | null = null;
  /** Why the boot visibly ended (`login prompt`, `power-off`), null while it runs. */
  ended: string | null = null;
  /** Driver → kernel time the log first names it after userspace started (a module load). */
  readonly driversAfterInit = new Map<string, number>();
  private readonly driversBeforeInit = new Set<string>();

  apply(events: readonly BootEvent[]): void {
    for (const e of events) {
      if (e.kernelTime !== null) this.kernelTime = e.kernelTime;
      switch (e.kind) {
        case 'cmdline':
          if (this.cmdline === null) this.cmdline = e.cmdline;
          break;
        case 'login-prompt':
          this.ended ??= 'login prompt';
          break;
        case 'text':
          if (this.userspaceAt === null && RUN_INIT.test(e.text)) this.userspaceAt = e.kernelTime ?? this.kernelTime ?? 0;
          else if (REBOOT.test(e.text)) this.ended ??= 'power-off';
          break;
      }
      const driver = 'driver' in e && typeof e.driver === 'string' ? e.driver : null;
      if (driver && e.kind !== 'driver-listing') {
        if (this.userspaceAt === null) this.driversBeforeInit.add(driver);
        else if (!this.driversBeforeInit.has(driver) && !this.driversAfterInit.has(driver) && e.kernelTime !== null) this.driversAfterInit.set(driver, e.kernelTime);
      }
    }
  }
}

/** The PCI functions the log names (its live devices with a bus address), with the driver bound to each. */
export function pciFunctionsOf(live: readonly LiveDeviceReport[]): PciFunctionSpec[] {
  return live.filter((d) => BDF.test(d.name)).map((d) => ({ bdf: d.name, driver: d.state === 'bound' ? d.driver : null }));
}

export interface LogAnchoring {
  /** Use the log's command line when the options give none (default true). */
  cmdline?: boolean;
  /** Use the PCI functions the log names when the options give none (default true). */
  pci?: boolean;
  /** Time module loads by the log (default true). */
  modules?: boolean;
}

export interface AnchoredOptions {
  options: PredictOptions;
  /** The command line came from the log. */
  cmdlineFromLog: boolean;
  /** Modules whose load time the log fixed, `name@seconds`. */
  anchoredModules: string[];
}

/**
 * The prediction's options with what the log revealed. A module's load time is when the log first names
 * one of its drivers after userspace started (the load itself prints nothing); modules the options do not
 * list but the log shows loading (their driver is a module in the kernel's config) are added.
 */
export function anchorToLog(base: PredictOptions, facts: LogFacts, live: readonly LiveDeviceReport[], anchoring: LogAnchoring = {}): AnchoredOptions {
  const options: PredictOptions = { ...base };
  let cmdlineFromLog = false;
  if ((anchoring.cmdline ?? true) && (base.cmdline === undefined || base.cmdline.trim() === '') && facts.cmdline !== null) {
    options.cmdline = facts.cmdline;
    cmdlineFromLog = true;
  }
  if ((anchoring.pci ?? true) && !base.pciFunctions?.length) {
    const pci = pciFunctionsOf(live);
    if (pci.length) options.pciFunctions = pci;
  }
  const anchoredModules: string[] = [];
  if ((anchoring.modules ?? true) && base.catalog && facts.driversAfterInit.size) {
    const index = CatalogIndex.for(base.catalog);
    const norm = (m: string) => m.replace(/-/g, '_');
    const loadAt = new Map<string, number>();
    for (const [driver, t] of facts.driversAfterInit) {
      for (const d of index.byName.get(driver) ?? []) {
        if (availabilityFromConfig(d.kconfig, base.config ?? null) !== 'module' && !(base.modulesLoaded ?? []).some((m) => norm(typeof m === 'string' ? m : m.name) === norm(d.module))) continue;
        const m = norm(d.module);
        loadAt.set(m, Math.min(loadAt.get(m) ?? Number.POSITIVE_INFINITY, t));
      }
    }
    const loads: (string | ModuleLoad)[] = [];
    for (const m of base.modulesLoaded ?? []) {
      const name = typeof m === 'string' ? m : m.name;
      const at = loadAt.get(norm(name));
      // A time the caller gave wins over the log's guess.
      if (at !== undefined && (typeof m === 'string' || m.at === undefined)) {
        loads.push({ ...(typeof m === 'string' ? { name: m } : m), at });
        anchoredModules.push(`${name}@${at}`);
      } else loads.push(m);
      loadAt.delete(norm(name));
    }
    for (const [name, at] of [...loadAt].sort((a, b) => a[1] - b[1])) {
      loads.push({ name, at });
      anchoredModules.push(`${name}@${at}`);
    }
    options.modulesLoaded = loads;
  }
  return { options, cmdlineFromLog, anchoredModules };
}

/** Device name → the kernel time of its last predicted event: when the prediction settles it. */
export function predictedMoments(events: readonly ProbeEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) if (e.device) out.set(e.device, Math.max(out.get(e.device) ?? 0, e.time));
  return out;
}

/**
 * The model's timing after userspace starts is good to a fraction of a second (the demo's deferred-probe
 * timeout: 8.478 s predicted, 8.483 s printed, once module loads are timed by the log); a verdict waits
 * half a second and a tenth of the interval longer.
 */
function grace(interval: number): number {
  return 0.5 + 0.1 * interval;
}

/**
 * When each device's verdict is due, on the log's clock. The model's early-boot clock does not run at
 * the board's speed, so before userspace the landmark is order, not seconds: every built-in probe and
 * late_initcall's deferred pass are done when the kernel prints "Run /init" (init/main.c waits for
 * them). What the model puts after userspace (module binds, the deferred-probe timeout) is measured
 * from the log's own "Run /init". Null: not due yet as far as the log can tell.
 */
export function dueTimes(prediction: Prediction, facts: LogFacts): (device: string) => number | null {
  const moments = predictedMoments(prediction.events);
  const predictedUserspace = prediction.milestones.userspace;
  return (device) => {
    if (facts.userspaceAt === null) return null;
    const moment = moments.get(device) ?? predictedUserspace;
    if (moment <= predictedUserspace) return facts.userspaceAt;
    const after = moment - predictedUserspace;
    return facts.userspaceAt + after + grace(after);
  };
}

export interface BootComparisonInput {
  tree: DtTree;
  /** One boot's events (engine/bootlog, parsed with `emitText` so "Run /init" and power-off are seen), in order. */
  events: readonly BootEvent[];
  options: PredictOptions;
  anchoring?: LogAnchoring;
  /** The boot is still streaming: hold what the kernel may still resolve as `pending`. Absent: the log is complete. */
  clock?: CompareClock;
}

export interface BootComparison {
  prediction: Prediction;
  /** The options the prediction ran with, after anchoring to the log. */
  options: PredictOptions;
  cmdline: string | null;
  cmdlineFromLog: boolean;
  anchoredModules: string[];
  coverage: LogCoverage;
  actual: LiveDeviceReport[];
  comparison: Comparison;
  diagnostics: Diagnostic[];
}

/** Board + log → verdicts, in one call: anchor, predict, fold the log, compare. */
export function compareBoot(input: BootComparisonInput): BootComparison {
  const facts = new LogFacts();
  facts.apply(input.events);
  const live = new LiveState();
  live.apply(input.events);
  const anchored = anchorToLog(input.options, facts, live.devices(), input.anchoring);
  const predicted = predict(input.tree, anchored.options);
  live.setNodeIndex(nodeIndexFromDevices(predicted.value.devices));
  const actual = live.devices();
  const coverage = live.coverage();
  const comparison = compareDevices(predicted.value.devices, actual, {
    coverage,
    ...(input.clock ? { clock: input.clock, dueAt: dueTimes(predicted.value, facts) } : {}),
  });
  return {
    prediction: predicted.value,
    options: anchored.options,
    cmdline: anchored.options.cmdline ?? null,
    cmdlineFromLog: anchored.cmdlineFromLog,
    anchoredModules: anchored.anchoredModules,
    coverage,
    actual,
    comparison,
    diagnostics: predicted.diagnostics,
  };
}
