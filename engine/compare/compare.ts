// Expected vs actual, device by device: the probe model's prediction (engine/probe) against the live
// state folded from the boot log (engine/bootlog). Fields compared are those the kernel makes visible
// (drivers/base/dd.c bind/deferral lines, drivers/iommu/iommu.c group lines); what the log could not
// show (no dyndbg → no bind lines, no deferral lines) is reported as unobserved, never as a match.
// While a boot streams (a `clock` is given), a difference the kernel may still resolve is `pending`:
// the device's predicted moment lies ahead of the kernel's clock and the boot has not visibly ended.
import type { DeviceReport, DeviceState, WhyStep } from '../common';

/** What the log could show (engine/bootlog LogCoverage); absent means "everything". */
export interface CompareCoverage {
  driverCoreDebug: boolean;
  initcallDebug: boolean;
  deferredListing?: boolean;
  iommuGroupListing?: boolean;
  driverListing?: boolean;
  timeoutReport?: boolean;
}

/** Where a streaming boot is: absent for a finished log (everything is final). */
export interface CompareClock {
  /** The kernel's clock as far as the log shows it (printk seconds), null before the first stamp. */
  kernelTime: number | null;
  /** The boot visibly ended: login prompt, power-off, the stream went quiet, or the user said so. */
  ended: boolean;
}

export interface CompareOptions {
  coverage?: CompareCoverage;
  /** A boot still streaming; absent: the log is complete. */
  clock?: CompareClock;
  /**
   * For a streaming boot: the kernel time (on the log's clock) by which the device's predicted outcome
   * is due, or null while that cannot be told yet. Built by the pipeline (compareBoot, dueTimes).
   */
  dueAt?: (device: string) => number | null;
  /** Most inversions listed (all are counted; the list is the neighbour pairs, see BindOrderComparison). Default 200. */
  maxInversions?: number;
}

export type CompareField = 'presence' | 'state' | 'iommu' | 'iommuGroup' | 'deferred' | 'deferrals' | 'driver';

export interface FieldDifference {
  field: CompareField;
  predicted: string | number | boolean | null;
  actual: string | number | boolean | null;
  /** 'major' makes the device a mismatch; 'minor' is reported but does not (e.g. one retry more). */
  severity: 'major' | 'minor';
  note?: string;
}

export type Verdict =
  | 'match' // every observable field agrees
  | 'mismatch' // a major difference
  | 'pending' // a boot still streaming has not reached the device's predicted moment
  | 'unobserved' // predicted to do something the log cannot show either way
  | 'actual-only'; // in the log, not in the prediction (not a DT device the model creates)

export interface DeviceComparison {
  name: string;
  node: string | null;
  verdict: Verdict;
  predicted: DeviceReport | null;
  actual: DeviceReport | null;
  differences: FieldDifference[];
  /** Fields the log could not show for this device. */
  unobserved: CompareField[];
  /** The prediction's why chain: the predicted cause of any mismatch. */
  cause: WhyStep[];
  /** For `pending`: the kernel time the prediction settles this device (the verdict is due once the clock passes it). */
  dueAt?: number;
}

export interface BindInversion {
  /** Bound before `second` in the prediction, after it in the log. */
  first: string;
  second: string;
  predicted: [number, number];
  actual: [number, number];
}

export interface BindOrderComparison {
  /** Devices bound on both sides with a known bind position. */
  compared: number;
  /** Spearman rank correlation of the two bind orders over the compared devices; null below two. */
  spearman: number | null;
  /** Every pair bound in the opposite order (exact). */
  inversionCount: number;
  /**
   * Pairs neighbouring in the predicted order that the log bound the other way round, biggest jump in the
   * log's order first, at most `maxInversions`: empty exactly when `inversionCount` is 0.
   */
  inversions: BindInversion[];
}

export interface Comparison {
  devices: DeviceComparison[];
  bindOrder: BindOrderComparison;
  summary: Record<Verdict, number> & { total: number };
  /** No device is a mismatch. */
  allMatch: boolean;
}

const FULL: CompareCoverage = { driverCoreDebug: true, initcallDebug: true };
// States with nothing to print: a device the kernel never probes leaves no line.
const SILENT: ReadonlySet<DeviceState> = new Set(['no-driver', 'disabled', 'not-probed']);
const REJECT = new Set([-19, -6]);

