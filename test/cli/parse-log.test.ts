// `bringup parse-log` in-process on the lab's real logs: its JSON agrees with the kernel's own
// sysfs/debugfs report device by device, and exit codes follow the contract (docs/cli-parse-log.md).
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../support/cli';

const LAB = join(__dirname, '../fixtures/bootlog/lab');

const run = (args: string[]): Promise<CliRun> => runCli(['parse-log', ...args]);

interface TruthDevice {
  name: string;
  driver: string | null;
  iommuGroup: number | null;
  deferred: boolean;
}

describe('bringup parse-log --json on every lab log', () => {
  const logs = readdirSync(LAB).filter((f) => f.endsWith('.log'));
  it('has lab logs', () => expect(logs.length).toBeGreaterThan(0));
  for (const f of logs) {
    it(f, async () => {
      const { code, out } = await run([join(LAB, f), '--json']);
      expect(code).toBe(0);
      const doc = JSON.parse(out) as { devices: { name: string; state: string; driver: string | null; iommuGroup: number | null; deferrals: number }[]; boots: number; kernel: { version: string | null } };
      expect(doc.kernel.version).toMatch(/^6\.1\./);
      const truth = JSON.parse(readFileSync(join(LAB, f.replace(/\.log$/, '.truth.json')), 'utf8')) as { devices: TruthDevice[] };
      const byName = new Map(doc.devices.map((d) => [d.name, d]));
      for (const t of truth.devices) {
        const d = byName.get(t.name);
        if (t.iommuGroup !== null || t.deferred) expect(d, t.name).toBeDefined();
        if (!d) continue;
        expect(d.iommuGroup, t.name).toBe(t.iommuGroup);
        if (t.driver) expect([t.name, d.state, d.driver]).toEqual([t.name, 'bound', t.driver]);
        else if (t.deferred) expect([t.name, d.state]).toEqual([t.name, 'deferred']);
        else expect(['bound', 'deferred']).not.toContain(d.state);
        if (t.deferred) expect(d.deferrals, t.name).toBeGreaterThan(0);
      }
    });
  }
});

describe('bringup parse-log --board maps names to DT nodes', () => {
  it('every device the kernel tied to a DT node (sysfs of_node) gets that node; others stay null', async () => {
    const board = join(__dirname, '../lab/boards/virt-gpio-iommu.dts');
    const { code, out } = await run([join(LAB, 'late-iommu.log'), '--json', '--board', board]);
    expect(code).toBe(0);
    const doc = JSON.parse(out) as { devices: { name: string; node: string | null }[] };
    const truth = JSON.parse(readFileSync(join(LAB, 'late-iommu.truth.json'), 'utf8')) as { devices: { name: string; node: string | null }[] };
    const truthNode = new Map(truth.devices.map((t) => [t.name, t.node]));
    let mapped = 0;
    for (const d of doc.devices) {
      if (!truthNode.has(d.name)) continue;
      expect([d.name, d.node]).toEqual([d.name, truthNode.get(d.name)]);
      if (d.node) mapped++;
    }
    expect(mapped).toBeGreaterThan(5);
    // Names no node matches are kept, not dropped.
    expect(doc.devices.find((d) => d.name === 'reg-dummy')).toMatchObject({ node: null });
  });
});

describe('bringup parse-log exit codes and text', () => {
  it('prints a table in bind order', async () => {
    const { code, out } = await run([join(LAB, 'late-iommu.log')]);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^bind\s+device\s+state\s+driver\s+group\s+defer/);
    expect(out).toMatch(/\n\d+\s+9030000\.pl061\s+bound\s+pl061_gpio\s+0\s+1\s*\n/);
    expect(out).toContain('log shows: dd.c debug');
  });

  it('2 on an unreadable file or bad usage, 1 on a file with no kernel output', async () => {
    expect((await run(['/nonexistent/boot.log'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
    expect((await run([join(LAB, 'late-iommu.log'), '--bogus'])).code).toBe(2);
    expect((await run([join(LAB, 'late-iommu.log'), '--events'])).code).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), 'parse-log-'));
    const junk = join(dir, 'junk.bin');
    const bytes = new Uint8Array(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
    writeFileSync(junk, bytes);
    const r = await run([junk]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no kernel output found');
  });

  it('--events lists the recognised events of the chosen boot', async () => {
    const { code, out } = await run([join(LAB, 'late-iommu.log'), '--json', '--events']);
    expect(code).toBe(0);
    const doc = JSON.parse(out) as { events: { kind: string; device?: string }[] };
    expect(doc.events.some((e) => e.kind === 'iommu-group' && e.device === '9030000.pl061')).toBe(true);
  });
});
