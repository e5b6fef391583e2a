// JUnit XML export: one <testcase> per device (the Jenkins/Ant JUnit layout CI servers read), failing
// when predicted and actual disagree. Every string is XML-escaped and characters XML 1.0 cannot carry
// (NUL and other C0 controls, lone surrogates, U+FFFE/U+FFFF) are replaced, so any log or DTS name is safe.
import { deviceVerdicts, type DeviceVerdict, type ReportInputs } from './report-model';
import type { SessionData } from './session-data';

// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function xmlEscape(text: string): string {
  return text
    .replace(XML_INVALID, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function describe(d: DeviceVerdict['predicted']): string {
  if (!d) return 'absent';
  const g = d.iommuGroup === null ? 'no IOMMU group' : `IOMMU group ${d.iommuGroup}`;
  return `${d.state}, ${g}, ${d.deferrals} deferral(s), bind index ${d.bindIndex ?? '-'}`;
}

export interface JunitOptions {
  /** testsuite name; defaults to `bringup.<target or session id>`. */
  suiteName?: string;
  /** Timestamp of the run (ISO 8601 without zone, as the schema wants); defaults to the session start. */
  timestamp?: string;
  hostname?: string;
}

export function exportJunit(data: SessionData, inputs: ReportInputs, opts: JunitOptions = {}): string {
  const verdicts = deviceVerdicts(inputs);
  const suite = opts.suiteName ?? `bringup.${data.target ?? data.sessionId}`;
  const failures = verdicts.filter((v) => v.verdict !== 'match' && v.verdict !== 'unobserved').length;
  const skipped = verdicts.filter((v) => v.verdict === 'unobserved').length;
  const iso = Number.isFinite(data.startedAt) ? new Date(data.startedAt).toISOString().slice(0, 19) : '1970-01-01T00:00:00';
  const ts = opts.timestamp ?? iso;
  const classname = xmlEscape(suite);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="${xmlEscape(inputs.title ?? 'bringup compare')}" tests="${verdicts.length}" failures="${failures}" errors="0" time="0">`);
  out.push(
    `  <testsuite name="${xmlEscape(suite)}" tests="${verdicts.length}" failures="${failures}" errors="0" skipped="${skipped}" time="0" timestamp="${xmlEscape(ts)}" hostname="${xmlEscape(opts.hostname ?? 'localhost')}" id="0" package="bringup">`,
  );
  out.push('    <properties>');
  out.push(`      <property name="session" value="${xmlEscape(data.sessionId)}"/>`);
  if (data.target) out.push(`      <property name="target" value="${xmlEscape(data.target)}"/>`);
  if (data.board?.contentHash) out.push(`      <property name="dt.contentHash" value="${xmlEscape(data.board.contentHash)}"/>`);
  out.push('    </properties>');
  for (const v of verdicts) {
    const name = xmlEscape(v.node ? `${v.name} (${v.node})` : v.name);
    if (v.verdict === 'match') {
      out.push(`    <testcase name="${name}" classname="${classname}" time="0"/>`);
      continue;
    }
    if (v.verdict === 'unobserved') {
      out.push(`    <testcase name="${name}" classname="${classname}" time="0">`);
      out.push(`      <skipped message="${xmlEscape(`the log cannot show this device's predicted outcome (predicted: ${describe(v.predicted)})`)}"/>`);
      out.push('    </testcase>');
      continue;
    }
    const message = xmlEscape(v.differences[0] ?? v.verdict);
    const body = [`verdict: ${v.verdict}`, `predicted: ${describe(v.predicted)}`, `actual: ${describe(v.actual)}`, ...v.differences.map((d) => `- ${d}`)];
    if (v.cause) body.push(`predicted cause: ${v.cause}`);
    out.push(`    <testcase name="${name}" classname="${classname}" time="0">`);
    out.push(`      <failure message="${message}" type="${xmlEscape(v.verdict)}">${xmlEscape(body.join('\n'))}</failure>`);
    out.push('    </testcase>');
  }
  out.push('    <system-out></system-out>');
  out.push('    <system-err></system-err>');
  out.push('  </testsuite>');
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