export function compareDevices(predicted: readonly DeviceReport[], actual: readonly DeviceReport[], options: CompareOptions = {}): Comparison {
  const coverage = options.coverage ?? FULL;
  const probeLines = coverage.driverCoreDebug || coverage.initcallDebug;
  const actualByName = new Map<string, DeviceReport>();
  const actualByNode = new Map<string, DeviceReport>();
  for (const a of actual) {
    actualByName.set(a.name, a);
    if (a.node) actualByNode.set(a.node, a);
  }
  const used = new Set<DeviceReport>();
  const devices: DeviceComparison[] = [];
  for (const p of predicted) {
    let a = actualByName.get(p.name);
    if (!a && p.node) a = actualByNode.get(p.node);
    if (a && used.has(a)) a = undefined;
    if (a) used.add(a);
    devices.push(a ? comparePair(p, a, coverage) : predictedOnly(p, probeLines, coverage));
  }
  for (const a of actual) {
    if (used.has(a)) continue;
    devices.push(actualOnly(a));
  }
  if (options.clock && !options.clock.ended) for (let i = 0; i < devices.length; i++) devices[i] = holdUntilDue(devices[i]!, options);
  const bindOrder = compareBindOrder(devices, options.maxInversions ?? 200);
  const summary = { total: devices.length, match: 0, mismatch: 0, pending: 0, unobserved: 0, 'actual-only': 0 } as Comparison['summary'];
  for (const d of devices) summary[d.verdict]++;
  return { devices, bindOrder, summary, allMatch: summary.mismatch === 0 };
}

function comparePair(p: DeviceReport, a: DeviceReport, cov: CompareCoverage): DeviceComparison {
  const differences: FieldDifference[] = [];
  const unobserved: CompareField[] = [];
  const evidence = (a as { evidence?: string }).evidence;
  // A device the log only mentions (no probe line) has an unknown outcome unless dd.c debug was on.
  const stateVisible = cov.driverCoreDebug || cov.initcallDebug || (evidence !== undefined && evidence !== 'mention') || a.state === 'bound' || a.state === 'failed' || a.state === 'deferred';
  if (!stateVisible) unobserved.push('state');
  else if (!sameState(p, a)) {
    differences.push({ field: 'state', predicted: p.state, actual: a.state, severity: 'major', ...(a.error ? { note: `error ${a.error}` } : {}) });
  } else if (p.state === 'bound' && p.driver && a.driver && p.driver !== a.driver) {
    differences.push({ field: 'driver', predicted: p.driver, actual: a.driver, severity: 'major' });
  }
  // Group lines are printed at info level whenever a device joins a group: always observable.
  if ((p.iommuGroup === null) !== (a.iommuGroup === null)) {
    differences.push({ field: 'iommu', predicted: p.iommuGroup !== null, actual: a.iommuGroup !== null, severity: 'major' });
  } else if (p.iommuGroup !== null && p.iommuGroup !== a.iommuGroup) {
    differences.push({ field: 'iommuGroup', predicted: p.iommuGroup, actual: a.iommuGroup, severity: 'major' });
  }
  // Deferrals print only under dd.c dyndbg or initcall_debug; a final deferred state shows either way.
  const deferralsVisible = cov.driverCoreDebug || cov.initcallDebug;
  if (!deferralsVisible && !(p.state === 'deferred' || a.state === 'deferred')) unobserved.push('deferred', 'deferrals');
  else if ((p.deferrals > 0) !== (a.deferrals > 0)) {
    if (deferralsVisible) differences.push({ field: 'deferred', predicted: p.deferrals > 0, actual: a.deferrals > 0, severity: 'major' });
    else unobserved.push('deferred', 'deferrals');
  } else if (p.deferrals !== a.deferrals) {
    if (deferralsVisible) differences.push({ field: 'deferrals', predicted: p.deferrals, actual: a.deferrals, severity: 'minor', note: 'how often a device is retried depends on the order other binds trigger the deferred list' });
    else unobserved.push('deferrals');
  }
  const major = differences.some((d) => d.severity === 'major');
  return {
    name: p.name,
    node: p.node ?? a.node,
    verdict: major ? 'mismatch' : 'match',
    predicted: p,
    actual: a,
    differences,
    unobserved,
    cause: major ? p.why : [],
  };
}

/** A difference (or an absence) the kernel may still resolve is held as `pending` until its moment is due. */
function holdUntilDue(d: DeviceComparison, options: CompareOptions): DeviceComparison {
  if (d.verdict === 'match' || d.verdict === 'actual-only' || !d.predicted) return d;
  // A device the log already shows final (failed, or bound) cannot change on its own.
  if (d.actual && (d.actual.state === 'failed' || d.actual.state === 'bound')) return d;
  const due = options.dueAt ? options.dueAt(d.name) : null;
  const now = options.clock!.kernelTime;
  if (due !== null && now !== null && now > due) return d;
  return { ...d, verdict: 'pending', ...(due === null ? {} : { dueAt: due }) };
}

function sameState(p: DeviceReport, a: DeviceReport): boolean {
  if (p.state === a.state) return true;
  // A driver declining its device (-ENODEV/-ENXIO, "rejects match") leaves it driverless, not failed.
  const rejected = (r: DeviceReport) => r.state === 'failed' && r.error !== null && r.error !== undefined && REJECT.has(r.error);
  if ((rejected(a) && p.state === 'no-driver') || (rejected(p) && a.state === 'no-driver')) return true;
  // The log cannot tell "no driver", "never probed" and "not created" apart.
  return SILENT.has(p.state) && SILENT.has(a.state);
}

