// The session service the composition root plugs in (electron/services/index.ts →
// createSessionService): a ByteRecorder that gives each connection its own append-only session file,
// the DT snapshot of the open board, and the contract's session verbs (list, open, import, export,
// annotate). Status (bytes, paused with the reason) goes out as `sessionStatus` events.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { hostname } from 'node:os';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import type { BoardLoaded, ExportRequest, ExportResult, ImportUpload, SessionContents, SessionSummary } from '../../common/contract';
import {
  SESSION_FILE_EXTENSION,
  SessionAssembler,
  SessionDecoder,
  isBundleBytes,
  decodeSession,
  encodeHeader,
  encodeRecord,
  exportHtml,
  exportJson,
  exportJunit,
  exportText,
  importLog,
  mergeInputs,
  reportInputsFromAnnotations,
  sessionToRecords,
  type ReportInputs,
  type SessionData,
  type SessionRecord,
} from '../../../engine/session';
import type { EventHub } from '../events';
import type { ByteRecorder, LineMarkerKind, RecorderConnectionInfo, SessionService, SessionServiceContext } from '../recorder';
import { bundleBytes, openBundleBytes, writeBundleFile, writeFileAtomic } from './bundle-file';
import { ensurePrivateDir, FileRefused, readBoundedFile, readBoundedFileStat, READ_LIMITS, writeUserFile } from '../files';
import { SessionWriter, type SessionWriterOptions } from './writer';

