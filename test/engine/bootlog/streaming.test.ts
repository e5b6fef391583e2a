// The parser is a streaming decoder: feeding the same bytes split anywhere (inside a line, inside a
// UTF-8 sequence, between CR and LF) must give the same events as feeding them whole.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBootLogParser, type BootEvent } from '../../../engine/bootlog';
import { seededRandom } from '../../support/rng';

const FIXTURES = join(__dirname, '../../fixtures/bootlog');

function logs(): { name: string; bytes: Uint8Array }[] {
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const dir of ['lab', 'eras', 'captures']) {
    let files: string[] = [];
    try {
      files = readdirSync(join(FIXTURES, dir));
    } catch {
      continue;
    }
    for (const f of files.filter((f) => f.endsWith('.log')).sort()) out.push({ name: `${dir}/${f}`, bytes: new Uint8Array(readFileSync(join(FIXTURES, dir, f))) });
  }
  return out;
}

function parseChunks(bytes: Uint8Array, cuts: readonly number[]): BootEvent[] {
  const p = createBootLogParser();
  const events: BootEvent[] = [];
  let at = 0;
  for (const cut of cuts) {
    events.push(...p.feed(bytes.subarray(at, cut), 0));
    at = cut;
  }
  events.push(...p.feed(bytes.subarray(at), 0));
  events.push(...p.finish(0));
  return events;
}

const rng = seededRandom;

// Bytes that exercise every framing rule: CRLF, lone CR overwrite, CR CR LF, multi-byte UTF-8, ANSI, NUL, TAB.
const TRICKY = new TextEncoder().encode(
  'U-Boot 2024.01 (Jan 01 2024)\r\r\nHit any key to stop autoboot:  2 \b\b\b 1 \b\b\b 0\r\n' +
    '\x1b[0m\x1b]0;title\x07[    0.000000] Booting Linux on physical CPU 0x0\r\n' +
    '<6>[    0.000001][    T0] Linux version 6.1.0 (gcc) #1 SMP — “quoted” ✓\n' +
    '[    0.400000] bus: \'amba\': really_probe: probing driver pl061_gpio with device 9030000.pl061\r' +
    'progress 10%\rprogress 99%\r\n\x00\x00[    0.400100] amba 9030000.pl061: Added to deferred list\n' +
    '[    1.000000] pl061_gpio 9030000.pl061: Adding to iommu group 0\n' +
    "[    1.000100] driver: 'pl061_gpio': driver_bound: bound to device '9030000.pl061'\n" +
    '9040000.pl061\tamba: supplier 9050000.smmuv3 not ready\n' +
    '/ # \x1b[6n',
);

describe('split anywhere, same events', () => {
  it('a tricky excerpt split in two at every byte offset', () => {
    const whole = parseChunks(TRICKY, []);
    expect(whole.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['bootloader', 'kernel-start', 'probe-attempt', 'deferred', 'iommu-group', 'bound', 'deferred-listing']),
    );
    for (let cut = 1; cut < TRICKY.length; cut++) expect(parseChunks(TRICKY, [cut])).toEqual(whole);
  });

  it('a tricky excerpt split in three at every pair of offsets', () => {
    const whole = parseChunks(TRICKY, []);
    let n = 0;
    for (let a = 1; a < TRICKY.length; a += 3) {
      for (let b = a + 1; b < TRICKY.length; b += 7) {
        expect(parseChunks(TRICKY, [a, b])).toEqual(whole);
        n++;
      }
    }
    expect(n).toBeGreaterThan(1000);
  });

  for (const { name, bytes } of logs()) {
    // Long logs get fewer random splittings: the one-byte-per-chunk pass already splits at every offset.
    const splittings = bytes.length > 20_000 ? 200 : 500;
    it(`${name}: one byte per chunk (a split at every offset) and ${splittings} random splittings`, () => {
      const whole = parseChunks(bytes, []);
      expect(whole.length).toBeGreaterThan(0);
      const everyByte = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
      expect(parseChunks(bytes, everyByte)).toEqual(whole);
      const rand = rng(bytes.length);
      for (let k = 0; k < splittings; k++) {
        const cuts: number[] = [];
        let at = 0;
        for (;;) {
          at += 1 + Math.floor(rand() * (rand() < 0.5 ? 8 : 2000));
          if (at >= bytes.length) break;
          cuts.push(at);
        }
        expect(parseChunks(bytes, cuts)).toEqual(whole);
      }
    });
  }
});

describe('events carry the host time of their first byte', () => {
  it('a line started in one chunk and finished in the next keeps the first time', () => {
    const p = createBootLogParser();
    const a = new TextEncoder().encode('[    1.000000] pl061_gpio 9030000.pl061: Adding to iom');
    const b = new TextEncoder().encode('mu group 3\n');
    expect(p.feed(a, 100)).toEqual([]);
    const [e] = p.feed(b, 250);
    expect(e).toMatchObject({ kind: 'iommu-group', hostTime: 100, kernelTime: 1, group: 3, device: '9030000.pl061', driver: 'pl061_gpio' });
  });
});
