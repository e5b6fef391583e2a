// The acceptance test of the device-tree compiler: every board Debian ships in three sets (arm64 6.1,
// arm64 6.12, arm32 armmp 6.1), compiled with our engine as Kbuild would, against Debian's DTB byte for
// byte. Each set reports N/M; boards known to differ are listed below with the reason, and any other
// difference fails. BRINGUP_CORPUS=subset compiles a spread of 60 boards per set for a quick loop.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CORPUS_SETS, corpusBoards, corpusSubset, boardLabel } from './corpus';
import { createPreprocessCache } from '../../engine/devicetree';
import { compileBoard } from './compile';
import { sameBytes } from './reference';
import { requireSystem } from '../support/system';

requireSystem('dtc', 'cpp', 'fdtoverlay', ...CORPUS_SETS.flatMap((s) => s.parts));

const full = process.env.BRINGUP_CORPUS !== 'subset';

// 6.12's Kbuild runs the kernel's own scripts/dtc/fdtoverlay (DTC 1.7.0-gbcd02b52), whose libfdt
// (fdt_overlay.c, overlay_prevent_phandle_overwrite) keeps the base's phandle when an overlay gives one
// to a node the base already numbered, and rewrites the overlay's references to it. Our applyOverlay (like the host's dtc 1.6.1 fdtoverlay, which it equals on these boards)
// renumbers the node instead: seen on imx8mm-venice-gw72xx-0x-rs422 (phandle 0xa1 where Debian has 0x27).
// 6.1's scripts/dtc (1.6.1) has no such function, so the fix must follow the kernel version: not done yet.
const PHANDLE_KEPT = 'overlay node already numbered in the base: 6.12 fdtoverlay keeps the base phandle, we renumber';

/** Boards whose DTB is not byte-identical to Debian's, per set, with the reason. */
const KNOWN_DIFFERENCES: Record<string, Record<string, string>> = {
  'arm64-6.1': {},
  'arm64-6.12': {
    'freescale/imx8mm-phygate-tauri-l-rs232-cts-rts.dtb': PHANDLE_KEPT,
    'freescale/imx8mm-phygate-tauri-l-rs232-rs232.dtb': PHANDLE_KEPT,
    'freescale/imx8mm-phygate-tauri-l-rs232-rs485.dtb': PHANDLE_KEPT,
    'freescale/imx8mm-venice-gw72xx-0x-rpidsi.dtb': PHANDLE_KEPT,
    'freescale/imx8mm-venice-gw72xx-0x-rs232-rts.dtb': PHANDLE_KEPT,
    'freescale/imx8mm-venice-gw72xx-0x-rs422.dtb': PHANDLE_KEPT,
    'freescale/imx8mm-venice-gw72xx-0x-rs485.dtb': PHANDLE_KEPT,
    'freescale/imx8mm-venice-gw73xx-0x-rpidsi.dtb': PHANDLE_KEPT,
    'freescale/imx8mm-venice-gw73xx-0x-rs232-rts.dtb': PHANDLE_KEPT,
    'freescale/imx8mm-venice-gw73xx-0x-rs422.dtb': PHANDLE_KEPT,
    'freescale/imx8mm-venice-gw73xx-0x-rs485.dtb': PHANDLE_KEPT,
    'freescale/imx8mp-evk-mx8-dlvds-lcd1.dtb': PHANDLE_KEPT,
    'freescale/imx8mp-tqma8mpql-mba8mpxl-lvds-g133han01.dtb': PHANDLE_KEPT,
    'freescale/imx8mp-tqma8mpql-mba8mpxl-lvds.dtb': PHANDLE_KEPT,
    'freescale/imx8mp-venice-gw74xx-rpidsi.dtb': PHANDLE_KEPT,
    'qcom/sm8650-hdk-display-card.dtb': PHANDLE_KEPT,
    'renesas/r9a07g043u11-smarc-du-adv7513.dtb': PHANDLE_KEPT,
    // Same tree as Debian's (dtc -I dtb -O dts equal), other byte layout; host cpp|dtc + fdtoverlay
    // reproduces Debian's bytes. Cause not found yet.
    'ti/k3-am654-idk.dtb': 'nested composite (its base k3-am654-evm is itself a composite): same tree, other byte layout',
  },
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
        if (known[board.id]) explained.push(`${boardLabel(board)}: ${known[board.id]}`);
        else unexplained.push(`${boardLabel(board)}: ${why}`);
      }
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      console.log(`corpus ${set.name}: ${identical}/${boards.length} byte-identical (${seconds} s)`);
      if (explained.length) console.log(`known differences:\n  ${explained.join('\n  ')}`);
      if (unexplained.length) console.log(`unexplained differences:\n  ${unexplained.join('\n  ')}`);
      expect(identical / boards.length).toBeGreaterThanOrEqual(0.99);
      expect(unexplained).toEqual([]);
    });
  }
});
