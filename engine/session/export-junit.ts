// JUnit XML export of a session: the engine's one JUnit writer (engine/compare comparisonToJunit, as
// `bringup compare --junit`) over the comparison the app annotated on the session, so the same board and
// log give the same document from either. One <testcase> per device, a <failure> per mismatch.
import { comparisonToJunit, junitSuiteName, junitTimestamp, type JunitOptions } from '../compare';
import { comparisonOf, type ReportInputs } from './report-model';
import type { SessionData } from './session-data';

/** The JUnit writer's options (timestamp defaults to the session start, hostname to `localhost`), and the suite. */
export interface SessionJunitOptions extends JunitOptions {
  /** testsuite name; defaults to the annotated suite, else `bringup compare <board file name>`. */
  suiteName?: string;
}

export function exportJunit(data: SessionData, inputs: ReportInputs, opts: SessionJunitOptions = {}): string {
  const path = (data.board?.request as { path?: unknown } | undefined)?.path;
  const boardFile = typeof path === 'string' ? (path.split('/').pop() ?? '') : '';
  const suite = opts.suiteName ?? inputs.suite ?? junitSuiteName(boardFile);
  return comparisonToJunit(comparisonOf(inputs), suite, { timestamp: opts.timestamp ?? junitTimestamp(data.startedAt), hostname: opts.hostname ?? 'localhost' });
}
