// The worker's seam to the engine's comparison pipeline (engine/compare: anchorToLog, compareDevices
// with a streaming clock, dueTimes — what `bringup compare` runs): turns the what-if settings into
// engine/probe's PredictOptions anchored to what the live log revealed, and the engine's per-device
// verdicts (one vocabulary) into probe-board rows. The views depend on protocol.ts alone.
import type { LiveDeviceReport, LogCoverage } from '../../../engine/bootlog';
import type { Diagnostic } from '../../../engine/common';
import { anchorToLog, compareDevices, dueTimes, type CompareClock, type Comparison, type DeviceComparison, type FieldDifference, type LogFacts } from '../../../engine/compare';
import { nodePath, walk, type DtTree } from '../../../engine/devicetree';
import {
  parseAssumedOutcome,
  parseKernelConfig,
  predict,
  type Assumption,
  type DriverCatalog,
  type DriverOverride,
  type IommuPolicy,
  type PredictedDevice,
  type PredictOptions,
  type Prediction,
  type ProbeEvent,
} from '../../../engine/probe';
import { cmdlineOf, type Anchoring, type RowField, type DeviceRow, type TimelineMark, type TimelineKind, type WhatIfOptions } from './protocol';

/** A prediction as the views need it: devices, timeline marks and what the log anchored, beside the engine's own. */
export interface PredictionView {
  devices: PredictedDevice[];
  timeline: TimelineMark[];
  diagnostics: Diagnostic[];
  drivers: string[];
  iommus: string[];
  /** The engine's result (events, milestones): what due times are measured from. */
  engine: Prediction;
  /** What the live log fixed in the options: its command line, module load times. */
  anchoring: Anchoring;
}

/** The board's .config parsed once per text: every what-if re-predicts with the same one, and the engine
 *  caches driver availability per parsed config object. */
let lastConfig: { text: string; parsed: ReturnType<typeof parseKernelConfig> } | null = null;
function parsedConfig(text: string): ReturnType<typeof parseKernelConfig> {
  if (lastConfig?.text !== text) lastConfig = { text, parsed: parseKernelConfig(text) };
  return lastConfig.parsed;
}

export function predictOptions(o: WhatIfOptions, catalog: DriverCatalog | null, config: string | undefined): { options: PredictOptions; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const assume: Assumption[] = [];
  for (const [target, text] of Object.entries(o.assume)) {
    const outcome = parseAssumedOutcome(text);
    if (outcome) assume.push({ target, outcome });
    else diagnostics.push({ severity: 'warning', code: 'bad_assumption', message: `cannot read outcome "${text}" for ${target}` });
  }
  const drivers: Record<string, DriverOverride> = {};
  for (const [name, v] of Object.entries(o.drivers)) drivers[name] = v === 'absent' ? 'missing' : v;
  const iommuPolicy: Record<string, IommuPolicy> = { '*': o.iommuPolicy, ...o.iommuPolicyPerMaster };
  const options: PredictOptions = {
    kernel: o.kernel,
    catalog,
    config: config ? parsedConfig(config) : null,
    cmdline: cmdlineOf(o),
    modulesLoaded: o.modulesLoaded,
    assume,
    drivers,
    nodeStatus: o.nodeStatus,
    iommuPolicy,
    iommuContexts: o.iommuContexts,
  };
  return { options, diagnostics };
}

/** The what-if options anchored to the live log, as `bringup compare` anchors its flags (engine/compare anchorToLog). */
export function anchoredOptions(o: WhatIfOptions, catalog: DriverCatalog | null, config: string | undefined, facts: LogFacts, live: readonly LiveDeviceReport[]): { options: PredictOptions; diagnostics: Diagnostic[]; anchoring: Anchoring } {
  const { options, diagnostics } = predictOptions(o, catalog, config);
  const a = anchorToLog(options, facts, live);
  return { options: a.options, diagnostics, anchoring: { cmdline: a.options.cmdline ?? null, cmdlineFromLog: a.cmdlineFromLog, modules: a.anchoredModules } };
}

export function runPredict(tree: DtTree, o: WhatIfOptions, catalog: DriverCatalog | null, config: string | undefined, facts: LogFacts, live: readonly LiveDeviceReport[]): PredictionView {
  const { options, diagnostics, anchoring } = anchoredOptions(o, catalog, config, facts, live);
  const r = predict(tree, options);
  const drivers = new Set<string>();
  for (const d of r.value.devices) if (d.driver) drivers.add(d.driver);
  const iommus: string[] = [];
  for (const n of walk(tree.root)) if (n.properties.some((p) => p.name === '#iommu-cells')) iommus.push(nodePath(n));
  return {
    devices: r.value.devices,
    timeline: predictedTimeline(r.value.events),
    diagnostics: [...diagnostics, ...r.diagnostics],
    drivers: [...drivers].sort(),
    iommus,
    engine: r.value,
    anchoring,
  };
}

/** The predicted trace as timeline marks on the modelled kernel-time axis. */
export function predictedTimeline(events: readonly ProbeEvent[]): TimelineMark[] {
  const out: TimelineMark[] = [];
  for (const e of events) {
    let kind: TimelineKind | null;
    switch (e.kind) {
      case 'probe-attempt':
        kind = 'probe';
        break;
      case 'deferred':
        kind = 'defer';
        break;
      case 'retry':
        kind = 'retry';
        break;
      case 'bound':
        kind = 'bind';
        break;
      case 'failed':
      case 'rejected':
        kind = 'fail';
        break;
      case 'iommu-attach':
        kind = 'iommu';
        break;
      case 'ignoring-dependency':
        kind = 'timeout';
        break;
      case 'late-initcall':
        kind = 'mark';
        break;
      default:
        kind = null;
    }
    if (!kind) continue;
    const text = kind === 'mark' ? 'late_initcall' : (e.text ?? `${e.kind}${e.reason ? `: ${e.reason}` : ''}`);
    out.push({ side: 'predicted', device: e.device ?? '', kind, t: e.time, seq: e.step, text });
  }
  return out;
}

