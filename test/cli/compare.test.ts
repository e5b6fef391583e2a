// `bringup compare` in-process over the lab's real boards and logs with Debian's real .config: a right
// prediction matches (exit 0); a wrong assumption flags exactly the devices whose prediction it
// changes (exit 1); JUnit has one testcase per device; bad input exits 2.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../support/cli';
import { requireSystem, kernelConfig } from '../../scripts/lib/system';

requireSystem('kernel-arm64', 'xmllint');

const LAB = join(__dirname, '../fixtures/bootlog/lab');
const BOARDS = join(__dirname, '../lab/boards');

const compare = (args: string[]): Promise<CliRun> => runCli(['compare', ...args]);

interface Doc {
  comparison: {
    allMatch: boolean;
    devices: { name: string; verdict: string; predicted: Record<string, unknown> | null; differences: { field: string; severity: string }[] }[];
    bindOrder: { spearman: number | null; inversionCount: number };
  };
  cmdlineFromLog: boolean;
}

const cases = [
  { log: 'late-iommu', board: 'virt-gpio-iommu.dts', extra: [] as string[], wrong: ['--assume', '9050000.smmuv3=fail:-22'] },
  { log: 'no-iommu-driver', board: 'virt-gpio-iommu.dts', extra: ['--modules-loaded', 'virtio_pci,virtio_net'], wrong: ['--status', '/pl061@9030000=disabled'] },
  { log: 'smmu-probe-fails', board: 'virt-smmu-broken.dts', extra: ['--assume', '9050000.smmuv3=fail:-22', '--modules-loaded', 'gpio_keys'], wrong: ['--driver', 'pl061_gpio=missing'] },
];

describe('bringup compare on lab boards', () => {
  for (const c of cases) {
    it(`${c.log}: the right prediction matches; a wrong assumption flags exactly the devices it changes`, async () => {
      const base = [join(BOARDS, c.board), join(LAB, `${c.log}.log`), '--config', kernelConfig(), '--json'];
      const right = await compare([...base, ...c.extra]);
      const rightDoc = JSON.parse(right.out) as Doc;
      expect(rightDoc.cmdlineFromLog).toBe(true);
      expect(rightDoc.comparison.devices.filter((d) => d.verdict === 'mismatch').map((d) => d.name)).toEqual([]);
      expect(right.code).toBe(0);
      expect(rightDoc.comparison.bindOrder.spearman).toBeGreaterThan(0.9);

      const wrong = await compare([...base, ...c.extra, ...c.wrong]);
      const wrongDoc = JSON.parse(wrong.out) as Doc;
      expect(wrong.code).toBe(1);
      // The devices whose predicted record (on the compared fields) the wrong assumption changed.
      const key = (p: Record<string, unknown> | null) => JSON.stringify(p && [p.state, p.iommuGroup === null, p.iommuGroup, (p.deferrals as number) > 0]);
      const before = new Map(rightDoc.comparison.devices.map((d) => [d.name, key(d.predicted)]));
      const changed = wrongDoc.comparison.devices.filter((d) => d.predicted && before.get(d.name) !== key(d.predicted)).map((d) => d.name).sort();
      expect(changed.length).toBeGreaterThan(0);
      const flagged = wrongDoc.comparison.devices.filter((d) => d.verdict === 'mismatch').map((d) => d.name).sort();
      expect(flagged).toEqual(changed);
    });
  }

  it('text output names the mismatch and its predicted cause; --junit writes one testcase per device', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compare-'));
    const junit = join(dir, 'report.xml');
    const r = await compare([join(BOARDS, 'virt-gpio-iommu.dts'), join(LAB, 'late-iommu.log'), '--config', kernelConfig(), '--assume', '9050000.smmuv3=fail:-22', '--junit', junit]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/9030000\.pl061: iommu predicted false, actual true/);
    expect(r.out).toMatch(/\n {4}because /);
    const xml = readFileSync(junit, 'utf8');
    const rows = r.out.split('\n').filter((l) => /^(ok|XX|\?\?|\+) /.test(l));
    expect(xml.match(/<testcase /g)!.length).toBe(rows.length);
    expect(xml.match(/<failure /g)!.length).toBe(rows.filter((l) => l.startsWith('XX')).length);
    // Against the project's JUnit schema (Ant/Jenkins layout), with the real xmllint.
    const lint = spawnSync('xmllint', ['--noout', '--schema', join(__dirname, '../fixtures/session/junit.xsd'), junit], { encoding: 'utf8' });
    expect(lint.stderr).toContain('validates');
    expect(lint.status).toBe(0);
  });

  it('exit 2 on bad input', async () => {
    expect((await compare([join(BOARDS, 'virt-gpio-iommu.dts')])).code).toBe(2);
    expect((await compare([join(BOARDS, 'virt-gpio-iommu.dts'), '/nonexistent.log'])).code).toBe(2);
    expect((await compare(['/nonexistent.dts', join(LAB, 'late-iommu.log')])).code).toBe(2);
    expect((await compare([join(LAB, 'late-iommu.truth.json'), join(LAB, 'late-iommu.log')])).code).toBe(2);
    expect((await compare([join(BOARDS, 'virt-gpio-iommu.dts'), join(LAB, 'late-iommu.truth.json')])).code).toBe(2);
  });
});
