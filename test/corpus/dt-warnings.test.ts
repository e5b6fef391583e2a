// dtc's warnings over the kernel's own boards: every source a corpus set compiles, preprocessed by cpp
// as Kbuild does, then given to the reference dtc and to our engine alike. What dtc prints on stderr
// (every check's warnings, "Failed prerequisite" lines, "also defined at" lines, in dtc's order) must
// be what `bringup dt` prints, line for line. Real boards trip checks no fixture thought of: on the
// 6.1 arm32 boards, unique_unit_address and simple_bus_reg are most of what dtc says. The same text
// goes to both, so this judges the checks, not the preprocessor (test/corpus/corpus.test.ts and the
// cpp tests judge that). The same again over a spread of boards with the -W switches Kbuild passes at
// each W= level. BRINGUP_CORPUS=subset takes a spread of 60 boards per set for the first.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../engine/common';
import { checkLevels, loadDeviceTree, parseCheckSwitch } from '../../engine/devicetree';
import { CORPUS_SETS, corpusBoards, corpusSubset, sourceLabel, type DtcStep } from '../../scripts/lib/corpus/corpus';
import { requireSystem } from '../../scripts/lib/system';
import { dtc, kbuildCpp, readFileOrUndefined } from '../support/dtc';

requireSystem('dtc', 'cpp', ...CORPUS_SETS.flatMap((s) => s.parts));

const full = process.env.BRINGUP_CORPUS !== 'subset';
const tmp = mkdtempSync(join(tmpdir(), 'bringup-dt-warnings-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * The -W switches Kbuild gives dtc for a kernel tree (6.1 scripts/Makefile.lib, 6.12
 * scripts/Makefile.dtbs), for a `make W=...` level: '' (a plain build), '1', '2' or '12'.
 */
function kbuildSwitches(source: '6.1' | '6.12', w: string): string[] {
  const noisy = ['unit_address_vs_reg', 'avoid_unnecessary_addr_size', 'alias_paths', 'graph_child_address', 'simple_bus_reg'];
  const out = source === '6.1' ? ['no-interrupt_provider'] : ['no-unique_unit_address'];
  if (!w.includes('1')) out.push(...noisy.map((c) => `no-${c}`), ...(source === '6.1' ? ['no-unique_unit_address'] : []));
  else if (source === '6.12') out.push('unique_unit_address_if_enabled');
  if (w.includes('2')) out.push('node_name_chars_strict', 'property_name_chars_strict', source === '6.1' ? 'interrupt_provider' : 'unique_unit_address');
  return out;
}

/**
 * What our engine prints for a source, as `bringup dt -o /dev/null` would (dtc names its output where a
 * finding has no place), less the `included from` lines, which dtc does not print.
 */
function ours(file: string, includeDirs: string[], switches: string[] = []): string {
  const levels = switches.length ? { checkLevels: checkLevels(switches.map((a) => parseCheckSwitch(a, 'warning'))) } : {};
  const r = loadDeviceTree(file, { includeDirs, readFile: readFileOrUndefined, preprocess: false, bootCpuid: 0, ...levels });
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

    it(`${set.name}: with Kbuild's -W switches (make, W=1, W=2, W=12), what dtc prints`, { timeout: 900_000 }, () => {
      const steps = new Map<string, DtcStep>();
      for (const b of corpusSubset(corpusBoards(set), 30)) for (const s of b.steps) steps.set(s.source, s);
      const file = join(tmp, `${set.name}-w.dts`);
      const differ: string[] = [];
      const lines = new Map<string, number>();
      for (const step of steps.values()) {
        const dirs = [dirname(step.source), step.includePrefixes];
        writeFileSync(file, kbuildCpp(step.source, dirs));
        for (const w of ['', '1', '2', '12']) {
          const switches = kbuildSwitches(set.source, w);
          const ref = dtc(['-I', 'dts', '-O', 'dtb', '-b', '0', '-o', '/dev/null', ...switches.map((a) => `-W${a}`), ...dirs.flatMap((d) => ['-i', d]), file]).err;
          lines.set(w, (lines.get(w) ?? 0) + ref.split('\n').length - 1);
          if (ours(file, dirs, switches) !== ref) differ.push(`${sourceLabel(set, step.source)} (W=${w})`);
        }
      }
      console.log(`dt warnings ${set.name} with Kbuild's switches: ${steps.size} sources, dtc's lines by W level: ${[...lines].map(([w, n]) => `${w || 'none'} ${n}`).join(', ')}; ${differ.length} differ`);
      expect(differ).toEqual([]);
      // The levels say different things: W=1 adds the noisy checks a plain build turns off.
      expect(lines.get('1')!).toBeGreaterThan(lines.get('')!);
    });
  }
});
