// The acceptance test of the device-tree compiler: every board Debian ships in three sets (arm64 6.1,
// arm64 6.12, arm32 armmp 6.1), compiled with our engine as Kbuild would, against Debian's DTB byte for
// byte. Each set reports N/M; boards known to differ are listed below with the reason, and any other
// difference fails. BRINGUP_CORPUS=subset compiles a spread of 60 boards per set for a quick loop.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CORPUS_SETS, corpusBoards, corpusSubset, boardLabel } from '../../scripts/lib/corpus/corpus';
import { createPreprocessCache } from '../../engine/devicetree';
import { compileBoard } from '../../scripts/lib/corpus/compile';
import { sameBytes } from '../support/corpus-reference';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('dtc', 'cpp', 'fdtoverlay', ...CORPUS_SETS.flatMap((s) => s.parts));

const full = process.env.BRINGUP_CORPUS !== 'subset';

/** Boards whose DTB is not byte-identical to Debian's, per set, with the reason. */
const KNOWN_DIFFERENCES: Record<string, Record<string, string>> = {
  'arm64-6.1': {},
  'arm64-6.12': {},
  'arm32-6.1': {},
};

describe(`device-tree corpus (${full ? 'all boards' : 'subset'})`, () => {
  for (const set of CORPUS_SETS) {
    it(`${set.name}: reproduces Debian's DTBs byte for byte for at least 99% of the boards`, { timeout: 900_000 }, () => {
      const all = corpusBoards(set);
      expect(all.length).toBeGreaterThan(500);
      const boards = full ? all : corpusSubset(all, 60);
      const cache = createPreprocessCache();
      const known = KNOWN_DIFFERENCES[set.name] ?? {};
      let identical = 0;
      const explained: string[] = [];
      const unexplained: string[] = [];
      const differ = new Set<string>();
      const t0 = performance.now();
      for (const board of boards) {
        let why: string | undefined;
        try {
          if (sameBytes(compileBoard(board, cache), new Uint8Array(readFileSync(board.shipped)))) identical++;
          else why = 'bytes differ from Debian\'s DTB';
        } catch (e) {
          why = (e as Error).message.split('\n')[0];
        }
        if (why === undefined) continue;
        differ.add(board.id);
        if (known[board.id]) explained.push(`${boardLabel(board)}: ${known[board.id]}`);
        else unexplained.push(`${boardLabel(board)}: ${why}`);
      }
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      console.log(`corpus ${set.name}: ${identical}/${boards.length} byte-identical (${seconds} s)`);
      if (explained.length) console.log(`known differences:\n  ${explained.join('\n  ')}`);
      if (unexplained.length) console.log(`unexplained differences:\n  ${unexplained.join('\n  ')}`);
      expect(identical / boards.length).toBeGreaterThanOrEqual(0.99);
      expect(unexplained).toEqual([]);
      // The list only shrinks: a known difference that has come right must leave it.
      const tried = new Set(boards.map((b) => b.id));
      const cameRight = Object.keys(known).filter((id) => tried.has(id) && !differ.has(id));
      expect(cameRight, 'known differences that now match: remove them from KNOWN_DIFFERENCES').toEqual([]);
    });
  }
});
