// What the JSON, HTML and JUnit exports say about devices: predicted and actual DeviceReports side by
// side with a verdict each. The comparison engine (engine/compare) is an input, read structurally, so the
// exporters never depend on its internals; without one, a plain field-by-field check stands in.
import type { DeviceReport } from '../common';
import type { SessionData } from './session-data';

/** `unobserved`: predicted something the log cannot show either way (engine/compare's word). */
export type Verdict = 'match' | 'mismatch' | 'predicted-only' | 'actual-only' | 'unobserved';

export interface DeviceVerdict {
  name: string;
  node: string | null;
  predicted: DeviceReport | null;
  actual: DeviceReport | null;
  verdict: Verdict;
  /** One sentence per differing field. */
  differences: string[];
  /** The predicted cause of a mismatch, when the comparison names one. */
  cause?: string;
}

/** One probe event on the report's timeline; `t` is kernel time in seconds (printk time). */
export interface TimelineEvent {
  lane: 'predicted' | 'actual';
  t: number;
  device: string;
  kind: string;
  text?: string;
}

export interface ReportInputs {
  title?: string;
  predicted?: readonly DeviceReport[];
  actual?: readonly DeviceReport[];
  /** engine/compare's result, or anything with `devices: [{ name, verdict | match, differences?, cause? }]`. */
  comparison?: unknown;
  timeline?: readonly TimelineEvent[];
}

function obj(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(textOf).join(' ← ');
  const o = obj(v);
  if (o) {
    if (typeof o.subject === 'string' && typeof o.text === 'string') return `${o.subject}: ${o.text}`;
    for (const k of ['text', 'message', 'description', 'summary']) if (typeof o[k] === 'string') return o[k] as string;
    if (typeof o.field === 'string') {
      const note = typeof o.note === 'string' ? ` (${o.note})` : '';
      const minor = o.severity === 'minor' ? ' [minor]' : '';
      return `${o.field}: predicted ${JSON.stringify(o.predicted)}, actual ${JSON.stringify(o.actual)}${note}${minor}`;
    }
  }
  return JSON.stringify(v);
}

function diffReports(p: DeviceReport, a: DeviceReport): string[] {
  const out: string[] = [];
  if (p.state !== a.state) out.push(`state: predicted ${p.state}, actual ${a.state}`);
  if ((p.iommuGroup === null) !== (a.iommuGroup === null)) {
    out.push(`IOMMU: predicted ${p.iommuGroup === null ? 'none' : `group ${p.iommuGroup}`}, actual ${a.iommuGroup === null ? 'none' : `group ${a.iommuGroup}`}`);
  } else if (p.iommuGroup !== a.iommuGroup) out.push(`IOMMU group: predicted ${p.iommuGroup}, actual ${a.iommuGroup}`);
  if ((p.deferrals > 0) !== (a.deferrals > 0)) out.push(`deferred: predicted ${p.deferrals}×, actual ${a.deferrals}×`);
  return out;
}

function verdictFromComparison(entry: Record<string, unknown>): Verdict | null {
  const v = entry.verdict ?? entry.status ?? entry.result;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (s === 'match' || s === 'ok' || s === 'pass' || s === 'same') return 'match';
    if (s === 'unobserved' || s === 'unknown') return 'unobserved';
    if (s.includes('predicted') && s.includes('only')) return 'predicted-only';
    if ((s.includes('actual') || s.includes('live')) && s.includes('only')) return 'actual-only';
    return 'mismatch';
  }
  if (typeof entry.match === 'boolean') return entry.match ? 'match' : 'mismatch';
  return null;
}

/** Pairs predicted and actual devices by name (then by DT node) and gives each pair a verdict. */
export function deviceVerdicts(inputs: ReportInputs): DeviceVerdict[] {
  const predicted = inputs.predicted ?? [];
  const actual = inputs.actual ?? [];
  const byName = new Map<string, DeviceVerdict>();
  const order: DeviceVerdict[] = [];
  for (const p of predicted) {
    const v: DeviceVerdict = { name: p.name, node: p.node, predicted: p, actual: null, verdict: 'predicted-only', differences: [] };
    if (!byName.has(p.name)) byName.set(p.name, v);
    order.push(v);
  }
  const byNode = new Map<string, DeviceVerdict>();
  for (const v of order) if (v.node) byNode.set(v.node, v);
  for (const a of actual) {
    const v = byName.get(a.name) ?? (a.node ? byNode.get(a.node) : undefined);
    if (v && !v.actual) v.actual = a;
    else {
      const nv: DeviceVerdict = { name: a.name, node: a.node, predicted: null, actual: a, verdict: 'actual-only', differences: [] };
      byName.set(a.name, nv);
      order.push(nv);
    }
  }
  for (const v of order) {
    if (v.predicted && v.actual) {
      v.differences = diffReports(v.predicted, v.actual);
      v.verdict = v.differences.length ? 'mismatch' : 'match';
    } else if (v.predicted) v.differences = [`predicted ${v.predicted.state}, not seen in the log`];
    else if (v.actual) v.differences = [`seen in the log (${v.actual.state}), not predicted`];
  }
  // The comparison engine's word wins where it speaks.
  const cmp = obj(inputs.comparison);
  const entries = cmp && Array.isArray(cmp.devices) ? cmp.devices : Array.isArray(inputs.comparison) ? (inputs.comparison as unknown[]) : [];
  for (const raw of entries) {
    const e = obj(raw);
    if (!e || typeof e.name !== 'string') continue;
    let v = byName.get(e.name);
    if (!v) {
      v = { name: e.name, node: typeof e.node === 'string' ? e.node : null, predicted: null, actual: null, verdict: 'mismatch', differences: [] };
      byName.set(e.name, v);
      order.push(v);
    }
    const verdict = verdictFromComparison(e);
    if (verdict) v.verdict = verdict;
    const diffs = e.differences ?? e.mismatches ?? e.diffs;
    if (Array.isArray(diffs)) v.differences = diffs.map(textOf);
    if (!v.predicted && obj(e.predicted)) v.predicted = e.predicted as unknown as DeviceReport;
    if (!v.actual && obj(e.actual)) v.actual = e.actual as unknown as DeviceReport;
    const cause = e.cause ?? e.predictedCause;
    if (cause !== undefined && cause !== null && !(Array.isArray(cause) && cause.length === 0)) v.cause = textOf(cause);
  }
  return order;
}

/** The last annotation of each report kind the renderer stored with annotateSession. */
export function reportInputsFromAnnotations(data: SessionData): ReportInputs {
  const out: ReportInputs = {};
  for (const a of data.annotations) {
    const d = a.detail;
    const devices = (x: unknown): DeviceReport[] | undefined => {
      if (Array.isArray(x)) return x as DeviceReport[];
      const o = obj(x);
      return o && Array.isArray(o.devices) ? (o.devices as DeviceReport[]) : undefined;
    };
    if (a.kind === 'predicted' || a.kind === 'prediction') out.predicted = devices(d) ?? out.predicted;
    else if (a.kind === 'actual' || a.kind === 'live') out.actual = devices(d) ?? out.actual;
    else if (a.kind === 'comparison') out.comparison = d;
    else if (a.kind === 'timeline' && Array.isArray(d)) out.timeline = d as TimelineEvent[];
    else if (a.kind === 'title' && typeof d === 'string') out.title = d;
  }
  return out;
}

export function mergeInputs(base: ReportInputs, over: ReportInputs): ReportInputs {
  return { ...base, ...Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) };
}
