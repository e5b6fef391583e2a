// The acceptance test of the device-tree compiler: every arm64 board Debian ships for 6.1, compiled
// with our engine as Kbuild would, against Debian's DTB (byte-identical, or the same tree when both are
// decompiled by dtc). The whole corpus takes about 15 s, so `npm test` runs all of it;
// BRINGUP_CORPUS=subset runs a spread of 60 boards for a quick loop.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusBoards, corpusSubset, boardLabel } from './corpus';
import { createPreprocessCache } from '../../engine/devicetree';
import { compileBoard } from './compile';
import { decompile, sameBytes } from './reference';
import { requireSystem } from '../support/system';

requireSystem('dtc', 'cpp', 'fdtoverlay', 'linux-source-6.1', 'kernel-arm64');

const full = process.env.BRINGUP_CORPUS !== 'subset';

describe(`arm64 corpus (${full ? 'all boards' : 'subset'})`, () => {
  it('reproduces Debian-built DTBs for at least 99% of the boards', { timeout: 900_000 }, () => {
    const all = corpusBoards();
    expect(all.length).toBeGreaterThan(500);
    const boards = full ? all : corpusSubset(all, 60);
    const cache = createPreprocessCache();
    let identical = 0;
    const sameTree: string[] = [];
    const failures: string[] = [];
    for (const board of boards) {
      let ours: Uint8Array;
      try {
        ours = compileBoard(board, cache);
      } catch (e) {
        failures.push(`${boardLabel(board)}: ${(e as Error).message.split('\n')[0]}`);
        continue;
      }
      const shipped = new Uint8Array(readFileSync(board.shipped));
      if (sameBytes(ours, shipped)) identical++;
      else if (decompile(ours) === decompile(shipped)) sameTree.push(boardLabel(board));
      else failures.push(`${boardLabel(board)}: tree differs from Debian's DTB`);
    }
    const ok = identical + sameTree.length;
    console.log(`corpus: ${ok}/${boards.length} boards match (${identical} byte-identical, ${sameTree.length} same tree)`);
    if (sameTree.length) console.log(`same tree, other bytes:\n  ${sameTree.join('\n  ')}`);
    if (failures.length) console.log(`corpus failures:\n  ${failures.join('\n  ')}`);
    expect(ok / boards.length).toBeGreaterThanOrEqual(0.99);
  });
});
