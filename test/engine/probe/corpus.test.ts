// The probe model over Debian's real arm64 boards (every 8th of the ~577 DTBs Debian ships): it never
// throws, names every device uniquely, reports every state from the documented vocabulary, and its trace
// is ordered. `npm run bench` times the largest board.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDtb } from '../../../engine/devicetree/index';
import { DEVICE_STATES } from '../../../engine/common/index';
import { predict } from '../../../engine/probe/index';
import { requireSystem, debianDtbDir } from '../../../scripts/lib/system';
import { catalog, debianConfig } from '../../support/probe';

requireSystem('kernel-arm64');

function dtbs(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.dtb')) out.push(p);
    }
  };
  walk(debianDtbDir());
  return out;
}

describe('Debian arm64 boards', () => {
  const all = dtbs();
  const sample = all.filter((_, i) => i % 8 === 0);
  it('has the corpus', () => {
    expect(all.length).toBeGreaterThan(500);
  });
  it(`predicts ${sample.length} boards without throwing, with unique names and ordered traces`, () => {
    let bound = 0;
    for (const f of sample) {
      const tree = readDtb(new Uint8Array(readFileSync(f)), f).value;
      const { value, diagnostics } = predict(tree, { catalog, config: debianConfig });
      expect(diagnostics.filter((d) => d.severity === 'error'), f).toEqual([]);
      const names = value.devices.filter((d) => d.state !== 'disabled').map((d) => d.name);
      expect(new Set(names).size, f).toBe(names.length);
      for (const d of value.devices) expect(DEVICE_STATES).toContain(d.state);
      for (let i = 1; i < value.events.length; i++) {
        expect(value.events[i]!.step).toBe(value.events[i - 1]!.step + 1);
        expect(value.events[i]!.time).toBeGreaterThanOrEqual(value.events[i - 1]!.time);
      }
      bound += value.devices.filter((d) => d.state === 'bound').length;
    }
    expect(bound).toBeGreaterThan(sample.length * 5);
  });
});
