// One UTF-8 decoder and one console line framer (engine/bootlog/utf8.ts, line-framer.ts): the plain
// TypeScript decoder must equal the platform's WHATWG TextDecoder on every byte string, whole or split
// anywhere, and the live parser, session import and session text export must cut the same bytes into
// the same lines (bad bytes, `next\r\r\n`, CR runs) however the stream is chunked.
import { describe, expect, it } from 'vitest';
import { createBootLogParser, createUtf8Decoder, LineFramer, splitConsoleLines, Utf8Decoder, utf8Decode } from '../../../engine/bootlog';
import { consoleItems, importLog, utf8Decode as sessionUtf8Decode, type SessionChunk } from '../../../engine/session';

const native = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Deterministic bytes biased to the cases decoders get wrong: lead bytes, continuations, CR/LF, BOM pieces. */
function randomBytes(seed: number, n: number): Uint8Array {
  let x = seed >>> 0 || 1;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
  const pool = [0x0d, 0x0a, 0x41, 0x20, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f, 0xef, 0xbb, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff, 0x00, 0x1b, 0x5b];
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = next() % 3 === 0 ? next() & 0xff : pool[next() % pool.length]!;
  return out;
}

const EDGE_CASES: number[][] = [
  [0xef, 0xbb, 0xbf, 0x41], // a byte-order mark is text, not dropped
  [0xe0, 0x80, 0x41], // overlong lead: two replacements
  [0xed, 0xa0, 0x80], // a surrogate: three replacements
  [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
  [0xf0, 0x9f, 0x98], // truncated at the end
  [0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], // é € 😀
  [0xc0, 0xaf, 0xf8, 0x88, 0x80, 0x80, 0x80],
];

function decodeInChunks(make: () => { decode(b?: Uint8Array, o?: { stream?: boolean }): string }, bytes: Uint8Array, cuts: number[]): string {
  const d = make();
  let out = '';
  let from = 0;
  for (const c of [...cuts, bytes.length]) {
    out += d.decode(bytes.subarray(from, c), { stream: true });
    from = c;
  }
  return out + d.decode();
}

describe('one UTF-8 decoder', () => {
  it('equals the WHATWG TextDecoder on edge cases and 2,000 random strings, whole', () => {
    const cases = [...EDGE_CASES.map((a) => Uint8Array.from(a)), ...Array.from({ length: 2000 }, (_, i) => randomBytes(i + 1, 1 + (i % 61)))];
    for (const bytes of cases) {
      const want = native.decode(bytes);
      expect(utf8Decode(bytes), Array.from(bytes).join(',')).toBe(want);
      expect(new Utf8Decoder().decode(bytes)).toBe(want);
      expect(sessionUtf8Decode(bytes)).toBe(want);
    }
  });

  it('gives the same text split at every offset, and at every pair of offsets', () => {
    for (const raw of EDGE_CASES) {
      const bytes = Uint8Array.from([...raw, 0x41, ...raw]);
      const want = native.decode(bytes);
      for (let a = 0; a <= bytes.length; a++) {
        expect(decodeInChunks(() => new Utf8Decoder(), bytes, [a])).toBe(want);
        for (let b = a; b <= bytes.length; b++) expect(decodeInChunks(() => new Utf8Decoder(), bytes, [a, b])).toBe(want);
      }
    }
    for (let s = 1; s <= 200; s++) {
      const bytes = randomBytes(s * 7919, 40);
      const want = native.decode(bytes);
      for (let a = 0; a <= bytes.length; a++) {
        expect(decodeInChunks(() => new Utf8Decoder(), bytes, [a])).toBe(want);
        expect(decodeInChunks(() => createUtf8Decoder(), bytes, [a])).toBe(want);
      }
    }
  });
});

/** Lines as the framer cuts them, fed in the given chunk sizes. */
function framerLines(bytes: Uint8Array, chunk: number): string[] {
  const framer = new LineFramer(1 << 20);
  const lines: string[] = [];
  const sink = (text: string) => lines.push(text);
  for (let i = 0; i < bytes.length; i += chunk) framer.push(bytes.subarray(i, i + chunk), i, sink);
  framer.end(0, sink);
  return lines;
}

/** Lines a session export shows for the same bytes received in the given chunk sizes. */
function exportLines(bytes: Uint8Array, chunk: number): string[] {
  const chunks: SessionChunk[] = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push({ t: i, dir: 'rx', bytes: bytes.slice(i, i + chunk) });
  return consoleItems(chunks, []).flatMap((item) => (item.kind === 'line' ? [item.line.text] : []));
}

/** Lines session import keeps (its byte-level split, decoded with terminators removed). */
function importLines(bytes: Uint8Array): string[] {
  return splitConsoleLines(bytes).map((l) => utf8Decode(l).replace(/[\r\n]+$/, ''));
}

describe('one console line framer', () => {
  it('`next\\r\\r\\n` is one line end for the live parser, session import and session export', () => {
    const bytes = new TextEncoder().encode('first\r\nnext\r\r\nthird\rfourth\n\nlast');
    const want = ['first', 'next', 'third', 'fourth', '', 'last'];
    for (let chunk = 1; chunk <= bytes.length; chunk++) {
      expect(framerLines(bytes, chunk)).toEqual(want);
      expect(exportLines(bytes, chunk)).toEqual(want);
    }
    expect(importLines(bytes)).toEqual(want);
    // The parser numbers lines by the same framer: "last" is line 6.
    const parser = createBootLogParser({ emitText: true });
    const events = [...parser.feed(new TextEncoder().encode('[    0.000000] Booting Linux on physical CPU 0x0\r\r\n'), 0), ...parser.feed(bytes, 0), ...parser.finish(0)];
    expect(parser.stats.lines).toBe(7);
    expect(events[0]!.kind).toBe('kernel-start');
  });

  it('agree on 300 random byte streams with bad bytes and CR/LF runs, however they are chunked', () => {
    for (let s = 1; s <= 300; s++) {
      const bytes = randomBytes(s * 104729, 20 + (s % 90));
      const imported = importLines(bytes);
      // Export lines are cleaned of control characters; compare the framing on cleaned text.
      const strip = (l: string) => l.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b[ -/]*[0-~]|\x1b|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');
      for (const chunk of [1, 3, 7, 64]) {
        const framed = framerLines(bytes, chunk);
        expect(framed, `seed ${s} chunk ${chunk}`).toEqual(framerLines(bytes, bytes.length));
        expect(framed.length).toBe(imported.length);
        expect(exportLines(bytes, chunk).length).toBe(framed.length);
      }
      expect(framerLines(bytes, 5).map(strip)).toEqual(imported.map(strip));
    }
  });

  it('an imported log and its text export keep the lines of the capture', () => {
    const text = 'U-Boot 2024.01\r\n[    0.000000] Booting Linux\r\r\n[    0.100000] caf\u00e9 \xff\r\n';
    const bytes = Uint8Array.from([...new TextEncoder().encode(text.slice(0, 54)), 0xff, 0x0d, 0x0a]);
    const { value } = importLog(bytes, { baseTime: 0, sessionId: 's', format: 'raw' });
    const lines = consoleItems(value.chunks, []).flatMap((i) => (i.kind === 'line' ? [i.line.text] : []));
    expect(lines).toEqual(framerLines(bytes, 4).map((l) => l.replace(/\x1b/g, '')));
  });
});
