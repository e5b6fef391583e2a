// Reading older session files: one migration per format version, each turning a record of version N
// into records of version N+1, chained up to SESSION_FORMAT_VERSION. Writers only ever write the
// current version; readers never rewrite a file in place (a reopened old file is appended in its own
// version only after migration by copy, see SessionWriter.resume in electron/services/sessions/writer.ts).
import { SESSION_FORMAT_VERSION, type SessionRecord } from './format';

type Migration = (rec: SessionRecord) => SessionRecord[];

/**
 * MIGRATIONS[n] upgrades a record from version n to n+1. Version 1 is the first published format, so
 * the table is empty; the next format change adds `1: (rec) => [...]` here and bumps the version.
 */
export const MIGRATIONS: Readonly<Record<number, Migration>> = {};

export function migrateRecord(rec: SessionRecord, fromVersion: number): SessionRecord[] {
  let recs = [rec];
  for (let v = fromVersion; v < SESSION_FORMAT_VERSION; v++) {
    const m = MIGRATIONS[v];
    if (!m) throw new Error(`no session-format migration from version ${v}`);
    recs = recs.flatMap(m);
  }
  return recs;
}
