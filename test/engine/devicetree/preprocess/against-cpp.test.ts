// Our preprocessor against the host's GNU cpp (run as Kbuild runs it) on real kernel boards and on
// fixtures built around cpp's corner cases: same tokens, same spacing decisions, same file:line for
// every output line. Set BRINGUP_PP_ALL=1 to compare every arm64 board instead of a spread sample.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createPreprocessCache } from '../../../../engine/devicetree/preprocess';
import { requireSystem, kernelSourceDir } from '../../../../scripts/lib/system';
import { firstDifference, ours, realCpp, rows } from '../../../support/cpp-compare';

requireSystem('cpp', 'linux-source-6.1');

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'dts', 'preprocess');

function boards(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(join(kernelSourceDir, d)).sort()) {
      const p = join(d, n);
      if (statSync(join(kernelSourceDir, p)).isDirectory()) walk(p);
      else if (n.endsWith('.dts')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function spread<T>(all: T[], n: number): T[] {
  if (process.env.BRINGUP_PP_ALL || all.length <= n) return all;
  const step = all.length / n;
  return Array.from({ length: n }, (_, i) => all[Math.floor(i * step)]!);
}

/**
 * With `shared`, one cache for the whole sample, as a batch has (every file lexed at once and kept);
 * without, each board on its own, as one `bringup dt` run (files lexed as they are read, plain lines
 * printed whole from the text).
 */
function compareCorpus(dir: string, sample: number, shared: boolean) {
  const list = spread(boards(dir), sample);
  const cache = shared ? createPreprocessCache() : undefined;
  const mismatches: string[] = [];
  for (const b of list) {
    const inc = ['scripts/dtc/include-prefixes', dirname(b)];
    const cpp = realCpp(b, inc, kernelSourceDir);
    expect(cpp.ok, `${b}: ${cpp.stderr}`).toBe(true);
    const mine = ours(b, inc, cache, kernelSourceDir);
    const errors = mine.diagnostics.filter((d) => d.severity === 'error');
    const diff = firstDifference(rows(cpp.out), rows(mine.value));
    if (errors.length || diff) mismatches.push(`${b}: ${errors.map((e) => e.message).join('; ')} ${diff ?? ''}`);
  }
  return { tried: list.length, mismatches };
}

describe('preprocess agrees with GNU cpp', () => {
  it('on arm64 kernel boards (token sequence and file:line of every line)', () => {
    const r = compareCorpus('arch/arm64/boot/dts', 150, true);
    console.log(`arm64: ${r.tried - r.mismatches.length}/${r.tried} boards token-identical to cpp`);
    expect(r.mismatches).toEqual([]);
    expect(r.tried).toBeGreaterThanOrEqual(150);
  }, 300_000);

  it('on 32-bit arm kernel boards, each compiled on its own', () => {
    const r = compareCorpus('arch/arm/boot/dts', 60, false);
    expect(r.mismatches).toEqual([]);
  }, 300_000);

  for (const [name, dirs] of [
    ['gnu-lexing.dts', []],
    ['conditionals.dts', []],
    ['macro-expansion.dts', []],
    ['va-opt-pragma.dts', []],
    ['lines-and-splices.dts', []],
    ['spacing-and-pastes.dts', []],
    ['board/main.dts', ['inc']],
  ] as [string, string[]][]) {
    it(`on fixture ${name}`, () => {
      const cpp = realCpp(name, dirs, fixtures);
      const mine = ours(name, dirs, undefined, fixtures);
      const cppRows = rows(cpp.out);
      expect(cppRows.length).toBeGreaterThan(3);
      expect(firstDifference(cppRows, rows(mine.value))).toBeNull();
    });
  }
});
