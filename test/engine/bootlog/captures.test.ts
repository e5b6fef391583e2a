// Logs captured elsewhere: each real lab log rewritten the way grabserial, tio (-t), minicom (with
// colour), LAVA (log.yaml), `dmesg -x`, `dmesg -r` and journalctl present it must give the same live
// devices as the plain console capture.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveDevices, parseBootLog } from '../../../engine/bootlog';

const LAB = join(__dirname, '../../fixtures/bootlog/lab');
const CAPTURES = join(__dirname, '../../fixtures/bootlog/captures');

const pad = (n: number, w: number) => String(n).padStart(w, '0');

const LEVELS = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];

const formats: Record<string, (lines: string[]) => string> = {
  grabserial: (lines) => lines.map((l, i) => `[${(i * 0.0123).toFixed(6)} ${(0.0123).toFixed(6)}] ${l}`).join('\n'),
  tio: (lines) => lines.map((l, i) => `[${pad(10 + Math.floor(i / 3600), 2)}:${pad(Math.floor(i / 60) % 60, 2)}:${pad(i % 60, 2)}.${pad(i % 1000, 3)}] ${l}`).join('\r\n'),
  minicom: (lines) => lines.map((l) => (l.includes('bound') ? `\x1b[1;32m${l}\x1b[0m` : l)).join('\r\n') + '\r\n',
  lava: (lines) =>
    [
      '- {"dt": "2026-11-24T03:00:00.000000", "lvl": "info", "msg": "start: 2.4.4 bootloader-commands (timeout 00:03:00) [common]"}',
      ...lines.map((l, i) => `- {"dt": "2026-11-24T03:00:${pad(i % 60, 2)}.${pad(i, 6)}", "lvl": "target", "msg": ${JSON.stringify(l)}}`),
      '- {"dt": "2026-11-24T03:01:00.000000", "lvl": "results", "msg": {"definition": "lava", "case": "job", "result": "pass"}}',
    ].join('\n'),
  'dmesg-x': (lines) => lines.map((l, i) => `kern  :${LEVELS[[6, 7, 4][i % 3]!]!.padEnd(6)}: ${l}`).join('\n'),
  'dmesg-r': (lines) => lines.map((l) => `<6>${l}`).join('\n'),
  journalctl: (lines) => lines.map((l) => `Nov 24 03:19:29 board kernel: ${l.replace(/^\[[^\]]*\] /, '')}`).join('\n'),
};

function kernelLines(log: string): string[] {
  return log
    .replace(/\r/g, '')
    .split('\n')
    .filter((l) => l.length > 0);
}

const encode = (s: string) => new TextEncoder().encode(s);

describe('capture formats', () => {
  const labLogs = readdirSync(LAB).filter((f) => f.endsWith('.log'));
  it('has lab logs', () => expect(labLogs.length).toBeGreaterThan(0));
  for (const f of labLogs) {
    const lines = kernelLines(readFileSync(join(LAB, f), 'utf8'));
    const plain = liveDevices(parseBootLog(encode(lines.join('\n'))).events);
    for (const [name, render] of Object.entries(formats)) {
      it(`${f} as ${name}`, () => {
        const devices = liveDevices(parseBootLog(encode(render(lines))).events);
        const strip = (d: (typeof plain)[number]) => ({ name: d.name, state: d.state, driver: d.driver, iommuGroup: d.iommuGroup, deferrals: d.deferrals, bindIndex: d.bindIndex });
        expect(devices.map(strip)).toEqual(plain.map(strip));
        // journalctl drops the printk timestamp; every other capture keeps it.
        if (name !== 'journalctl') expect(devices.map((d) => d.boundAt)).toEqual(plain.map((d) => d.boundAt));
      });
    }
  }

  it('committed sample captures parse to the same devices as their plain source', () => {
    const files = readdirSync(CAPTURES).filter((f) => f.endsWith('.log'));
    expect(files.length).toBeGreaterThan(3);
    const plain = liveDevices(parseBootLog(new Uint8Array(readFileSync(join(CAPTURES, 'plain.log')))).events);
    expect(plain.filter((d) => d.state === 'bound').length).toBeGreaterThan(3);
    for (const f of files) {
      const devices = liveDevices(parseBootLog(new Uint8Array(readFileSync(join(CAPTURES, f)))).events);
      expect(devices.map((d) => [d.name, d.state, d.iommuGroup, d.deferrals]), f).toEqual(plain.map((d) => [d.name, d.state, d.iommuGroup, d.deferrals]));
    }
  });
});
