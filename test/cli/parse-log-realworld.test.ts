// `bringup parse-log` on real boot logs nobody here wrote (../shared/realworld-logs/, see its README):
// scored device by device with the rules of its score.sh (state unless null, iommuGroup, deferred),
// in-process. Agreement must stay at or above 98% and no log may be refused. Also the exit status and
// message of files holding no kernel boot, and the choice of boot in multi-boot captures.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../support/cli';
import { REALWORLD_LOGS, haveRealworldLogs } from '../support/realworld-logs';

const SHARED = REALWORLD_LOGS;

const run = (args: string[]): Promise<CliRun> => runCli(['parse-log', ...args]);

interface Expected {
  devices: { name: string; state: string | null; iommuGroup: number | null; deferred: boolean }[];
}
interface ToolDevice {
  name: string;
  state: string;
  iommuGroup: number | null;
  deferrals: number;
}

// The logs stand beside the checkout or where BRINGUP_REALWORLD_LOGS says (test/support/realworld-logs.ts);
// a clone elsewhere without that variable has none and skips this.
describe.skipIf(!haveRealworldLogs)('real-world logs (../shared/realworld-logs, scored as score.sh does)', () => {
  it('agree on at least 98% of device facts, and no log is refused', async () => {
    const expects = readdirSync(join(SHARED, 'expect')).filter((f) => f.endsWith('.json')).sort();
    expect(expects.length).toBeGreaterThan(0);
    let agree = 0;
    let total = 0;
    const refused: string[] = [];
    const disagreements: string[] = [];
    for (const f of expects) {
      const base = f.replace(/\.json$/, '');
      const exp = JSON.parse(readFileSync(join(SHARED, 'expect', f), 'utf8')) as Expected;
      const { code, out, err } = await run([join(SHARED, 'logs', `${base}.log`), '--json']);
      if (code !== 0 || err.trim() !== '') refused.push(`${base}: exit ${code} ${err.trim()}`);
      const tool = out.trim() ? (JSON.parse(out) as { devices: ToolDevice[] }) : { devices: [] };
      const byName = new Map(tool.devices.map((d) => [d.name, d]));
      for (const e of exp.devices) {
        total++;
        const t = byName.get(e.name);
        const ok = t !== undefined && (e.state === null || t.state === e.state) && t.iommuGroup === e.iommuGroup && t.deferrals > 0 === e.deferred;
        if (ok) agree++;
        else disagreements.push(`${base} ${e.name}: tool ${t ? `${t.state} group ${t.iommuGroup} deferrals ${t.deferrals}` : 'missing'}, expected ${e.state} group ${e.iommuGroup} deferred ${e.deferred}`);
      }
    }
    expect(refused).toEqual([]);
    expect(agree / total, disagreements.join('\n')).toBeGreaterThanOrEqual(0.98);
  }, 120_000);
});

describe('boot choice and what the file holds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parse-log-boots-'));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const kernel = (version: string) =>
    [`[    0.000000] Booting Linux on physical CPU 0x0`, `[    0.000000] Linux version ${version} (x@y) #1 SMP`, `[    0.500000] 9000000.pl011: ttyAMA0 at MMIO 0x9000000 (irq = 14, base_baud = 0) is a PL011 rev1`].join('\n');
  const uboot = 'U-Boot 2024.01 (Jan 08 2024 - 10:00:00 +0000)\nDRAM:  1 GiB\nStarting kernel ...\n';

  it('reports the last boot with a kernel start, not a bootloader-only run after it', async () => {
    const path = write('two-then-uboot.log', `${uboot}${kernel('6.1.0-a')}\n${uboot}${kernel('6.1.0-b')}\n${uboot}`);
    const { code, out, err } = await run([path, '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(out) as { boots: number; boot: number; kernelBoots: number[]; kernel: { version: string }; devices: { name: string; state: string; proof: string }[] };
    expect(doc).toMatchObject({ boots: 3, boot: 1, kernelBoots: [0, 1], kernel: { version: '6.1.0-b' } });
    expect(doc.devices).toEqual([expect.objectContaining({ name: '9000000.pl011', state: 'bound', proof: 'uart_report_port' })]);
  });

  it('prefers a boot showing the kernel start over a later pasted fragment of kernel lines', async () => {
    const path = write('fragment.log', `${uboot}${kernel('6.9.2')}\n${uboot}[ 3498.090000] esp32_spi: spi_dev_init: registered\n`);
    const doc = JSON.parse((await run([path, '--json'])).out) as { boot: number; kernelBoots: number[] };
    expect(doc).toMatchObject({ boot: 0, kernelBoots: [0, 1] });
  });

  it('exit 1 says what the file holds: bootloader output only, or which boots have a kernel', async () => {
    const none = await run([write('uboot-only.log', `${uboot}${uboot}`)]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no kernel output found in 6 lines \(bootloader or shell output only\)/);
    const chosen = await run([write('uboot-last.log', `${uboot}${kernel('6.1.0')}\n${uboot}`), '--boot', '1']);
    expect(chosen.code).toBe(1);
    expect(chosen.err).toMatch(/boot 1 holds no kernel output \(boots with kernel output: 0 of 0\.\.1\)/);
    expect((await run([write('empty.log', '')])).err).toMatch(/empty file/);
  });
});