/** DT sources larger than this are referenced by hash only (the DTB is always kept). */
const MAX_SOURCE_BYTES = 4 << 20;
const MAX_SNAPSHOT_BYTES = 32 << 20;

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function newSessionId(now = Date.now()): string {
  const d = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${d}-${randomBytes(3).toString('hex')}`;
}

/** The board snapshot as records: include set with hashes, a content hash over it, the DTB, the sources. */
export async function boardSnapshotRecords(board: BoardLoaded, t: number): Promise<SessionRecord[]> {
  const files = board.files.map((f) => ({ path: f.path, sha256: f.sha256 }));
  const dtbHash = sha256(board.dtb);
  const contentHash = sha256(JSON.stringify({ files: [...files].sort((a, b) => (a.path < b.path ? -1 : 1)), dtb: dtbHash }));
  const out: SessionRecord[] = [{ type: 'board', t, files, contentHash, request: board.request }, { type: 'dtb', t, bytes: board.dtb }];
  let budget = MAX_SNAPSHOT_BYTES;
  for (const f of board.files) {
    // Outside the board's folder and include folders (a hostile `/include/ "/etc/shadow"`): hash only.
    if (f.outsideRoots) continue;
    try {
      const bytes = await readBoundedFile(f.path, MAX_SOURCE_BYTES);
      // Only the content the board was compiled from: a file changed since is left to its hash.
      if (bytes.length > MAX_SOURCE_BYTES || bytes.length > budget || sha256(bytes) !== f.sha256) continue;
      budget -= bytes.length;
      out.push({ type: 'source', t, path: f.path, sha256: f.sha256, bytes });
    } catch {
      // gone since: the hash in the board record still names it
    }
  }
  if (board.config !== undefined) {
    const bytes = new TextEncoder().encode(board.config);
    out.push({ type: 'source', t, path: board.request.configPath ?? 'kernel.config', sha256: sha256(bytes), bytes: new Uint8Array(bytes) });
  }
  return out;
}

export interface SessionServiceOptions {
  writer?: SessionWriterOptions;
  /** Host time source; defaults to Date.now. */
  now?: () => number;
}

export class WorkbenchSessionService implements SessionService {
  readonly recorder: ByteRecorder;
  private readonly dir: string;
  private readonly events: EventHub | undefined;
  private readonly byConnection = new Map<string, SessionWriter>();
  private readonly byId = new Map<string, SessionWriter>();
  private readonly closing = new Set<Promise<void>>();
  private lastBoard: BoardLoaded | undefined;
  private dirReady: Promise<void> | null = null;

  constructor(
    ctx: { sessionsDir: string; events?: EventHub },
    private readonly opts: SessionServiceOptions = {},
  ) {
    this.dir = resolve(ctx.sessionsDir);
    this.events = ctx.events;
    this.recorder = {
      begin: (id, info, t) => this.begin(id, info, t),
      rx: (id, bytes, t) => this.byConnection.get(id)?.rx(bytes, t),
      tx: (id, bytes, t) => this.byConnection.get(id)?.tx(bytes, t),
      marker: (id, kind, t, detail) => void this.marker(id, kind, t, detail),
      end: (id, t) => this.end(id, t),
      board: (board, t) => void this.board(board, t),
    };
  }

  /** The writer recording a connection (tests and the CLI's replay use it). */
  writerFor(connectionId: string): SessionWriter | undefined {
    return this.byConnection.get(connectionId);
  }

  private ensureDir(): Promise<void> {
    this.dirReady ??= ensurePrivateDir(this.dir);
    return this.dirReady;
  }

  private begin(connectionId: string, info: RecorderConnectionInfo, t: number): string {
    const sessionId = newSessionId(t);
    const path = join(this.dir, `${sessionId}${SESSION_FILE_EXTENSION}`);
    // mkdir is async; the writer's first write waits on its open, which this chain orders after mkdir.
    const writer = SessionWriter.create(
      path,
      { sessionId, startedAt: t, target: info.target },
      { ...this.opts.writer, onStatus: (w) => this.emitStatus(w) },
      { connectionId, resolvedPath: info.resolvedPath, settings: info.settings },
    );
    void this.ensureDir();
    this.byConnection.set(connectionId, writer);
    this.byId.set(sessionId, writer);
    if (this.lastBoard) void this.snapshotInto(writer, this.lastBoard, t);
    this.emitStatus(writer);
    return sessionId;
  }

  private async marker(connectionId: string, kind: LineMarkerKind, t: number, detail?: string): Promise<void> {
    const w = this.byConnection.get(connectionId);
    if (!w) return;
    await w.marker(kind, t, detail).catch(() => {});
    this.emitStatus(w);
  }

  private end(connectionId: string, t: number): void {
    const w = this.byConnection.get(connectionId);
    if (!w) return;
    this.byConnection.delete(connectionId);
    const p = w.close(t).finally(() => {
      this.closing.delete(p);
      this.byId.delete(w.identity.sessionId);
    });
    this.closing.add(p);
  }

  private async board(board: BoardLoaded, t: number): Promise<void> {
    this.lastBoard = board;
    await Promise.all([...this.byConnection.values()].map((w) => this.snapshotInto(w, board, t)));
  }

  private async snapshotInto(w: SessionWriter, board: BoardLoaded, t: number): Promise<void> {
    for (const rec of await boardSnapshotRecords(board, t)) w.record(rec);
    await w.durable().catch(() => {});
  }

  private summaryOf(w: SessionWriter): SessionSummary {
    const s: SessionSummary = {
      sessionId: w.identity.sessionId,
      path: w.path,
      startedAt: w.identity.startedAt,
      bytesReceived: w.bytesReceived,
      bytesSent: w.bytesSent,
    };
    if (w.identity.target !== undefined) s.target = w.identity.target;
    if (w.paused) s.paused = w.paused;
    return s;
  }

  private emitStatus(w: SessionWriter): void {
    this.events?.emit('sessionStatus', this.summaryOf(w));
  }

  // ---- the contract's session verbs ---------------------------------------------------------------

  async listSessions(): Promise<SessionSummary[]> {
    await this.ensureDir();
    const out: SessionSummary[] = [];
    for (const name of (await readdir(this.dir)).sort()) {
      if (!name.endsWith(SESSION_FILE_EXTENSION)) continue;
      const path = join(this.dir, name);
      const live = [...this.byId.values()].find((w) => w.path === path);
      if (live) {
        out.push(this.summaryOf(live));
        continue;
      }
      const s = await this.summaryFromFile(path).catch(() => null);
      if (s) out.push(s);
    }
    return out;
  }

  private readonly summaryCache = new Map<string, { size: number; mtimeMs: number; summary: SessionSummary }>();

  /** Streams the file (memory stays flat however long the session) and counts. */
  private async summaryFromFile(path: string): Promise<SessionSummary | null> {
    const st = await stat(path);
    const cached = this.summaryCache.get(path);
    if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs) return cached.summary;
    const summary: SessionSummary = { sessionId: basename(path, SESSION_FILE_EXTENSION), path, startedAt: st.mtimeMs, bytesReceived: 0, bytesSent: 0 };
    const dec = new SessionDecoder((r) => {
      if (r.type === 'rx') summary.bytesReceived += r.bytes.length;
      else if (r.type === 'tx') summary.bytesSent += r.bytes.length;
      else if (r.type === 'start') {
        summary.sessionId = r.sessionId || summary.sessionId;
        summary.startedAt = r.t;
        if (r.target !== undefined) summary.target = r.target;
      }
    }, path);
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) dec.push(new Uint8Array(chunk as Buffer));
    const result = dec.finish();
    if (result.fatal) return null;
    this.summaryCache.set(path, { size: st.size, mtimeMs: st.mtimeMs, summary });
    return summary;
  }

  /** A session id in the sessions folder, or a path to a session file or bundle. */
  private async resolvePath(pathOrId: string): Promise<string> {
    const live = this.byId.get(pathOrId);
    if (live) {
      await live.durable().catch(() => {});
      return live.path;
    }
    if (/^[\w.-]+$/.test(pathOrId) && !pathOrId.includes('..')) {
      const p = join(this.dir, pathOrId.endsWith(SESSION_FILE_EXTENSION) ? pathOrId : `${pathOrId}${SESSION_FILE_EXTENSION}`);
      if (await stat(p).then((s) => s.isFile(), () => false)) return p;
    }
    if (isAbsolute(pathOrId)) return pathOrId;
    throw new Error(`no session ${JSON.stringify(pathOrId)} in ${this.dir}`);
  }

  /** Loads a session file or bundle into SessionData (torn tail ignored, damage skipped, both reported). */
  async loadSession(pathOrId: string): Promise<{ data: SessionData; path: string; fileBytes: Uint8Array }> {
    const path = await this.resolvePath(pathOrId);
    let bytes: Uint8Array = await readBoundedFile(path, READ_LIMITS.import);
    if (isBundleBytes(bytes.subarray(0, 512))) {
      // The bytes just read, not a second read of a path that may have changed meanwhile.
      const b = openBundleBytes(bytes, path);
      if (!b.value) throw new Error(b.diagnostics.map((d) => d.message).join('; '));
      bytes = b.value.sessionFile;
    }
    const { records, summary } = decodeSession(bytes, path);
    if (summary.fatal) throw new Error(`${path}: ${summary.diagnostics.map((d) => d.message).join('; ')}`);
    const asm = new SessionAssembler(basename(path, extname(path)), summary.header?.createdAt ?? 0);
    for (const r of records) asm.add(r);
    return { data: asm.data, path, fileBytes: bytes.subarray(0, summary.validLength) };
  }

  private contents(data: SessionData, path: string): SessionContents {
    const summary: SessionSummary = { sessionId: data.sessionId, path, startedAt: data.startedAt, bytesReceived: data.bytesReceived, bytesSent: data.bytesSent };
    if (data.target !== undefined) summary.target = data.target;
    const live = this.byId.get(data.sessionId);
    if (live?.paused) summary.paused = live.paused;
    const out: SessionContents = { summary, chunks: data.chunks, markers: data.markers };
    if (data.board) {
      const board: NonNullable<SessionContents['board']> = { files: data.board.files.map((f) => ({ path: f.path, sha256: f.sha256 })) };
      if (data.board.dtb) board.dtb = data.board.dtb;
      if (data.board.settings !== undefined) board.settings = data.board.settings;
      out.board = board;
    }
    return out;
  }

  async openSession(pathOrId: string): Promise<SessionContents> {
    const { data, path } = await this.loadSession(pathOrId);
    return this.contents(data, path);
  }

  /**
   * A bundle (reopened exactly) or a plain log from elsewhere, stored as a session in the folder: a
   * path (Electron main's open dialog, the CLI, tests) read once through files.ts's bounded reader, or
   * bytes the page uploaded, under the same cap.
   */
  async importLog(source: string | ImportUpload): Promise<SessionContents> {
    await this.ensureDir();
    let bytes: Uint8Array;
    let name: string;
    let mtime: number;
    if (typeof source === 'string') {
      const read = await readBoundedFileStat(source, READ_LIMITS.import);
      [bytes, name, mtime] = [read.bytes, source, read.stat.mtimeMs];
    } else {
      if (source.bytes.length > READ_LIMITS.import) throw new FileRefused(source.name, `${source.bytes.length} bytes, over the ${READ_LIMITS.import}-byte limit`);
      [bytes, name, mtime] = [source.bytes, source.name, source.lastModified ?? Date.now()];
    }
    let fileBytes: Uint8Array;
    if (isBundleBytes(bytes.subarray(0, 512))) {
      const b = openBundleBytes(bytes, name);
      if (!b.value) throw new Error(b.diagnostics.map((d) => d.message).join('; '));
      fileBytes = b.value.sessionFile;
    } else {
      const imported = importLog(bytes, { baseTime: mtime, sessionId: newSessionId(mtime), source: basename(name) });
      fileBytes = encodeSessionFile(imported.value);
    }
    const { records, summary } = decodeSession(fileBytes, name);
    if (summary.fatal) throw new Error(summary.diagnostics.map((d) => d.message).join('; '));
    const asm = new SessionAssembler(newSessionId(), 0);
    for (const r of records) asm.add(r);
    const data = asm.data;
    // Keep the id a bundle carries unless another session already uses it with other content.
    let target = join(this.dir, `${data.sessionId}${SESSION_FILE_EXTENSION}`);
    const existing = await readFile(target).then((b) => new Uint8Array(b), () => null);
    if (existing && sha256(existing) !== sha256(fileBytes)) target = join(this.dir, `${data.sessionId}-import-${randomBytes(2).toString('hex')}${SESSION_FILE_EXTENSION}`);
    if (!existing || target !== join(this.dir, `${data.sessionId}${SESSION_FILE_EXTENSION}`)) await writeFileAtomic(target, fileBytes);
    return this.contents(data, target);
  }

  async exportSession(req: ExportRequest): Promise<ExportResult> {
    const { data, fileBytes } = await this.loadSession(req.sessionId);
    const how = { overwrite: req.overwrite === true };
    if (req.format === 'bundle') {
      if (req.path === undefined) return { bytes: bundleBytes(fileBytes, data.sessionId, data.startedAt) };
      await writeBundleFile(req.path, fileBytes, data.sessionId, data.startedAt, how);
      return { path: req.path };
    }
    const content = renderExport(data, req.format, reportInputsFromAnnotations(data), req.timestamps);
    if (req.path !== undefined) {
      await writeUserFile(req.path, content, how);
      return { path: req.path };
    }
    return { content };
  }

  async annotateSession(sessionId: string, kind: string, detail: unknown): Promise<void> {
    const t = this.opts.now?.() ?? Date.now();
    const rec: SessionRecord = kind === 'settings' ? { type: 'settings', t, settings: detail } : { type: 'annotation', t, kind, detail };
    const live = this.byId.get(sessionId);
    if (live && !live.closed) {
      live.record(rec);
      await live.durable();
      return;
    }
    // A closed session: append after its last whole record.
    const path = await this.resolvePath(sessionId);
    const { writer } = await SessionWriter.resume(path, { ...this.opts.writer }, t, { marker: false });
    writer.record(rec);
    await writer.close();
  }

  async dispose(): Promise<void> {
    for (const id of [...this.byConnection.keys()]) this.end(id, Date.now());
    await Promise.all([...this.closing]);
  }
}

/** Renders a text export format; inputs default to what the renderer annotated on the session. */
export function renderExport(data: SessionData, format: Exclude<ExportRequest['format'], 'bundle'>, inputs: ReportInputs, timestamps: ExportRequest['timestamps'] = { source: 'host', style: 'relative' }): string {
  const merged = mergeInputs(reportInputsFromAnnotations(data), inputs);
  switch (format) {
    case 'text':
      return exportText(data, { timestamps });
    case 'json':
      return exportJson(data, merged);
    case 'html':
      return exportHtml(data, merged);
    case 'junit':
      // The recording machine, as `bringup compare --junit` names the machine it ran on.
      return exportJunit(data, merged, { hostname: hostname() });
  }
}

/** A whole session file for an in-memory session (imports). */
export function encodeSessionFile(data: SessionData): Uint8Array {
  const parts: Uint8Array[] = [encodeHeader(data.startedAt)];
  for (const r of sessionToRecords(data)) parts.push(encodeRecord(r));
  return new Uint8Array(Buffer.concat(parts));
}

/** A SessionServiceFactory; without `events` (tools, tests) status changes are simply not broadcast. */
export function createSessionService(ctx: Pick<SessionServiceContext, 'sessionsDir'> & Partial<SessionServiceContext>, opts: SessionServiceOptions = {}): WorkbenchSessionService {
  return new WorkbenchSessionService(ctx, opts);
}
