// Reads a session file in chunks of any size and hands back every whole record in order. Recovery rules:
// a record counts only when its sync word, length and CRC-32 all check; damage in the middle is stepped
// over (the reader looks for the next record that checks) and reported; bytes after the last whole
// record are the torn tail a crash leaves, and `validLength` says where to cut it (never earlier).
import type { Diagnostic } from '../common';
import { crc32 } from './checksums';
import {
  HEADER_SIZE,
  MAX_RECORD_PAYLOAD,
  RECORD_HEADER_SIZE,
  RECORD_SYNC0,
  RECORD_SYNC1,
  SESSION_FORMAT_VERSION,
  decodeHeader,
  decodePayload,
  type SessionHeader,
  type SessionRecord,
} from './format';
import { migrateRecord } from './migrations';

export interface DecodeSummary {
  header: SessionHeader | null;
  /** Bytes from the file start up to the end of the last whole record: the length to truncate to. */
  validLength: number;
  /** Bytes after validLength (the torn tail). */
  tailLength: number;
  /** Bytes skipped in the middle of the file because they did not check. */
  skippedBytes: number;
  records: number;
  diagnostics: Diagnostic[];
  /** True when the file cannot be read at all (not a session file, or a version with no migration). */
  fatal: boolean;
}

export class SessionDecoder {
  private buf = new Uint8Array(0);
  private start = 0;
  private end = 0;
  /** File offset of buf[start]. */
  private offset = 0;
  private header: SessionHeader | null = null;
  private fatal = false;
  private validLength = 0;
  private records = 0;
  private skipped = 0;
  /** File offset where the current run of damaged bytes began, or -1. */
  private damageAt = -1;
  private readonly diagnostics: Diagnostic[] = [];

  constructor(
    private readonly onRecord: (rec: SessionRecord, fileOffset: number) => void,
    private readonly file = 'session',
  ) {}

  push(chunk: Uint8Array): void {
    if (this.fatal || chunk.length === 0) return;
    this.append(chunk);
    this.drain(false);
  }

  finish(): DecodeSummary {
    if (!this.fatal) this.drain(true);
    const total = this.offset + (this.end - this.start);
    if (this.damageAt >= 0) this.damageAt = -1; // damage running into the end is the torn tail
    const tailLength = this.fatal ? 0 : total - this.validLength;
    if (tailLength > 0 && this.header) {
      this.diagnostics.push({
        severity: 'warning',
        code: 'torn_tail',
        message: `${tailLength} bytes after the last whole record (a write cut short) were dropped`,
        file: this.file,
        byteOffset: this.validLength,
      });
    }
    return {
      header: this.header,
      validLength: this.validLength,
      tailLength,
      skippedBytes: this.skipped,
      records: this.records,
      diagnostics: this.diagnostics,
      fatal: this.fatal,
    };
  }

