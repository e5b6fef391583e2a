// What a serial line does to a parser on a bad day: random bytes (wrong baud), real logs with noise
// spliced in, a megabyte without a newline. Nothing throws, time stays linear, memory stays bounded.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBootLogParser, liveDevices, type BootEvent } from '../../../engine/bootlog';
import { seededRandom } from '../../support/rng';

const LAB = join(__dirname, '../../fixtures/bootlog/lab');

const rng = seededRandom;

function feedRandomly(bytes: Uint8Array, rand: () => number): BootEvent[] {
  const p = createBootLogParser({ emitText: rand() < 0.5 });
  const out: BootEvent[] = [];
  let at = 0;
  while (at < bytes.length) {
    const n = 1 + Math.floor(rand() * 256);
    out.push(...p.feed(bytes.subarray(at, at + n), at));
    at += n;
  }
  out.push(...p.finish(at));
  return out;
}

describe('fuzz', () => {
  it('5,000 random byte strings never throw and every event is well-formed', () => {
    const rand = rng(42);
    let events = 0;
    for (let i = 0; i < 5000; i++) {
      const len = Math.floor(rand() * 2048);
      const bytes = new Uint8Array(len);
      // Mix uniform noise with printk-ish ASCII so deeper paths run too.
      const alphabet = '[]0123456789. :\'\t\r\n<>-_abcdefgprobingdriverwithdevicebus: \'platform\'Added to deferred list';
      for (let k = 0; k < len; k++) bytes[k] = rand() < 0.5 ? Math.floor(rand() * 256) : alphabet.charCodeAt(Math.floor(rand() * alphabet.length));
      const ev = feedRandomly(bytes, rand);
      for (const e of ev) {
        expect(typeof e.kind).toBe('string');
        expect(e.line).toBeGreaterThan(0);
      }
      liveDevices(ev);
      events += ev.length;
    }
    expect(events).toBeGreaterThan(0);
  });

  it('3,000 mutations of real lab logs (bytes flipped, dropped, garbage spliced) never throw', () => {
    const logs = readdirSync(LAB)
      .filter((f) => f.endsWith('.log'))
      .map((f) => new Uint8Array(readFileSync(join(LAB, f))));
    expect(logs.length).toBeGreaterThan(0);
    const rand = rng(7);
    for (let i = 0; i < 3000; i++) {
      const src = logs[i % logs.length]!;
      const start = Math.floor(rand() * src.length);
      const slice = src.slice(start, start + 1 + Math.floor(rand() * 4096));
      for (let k = 0; k < 8; k++) {
        const at = Math.floor(rand() * slice.length);
        const op = rand();
        if (op < 0.4) slice[at] = Math.floor(rand() * 256);
        else if (op < 0.7) slice[at] = 0;
        else slice[at] = 0x1b;
      }
      liveDevices(feedRandomly(slice, rand));
    }
  });
});

describe('hostile shapes', () => {
  // How fast these shapes go is measured in `npm run bench bootlog` (hostile shapes), not timed here.
  it('a megabyte line is cut at the line cap and holds no more than the cap', () => {
    const p = createBootLogParser({ maxLineLength: 4096 });
    const chunk = new Uint8Array(1024).fill(0x41);
    for (let i = 0; i < 1024; i++) expect(p.feed(chunk, i)).toEqual([]);
    const tail = p.feed(new TextEncoder().encode('\n[    1.000000] pl061_gpio 9030000.pl061: Adding to iommu group 4\n'), 2000);
    expect(tail.map((e) => e.kind)).toEqual(['bootloader', 'iommu-group']);
    expect(tail[0]!.raw.length).toBe(4096);
    expect(p.stats.truncatedLines).toBe(1);
  });

  it('wrong-baud garbage is reported as garbage and the next good line still parses', () => {
    const rand = rng(3);
    const noise = new Uint8Array(3000);
    for (let k = 0; k < noise.length; k++) noise[k] = 0x80 + Math.floor(rand() * 0x80);
    noise[1000] = 0x0a;
    noise[2000] = 0x0d;
    const p = createBootLogParser();
    const events = [
      ...p.feed(new TextEncoder().encode('[    0.000000] Booting Linux on physical CPU 0x0\n'), 0),
      ...p.feed(noise, 1),
      ...p.feed(new TextEncoder().encode("\n[    1.000000] driver: 'uart-pl011': driver_bound: bound to device '9000000.pl011'\n"), 2),
      ...p.finish(3),
    ];
    expect(events.map((e) => e.kind)).toEqual(['kernel-start', 'garbage', 'garbage', 'garbage', 'bound']);
  });

  it('a NUL flood does not stall', () => {
    const p = createBootLogParser();
    const nul = new Uint8Array(1 << 20);
    p.feed(nul, 0);
    const ev = p.feed(new TextEncoder().encode("\n[    1.000000] driver: 'a': driver_bound: bound to device 'b.c'\n"), 1);
    expect(ev.map((e) => e.kind)).toEqual(['bound']);
  });

  it('an unterminated WARN report is bounded and flushed at finish', () => {
    const p = createBootLogParser({ maxReportLines: 50 });
    const lines = ['[    1.0] ------------[ cut here ]------------'];
    for (let i = 0; i < 1000; i++) lines.push(`[    1.0]  frame_${i}+0x0/0x10`);
    const ev = [...p.feed(new TextEncoder().encode(lines.join('\n') + '\n'), 0), ...p.finish(1)];
    const warns = ev.filter((e) => e.kind === 'warn');
    expect(warns.length).toBeGreaterThanOrEqual(1);
    for (const w of warns) if (w.kind === 'warn') expect(w.lines.length).toBeLessThanOrEqual(50);
  });
});
