// dtc's warnings over the kernel's own boards: every source a corpus set compiles, preprocessed by cpp
// as Kbuild does, then given to the reference dtc and to our engine alike. What dtc prints on stderr
// (every check's warnings, "Failed prerequisite" lines, "also defined at" lines, in dtc's order) must
// be what `bringup dt` prints, line for line. Real boards trip checks no fixture thought of: on the
// 6.1 arm32 boards, unique_unit_address and simple_bus_reg are most of what dtc says. The same text
// goes to both, so this judges the checks, not the preprocessor (test/corpus/corpus.test.ts and the
// cpp tests judge that). BRINGUP_CORPUS=subset takes a spread of 60 sources per set.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../engine/common';
import { loadDeviceTree } from '../../engine/devicetree';
import { CORPUS_SETS, corpusBoards, corpusSubset, sourceLabel, type DtcStep } from '../../scripts/lib/corpus/corpus';
import { requireSystem } from '../../scripts/lib/system';
import { dtc, kbuildCpp, readFileOrUndefined } from '../support/dtc';

requireSystem('dtc', 'cpp', ...CORPUS_SETS.flatMap((s) => s.parts));

const full = process.env.BRINGUP_CORPUS !== 'subset';
const tmp = mkdtempSync(join(tmpdir(), 'bringup-dt-warnings-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * What our engine prints for a source, as `bringup dt -o /dev/null` would (dtc names its output where a
 * finding has no place), less the `included from` lines, which dtc does not print.
 */
function ours(file: string, includeDirs: string[]): string {
  const r = loadDeviceTree(file, { includeDirs, readFile: readFileOrUndefined, preprocess: false, bootCpuid: 0 });
  return r.diagnostics
    .map((d) => formatDiagnostic(d.span || d.file ? d : { ...d, file: '/dev/null' }))
    .join('\n')
    .split('\n')
    .filter((line) => line && !line.startsWith('  included from '))
    .map((line) => line + '\n')
    .join('');
}

describe(`dtc's warnings on the kernel's boards (${full ? 'all sources' : 'subset'})`, () => {
  for (const set of CORPUS_SETS) {
    it(`${set.name}: every warning dtc prints, and no other`, { timeout: 900_000 }, () => {
      const boards = corpusBoards(set);
      const steps = new Map<string, DtcStep>();
      for (const b of full ? boards : corpusSubset(boards, 60)) for (const s of b.steps) steps.set(s.source, s);
      const file = join(tmp, `${set.name}.dts`);
      let warned = 0;
      let lines = 0;
      const differ: string[] = [];
      for (const step of steps.values()) {
        // dtc's /include/ looks beside the file it reads, then in -i folders, as Kbuild gives them.
        const dirs = [dirname(step.source), step.includePrefixes];
        writeFileSync(file, kbuildCpp(step.source, dirs));
        const ref = dtc(['-I', 'dts', '-O', 'dtb', '-b', '0', '-o', '/dev/null', ...dirs.flatMap((d) => ['-i', d]), file]).err;
        const mine = ours(file, dirs);
        if (ref) warned++;
        lines += ref.split('\n').length - 1;
        if (mine === ref) continue;
        const want = ref.split('\n');
        const got = mine.split('\n');
        let k = 0;
        while (k < want.length && want[k] === got[k]) k++;
        differ.push(`${sourceLabel(set, step.source)}: first difference at line ${k + 1}\n  dtc:  ${want[k] ?? '(end)'}\n  ours: ${got[k] ?? '(end)'}`);
      }
      console.log(`dt warnings ${set.name}: ${steps.size - differ.length}/${steps.size} sources print what dtc prints (${warned} with warnings, ${lines} lines)`);
      expect(differ.slice(0, 20)).toEqual([]);
      expect(warned).toBeGreaterThan(0);
    });
  }
});
