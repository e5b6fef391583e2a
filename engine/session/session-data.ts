// The in-memory form of one session, assembled from its records: what every view and exporter reads.
// It mirrors the IPC contract's SessionContents (electron/common/contract.ts) field by field so the
// services hand it over unchanged, plus what the contract leaves to annotations (settings, DT sources).
import type { BoardFileRef, MarkerKind, SessionRecord } from './format';

export interface SessionChunk {
  /** Host receive (rx) or send (tx) time, ms since the Unix epoch. */
  t: number;
  dir: 'rx' | 'tx';
  bytes: Uint8Array;
}

export interface SessionMarker {
  t: number;
  kind: MarkerKind;
  detail?: string;
}

export interface SessionSource {
  path: string;
  sha256: string;
  bytes: Uint8Array;
}

export interface SessionBoard {
  files: BoardFileRef[];
  contentHash: string;
  request?: unknown;
  dtb?: Uint8Array;
  settings?: unknown;
  sources: SessionSource[];
}

export interface SessionAnnotation {
  t: number;
  kind: string;
  detail: unknown;
}

export interface SessionData {
  sessionId: string;
  startedAt: number;
  target?: string;
  tool?: string;
  meta?: Record<string, unknown>;
  chunks: SessionChunk[];
  markers: SessionMarker[];
  board?: SessionBoard;
  annotations: SessionAnnotation[];
  bytesReceived: number;
  bytesSent: number;
  /** Records of types this version does not know, kept so a bundle round-trips them. */
  unknown: SessionRecord[];
}

export function emptySession(sessionId: string, startedAt: number): SessionData {
  return { sessionId, startedAt, chunks: [], markers: [], annotations: [], bytesReceived: 0, bytesSent: 0, unknown: [] };
}

/** Folds records (in file order) into a SessionData. Later board/settings records replace earlier ones. */
export class SessionAssembler {
  readonly data: SessionData;
  constructor(fallbackId = '', createdAt = 0) {
    this.data = emptySession(fallbackId, createdAt);
  }

  add(rec: SessionRecord): void {
    const d = this.data;
    switch (rec.type) {
      case 'rx':
      case 'tx':
        d.chunks.push({ t: rec.t, dir: rec.type, bytes: rec.bytes });
        if (rec.type === 'rx') d.bytesReceived += rec.bytes.length;
        else d.bytesSent += rec.bytes.length;
        break;
      case 'marker':
        d.markers.push(rec.detail === undefined ? { t: rec.t, kind: rec.kind } : { t: rec.t, kind: rec.kind, detail: rec.detail });
        break;
      case 'start':
        d.sessionId = rec.sessionId || d.sessionId;
        d.startedAt = rec.t;
        if (rec.target !== undefined) d.target = rec.target;
        if (rec.tool !== undefined) d.tool = rec.tool;
        if (rec.meta !== undefined) d.meta = rec.meta;
        break;
      case 'board': {
        // A new snapshot starts a new board: its DTB and sources follow it.
        const board: SessionBoard = { files: rec.files, contentHash: rec.contentHash, sources: [] };
        if (rec.request !== undefined) board.request = rec.request;
        if (d.board?.settings !== undefined) board.settings = d.board.settings;
        d.board = board;
        break;
      }
      case 'dtb':
        this.board().dtb = rec.bytes;
        break;
      case 'source':
        this.board().sources.push({ path: rec.path, sha256: rec.sha256, bytes: rec.bytes });
        break;
      case 'settings':
        this.board().settings = rec.settings;
        break;
      case 'annotation':
        d.annotations.push({ t: rec.t, kind: rec.kind, detail: rec.detail });
        break;
      case 'unknown':
        d.unknown.push(rec);
        break;
    }
  }

  private board(): SessionBoard {
    if (!this.data.board) this.data.board = { files: [], contentHash: '', sources: [] };
    return this.data.board;
  }
}

/**
 * The records that rebuild `data` exactly (used by import and by bundle export of in-memory sessions).
 * Markers and annotations are placed before the first chunk received after them.
 */
export function sessionToRecords(data: SessionData): SessionRecord[] {
  const out: SessionRecord[] = [];
  const start: SessionRecord = { type: 'start', t: data.startedAt, sessionId: data.sessionId };
  if (data.target !== undefined) start.target = data.target;
  if (data.tool !== undefined) start.tool = data.tool;
  if (data.meta !== undefined) start.meta = data.meta;
  out.push(start);
  if (data.board) {
    const b = data.board;
    out.push({ type: 'board', t: data.startedAt, files: b.files, contentHash: b.contentHash, request: b.request });
    if (b.dtb) out.push({ type: 'dtb', t: data.startedAt, bytes: b.dtb });
    for (const s of b.sources) out.push({ type: 'source', t: data.startedAt, path: s.path, sha256: s.sha256, bytes: s.bytes });
    if (b.settings !== undefined) out.push({ type: 'settings', t: data.startedAt, settings: b.settings });
  }
  // Chunks stay in arrival order even when their host times go backwards (a clock step, a capture
  // whose stamps wrap); markers and annotations are merged in by time around them.
  const others: SessionRecord[] = [
    ...data.markers.map((m): SessionRecord => (m.detail === undefined ? { type: 'marker', t: m.t, kind: m.kind } : { type: 'marker', t: m.t, kind: m.kind, detail: m.detail })),
    ...data.annotations.map((a): SessionRecord => ({ type: 'annotation', t: a.t, kind: a.kind, detail: a.detail })),
  ];
  others.sort((a, b) => a.t - b.t);
  let k = 0;
  for (const c of data.chunks) {
    while (k < others.length && others[k]!.t <= c.t) out.push(others[k++]!);
    out.push({ type: c.dir, t: c.t, bytes: c.bytes });
  }
  while (k < others.length) out.push(others[k++]!);
  out.push(...data.unknown);
  return out;
}
