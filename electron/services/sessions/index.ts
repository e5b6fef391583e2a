// The session recorder and verbs, plugged into the composition root as
// `createWorkbenchServices({ createSessionService })`.
export { createSessionService, WorkbenchSessionService, boardSnapshotRecords, encodeSessionFile, newSessionId, renderExport, type SessionServiceOptions } from './service';
export { SessionWriter, type SessionWriterOptions, type SessionIdentity } from './writer';
export { readBundleFile, writeBundleFile, openBundleBytes, writeFileAtomic } from './bundle-file';
