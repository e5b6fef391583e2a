// The session file format (docs/session-format.md): a 24-byte header, then framed records appended as
// bytes arrive. Each record carries its own CRC-32 and a sync word, so a reader keeps every whole record
// and cuts only a torn tail (a crash mid-write), and can step over a damaged span in the middle.
// Byte order is little-endian throughout; host times are float64 milliseconds since the Unix epoch.
import { utf8Decode, utf8Encode } from './bytes';
import { crc32 } from './checksums';

export const SESSION_MAGIC = new Uint8Array([0x89, 0x42, 0x57, 0x53, 0x0d, 0x0a, 0x1a, 0x0a]); // \x89BWS\r\n\x1a\n
/** The version this code writes. Older versions are read through MIGRATIONS (see migrations.ts). */
export const SESSION_FORMAT_VERSION = 1;
export const HEADER_SIZE = 24;
export const RECORD_HEADER_SIZE = 20;
export const RECORD_SYNC0 = 0xb5;
export const RECORD_SYNC1 = 0x52;
/** Larger payloads are split by the writer; a length above this is damage, not data. */
export const MAX_RECORD_PAYLOAD = 1 << 24;
export const SESSION_FILE_EXTENSION = '.bwsession';

/** Record type codes on disk. Never renumber: add new codes instead. */
export const RecordCode = {
  rx: 1,
  tx: 2,
  marker: 3,
  start: 4,
  board: 5,
  dtb: 6,
  source: 7,
  settings: 8,
  annotation: 9,
} as const;
export type RecordType = keyof typeof RecordCode;
const CODE_TO_TYPE = new Map<number, RecordType>(Object.entries(RecordCode).map(([k, v]) => [v, k as RecordType]));

/** Marker kinds the recorder writes; others are kept as given. */
export type MarkerKind = 'connect' | 'disconnect' | 'lost' | 'reconnected' | 'reset' | 'break' | 'config' | 'signals' | 'paused' | 'resumed' | 'gap' | 'import' | (string & {});

export interface BoardFileRef {
  path: string;
  sha256: string;
  size?: number;
}

export type SessionRecord =
  | { type: 'rx' | 'tx'; t: number; bytes: Uint8Array }
  | { type: 'marker'; t: number; kind: MarkerKind; detail?: string }
  | { type: 'start'; t: number; sessionId: string; target?: string; tool?: string; meta?: Record<string, unknown> }
  | { type: 'board'; t: number; files: BoardFileRef[]; contentHash: string; request?: unknown }
  | { type: 'dtb'; t: number; bytes: Uint8Array }
  | { type: 'source'; t: number; path: string; sha256: string; bytes: Uint8Array }
  | { type: 'settings'; t: number; settings: unknown }
  | { type: 'annotation'; t: number; kind: string; detail: unknown }
  | { type: 'unknown'; t: number; code: number; bytes: Uint8Array };




export function encodeHeader(createdAt: number, version = SESSION_FORMAT_VERSION): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE);
  const dv = new DataView(out.buffer);
  out.set(SESSION_MAGIC, 0);
  dv.setUint16(8, version, true);
  dv.setUint16(10, HEADER_SIZE, true);
  dv.setFloat64(12, createdAt, true);
  dv.setUint32(20, crc32(out.subarray(0, 20)), true);
  return out;
}

export interface SessionHeader {
  version: number;
  headerSize: number;
  createdAt: number;
}

export type HeaderResult = { ok: true; header: SessionHeader } | { ok: false; reason: 'short' | 'magic' | 'crc'; message: string };