function predictedOnly(p: DeviceReport, probeLines: boolean, cov: CompareCoverage): DeviceComparison {
  const base = { name: p.name, node: p.node, predicted: p, actual: null, cause: [] as WhyStep[] };
  if (SILENT.has(p.state)) return { ...base, verdict: 'match', differences: [], unobserved: [] };
  // A bound, deferred or failed device leaves a line when dd.c debug is on (and failures always print,
  // deferred devices are listed by the timeout report): absent then means it did not happen.
  const visible = probeLines || (p.state === 'failed' && !(p.error !== null && p.error !== undefined && REJECT.has(p.error))) || (p.state === 'deferred' && !!(cov.timeoutReport || cov.deferredListing));
  if (!visible && p.iommuGroup === null) return { ...base, verdict: 'unobserved', differences: [], unobserved: ['presence', 'state'] };
  const differences: FieldDifference[] = [{ field: 'presence', predicted: p.state, actual: null, severity: 'major', note: 'the log never names this device' }];
  if (p.iommuGroup !== null) differences.push({ field: 'iommu', predicted: true, actual: false, severity: 'major' });
  return { ...base, verdict: 'mismatch', differences, unobserved: [], cause: p.why };
}

function actualOnly(a: DeviceReport): DeviceComparison {
  return { name: a.name, node: a.node, verdict: 'actual-only', predicted: null, actual: a, differences: [], unobserved: [], cause: [] };
}

/**
 * Bind order over the devices bound on both sides. The count is every pair bound in the opposite order
 * (Kendall's discordant pairs), counted by merge sort in O(n log n): a board of 9,000 bound devices has
 * 40M pairs, and the worker recompares on every what-if change. The list is the pairs that are
 * neighbours in the predicted order yet bound the other way round (the permutation's descents): there
 * is one wherever the order breaks, none exactly when nothing is inverted, and at most n-1, so it points
 * at each displaced device without the n² pairs a moved device drags along. Biggest jump in the log's
 * order first, then predicted order; at most `maxInversions`.
 */
function compareBindOrder(devices: readonly DeviceComparison[], maxInversions: number): BindOrderComparison {
  const both = devices.filter((d) => d.predicted?.bindIndex != null && d.actual?.bindIndex != null && d.predicted.state === 'bound' && d.actual.state === 'bound');
  const n = both.length;
  const byPredicted = both.slice().sort((x, y) => x.predicted!.bindIndex! - y.predicted!.bindIndex!);
  const byActual = both.slice().sort((x, y) => x.actual!.bindIndex! - y.actual!.bindIndex!);
  const actualRank = new Map(byActual.map((d, i) => [d, i]));
  // ranks[i]: the log's rank of the device predicted i-th
  const ranks = new Int32Array(n);
  let d2 = 0;
  for (let i = 0; i < n; i++) {
    const r = actualRank.get(byPredicted[i]!)!;
    ranks[i] = r;
    d2 += (i - r) * (i - r);
  }
  const spearman = n >= 2 ? 1 - (6 * d2) / (n * (n * n - 1)) : null;
  const descents: number[] = [];
  for (let i = 0; i + 1 < n; i++) if (ranks[i]! > ranks[i + 1]!) descents.push(i);
  descents.sort((a, b) => ranks[b]! - ranks[b + 1]! - (ranks[a]! - ranks[a + 1]!) || a - b);
  const inversions: BindInversion[] = [];
  for (const i of descents.slice(0, Math.max(0, maxInversions))) {
    const x = byPredicted[i]!;
    const y = byPredicted[i + 1]!;
    inversions.push({ first: x.name, second: y.name, predicted: [x.predicted!.bindIndex!, y.predicted!.bindIndex!], actual: [x.actual!.bindIndex!, y.actual!.bindIndex!] });
  }
  return { compared: n, spearman, inversionCount: countInversions(ranks), inversions };
}

/** Pairs i < j with ranks[i] > ranks[j], by bottom-up merge sort (the input is left untouched). */
export function countInversions(ranks: ArrayLike<number>): number {
  const n = ranks.length;
  let src = Float64Array.from(ranks);
  let dst = new Float64Array(n);
  let count = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (src[j]! < src[i]!) {
          // every element still waiting on the left is greater than this right one
          count += mid - i;
          dst[k++] = src[j++]!;
        } else dst[k++] = src[i++]!;
      }
      while (i < mid) dst[k++] = src[i++]!;
      while (j < hi) dst[k++] = src[j++]!;
    }
    [src, dst] = [dst, src];
  }
  return count;
}
