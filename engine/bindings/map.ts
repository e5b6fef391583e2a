// Places dt-validate's findings on our tree: the node by its path (or, from text output, by name and
// compatible), the property from jsonschema's path or from the message dtschema words for a missing or an
// unexpected property, and the span our compiler kept for it (engine/devicetree: dtc's srcpos).
import type { Diagnostic } from '../common';
import { findNodeByPath, getProperty, nodePath, walk, type DtNode, type DtTree } from '../devicetree';
import type { BindingFinding, BindingsReport, BindingsStatus, RawBindingFinding } from './types';

const SCHEMA_BASE = 'http://devicetree.org/schemas/';
const REQUIRED = /^'([^']+)' is a required property/;
// "Unevaluated properties are not allowed ('foo', 'bar' were unexpected)" / "Additional properties …".
const UNEXPECTED = /properties are not allowed \((.*) (?:was|were) unexpected\)/;
const NO_REGEX = /^'([^']+)' does not match any of the regexes/;
const DEPENDENCY = /^'([^']+)' is a dependency of '([^']+)'/;

function firstCompatible(node: DtNode): string | undefined {
  const p = getProperty(node, 'compatible');
  if (!p || !p.value.length) return undefined;
  const end = p.value.indexOf(0);
  // Compatibles are ASCII (the DT spec's character set for them); no decoder needed.
  return String.fromCharCode(...p.value.subarray(0, end < 0 ? p.value.length : end));
}

/** Text output names a node only by name (and compatible): all nodes that fit, in tree order. */
function nodesByName(tree: DtTree, name: string, compatible: string | undefined): DtNode[] {
  if (name === '/') return [tree.root];
  const out: DtNode[] = [];
  for (const n of walk(tree.root)) if (n.name === name && (compatible === undefined || firstCompatible(n) === compatible)) out.push(n);
  return out;
}

/**
 * The property a finding is about, and whether the schema wants it and the node lacks it. A conditional's
 * message lists its branches one per line ("'interrupts' is a required property" / "'interrupts-extended'
 * …"): the first branch that names a property names it.
 */
function propertyOf(raw: RawBindingFinding): { name?: string; missing?: boolean } {
  const first = raw.propertyPath[0];
  if (typeof first === 'string') return { name: first };
  for (const line of raw.message.split('\n').map((l) => l.trim())) {
    const req = REQUIRED.exec(line) ?? DEPENDENCY.exec(line);
    if (req) return { name: req[1]!, missing: true };
    const un = UNEXPECTED.exec(line);
    const names = un ? [...un[1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!) : [];
    if (names.length) return { name: names[0]! };
    const nr = NO_REGEX.exec(line);
    if (nr) return { name: nr[1]! };
  }
  return {};
}

function place(raw: RawBindingFinding, node: DtNode | undefined, path: string): BindingFinding {
  const f: BindingFinding = { kind: raw.kind, severity: raw.level, nodePath: path, message: raw.message };
  const prop = propertyOf(raw);
  if (prop.name !== undefined) f.property = prop.name;
  if (prop.missing) f.missing = true;
  if (raw.schema !== undefined) {
    f.schemaId = raw.schema;
    f.schema = raw.schema.startsWith(SCHEMA_BASE) ? raw.schema.slice(SCHEMA_BASE.length).replace(/#$/, '') : raw.schema;
  }
  if (raw.compatible !== undefined) f.compatible = raw.compatible;
  if (raw.hint !== undefined) f.hint = raw.hint;
  if (node) {
    // A property that exists points at its own span; a subnode named in the path at the subnode's; a
    // missing property at the node, with every place the node is (re)defined, since any of them may add it.
    const p = prop.name !== undefined && !prop.missing ? getProperty(node, prop.name) : undefined;
    const child = prop.name !== undefined && !p ? node.children.find((c) => c.name === prop.name) : undefined;
    const span = p?.span ?? child?.span ?? node.span;
    if (span) f.span = span;
    if (!p && !child && node.alsoAt?.length) f.alsoAt = node.alsoAt;
  }
  return f;
}

/** Findings on the tree, in dt-validate's order; a text finding naming several nodes goes on each. */
export function mapFindings(raws: RawBindingFinding[], tree: DtTree): BindingFinding[] {
  const out: BindingFinding[] = [];
  const seen = new Set<string>();
  for (const raw of raws) {
    let targets: { node: DtNode | undefined; path: string }[];
    if (raw.kind === 'decode') targets = [{ node: undefined, path: '' }];
    else if (raw.nodePath !== undefined) targets = [{ node: findNodeByPath(tree, raw.nodePath), path: raw.nodePath }];
    else {
      const nodes = nodesByName(tree, raw.nodeName ?? '', raw.compatible);
      targets = nodes.length ? nodes.map((n) => ({ node: n, path: nodePath(n) })) : [{ node: undefined, path: raw.nodeName ?? '' }];
    }
    for (const t of targets) {
      const f = place(raw, t.node, t.path);
      // dt-validate reports some errors twice (once per matching schema branch): keep one.
      const key = `${f.nodePath}\0${f.property ?? ''}\0${f.message}\0${f.schemaId ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(f);
    }
  }
  return out;
}

export function groupByNode(findings: BindingFinding[]): Record<string, BindingFinding[]> {
  const by: Record<string, BindingFinding[]> = {};
  for (const f of findings) (by[f.nodePath] ??= []).push(f);
  return by;
}

export function bindingsReport(status: BindingsStatus, raws: RawBindingFinding[], tree: DtTree): BindingsReport {
  const findings = mapFindings(raws, tree);
  return { status, findings, byNode: groupByNode(findings) };
}

/** How a finding of our own is labelled wherever it shows (device detail, exports, diagnostics). */
export const OWN_CHECK = 'bringup check, not dtschema';

/**
 * A finding in one line, as the device detail and the why chain say it: `missing required property
 * `clocks``, `no schema matches compatible 'arm,pl06l'`, else the property and dt-validate's first line.
 */
export function findingSentence(f: BindingFinding): string {
  if (f.missing && f.property !== undefined) {
    // A oneOf/anyOf conditional lists each branch's property: any one of them would do.
    const alternatives = /^'(?:oneOf|anyOf)' conditional failed/.test(f.message) ? f.message.split('\n').flatMap((l) => REQUIRED.exec(l.trim())?.[1] ?? []) : [];
    const names = alternatives.length > 1 ? alternatives : [f.property];
    return `missing required property ${names.map((n) => `\`${n}\``).join(' or ')}`;
  }
  if (f.kind === 'unmatched') return f.message.replace(/^failed to match any schema with compatible: /, 'no schema matches compatible ');
  // "'oneOf' conditional failed, one must be fixed:" says nothing alone: its branches say what is wrong.
  const [first, ...branches] = f.message.split('\n').map((l) => l.trim());
  const said = /conditional failed, one must be fixed:$/.test(first!) && branches.length ? branches.join('; ') : first!;
  return f.property !== undefined && !said.includes(f.property) ? `\`${f.property}\`: ${said}` : said;
}

/** A finding as a dtc-style diagnostic (code `binding`), for formatDiagnostic and the session's lists. */
export function findingToDiagnostic(f: BindingFinding): Diagnostic {
  let message = f.property !== undefined && !f.message.includes(f.property) ? `${f.property}: ${f.message}` : f.message;
  // dtc prints one line per diagnostic: the conditional's branches go on after it, the schema last.
  message = message.split('\n').join('; ');
  if (f.hint) message += ` (hint: ${f.hint})`;
  if (f.schema) message += ` [${f.schema}]`;
  if (f.origin === 'bringup') message += ` [${OWN_CHECK}]`;
  const d: Diagnostic = { severity: f.severity, code: 'binding', message };
  if (f.nodePath) d.nodePath = f.nodePath;
  if (f.span) d.span = f.span;
  if (f.alsoAt) d.alsoAt = f.alsoAt;
  return d;
}
