// The comparison rules, on the live state of real lab logs: a log compared with its own live state
// matches everywhere; each field changed in the "prediction" shows up as exactly that difference;
// what a log without driver-core debug cannot show is unobserved, not a match; bind order statistics.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveDevices, LiveState, parseBootLog, type LiveDeviceReport } from '../../../engine/bootlog';
import type { DeviceReport } from '../../../engine/common';
import { compareDevices, comparisonToJunit } from '../../../engine/compare';

const LAB = join(__dirname, '../../fixtures/bootlog/lab');

function live(name: string): { devices: LiveDeviceReport[]; state: LiveState } {
  const { events } = parseBootLog(new Uint8Array(readFileSync(join(LAB, `${name}.log`))));
  const state = new LiveState();
  state.apply(events);
  return { devices: state.devices(), state };
}

/** A "prediction" built from the kernel's own result: the comparison must find no difference. */
function asPrediction(devices: readonly LiveDeviceReport[]): DeviceReport[] {
  return devices.map((d) => ({ name: d.name, node: d.node, state: d.state, driver: d.driver, iommuGroup: d.iommuGroup, deferrals: d.deferrals, bindIndex: d.bindIndex, why: [{ subject: d.name, text: `predicted cause for ${d.name}` }], error: d.error ?? null }));
}

describe('compareDevices on real lab logs', () => {
  const { devices, state } = live('no-iommu-driver');

  it('a log against its own state: everything matches, bind order identical', () => {
    const c = compareDevices(asPrediction(devices), devices, { coverage: state.coverage() });
    expect(c.allMatch).toBe(true);
    expect(c.summary.match).toBe(devices.length);
    expect(c.bindOrder.spearman).toBe(1);
    expect(c.bindOrder.inversionCount).toBe(0);
    expect(c.bindOrder.compared).toBe(devices.filter((d) => d.bindIndex !== null).length);
  });

  it('each changed field is flagged on exactly that device, with the predicted cause', () => {
    const predicted = asPrediction(devices);
    const pl061 = predicted.find((d) => d.name === '9030000.pl061')!;
    pl061.iommuGroup = 0; // predicted with an IOMMU; the kernel gave up on it
    const pcie = predicted.find((d) => d.name === '4010000000.pcie')!;
    pcie.state = 'deferred';
    pcie.bindIndex = null;
    const virtio = predicted.find((d) => d.name === '0000:00:01.0')!;
    virtio.deferrals = 4; // 1 in the log: only a count difference
    const c = compareDevices(predicted, devices, { coverage: state.coverage() });
    const mismatched = c.devices.filter((d) => d.verdict === 'mismatch');
    expect(mismatched.map((d) => d.name).sort()).toEqual(['4010000000.pcie', '9030000.pl061']);
    expect(mismatched.find((d) => d.name === '9030000.pl061')!.differences).toEqual([{ field: 'iommu', predicted: true, actual: false, severity: 'major' }]);
    expect(mismatched.find((d) => d.name === '4010000000.pcie')!.differences.map((d) => d.field)).toEqual(['state']);
    expect(mismatched.every((d) => d.cause[0]!.text === `predicted cause for ${d.name}`)).toBe(true);
    const v = c.devices.find((d) => d.name === '0000:00:01.0')!;
    expect(v.verdict).toBe('match');
    expect(v.differences).toEqual([expect.objectContaining({ field: 'deferrals', predicted: 4, actual: 1, severity: 'minor' })]);
  });

  it('swapping two binds in the prediction gives one inversion and Spearman below 1', () => {
    const predicted = asPrediction(devices);
    const bound = predicted.filter((d) => d.bindIndex !== null).sort((a, b) => a.bindIndex! - b.bindIndex!);
    const [a, b] = [bound[0]!, bound[bound.length - 1]!];
    [a.bindIndex, b.bindIndex] = [b.bindIndex, a.bindIndex];
    const c = compareDevices(predicted, devices, { coverage: state.coverage() });
    const n = bound.length;
    // Swapping the first and last of n ranks: sum d^2 = 2 (n-1)^2; inversions 2(n-2)+1.
    expect(c.bindOrder.spearman).toBeCloseTo(1 - (6 * 2 * (n - 1) ** 2) / (n * (n * n - 1)), 10);
    expect(c.bindOrder.inversionCount).toBe(2 * (n - 2) + 1);
    expect(c.allMatch).toBe(true);
  });

  it('devices on one side only', () => {
    const predicted = asPrediction(devices).filter((d) => d.name !== 'reg-dummy');
    predicted.push({ name: 'f0000000.ghost', node: '/ghost@f0000000', state: 'bound', driver: 'ghost', iommuGroup: null, deferrals: 0, bindIndex: 99, why: [{ subject: 'f0000000.ghost', text: 'bound to ghost' }] });
    predicted.push({ name: 'f1000000.quiet', node: '/quiet@f1000000', state: 'no-driver', driver: null, iommuGroup: null, deferrals: 0, bindIndex: null, why: [] });
    const c = compareDevices(predicted, devices, { coverage: state.coverage() });
    expect(c.devices.find((d) => d.name === 'reg-dummy')!.verdict).toBe('actual-only');
    expect(c.devices.find((d) => d.name === 'f0000000.ghost')).toMatchObject({ verdict: 'mismatch', differences: [{ field: 'presence' }] });
    // Nothing to print for a device without a driver: absent is what the kernel does.
    expect(c.devices.find((d) => d.name === 'f1000000.quiet')!.verdict).toBe('match');
  });
});

