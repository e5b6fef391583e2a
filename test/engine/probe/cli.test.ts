// `bringup predict` in-process with real files: the --json document is the public contract of
// docs/cli-predict.md (device fields, state vocabulary, events), the table is in probe order, the
// predict flags reach the model, and bad usage / bad input give exit codes 2 / 1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../support/cli';
import { DEVICE_STATES } from '../../../engine/common/index';
import { requireSystem, kernelConfig } from '../../../scripts/lib/system';
import { fixturesDir } from '../../support/probe';

requireSystem('kernel-arm64');

const board = join(fixturesDir, 'late-iommu.dts');

const bringup = (...argv: string[]): Promise<CliRun> => runCli(['predict', ...argv]);

describe('bringup predict', () => {
  it('--json prints {"devices":[...],"events":[...]} with the documented fields', async () => {
    const r = await bringup(board, '--config', kernelConfig(), '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { devices: Record<string, unknown>[]; events: Record<string, unknown>[] };
    expect(Object.keys(doc).sort()).toEqual(['devices', 'events']);
    for (const d of doc.devices) {
      for (const k of ['name', 'node', 'state', 'iommuGroup', 'deferrals', 'bindIndex', 'why']) expect(d).toHaveProperty(k);
      expect(DEVICE_STATES).toContain(d.state);
    }
    const byName = new Map(doc.devices.map((d) => [d.name, d]));
    expect(byName.get('9030000.gpio')).toMatchObject({ node: '/gpio@9030000', state: 'bound', iommuGroup: 1, deferrals: 1 });
    expect(byName.get('9010000.rtc')).toMatchObject({ state: 'bound', iommuGroup: 0, deferrals: 0 });
    expect(byName.get('9000000.serial')).toMatchObject({ state: 'disabled', iommuGroup: null, bindIndex: null });
    expect(byName.get('soc:widget')).toMatchObject({ state: 'no-driver' });
    const steps = doc.events.map((e) => e.step as number);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(doc.events.some((e) => e.text === "driver: 'pl061_gpio': driver_bound: bound to device '9030000.gpio'")).toBe(true);
  });

  it('the why chain of a device points into the DTS source', async () => {
    const r = await bringup(board, '--config', kernelConfig(), '--json', '--cmdline', 'initcall_blacklist=arm_smmu_driver_init');
    const gpio = (JSON.parse(r.out) as { devices: { name: string; why: { text: string; span?: { file: string; line: number } }[] }[] }).devices.find((d) => d.name === '9030000.gpio')!;
    const iommuStep = gpio.why.find((w) => w.text.includes('configured without its IOMMU'))!;
    expect(iommuStep.span!.file).toBe(board);
    expect(readFileSync(board, 'utf8').split('\n')[iommuStep.span!.line - 1]).toContain('iommus');
    expect(gpio.why.at(-1)!.text).toContain('initcall_blacklist=arm_smmu_driver_init');
  });

  it('prints a table in probe order', async () => {
    const r = await bringup(board, '--config', kernelConfig());
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^#\s+device\s+state\s+driver\s+group\s+defer\s+bind\s+why$/);
    const order = lines.slice(1).map((l) => l.split(/\s+/)[1]);
    expect(order.indexOf('9030000.gpio')).toBeLessThan(order.indexOf('9010000.rtc'));
  });

  it('--events prints the trace as console lines', async () => {
    const r = await bringup(board, '--config', kernelConfig(), '--events');
    expect(r.out).toMatch(/\[\s+\d+\.\d{6}\] amba 9030000\.gpio: Added to deferred list/);
    expect(r.out).toMatch(/\] driver: 'pl061_gpio': driver_bound: bound to device '9030000\.gpio'/);
  });

  it('--assume and --kernel reach the model', async () => {
    const r = await bringup(board, '--config', kernelConfig(), '--json', '--assume', '/iommu@9050000=fail:-EINVAL', '--kernel', '5.4');
    const devs = (JSON.parse(r.out) as { devices: { name: string; state: string; iommuGroup: number | null; error: number | null }[] }).devices;
    expect(devs.find((d) => d.name === '9050000.iommu')).toMatchObject({ state: 'failed', error: -22 });
    expect(devs.find((d) => d.name === '9030000.gpio')).toMatchObject({ state: 'bound', iommuGroup: null });
  });

  it('exit 2 on bad usage, 1 on an unreadable board', async () => {
    expect((await bringup()).code).toBe(2);
    expect((await bringup(board, '--assume', 'x=sometimes')).code).toBe(2);
    expect((await bringup(board, '--kernel', 'banana')).code).toBe(2);
    const missing = await bringup(join(fixturesDir, 'does-not-exist.dts'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/does-not-exist\.dts/);
  });
});
