// The session file format: framing round-trips, a torn tail is cut at the last whole record at every
// possible cut point (never earlier), damage in the middle is stepped over, any split of the input
// decodes the same, and versions this build cannot read are refused by name.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  HEADER_SIZE,
  SessionAssembler,
  SessionDecoder,
  Sha256,
  crc32,
  decodeSession,
  encodeHeader,
  encodeRecord,
  sha256Hex,
  utf8Decode,
  utf8Encode,
  type SessionRecord,
} from '../../../engine/session';

const LAB_LOG = new URL('../../fixtures/bootlog/lab/late-iommu.log', import.meta.url);

function fileOf(records: SessionRecord[], createdAt = 1_700_000_000_000): { bytes: Uint8Array; ends: number[] } {
  const parts = [encodeHeader(createdAt)];
  const ends: number[] = [];
  let at = HEADER_SIZE;
  for (const r of records) {
    const e = encodeRecord(r);
    parts.push(e);
    at += e.length;
    ends.push(at);
  }
  return { bytes: new Uint8Array(Buffer.concat(parts)), ends };
}

/** A real boot log cut into serial-sized chunks with increasing host times, plus the other record kinds. */
function labRecords(): SessionRecord[] {
  const log = new Uint8Array(readFileSync(LAB_LOG));
  const recs: SessionRecord[] = [{ type: 'start', t: 1000, sessionId: 's1', target: '/dev/ttyUSB0', meta: { settings: { baudRate: 115200 } } }];
  recs.push({ type: 'marker', t: 1001, kind: 'connect', detail: '/dev/pts/3' });
  recs.push({ type: 'board', t: 1002, files: [{ path: '/b/board.dts', sha256: 'a'.repeat(64) }], contentHash: 'c'.repeat(64), request: { path: '/b/board.dts' } });
  recs.push({ type: 'dtb', t: 1002, bytes: new Uint8Array([0xd0, 0x0d, 0xfe, 0xed, 1, 2, 3]) });
  recs.push({ type: 'source', t: 1002, path: '/b/board.dts', sha256: 'a'.repeat(64), bytes: utf8Encode('/dts-v1/;\n/ { };\n') });
  recs.push({ type: 'settings', t: 1003, settings: { kernel: '6.1', iommuPolicy: 'optional' } });
  let t = 1010;
  for (let i = 0; i < log.length; i += 61 + (i % 7)) recs.push({ type: 'rx', t: (t += 0.25), bytes: log.slice(i, i + 61 + (i % 7)) });
  recs.push({ type: 'tx', t: t + 1, bytes: utf8Encode('root\r') });
  recs.push({ type: 'annotation', t: t + 2, kind: 'comparison', detail: { devices: [{ name: 'x', verdict: 'match' }] } });
  recs.push({ type: 'marker', t: t + 3, kind: 'lost', detail: 'device went away' });
  return recs;
}

describe('checksums', () => {
  it('CRC-32 and SHA-256 agree with zlib and OpenSSL on random and real data', () => {
    const log = new Uint8Array(readFileSync(LAB_LOG));
    for (const b of [new Uint8Array(0), log, new Uint8Array(randomBytes(100_003))]) {
      expect(crc32(b)).toBe(zlibCrc32(b));
      expect(sha256Hex(b)).toBe(createHash('sha256').update(b).digest('hex'));
      const inc = new Sha256();
      for (let i = 0; i < b.length; i += 37) inc.update(b.subarray(i, i + 37));
      expect(inc.digestHex()).toBe(createHash('sha256').update(b).digest('hex'));
    }
  });

  it('UTF-8 round-trips and decodes bad bytes to U+FFFD the way TextDecoder does', () => {
    const text = 'Bring-up ✓ 𝄞 <img src=x onerror=alert(1)> \u0000';
    expect(utf8Decode(utf8Encode(text))).toBe(text);
    expect(Buffer.from(utf8Encode(text)).toString('utf8')).toBe(text);
    const garbage = new Uint8Array(randomBytes(5000));
    expect(utf8Decode(garbage)).toBe(new TextDecoder().decode(garbage));
  });
});