function keyOf(d: { name: string; node: string | null }): string {
  return d.node ?? `dev:${d.name}`;
}

function fieldOf(f: FieldDifference['field']): RowField | null {
  switch (f) {
    case 'state':
    case 'presence':
      return 'state';
    case 'driver':
      return 'driver';
    case 'iommu':
    case 'iommuGroup':
      return 'iommuGroup';
    case 'deferred':
    case 'deferrals':
      return 'deferrals';
  }
}

function show(v: string | number | boolean | null): string {
  if (v === null) return 'none';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

function describe(diffs: readonly FieldDifference[]): string {
  return diffs
    .map((d) => {
      const what = d.field === 'iommu' ? 'IOMMU' : d.field === 'presence' ? 'in log' : d.field;
      return `${what}: predicted ${show(d.predicted)}, live ${show(d.actual)}`;
    })
    .join(' · ');
}

export interface LiveContext {
  coverage: LogCoverage;
  /** Where the boot is (the kernel's clock, whether it visibly ended); the engine holds what is not due as pending. */
  clock: CompareClock;
  /** What the log revealed so far (userspace start): due times are measured from it. */
  facts: LogFacts;
}

export interface RowsResult {
  rows: DeviceRow[];
  spearman: number | null;
  inversions: number;
  /** Devices in a listed bind-order inversion (their order cells get the minor mark). */
  inverted: Set<string>;
  /** The engine's comparison the rows were made from (for session annotations and exports). */
  comparison: Comparison | null;
}

function compareOptions(prediction: PredictionView, ctx: LiveContext) {
  return { coverage: ctx.coverage, clock: ctx.clock, dueAt: dueTimes(prediction.engine, ctx.facts) };
}

function rowFromComparison(c: DeviceComparison, inverted: ReadonlySet<string>): DeviceRow {
  const row: DeviceRow = {
    key: keyOf(c),
    name: c.name,
    node: c.node,
    predicted: c.predicted,
    live: c.actual,
    verdict: c.verdict,
    differs: [],
    minor: [],
  };
  if (c.dueAt !== undefined) row.dueAt = c.dueAt;
  for (const d of c.differences) {
    const f = fieldOf(d.field);
    if (!f) continue;
    (d.severity === 'major' ? row.differs : row.minor).push(f);
  }
  if (inverted.has(c.name)) row.minor.push('bindIndex');
  if (row.verdict !== 'mismatch' && row.verdict !== 'match') {
    // One side only (or not yet): the row itself is the finding; there is no pair of cells to contrast.
    row.differs = [];
    row.minor = [];
  }
  const notes = c.differences.filter((d) => row.verdict !== 'pending' && (d.severity === 'major' || d.field === 'deferrals'));
  if (notes.length) row.note = describe(notes);
  return row;
}

function liveOnlyRow(l: LiveDeviceReport): DeviceRow {
  return { key: keyOf(l), name: l.name, node: l.node, predicted: null, live: l, verdict: 'actual-only', differs: [], minor: [] };
}

/**
 * Rows for changed live devices only, between full comparisons: each live device is paired the way
 * compareDevices pairs (by name, else by DT node) and compared on its own. Bind-order inversions come
 * from the last full comparison (`inverted`), as they need every device.
 */
export function rowsForLive(prediction: PredictionView | null, changed: LiveDeviceReport[], ctx: LiveContext, inverted: ReadonlySet<string>, index: PairIndex): DeviceRow[] {
  if (!prediction) return changed.map(liveOnlyRow);
  const opts = compareOptions(prediction, ctx);
  const out: DeviceRow[] = [];
  for (const a of changed) {
    const p = index.byName.get(a.name) ?? (a.node ? index.byNode.get(a.node) : undefined);
    const cmp = compareDevices(p ? [p] : [], [a], opts);
    out.push(rowFromComparison(cmp.devices[0]!, inverted));
  }
  return out;
}

export interface PairIndex {
  byName: Map<string, PredictedDevice>;
  byNode: Map<string, PredictedDevice>;
}

export function pairIndex(prediction: PredictionView | null): PairIndex {
  const byName = new Map<string, PredictedDevice>();
  const byNode = new Map<string, PredictedDevice>();
  for (const p of prediction?.devices ?? []) {
    byName.set(p.name, p);
    if (p.node) byNode.set(p.node, p);
  }
  return { byName, byNode };
}

/** Rows for the board: the comparison of prediction and live states, or live rows alone without a board. */
export function buildRows(prediction: PredictionView | null, live: LiveDeviceReport[], ctx: LiveContext): RowsResult {
  if (!prediction) return { rows: live.map(liveOnlyRow), spearman: null, inversions: 0, inverted: new Set(), comparison: null };
  const cmp: Comparison = compareDevices(prediction.devices, live, compareOptions(prediction, ctx));
  const inverted = new Set<string>();
  for (const inv of cmp.bindOrder.inversions) {
    inverted.add(inv.first);
    inverted.add(inv.second);
  }
  const rows = cmp.devices.map((c) => rowFromComparison(c, inverted));
  // Two rows must never share a key (a live name mapped to a node the prediction also has).
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.key)) r.key = `dev:${r.name}`;
    seen.add(r.key);
  }
  return { rows, spearman: cmp.bindOrder.spearman, inversions: cmp.bindOrder.inversionCount, inverted, comparison: cmp };
}
