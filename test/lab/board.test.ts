// The lab board's own machinery: module dependency order from Debian's .modinfo, the newc initramfs,
// the truth-block parser on the committed golden logs, and the two real serial wirings (a paused
// QEMU on a pty, a QEMU waiting on a TCP console) that the end-to-end tests connect to.
import { constants, openSync, readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ReadStream } from 'node:tty';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildInitramfs, labDir, resolveModules, startBoardOnPty, startBoardOnTcp } from './board';
import { scenarioByName, scenarios } from './scenarios/index';
import { formatDifference, judgeBoot, truthOfGolden } from './judge';
import { parseTruthBlock, TRUTH_END } from './truth';
import { requireSystem } from '../support/system';

requireSystem('kernel-arm64', 'busybox-arm64', 'qemu', 'dtc', 'cpio');

const goldenDir = join(labDir, '..', 'fixtures', 'bootlog', 'lab');

describe('lab board machinery', () => {
  it('orders a module after its dependencies, as modprobe would', () => {
    const names = resolveModules(['virtio_net', 'virtio_pci']).map((m) => m.name);
    expect(names.indexOf('failover')).toBeLessThan(names.indexOf('net_failover'));
    expect(names.indexOf('net_failover')).toBeLessThan(names.indexOf('virtio_net'));
    expect(names.indexOf('virtio_pci_modern_dev')).toBeLessThan(names.indexOf('virtio_pci'));
    expect(() => resolveModules(['arm_smmu_v3'])).toThrow(/built into this kernel/);
  });

  it('builds the same initramfs for the same plan, with /init, busybox, the modules and /dev/console', () => {
    const plan = { steps: [{ kind: 'insmod' as const, module: 'gpio_keys' }], settleSeconds: 3 };
    const a = buildInitramfs(plan);
    expect(buildInitramfs(plan)).toBe(a);
    expect(buildInitramfs({ ...plan, settleSeconds: 4 })).not.toBe(a);
    const cpio = gunzipSync(readFileSync(a)).toString('latin1');
    for (const name of ['init\0', 'bin/busybox\0', 'lib/modules/gpio_keys.ko\0', 'dev/console\0', 'TRAILER!!!\0']) expect(cpio).toContain(name);
    expect(cpio).toContain('insmod /lib/modules/gpio_keys.ko');
  });

  it('reads the truth block of every golden log back into its golden truth', () => {
    const logs = readdirSync(goldenDir).filter((f) => f.endsWith('.log'));
    expect(logs.length).toBeGreaterThanOrEqual(10);
    for (const f of logs) {
      const name = f.replace(/\.log$/, '');
      const block = parseTruthBlock(readFileSync(join(goldenDir, f)).toString('latin1'));
      expect(block, f).not.toBeNull();
      const want = JSON.parse(readFileSync(join(goldenDir, `${name}.truth.json`), 'utf8'));
      expect({ scenario: name, ...block!.truth }).toEqual(want);
    }
  });

  it('finds each scenario signature line, and none of its absent ones, in its golden log', () => {
    for (const s of scenarios) {
      const log = readFileSync(join(goldenDir, `${s.name}.log`)).toString('latin1');
      for (const sig of s.signatures) expect(log, `${s.name}`).toMatch(new RegExp(sig));
      for (const sig of s.absentSignatures ?? []) expect(log, `${s.name}`).not.toMatch(new RegExp(sig));
    }
  });

  it('parses interleaved kernel lines and a printk-prefixed (kmsg) block', () => {
    const text = [
      '@@LAB-TRUTH-BEGIN@@',
      '[    9.1] LAB:deferred ff000000.serial\t',
      '[   12.000001] random kernel line',
      'LAB:group 3 9030000.pl061',
      'LAB:dev amba 9030000.pl061 pl061_gpio ../../../firmware/devicetree/base/pl061@9030000',
      'LAB:dev platform ff000000.serial - ../../../firmware/devicetree/base/axi/serial@ff000000',
      '@@LAB-TRUTH-END@@',
    ].join('\r\n');
    const t = parseTruthBlock(text)!.truth;
    expect(t.devices).toEqual([
      { name: '9030000.pl061', bus: 'amba', node: '/pl061@9030000', driver: 'pl061_gpio', iommuGroup: 3, deferred: false, deferReason: null },
      { name: 'ff000000.serial', bus: 'platform', node: '/axi/serial@ff000000', driver: null, iommuGroup: null, deferred: true, deferReason: '' },
    ]);
  });
});

describe('lab board on a real serial line', () => {
  it('holds a paused board on a pty until resume(), losing nothing', async () => {
    const board = await startBoardOnPty(scenarioByName('late-iommu'));
    try {
      expect(board.path).toMatch(/^\/dev\/pts\/\d+$/);
      // Opened (synchronously) before resume, in raw mode so the line discipline neither echoes into
      // the guest nor rewrites bytes: what a serial terminal does with a USB adapter.
      const reader = new ReadStream(openSync(board.path, constants.O_RDWR | constants.O_NOCTTY));
      reader.setRawMode(true);
      let text = '';
      const done = new Promise<void>((res, rej) => {
        reader.on('data', (b: Buffer) => {
          text += b.toString('latin1');
          if (text.includes(TRUTH_END)) res();
        });
        reader.on('error', rej);
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(text).toBe('');
      await board.resume();
      await done;
      reader.destroy();
      expect(text).toMatch(/^[^\n]*Booting Linux on physical CPU/);
      expect(text).toContain('pl061_gpio 9030000.pl061: Adding to iommu group 0');
      const want = truthOfGolden(JSON.parse(readFileSync(join(goldenDir, 'late-iommu.truth.json'), 'utf8')));
      expect(judgeBoot('late-iommu', want, parseTruthBlock(text)!.truth).map(formatDifference)).toEqual([]);
    } finally {
      await board.stop();
    }
  }, 120_000);

  it('starts a TCP-console board only when a client connects', async () => {
    const board = await startBoardOnTcp(scenarioByName('smmu-disabled'));
    try {
      const m = /^tcp:\/\/127\.0\.0\.1:(\d+)$/.exec(board.path);
      expect(m).not.toBeNull();
      const sock = connect(Number(m![1]), '127.0.0.1');
      let text = '';
      await new Promise<void>((res, rej) => {
        sock.on('data', (b: Buffer) => {
          text += b.toString('latin1');
          if (text.includes(TRUTH_END)) res();
        });
        sock.on('error', rej);
      });
      sock.destroy();
      expect(text).toMatch(/^[^\n]*Booting Linux on physical CPU/);
      const want = truthOfGolden(JSON.parse(readFileSync(join(goldenDir, 'smmu-disabled.truth.json'), 'utf8')));
      expect(judgeBoot('smmu-disabled', want, parseTruthBlock(text)!.truth).map(formatDifference)).toEqual([]);
      expect(await board.exited).toBe(0);
    } finally {
      await board.stop();
    }
  }, 120_000);
});
