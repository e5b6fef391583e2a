// The dtc source language, feature by feature, against the real dtc: each fixture must compile to the
// same DTB bytes (with and without -@) and print the same DTS text as `dtc -O dts`.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasErrors } from '../../../engine/common';
import { loadDeviceTree, printDts, writeDtb } from '../../../engine/devicetree';
import { dtc, fixtures, readFileOrUndefined } from '../../support/dtc';
import { requireSystem } from '../../../scripts/lib/system';

requireSystem('cpp');

const LANGUAGE_FIXTURES = ['lang-values.dts', 'lang-refs.dts', 'lang-edit.dts', 'lang-label-moves.dts', 'lang-plugin.dts', 'lang-include.dts'];

describe('dtc source language against dtc', () => {
  for (const name of LANGUAGE_FIXTURES) {
    for (const symbols of [false, true]) {
      it(`${name}${symbols ? ' with -@' : ''}: same DTB bytes and DTS text as dtc`, () => {
        const file = join(fixtures, name);
        const r = loadDeviceTree(file, { readFile: readFileOrUndefined, preprocess: false, symbols });
        expect(hasErrors(r.diagnostics)).toBe(false);
        const flags = symbols ? ['-@'] : [];
        const ref = dtc(['-q', '-I', 'dts', '-O', 'dtb', ...flags, file]);
        expect(ref.status).toBe(0);
        expect(Buffer.from(writeDtb(r.value)).equals(ref.out)).toBe(true);
        const refDts = dtc(['-q', '-I', 'dts', '-O', 'dts', ...flags, file]);
        expect(printDts(r.value)).toBe(refDts.out.toString('utf8'));
      });
    }
  }

  it('goes through the C preprocessor by default (same bytes as cpp | dtc)', () => {
    const file = join(fixtures, 'lang-cpp.dts');
    const r = loadDeviceTree(file, { readFile: readFileOrUndefined, includeDirs: [fixtures], defines: ['EXTRA=7'] });
    expect(hasErrors(r.diagnostics)).toBe(false);
    const pp = execFileSync('cpp', ['-nostdinc', '-I', fixtures, '-undef', '-D__DTS__', '-DEXTRA=7', '-x', 'assembler-with-cpp', file]);
    const ref = dtc(['-q', '-I', 'dts', '-O', 'dtb', '-'], pp);
    expect(Buffer.from(writeDtb(r.value)).equals(ref.out)).toBe(true);
  });
});