describe('what a quiet log cannot show', () => {
  const { devices, state } = live('late-iommu-quiet');
  const coverage = state.coverage();

  it('the quiet log has neither dd.c debug nor initcall_debug', () => {
    expect(coverage.driverCoreDebug).toBe(false);
    expect(coverage.initcallDebug).toBe(false);
  });

  it('a predicted bind the log never mentions is unobserved, a predicted group is still checked', () => {
    const predicted: DeviceReport[] = [
      { name: 'pmu', node: '/pmu', state: 'bound', driver: 'armv8-pmu', iommuGroup: null, deferrals: 0, bindIndex: 0, why: [] },
      { name: '9030000.pl061', node: '/pl061@9030000', state: 'bound', driver: 'pl061_gpio', iommuGroup: null, deferrals: 1, bindIndex: 1, why: [{ subject: '9030000.pl061', text: 'no IOMMU' }] },
    ];
    const c = compareDevices(predicted, devices, { coverage });
    expect(c.devices.find((d) => d.name === 'pmu')!.verdict).toBe('unobserved');
    const pl061 = c.devices.find((d) => d.name === '9030000.pl061')!;
    expect(pl061.verdict).toBe('mismatch');
    expect(pl061.differences.map((d) => d.field)).toEqual(['iommu']);
    expect(pl061.unobserved).toContain('deferrals');
  });
});

describe('JUnit', () => {
  it('one testcase per device, failures for mismatches, skipped for unobserved, names escaped', () => {
    const devices = liveDevices(parseBootLog(new Uint8Array(readFileSync(join(LAB, 'late-iommu.log')))).events);
    const predicted = asPrediction(devices);
    predicted[0]!.state = 'failed';
    predicted.push({ name: '<img src=x onerror=alert(1)>', node: '/x&y', state: 'bound', driver: 'x', iommuGroup: null, deferrals: 0, bindIndex: 50, why: [{ subject: 'x', text: 'a "quoted" <cause>' }] });
    const c = compareDevices(predicted, devices);
    const xml = comparisonToJunit(c, 'board.dts vs boot.log');
    expect(xml.match(/<testcase /g)!.length).toBe(c.devices.length);
    expect(xml.match(/<failure /g)!.length).toBe(c.summary.mismatch);
    expect(xml).toContain('name="&lt;img src=x onerror=alert(1)&gt;"');
    expect(xml).toContain('classname="/x&amp;y"');
    expect(xml).not.toContain('<img');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
  });
});
