// The timeline's power markers: an action lies at the kernel time it cut the boot on screen, or at the
// start of the boot it started; older actions are not drawn on this boot.
import { describe, expect, it } from 'vitest';
import { placePowerMarks } from '../../renderer/src/lib/power-marks';
import type { PowerMark } from '../../renderer/src/stores/connection';

const mark = (over: Partial<PowerMark>): PowerMark => ({ action: 'cycle', at: Date.UTC(2026, 11, 3, 16, 40, 12), boots: 1, kernelTime: 4, ok: true, ...over });
const whole = { start: 0, end: 10 };

describe('placePowerMarks', () => {
  it('puts an action taken during the boot on screen at the kernel time it was taken', () => {
    const [p] = placePowerMarks([mark({ action: 'off' })], 1, whole, 10, 500);
    expect(p).toMatchObject({ x: 200, before: false });
    expect(p!.title).toMatch(/^power off at .* via labgrid-client \(done\) at \[4\.000000\] of this boot$/);
  });

  it('puts the cycle that started the boot on screen at its start, and drops the ones before', () => {
    const placed = placePowerMarks([mark({ boots: 0, action: 'on' }), mark({ boots: 1 }), mark({ boots: 2, kernelTime: 1, action: 'off', ok: null })], 2, whole, 10, 500);
    expect(placed.map((p) => [p.mark.action, p.x, p.before])).toEqual([
      ['cycle', 0, true],
      ['off', 50, false],
    ]);
    expect(placed[0]!.title).toContain('this boot followed it');
    expect(placed[1]!.title).toContain('(sent)');
  });

  it('keeps a late action within the boot drawn, and follows the zoomed window', () => {
    expect(placePowerMarks([mark({ kernelTime: 30 })], 1, whole, 10, 500)[0]!.x).toBe(500);
    expect(placePowerMarks([mark({ kernelTime: 4 })], 1, { start: 5, end: 10 }, 10, 500)).toEqual([]);
    expect(placePowerMarks([mark({ kernelTime: 6 })], 1, { start: 5, end: 10 }, 10, 500)[0]!.x).toBe(100);
  });

  it("says labgrid-client's failure", () => {
    expect(placePowerMarks([mark({ ok: false, error: 'place not acquired' })], 1, whole, 10, 500)[0]!.title).toContain('failed: place not acquired');
  });
});
