// What the JSON, HTML and JUnit exports say about devices: the engine's comparison (engine/compare, the
// one pipeline and the one verdict vocabulary the CLI and the app use), as the app annotated it on the
// session; for a session the app never annotated with one, the engine compares the annotated
// prediction and live states itself. Nothing here decides a verdict of its own. The board's binding
// findings (the app's 'bindings' annotation, engine/bindings) go beside the verdicts of their nodes.
import { findingSentence, OWN_CHECK, type BindingFinding, type BindingsStatus } from '../bindings';
import type { DeviceReport } from '../common';
import { compareDevices, type Comparison, type DeviceComparison, type FieldDifference, type Verdict } from '../compare';
import type { SessionData } from './session-data';

export type { Verdict };

/** One device as the exports print it: the engine's verdict with its differences and cause as sentences. */
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
  /** The binding findings on the device's node, one sentence each (`binding: missing required property `clocks``). */
  bindings?: string[];
}

/** The board's binding check as the app annotated it on the session ('bindings'). */
export interface SessionBindings {
  /** The board file checked. */
  board: string | null;
  status: BindingsStatus;
  /** dt-validate's findings and ours (`origin: 'bringup'`), each with its DTS span. */
  findings: BindingFinding[];
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
  /** engine/compare's result (the app's 'comparison' annotation: `{ comparison, suite }`, or a bare Comparison). */
  comparison?: unknown;
  /** The JUnit suite the comparison reports as (engine/compare junitSuiteName). */
  suite?: string;
  timeline?: readonly TimelineEvent[];
  bindings?: SessionBindings;
}

function obj(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function isComparison(v: unknown): v is Comparison {
  const o = obj(v);
  return !!o && Array.isArray(o.devices) && obj(o.summary) !== null && obj(o.bindOrder) !== null && o.devices.every((d) => typeof obj(d)?.verdict === 'string' && typeof obj(d)?.name === 'string');
}

/** The comparison the exports report: the annotated one, else the engine's over the annotated prediction and live states. */
export function comparisonOf(inputs: ReportInputs): Comparison {
  const c = inputs.comparison;
  if (isComparison(c)) return c;
  const wrapped = obj(c)?.comparison;
  if (isComparison(wrapped)) return wrapped;
  return compareDevices(inputs.predicted ?? [], inputs.actual ?? []);
}

function show(v: FieldDifference['predicted']): string {
  return v === null ? 'none' : String(v);
}

/** A difference in words, with the two reports' numbers where the field is a yes/no. */
function sentence(d: FieldDifference, c: DeviceComparison): string {
  const tail = `${d.note ? ` (${d.note})` : ''}${d.severity === 'minor' ? ' [minor]' : ''}`;
  const group = (r: DeviceReport | null) => (!r || r.iommuGroup === null ? 'none' : `group ${r.iommuGroup}`);
  if (d.field === 'iommu') return `IOMMU: predicted ${group(c.predicted)}, actual ${group(c.actual)}${tail}`;
  if (d.field === 'deferred') return `deferred: predicted ${c.predicted?.deferrals ?? 0}×, actual ${c.actual?.deferrals ?? 0}×${tail}`;
  const what = d.field === 'iommuGroup' ? 'IOMMU group' : d.field;
  return `${what}: predicted ${show(d.predicted)}, actual ${show(d.actual)}${tail}`;
}

function verdictOf(d: DeviceComparison): DeviceVerdict {
  const v: DeviceVerdict = { name: d.name, node: d.node, predicted: d.predicted, actual: d.actual, verdict: d.verdict, differences: d.differences.map((x) => sentence(x, d)) };
  if (d.verdict === 'unobserved' && d.unobserved.length) v.differences.push(`the log cannot show ${d.unobserved.join(', ')}`);
  if (d.cause.length) v.cause = d.cause.map((w) => `${w.subject}: ${w.text}`).join(' ← ');
  return v;
}

/** A finding in one line, as the app's device detail says it, labelled when it is ours. */
export function bindingSentence(f: BindingFinding): string {
  return `binding: ${findingSentence(f)}${f.origin === 'bringup' ? ` (${OWN_CHECK})` : ''}`;
}

/** Every device of the comparison, in its order, with the engine's verdict (and its node's binding findings). */
export function deviceVerdicts(inputs: ReportInputs): DeviceVerdict[] {
  const byNode = new Map<string, string[]>();
  for (const f of inputs.bindings?.findings ?? []) {
    const list = byNode.get(f.nodePath) ?? [];
    list.push(bindingSentence(f));
    byNode.set(f.nodePath, list);
  }
  return comparisonOf(inputs).devices.map((d) => {
    const v = verdictOf(d);
    const b = d.node === null ? undefined : byNode.get(d.node);
    if (b) v.bindings = b;
    return v;
  });
}

/** A 'bindings' annotation, if it has the shape the app writes (a status with a kind, a list of findings on nodes). */
function sessionBindings(d: unknown): SessionBindings | undefined {
  const o = obj(d);
  const status = obj(o?.status);
  if (!o || typeof status?.kind !== 'string' || !Array.isArray(o.findings)) return undefined;
  if (!o.findings.every((f) => typeof obj(f)?.nodePath === 'string' && typeof obj(f)?.message === 'string' && typeof obj(f)?.severity === 'string')) return undefined;
  return { board: typeof o.board === 'string' ? o.board : null, status: status as unknown as BindingsStatus, findings: o.findings as BindingFinding[] };
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
    else if (a.kind === 'comparison') {
      out.comparison = d;
      const suite = obj(d)?.suite;
      if (typeof suite === 'string') out.suite = suite;
    }
    else if (a.kind === 'timeline' && Array.isArray(d)) out.timeline = d as TimelineEvent[];
    else if (a.kind === 'bindings') out.bindings = sessionBindings(d) ?? out.bindings;
    else if (a.kind === 'title' && typeof d === 'string') out.title = d;
  }
  return out;
}

export function mergeInputs(base: ReportInputs, over: ReportInputs): ReportInputs {
  return { ...base, ...Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) };
}