  private append(chunk: Uint8Array): void {
    const live = this.end - this.start;
    if (this.buf.length - this.end < chunk.length) {
      if (this.start > 0 && this.buf.length - live >= chunk.length && live < this.buf.length / 2) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const grown = new Uint8Array(Math.max(this.buf.length * 2, live + chunk.length, 65536));
        grown.set(this.buf.subarray(this.start, this.end));
        this.buf = grown;
      }
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  private consume(n: number): void {
    this.start += n;
    this.offset += n;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
  }

  private drain(final: boolean): void {
    if (!this.header) {
      const have = this.end - this.start;
      if (have < HEADER_SIZE && !final) return;
      const h = decodeHeader(this.buf.subarray(this.start, this.end));
      if (!h.ok) {
        // A torn header (crash right after creating the file) holds nothing; anything else is not ours.
        if (h.reason === 'short') {
          if (final) this.diagnostics.push({ severity: 'warning', code: 'torn_header', message: h.message, file: this.file, byteOffset: 0 });
          return;
        }
        this.fatal = true;
        this.diagnostics.push({ severity: 'error', code: h.reason === 'magic' ? 'not_a_session' : 'bad_header', message: h.message, file: this.file, byteOffset: 0 });
        return;
      }
      if (h.header.version > SESSION_FORMAT_VERSION || h.header.version < 1) {
        this.fatal = true;
        const why = h.header.version > SESSION_FORMAT_VERSION ? 'written by a newer Bring-up Workbench' : 'not a known version';
        this.diagnostics.push({
          severity: 'error',
          code: 'unsupported_version',
          message: `session format version ${h.header.version} is ${why} (this one reads 1..${SESSION_FORMAT_VERSION})`,
          file: this.file,
          byteOffset: 8,
        });
        return;
      }
      this.header = h.header;
      this.consume(h.header.headerSize);
      this.validLength = this.offset;
    }
    const buf = this.buf;
    for (;;) {
      const have = this.end - this.start;
      if (have < RECORD_HEADER_SIZE && !final) return;
      if (have === 0) return;
      const s = this.start;
      if (have < RECORD_HEADER_SIZE || buf[s] !== RECORD_SYNC0 || buf[s + 1] !== RECORD_SYNC1) {
        if (!this.resync(final)) return;
        continue;
      }
      const dv = new DataView(buf.buffer, buf.byteOffset + s, RECORD_HEADER_SIZE);
      const len = dv.getUint32(4, true);
      if (len > MAX_RECORD_PAYLOAD) {
        this.stepOver(1);
        continue;
      }
      if (have < RECORD_HEADER_SIZE + len) {
        if (!final) return;
        this.stepOver(1); // claims more than the file holds: damaged or torn
        continue;
      }
      const payload = buf.subarray(s + RECORD_HEADER_SIZE, s + RECORD_HEADER_SIZE + len);
      const crc = crc32(payload, crc32(buf.subarray(s + 2, s + 16)));
      if (crc !== dv.getUint32(16, true)) {
        this.stepOver(1);
        continue;
      }
      this.endDamage();
      const code = buf[s + 2]!;
      const t = dv.getFloat64(8, true);
      // Copy out: the buffer is reused for later chunks.
      const rec = decodePayload(code, t, payload.slice());
      const at = this.offset;
      this.consume(RECORD_HEADER_SIZE + len);
      this.validLength = this.offset;
      this.records++;
      const migrated = migrateRecord(rec, this.header!.version);
      for (const r of migrated) this.onRecord(r, at);
    }
  }

  private stepOver(n: number): void {
    if (this.damageAt < 0) this.damageAt = this.offset;
    this.consume(n);
  }

  /** Skips to the next possible sync word; false when more input is needed to find one. */
  private resync(final: boolean): boolean {
    if (this.damageAt < 0) this.damageAt = this.offset;
    const buf = this.buf;
    for (let i = this.start + (buf[this.start] === RECORD_SYNC0 && buf[this.start + 1] === RECORD_SYNC1 ? 1 : 0); i < this.end; i++) {
      if (buf[i] === RECORD_SYNC0 && (i + 1 >= this.end || buf[i + 1] === RECORD_SYNC1)) {
        if (i + 1 >= this.end && !final) {
          this.consume(i - this.start);
          return false;
        }
        if (i + 1 >= this.end) break;
        this.consume(i - this.start);
        return true;
      }
    }
    this.consume(this.end - this.start);
    return false;
  }

  private endDamage(): void {
    if (this.damageAt < 0) return;
    const n = this.offset - this.damageAt;
    this.skipped += n;
    this.diagnostics.push({
      severity: 'warning',
      code: 'damaged_records',
      message: `${n} damaged bytes skipped; the records after them were kept`,
      file: this.file,
      byteOffset: this.damageAt,
    });
    this.damageAt = -1;
  }
}

/** Decodes a whole file held in memory. */
export function decodeSession(bytes: Uint8Array, file = 'session'): { records: SessionRecord[]; summary: DecodeSummary } {
  const records: SessionRecord[] = [];
  const dec = new SessionDecoder((r) => records.push(r), file);
  dec.push(bytes);
  return { records, summary: dec.finish() };
}
