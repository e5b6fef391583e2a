// Every capture format of docs/cli-parse-log.md, one fixture each (test/fixtures/bootlog/formats/):
// the same kernel excerpt as the console printed it, as dmesg/journalctl/capture tools rewrite it, in
// the middle of shell output and quoted in an e-mail. Each must give the devices the excerpt's lines
// prove (end-of-probe binds, deferrals in drivers' words, declines, class devices attributed to their
// parent), and each documented example line must split into its message.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveDevices, parseBootLog, splitPrefix, type LiveDeviceReport } from '../../../engine/bootlog';

const FORMATS = join(__dirname, '../../fixtures/bootlog/formats');
const DOC = join(__dirname, '../../../docs/cli-parse-log.md');

/** What the excerpt's lines say about each device, line by line (see the fixture's kernel lines). */
const EXPECTED: Record<string, Partial<LiveDeviceReport>> = {
  // pinctrl's 4.x/5.x "could not find pctldev …, deferring probe", then its UART port report.
  '1c28000.serial': { state: 'bound', deferrals: 1, evidence: 'end-of-probe', proof: 'uart_report_port' },
  '1000800000.codec': { iommuGroup: 0 },
  '9000000.pl011': { state: 'bound', proof: 'uart_report_port' },
  '7800000.mmc': { state: 'bound', proof: 'sdhci_add_host' },
  '9010000.pl031': { state: 'bound', driver: 'rtc-pl031', proof: 'rtc_register_device' },
  // dev_err_probe(-ENODEV): declined, dd.c silent.
  'aux_bridge.aux_bridge.0': { state: 'failed', rejected: true, error: -19 },
  '7009f000.padctl': { state: 'deferred', deferrals: 1 },
  // The PHY class device's parent.
  '81f00000.phy': { state: 'bound' },
  '53100000.sham': { state: 'failed', rejected: false, error: -22 },
  '1002000000.v3d': { state: 'bound', proof: 'drm_dev_register' },
  '70090000.usb': { state: 'failed', rejected: true, error: -19 },
  '4101000.usb': { state: 'deferred' },
};
// Class devices are not bus devices.
const ABSENT = ['thermal_zone0', 'phy-81f00000.phy.0', 'mmc0', 'rtc0'];

function devicesOf(file: string): Map<string, LiveDeviceReport> {
  const { events, stats } = parseBootLog(new Uint8Array(readFileSync(join(FORMATS, file))), {}, 0, 97);
  const boot = stats.kernelStartBoots.at(-1) ?? 0;
  return new Map(liveDevices(events.filter((e) => e.boot === boot)).map((d) => [d.name, d]));
}

describe('capture formats (test/fixtures/bootlog/formats)', () => {
  const files = readdirSync(FORMATS).filter((f) => f.endsWith('.log'));
  it('has the fixtures', () => expect(files.length).toBeGreaterThanOrEqual(20));
  for (const file of files) {
    it(`${file}: the excerpt's devices, and no class devices`, () => {
      const devices = devicesOf(file);
      for (const [name, want] of Object.entries(EXPECTED)) {
        const got = devices.get(name);
        expect(got, `${file}: ${name} missing (have ${[...devices.keys()].join(', ')})`).toBeDefined();
        expect(got, `${file}: ${name}`).toMatchObject(want);
      }
      for (const name of ABSENT) expect(devices.has(name), `${file}: ${name}`).toBe(false);
    });
  }

  it('the kernel version and command line are read in every format', () => {
    for (const file of files) {
      const { events, stats } = parseBootLog(new Uint8Array(readFileSync(join(FORMATS, file))));
      expect(stats.kernelBoots, file).toEqual([0]);
      expect(events.some((e) => e.kind === 'kernel-start' && e.version === '6.1.0-56-arm64'), file).toBe(true);
      expect(events.some((e) => e.kind === 'cmdline' && e.cmdline === 'console=ttyAMA0 root=/dev/vda2'), file).toBe(true);
    }
  });
});

describe('docs/cli-parse-log.md examples', () => {
  // The "Inputs" table: | capture | example | ... every example in backticks ends in "msg".
  const rows = readFileSync(DOC, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('| ') && l.includes('msg`'));
  it('documents every format', () => expect(rows.length).toBeGreaterThanOrEqual(20));
  for (const row of rows) {
    const examples = [...row.matchAll(/`([^`]*msg)`/g)].map((m) => m[1]!);
    it(`${row.split('|')[1]!.trim()}: ${examples.join(' / ')}`, () => {
      expect(examples.length).toBeGreaterThan(0);
      for (const line of examples) {
        if (line.startsWith('- {')) continue; // LAVA: read as a YAML item, tested with its fixture
        expect(splitPrefix(line).text, line).toBe('msg');
      }
    });
  }
});
