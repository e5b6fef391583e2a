// dtc's checks, the ERROR ones and the warnings: one fixture per check (test/fixtures/dts/bad-<check>.dts).
// Every line dtc prints for that check must come out of our engine identically: same position, check
// name, path and message.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../engine/common';
import { CHECKS, loadDeviceTree } from '../../../engine/devicetree';
import { dtc, fixtures, readFileOrUndefined } from '../../support/dtc';

const badFixtures = readdirSync(fixtures).filter((f) => f.startsWith('bad-') && f.endsWith('.dts'));

describe('dtc checks', () => {
  it('every check in the table, error or warning, has its bad-<check>.dts fixture', () => {
    for (const c of CHECKS) expect(badFixtures).toContain(`bad-${c.name}.dts`);
  });

  for (const name of badFixtures) {
    const check = name.slice(4, -4);
    it(`${check}: same diagnostics as dtc`, () => {
      const file = join(fixtures, name);
      const ref = dtc(['-I', 'dts', '-O', 'dtb', '-o', '/dev/null', file]);
      const expected = ref.err.split('\n').filter((l) => l.includes(`(${check})`) && !l.includes('Failed prerequisite'));
      expect(expected.length).toBeGreaterThan(0);
      const r = loadDeviceTree(file, { readFile: readFileOrUndefined, preprocess: false });
      const mine = r.diagnostics.filter((d) => d.code === check).map(formatDiagnostic);
      expect(mine).toEqual(expected);
      // dtc refuses output on ERROR checks: so do we (hasErrors), on warnings it does not.
      const isError = expected[0]!.includes('ERROR (');
      expect(r.diagnostics.some((d) => d.code === check && d.severity === 'error')).toBe(isError);
    });
  }
});
