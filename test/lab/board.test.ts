// The lab board's own machinery: module dependency order from Debian's .modinfo, the newc initramfs,
// the truth-block parser on the committed golden logs, and the two real serial wirings (a paused
// QEMU on a pty, a QEMU waiting on a TCP console) that the end-to-end tests connect to.
import { constants, openSync, readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ReadStream } from 'node:tty';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bootLabel, buildInitramfs, goldenBase, goldenDirOf, initScript, isBuiltinModule, labDir, resolveModules, scenarioKernels, startBoardOnPty, startBoardOnTcp } from '../../scripts/lib/lab/board';
import { scenarioByName, scenarios } from '../../scripts/lib/lab/scenarios/index';
import { formatDifference, judgeBoot, truthOfGolden } from '../support/lab-judge';
import { bindOrderFromLog, parseTruthBlock, TRUTH_END } from '../../scripts/lib/lab/truth';
import { existsSync } from 'node:fs';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('kernel-arm64', 'busybox-arm64', 'qemu', 'dtc', 'cpio');

const goldenDir = join(labDir, '..', 'fixtures', 'bootlog', 'lab');

describe('lab board machinery', () => {
  it('orders a module after its dependencies, as modprobe would', () => {
    const names = resolveModules(['virtio_net', 'virtio_pci']).map((m) => m.name);
    expect(names.indexOf('failover')).toBeLessThan(names.indexOf('net_failover'));
    expect(names.indexOf('net_failover')).toBeLessThan(names.indexOf('virtio_net'));
    expect(names.indexOf('virtio_pci_modern_dev')).toBeLessThan(names.indexOf('virtio_pci'));
    expect(() => resolveModules(['arm_smmu_v3'])).toThrow(/is built into 6\.1/);
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

  it('reads the truth block of every golden log, on every kernel, back into its golden truth', () => {
    let n = 0;
    for (const dir of new Set(scenarios.flatMap((s) => scenarioKernels(s).map(goldenDirOf)))) {
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.log'))) {
        const name = f.replace(/\.log$/, '');
        const block = parseTruthBlock(readFileSync(join(dir, f)).toString('latin1'));
        expect(block, join(dir, f)).not.toBeNull();
        const want = JSON.parse(readFileSync(join(dir, `${name}.truth.json`), 'utf8'));
        expect({ scenario: name, ...block!.truth }, join(dir, f)).toEqual(want);
        n++;
      }
    }
    expect(n).toBeGreaterThanOrEqual(40);
  });

  it('has a golden for every scenario on every kernel of its machine, with the tree QEMU handed the kernel', () => {
    const missing: string[] = [];
    for (const scenario of scenarios) {
      for (const kernel of scenarioKernels(scenario)) {
        const base = goldenBase({ scenario, kernel });
        for (const ext of ['.log', '.truth.json', '.dtb']) if (!existsSync(base + ext)) missing.push(`${bootLabel({ scenario, kernel })}: ${base}${ext}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('finds each scenario signature line, and none of its absent ones, in its golden log on every kernel', () => {
    for (const scenario of scenarios) {
      for (const kernel of scenarioKernels(scenario)) {
        const label = bootLabel({ scenario, kernel });
        const log = readFileSync(`${goldenBase({ scenario, kernel })}.log`).toString('latin1');
        for (const sig of scenario.signatures) expect(log, label).toMatch(new RegExp(sig, 'm'));
        for (const sig of scenario.absentSignatures ?? []) expect(log, label).not.toMatch(new RegExp(sig, 'm'));
      }
    }
  });

  it("reads the bind order from dd.c's debug lines in 6.1's form and 6.12's", () => {
    const v61 = "[    1.0] driver: 'uart-pl011': driver_bound: bound to device '9000000.pl011'\n[    1.1] driver: 'simple-pm-bus': driver_bound: bound to device 'soc:firmware'\n";
    const v612 = "[    1.0] uart-pl011 9000000.pl011: driver: 'uart-pl011': driver_bound: bound to device\r\n[    1.1] vexpress-osc bus@40000000:motherboard-bus@40000000:mcc:oscclk0: driver: 'vexpress-osc': driver_bound: bound to device\n";
    expect(bindOrderFromLog(v61)).toEqual(['9000000.pl011', 'soc:firmware']);
    expect(bindOrderFromLog(v612)).toEqual(['9000000.pl011', 'bus@40000000:motherboard-bus@40000000:mcc:oscclk0']);
    expect(bindOrderFromLog("[ 1.0] uart-pl011 9000000.pl011: bus: 'amba': really_probe: probing driver uart-pl011 with device\n")).toBeNull();
    // Every 6.12 golden with dd.c debug has one bind per driver_bound line.
    const dir = goldenDirOf('arm64-6.12');
    const log = readFileSync(join(dir, 'late-iommu.log'), 'latin1');
    const order = bindOrderFromLog(log)!;
    expect(order).toContain('9030000.pl061');
    expect(order.length).toBe(log.split('\n').filter((l) => l.includes(': driver_bound: bound to device')).length);
  });

  it('skips an insmod of a module the kernel has built in (6.12 builds virtio_pci in, 6.1 does not)', () => {
    expect(isBuiltinModule('virtio_pci', 'arm64-6.12')).toBe(true);
    expect(isBuiltinModule('virtio_pci', 'arm64-6.1')).toBe(false);
    const script = initScript({ steps: [{ kind: 'insmod', module: 'virtio_pci' }], settleSeconds: 1 }, [], 'arm64-6.12');
    expect(script).toContain('LAB: virtio_pci is built into this kernel');
    expect(script).not.toContain('insmod /lib/modules/virtio_pci');
    // 6.12 ships modules as .ko.xz: they are unpacked to ELF in the initramfs.
    const mods = resolveModules(['virtio_net'], 'arm64-6.12');
    expect(mods.map((m) => m.name)).toContain('virtio_net');
    const initramfs = gunzipSync(readFileSync(buildInitramfs({ steps: [{ kind: 'insmod', module: 'gpio_keys' }], settleSeconds: 1 }, 'arm64-6.12'))).toString('latin1');
    expect(initramfs).toContain('lib/modules/gpio_keys.ko\0');
    expect(initramfs).toContain('\x7fELF');
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
      // /init powers off right after the truth block: the line stays, as a USB adapter does, so a reader
      // that lags behind still gets every byte (an exit would hang up the pty and flush them).
      await new Promise((r) => setTimeout(r, 2000));
      expect(board.process.exitCode).toBeNull();
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
