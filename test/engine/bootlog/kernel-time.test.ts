// Kernel times as printk wrote them (kernel/printk/printk.c "[%5lu.%06lu]"): every stamp of every
// fixture log must come out as the number its text spells, so it prints as written (1.133482, never
// 1.1334819999999999) and compares equal to Number() of the stamp, in and out of the fast path.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBootLog, splitPrefix } from '../../../engine/bootlog';

const FIXTURES = join(__dirname, '../../fixtures/bootlog');
const STAMP = /^\[\s*(\d+\.\d+)\]/;

/** What the stamp spells, as JavaScript prints a number: no trailing zeros, no noise. */
function spelled(stamp: string): string {
  const [secs, frac] = stamp.split('.') as [string, string];
  const digits = frac.replace(/0+$/, '');
  return `${Number(secs)}${digits ? `.${digits}` : ''}`;
}

describe('kernel times', () => {
  for (const dir of ['lab', 'eras']) {
    for (const file of readdirSync(join(FIXTURES, dir)).filter((f) => f.endsWith('.log'))) {
      it(`${dir}/${file}: every printk stamp prints as written`, () => {
        const text = readFileSync(join(FIXTURES, dir, file), 'utf8');
        const stamped = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => STAMP.test(l));
        expect(stamped.length).toBeGreaterThan(0);
        for (const line of stamped) {
          const stamp = STAMP.exec(line)![1]!;
          const t = splitPrefix(line).kernelTime;
          expect(String(t), line).toBe(spelled(stamp));
        }
        // And through the streaming parser: every event's kernel time is one of the log's stamps, as written.
        const written = new Set(stamped.map((l) => spelled(STAMP.exec(l)![1]!)));
        const { events } = parseBootLog(new Uint8Array(readFileSync(join(FIXTURES, dir, file))), {}, 0, 4093);
        for (const e of events) if (e.kernelTime !== null) expect(written.has(String(e.kernelTime)), `${e.line}: ${e.kernelTime}`).toBe(true);
      });
    }
  }

  it('the examples that once carried float noise, and stamps off printk’s own layout', () => {
    const cases: [string, string][] = [
      ['[    1.133482] x', '1.133482'],
      ['[    0.000001] x', '0.000001'],
      ['[    1.734700] x', '1.7347'],
      ['[99999.999999] x', '99999.999999'],
      ['[  123.4] x', '123.4'], // not six digits: the general path
      ['[123456.123456] x', '123456.123456'], // past printk's five-digit field
      ['[1.1334820000000000001] x', '1.133482'], // more digits than a double holds: parsed from the text
      ['<6>[    2.100300] [    T1] x', '2.1003'],
    ];
    for (const [line, want] of cases) expect(String(splitPrefix(line).kernelTime), line).toBe(want);
  });
});