describe('session file framing', () => {
  it('round-trips every record kind of a real boot', () => {
    const recs = labRecords();
    const { bytes } = fileOf(recs);
    const { records, summary } = decodeSession(bytes);
    expect(summary.fatal).toBe(false);
    expect(summary.tailLength).toBe(0);
    expect(summary.validLength).toBe(bytes.length);
    expect(records).toEqual(recs);
    const asm = new SessionAssembler();
    for (const r of records) asm.add(r);
    const rx = Buffer.concat(asm.data.chunks.filter((c) => c.dir === 'rx').map((c) => c.bytes));
    expect(createHash('sha256').update(rx).digest('hex')).toBe(createHash('sha256').update(readFileSync(LAB_LOG)).digest('hex'));
    expect(asm.data.board?.dtb?.length).toBe(7);
    expect(asm.data.board?.settings).toEqual({ kernel: '6.1', iommuPolicy: 'optional' });
  });

  it('cuts a torn tail at the last whole record for every cut point of the last records', () => {
    const recs = labRecords();
    const { bytes, ends } = fileOf(recs);
    const firstCut = ends[ends.length - 6]!;
    for (let cut = firstCut; cut <= bytes.length; cut++) {
      const { records, summary } = decodeSession(bytes.subarray(0, cut));
      const whole = ends.filter((e) => e <= cut).length;
      expect(records.length).toBe(whole);
      expect(summary.validLength).toBe(whole ? ends[whole - 1] : HEADER_SIZE);
      expect(summary.tailLength).toBe(cut - summary.validLength);
      expect(summary.skippedBytes).toBe(0);
    }
  });

  it('keeps everything before a power-loss tail of zeros or garbage', () => {
    const recs = labRecords();
    const { bytes, ends } = fileOf(recs);
    for (const tail of [new Uint8Array(4096), new Uint8Array(randomBytes(4096))]) {
      const cut = ends[ends.length - 2]! + 9; // inside the last record
      const damaged = Buffer.concat([bytes.subarray(0, cut), tail]);
      const { records, summary } = decodeSession(new Uint8Array(damaged));
      expect(records).toEqual(recs.slice(0, recs.length - 1));
      expect(summary.validLength).toBe(ends[ends.length - 2]);
    }
  });

  it('steps over a damaged record in the middle and keeps the records after it', () => {
    const recs = labRecords();
    const { bytes, ends } = fileOf(recs);
    const k = 40;
    const damaged = bytes.slice();
    damaged[ends[k - 1]! + 25] ^= 0x5a; // a payload byte of record k
    const { records, summary } = decodeSession(damaged);
    expect(records).toEqual([...recs.slice(0, k), ...recs.slice(k + 1)]);
    expect(summary.skippedBytes).toBe(ends[k]! - ends[k - 1]!);
    expect(summary.validLength).toBe(bytes.length);
    expect(summary.diagnostics.map((d) => d.code)).toEqual(['damaged_records']);
    expect(summary.diagnostics[0]!.byteOffset).toBe(ends[k - 1]);
  });

  it('decodes the same records however the file is split', () => {
    const recs = labRecords().slice(0, 12);
    const { bytes } = fileOf(recs);
    const whole = decodeSession(bytes).records;
    for (let split = 1; split < bytes.length; split += 1) {
      const got: SessionRecord[] = [];
      const dec = new SessionDecoder((r) => got.push(r));
      dec.push(bytes.subarray(0, split));
      dec.push(bytes.subarray(split));
      const s = dec.finish();
      expect(s.tailLength).toBe(0);
      expect(got).toEqual(whole);
    }
    const got: SessionRecord[] = [];
    const dec = new SessionDecoder((r) => got.push(r));
    for (let i = 0; i < bytes.length; i++) dec.push(bytes.subarray(i, i + 1));
    dec.finish();
    expect(got).toEqual(whole);
  });

  it('refuses files that are not sessions, and versions it cannot read, by name', () => {
    const notOurs = decodeSession(new Uint8Array(readFileSync(LAB_LOG)));
    expect(notOurs.summary.fatal).toBe(true);
    expect(notOurs.summary.diagnostics[0]!.code).toBe('not_a_session');
    const newer = encodeHeader(0, 99);
    const r = decodeSession(newer);
    expect(r.summary.fatal).toBe(true);
    expect(r.summary.diagnostics[0]!.message).toMatch(/version 99 is written by a newer/);
    const torn = decodeSession(encodeHeader(0).subarray(0, 10));
    expect(torn.summary.fatal).toBe(false);
    expect(torn.records).toEqual([]);
    expect(torn.summary.diagnostics[0]!.code).toBe('torn_header');
  });

  it('survives random bytes after a valid header without throwing', () => {
    for (let i = 0; i < 50; i++) {
      const junk = new Uint8Array(Buffer.concat([encodeHeader(0), randomBytes(20_000)]));
      const { summary } = decodeSession(junk);
      expect(summary.fatal).toBe(false);
      expect(summary.validLength + summary.tailLength + summary.skippedBytes).toBeLessThanOrEqual(junk.length);
    }
  });
});
