// JUnit XML for CI (the schema Jenkins/GitLab read: testsuites > testsuite > testcase > failure):
// one testcase per device, a failure per mismatch with the predicted cause in its body. The one JUnit
// writer: `bringup compare --junit` and the session export both call it, so the same board and log
// give the same document.
import type { Comparison, DeviceComparison } from './compare';

export interface JunitOptions {
  /** Local time the comparison ran, `YYYY-MM-DDTHH:MM:SS` (Ant's format, no zone); the engine has no clock. */
  timestamp?: string;
  hostname?: string;
}

/** The suite a comparison reports as: named by the board, so a CI history keeps one suite per board. */
export function junitSuiteName(boardFileName: string): string {
  return `bringup compare ${boardFileName || 'board'}`;
}

/** `YYYY-MM-DDTHH:MM:SS` in UTC (the schema's zone-less timestamp), from milliseconds since the epoch. */
export function junitTimestamp(ms: number): string {
  return Number.isFinite(ms) ? new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19) : '1970-01-01T00:00:00';
}

export function comparisonToJunit(comparison: Comparison, suiteName: string, options: JunitOptions = {}): string {
  const cases = comparison.devices.map(testcase);
  const failures = comparison.devices.filter((d) => d.verdict === 'mismatch').length;
  const skipped = comparison.devices.filter((d) => d.verdict === 'unobserved' || d.verdict === 'pending').length;
  const timestamp = options.timestamp ?? '1970-01-01T00:00:00';
  const hostname = options.hostname || 'localhost';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="bringup compare" tests="${cases.length}" failures="${failures}" errors="0" time="0">`,
    `  <testsuite name="${xml(suiteName || 'compare')}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="0" timestamp="${xml(timestamp)}" hostname="${xml(hostname)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function testcase(d: DeviceComparison): string {
  // Device comparisons take no time of their own; JUnit requires the attribute.
  const open = `    <testcase classname="${xml(d.node || 'log-only')}" name="${xml(d.name || '(unnamed)')}" time="0"`;
  if (d.verdict === 'mismatch') {
    const what = d.differences.filter((x) => x.severity === 'major').map((x) => `${x.field}: predicted ${x.predicted}, actual ${x.actual}`).join('; ');
    const body = [...d.differences.map((x) => `${x.severity} ${x.field}: predicted ${x.predicted}, actual ${x.actual}${x.note ? ` (${x.note})` : ''}`), ...(d.cause.length ? ['predicted because:', ...d.cause.map((w) => `  ${w.subject}: ${w.text}`)] : [])].join('\n');
    return `${open}>\n      <failure message="${xml(what)}" type="mismatch">${xml(body)}</failure>\n    </testcase>`;
  }
  if (d.verdict === 'pending') return `${open}>\n      <skipped message="${xml(`the boot had not reached this device's predicted moment${d.dueAt !== undefined ? ` (${d.dueAt.toFixed(3)} s)` : ''}`)}"/>\n    </testcase>`;
  if (d.verdict === 'unobserved') return `${open}>\n      <skipped message="${xml(`the log cannot show ${d.unobserved.join(', ')}`)}"/>\n    </testcase>`;
  if (d.verdict === 'actual-only') return `${open}>\n      <system-out>${xml(`in the log only: ${d.actual?.state ?? ''}`)}</system-out>\n    </testcase>`;
  return `${open}/>`;
}

function xml(s: string): string {
  // Characters XML 1.0 cannot carry at all are dropped; markup characters are escaped.
  return s.replace(/[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