export function decodeHeader(bytes: Uint8Array): HeaderResult {
  if (bytes.length < HEADER_SIZE) {
    for (let i = 0; i < Math.min(bytes.length, SESSION_MAGIC.length); i++) {
      if (bytes[i] !== SESSION_MAGIC[i]) return { ok: false, reason: 'magic', message: 'not a session file (bad magic)' };
    }
    return { ok: false, reason: 'short', message: `session header is torn (${bytes.length} of ${HEADER_SIZE} bytes)` };
  }
  for (let i = 0; i < SESSION_MAGIC.length; i++) {
    if (bytes[i] !== SESSION_MAGIC[i]) return { ok: false, reason: 'magic', message: 'not a session file (bad magic)' };
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  const header = { version: dv.getUint16(8, true), headerSize: dv.getUint16(10, true), createdAt: dv.getFloat64(12, true) };
  if (dv.getUint32(20, true) !== crc32(bytes.subarray(0, 20))) return { ok: false, reason: 'crc', message: 'session header checksum mismatch' };
  return { ok: true, header };
}

function jsonBytes(value: unknown): Uint8Array {
  return utf8Encode(JSON.stringify(value ?? null));
}

/** A payload with a JSON head and a binary tail: u32 head length, head, bytes. */
function headedPayload(head: unknown, bytes: Uint8Array): Uint8Array {
  const h = jsonBytes(head);
  const out = new Uint8Array(4 + h.length + bytes.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 4);
  out.set(bytes, 4 + h.length);
  return out;
}

export function recordPayload(rec: SessionRecord): { code: number; payload: Uint8Array } {
  switch (rec.type) {
    case 'rx':
    case 'tx':
    case 'dtb':
      return { code: RecordCode[rec.type], payload: rec.bytes };
    case 'marker':
      return { code: RecordCode.marker, payload: jsonBytes(rec.detail === undefined ? { kind: rec.kind } : { kind: rec.kind, detail: rec.detail }) };
    case 'start': {
      const { type: _t, t: _time, ...rest } = rec;
      return { code: RecordCode.start, payload: jsonBytes(rest) };
    }
    case 'board':
      return { code: RecordCode.board, payload: jsonBytes({ files: rec.files, contentHash: rec.contentHash, request: rec.request }) };
    case 'source':
      return { code: RecordCode.source, payload: headedPayload({ path: rec.path, sha256: rec.sha256 }, rec.bytes) };
    case 'settings':
      return { code: RecordCode.settings, payload: jsonBytes(rec.settings) };
    case 'annotation':
      return { code: RecordCode.annotation, payload: jsonBytes({ kind: rec.kind, detail: rec.detail }) };
    case 'unknown':
      return { code: rec.code, payload: rec.bytes };
  }
}

/** Frames one record. Throws (programmer error) when the payload exceeds MAX_RECORD_PAYLOAD: split rx/tx first. */
export function encodeRecord(rec: SessionRecord): Uint8Array {
  const { code, payload } = recordPayload(rec);
  if (payload.length > MAX_RECORD_PAYLOAD) throw new RangeError(`session record payload of ${payload.length} bytes exceeds ${MAX_RECORD_PAYLOAD}`);
  const out = new Uint8Array(RECORD_HEADER_SIZE + payload.length);
  const dv = new DataView(out.buffer);
  out[0] = RECORD_SYNC0;
  out[1] = RECORD_SYNC1;
  out[2] = code;
  out[3] = 0;
  dv.setUint32(4, payload.length, true);
  dv.setFloat64(8, rec.t, true);
  out.set(payload, RECORD_HEADER_SIZE);
  let crc = crc32(out.subarray(2, 16));
  crc = crc32(payload, crc);
  dv.setUint32(16, crc, true);
  return out;
}

/** Splits a chunk larger than one record can carry into several with the same host time. */
export function encodeData(dir: 'rx' | 'tx', t: number, bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length || (i === 0 && bytes.length === 0); i += MAX_RECORD_PAYLOAD) {
    out.push(encodeRecord({ type: dir, t, bytes: bytes.subarray(i, i + MAX_RECORD_PAYLOAD) }));
    if (bytes.length === 0) break;
  }
  return out;
}

function parseJson(bytes: Uint8Array): unknown {
  return JSON.parse(utf8Decode(bytes));
}

function asObject(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * Turns a CRC-checked payload back into a record. A payload whose CRC matched but whose JSON does not
 * parse can only come from a buggy writer; it is kept as 'unknown' so nothing is silently dropped.
 */
export function decodePayload(code: number, t: number, payload: Uint8Array): SessionRecord {
  const type = CODE_TO_TYPE.get(code);
  try {
    switch (type) {
      case 'rx':
      case 'tx':
      case 'dtb':
        return { type, t, bytes: payload };
      case 'marker': {
        const o = asObject(parseJson(payload));
        const kind = typeof o.kind === 'string' ? o.kind : 'unknown';
        return typeof o.detail === 'string' ? { type, t, kind, detail: o.detail } : { type, t, kind };
      }
      case 'start': {
        const o = asObject(parseJson(payload));
        const rec: SessionRecord = { type, t, sessionId: String(o.sessionId ?? '') };
        if (typeof o.target === 'string') rec.target = o.target;
        if (typeof o.tool === 'string') rec.tool = o.tool;
        if (o.meta !== undefined) rec.meta = asObject(o.meta);
        return rec;
      }
      case 'board': {
        const o = asObject(parseJson(payload));
        const files = Array.isArray(o.files)
          ? o.files.map((f) => {
              const x = asObject(f);
              const ref: BoardFileRef = { path: String(x.path ?? ''), sha256: String(x.sha256 ?? '') };
              if (typeof x.size === 'number') ref.size = x.size;
              return ref;
            })
          : [];
        return { type, t, files, contentHash: String(o.contentHash ?? ''), request: o.request };
      }
      case 'source': {
        if (payload.length < 4) break;
        const len = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true);
        if (4 + len > payload.length) break;
        const o = asObject(parseJson(payload.subarray(4, 4 + len)));
        return { type, t, path: String(o.path ?? ''), sha256: String(o.sha256 ?? ''), bytes: payload.subarray(4 + len) };
      }
      case 'settings':
        return { type, t, settings: parseJson(payload) };
      case 'annotation': {
        const o = asObject(parseJson(payload));
        return { type, t, kind: String(o.kind ?? ''), detail: o.detail };
      }
      default:
        break;
    }
  } catch {
    // fall through: kept as unknown below
  }
  return { type: 'unknown', t, code, bytes: payload };
}
