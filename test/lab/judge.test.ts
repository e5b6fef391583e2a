// The lab judges behaviour: a boot from another build of the same kernel line that does the same thing
// passes, and one device that behaves differently fails with the scenario, device and field named.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labDir } from '../../scripts/lib/lab/board';
import { formatDifference, judgeBoot, truthOfGolden } from '../support/lab-judge';
import type { Truth } from '../../scripts/lib/lab/truth';

const goldenDir = join(labDir, '..', 'fixtures', 'bootlog', 'lab');
const golden = (name: string): Truth => truthOfGolden(JSON.parse(readFileSync(join(goldenDir, `${name}.truth.json`), 'utf8')));
const clone = (t: Truth): Truth => JSON.parse(JSON.stringify(t));

describe('lab judge', () => {
  it('passes the same behaviour from another kernel build', () => {
    const want = golden('late-iommu');
    const got = clone(want);
    got.kernelRelease = want.kernelRelease.replace(/-(\d+)-/, (_m, n: string) => `-${Number(n) + 1}-`);
    expect(got.kernelRelease).not.toBe(want.kernelRelease);
    expect(judgeBoot('late-iommu', want, got)).toEqual([]);
  });

  it('names the scenario, the device and the field when one device behaves differently', () => {
    const want = golden('late-iommu');
    const got = clone(want);
    got.kernelRelease = '6.1.0-99-arm64';
    const pl061 = got.devices.find((d) => d.name === '9030000.pl061')!;
    pl061.iommuGroup = null;
    const lines = judgeBoot('late-iommu', want, got).map(formatDifference);
    expect(lines).toEqual(['late-iommu: 9030000.pl061: iommuGroup: golden 0, kernel null']);
  });

  it('reports a device the kernel no longer creates, one it newly creates, and a changed bind order', () => {
    const want = golden('demo');
    const got = clone(want);
    const gone = got.devices.shift()!;
    got.devices.push({ name: 'new.device', bus: 'platform', node: '/new', driver: null, iommuGroup: null, deferred: false, deferReason: null });
    if (got.bindOrder && got.bindOrder.length > 1) got.bindOrder = [...got.bindOrder].reverse();
    const diffs = judgeBoot('demo', want, got);
    expect(diffs).toContainEqual({ scenario: 'demo', device: gone.name, field: 'present', golden: true, observed: false });
    expect(diffs).toContainEqual({ scenario: 'demo', device: 'new.device', field: 'present', golden: false, observed: true });
    if (want.bindOrder && want.bindOrder.length > 1) expect(diffs.some((d) => d.field === 'bindOrder' && d.device === null)).toBe(true);
  });

  it('compares devices_deferred lines of devices outside the listing', () => {
    const want = golden('demo');
    const got = clone(want);
    got.deferred.push({ name: 'virtio0', reason: 'waiting' });
    expect(judgeBoot('demo', want, got).map(formatDifference)).toEqual(['demo: virtio0: devices_deferred: golden null, kernel "waiting"']);
  });
});
