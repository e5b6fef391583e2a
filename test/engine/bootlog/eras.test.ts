// Logs of kernel eras the lab cannot boot, written line by line from the formats the kernel of each
// era prints (../shared/kernel-semantics.md §5, §7.1): 4.14 pr_debug driver core with an old-style
// IOMMU group line and a board reset mid-line; 5.4 initcall_debug with a WARN-splat deferred-probe
// timeout, an oops and a panic; 6.12 dev_dbg driver-core forms, 6.9+ "pending: reason", cycles.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveDevices, parseBootLog, type BootEvent, type LiveDeviceReport } from '../../../engine/bootlog';

const ERAS = join(__dirname, '../../fixtures/bootlog/eras');

function parse(name: string): { events: BootEvent[]; devices: Map<string, LiveDeviceReport> } {
  const { events } = parseBootLog(new Uint8Array(readFileSync(join(ERAS, name))));
  return { events, devices: new Map(liveDevices(events).map((d) => [d.name, d])) };
}

function pick(d: LiveDeviceReport | undefined) {
  return d && { state: d.state, driver: d.driver, iommuGroup: d.iommuGroup, deferrals: d.deferrals, bindIndex: d.bindIndex, error: d.error ?? null };
}

describe('v4.14 (R-Car, pr_debug driver core, reset mid-line)', () => {
  const { events, devices } = parse('v4.14-rcar-reset.log');

  it('sees the bootloader, a reset mid-line, and a second boot', () => {
    const resets = events.filter((e) => e.kind === 'boot-reset');
    expect(resets).toHaveLength(1);
    expect(resets[0]!.line).toBe(14);
    expect(events.filter((e) => e.kind === 'kernel-start' && e.boot === 1)).toHaveLength(2);
    expect(events.filter((e) => e.kind === 'bootloader' && e.boot === 0).length).toBeGreaterThan(5);
    expect(events.filter((e) => e.kind === 'bootloader' && e.boot === 1).map((e) => e.text)[0]).toMatch(/^U-Boot SPL 2018\.03/);
    expect(events.at(-1)).toMatchObject({ kind: 'login-prompt', boot: 1 });
  });

  it('keeps only the last boot in the live state', () => {
    expect([...devices.keys()]).toEqual(['e6e88000.serial', 'e6800000.ethernet', 'ee100000.sd', 'e6570000.mmu', 'e6ef0000.video']);
    expect(pick(devices.get('e6e88000.serial'))).toEqual({ state: 'bound', driver: 'sh-sci', iommuGroup: null, deferrals: 0, bindIndex: 0, error: null });
    // "requests probe deferral" and "Added to deferred list" are one deferral; "iommu: Adding device X to group N" is the 4.x group line.
    expect(pick(devices.get('e6800000.ethernet'))).toEqual({ state: 'bound', driver: 'ravb', iommuGroup: 2, deferrals: 1, bindIndex: 2, error: null });
    expect(pick(devices.get('ee100000.sd'))).toEqual({ state: 'failed', driver: 'renesas_sdhi_internal_dmac', iommuGroup: null, deferrals: 0, bindIndex: null, error: -22 });
    expect(devices.get('e6ef0000.video')).toMatchObject({ state: 'failed', rejected: true, error: -19 });
  });
});

describe('v5.4 (initcall_debug, caller ids, WARN-splat timeout, oops, panic)', () => {
  const { events, devices } = parse('v5.4-initcall-warn-panic.log');

  it('reads initcall_debug lines and printk caller ids', () => {
    const calls = events.filter((e) => e.kind === 'initcall');
    expect(calls.map((e) => (e.kind === 'initcall' ? `${e.phase}:${e.fn}` : ''))).toEqual([
      'call:of_platform_default_populate_init+0x0/0xb0',
      'return:of_platform_default_populate_init+0x0/0xb0',
      'call:dw_mci_rockchip_pltfm_driver_init+0x0/0x20',
      'return:dw_mci_rockchip_pltfm_driver_init+0x0/0x20',
      'call:rk808_i2c_driver_init+0x0/0x20',
      'return:rk808_i2c_driver_init+0x0/0x20',
      'call:rk_iommu_driver_init+0x0/0x20',
      'blacklisted:rk_iommu_driver_init',
    ]);
    expect(calls[0]).toMatchObject({ caller: 'T1', kernelTime: 0.12 });
  });

  it('derives outcomes from "probe of X returned N" (517 driver deferral, -517 core deferral, 19 reject, 22 failure)', () => {
    expect(pick(devices.get('fe320000.mmc'))).toMatchObject({ state: 'bound', bindIndex: 0, deferrals: 0 });
    expect(pick(devices.get('0-001b'))).toMatchObject({ state: 'deferred', deferrals: 2 });
    expect(devices.get('ff650000.vpu')).toMatchObject({ state: 'bound', deferrals: 1, timedOut: true, bindIndex: 1, driver: 'hantro-vpu' });
    expect(devices.get('fe330000.sdhci')).toMatchObject({ state: 'failed', rejected: true, error: -19 });
    expect(devices.get('ff100000.saradc')).toMatchObject({ state: 'failed', rejected: false, error: -22 });
  });

  it('collects the WARN, the oops and the panic as whole reports', () => {
    const reports = events.filter((e) => e.kind === 'warn' || e.kind === 'oops' || e.kind === 'panic');
    expect(reports.map((r) => r.kind)).toEqual(['warn', 'oops', 'panic']);
    const [warn, oops, panic] = reports as Extract<BootEvent, { kind: 'warn' | 'oops' | 'panic' }>[];
    expect(warn).toMatchObject({ complete: true, title: 'hantro-vpu ff650000.vpu: deferred probe timeout, ignoring dependency' });
    expect(warn!.location).toBe('drivers/base/dd.c:270 driver_deferred_probe_check_state+0x5c/0x70');
    expect(warn!.lines).toHaveLength(13);
    expect(oops).toMatchObject({ complete: true, title: 'Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008' });
    expect(oops!.lines.at(-1)).toMatch(/^---\[ end trace/);
    expect(panic).toMatchObject({ complete: true, title: 'Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b' });
    expect(panic!.lines).toHaveLength(4);
    // The line inside the WARN is still a device event.
    expect(events.some((e) => e.kind === 'defer-timeout' && e.device === 'ff650000.vpu')).toBe(true);
  });
});

describe('v6.12 (dev_dbg driver-core forms, pending with reason, cycles, bus-prefixed groups)', () => {
  const { events, devices } = parse('v6.12-devdbg.log');

  it('reads the device-prefixed driver-core lines', () => {
    expect(pick(devices.get('7e215000.serial'))).toEqual({ state: 'bound', driver: 'bcm2835-aux-uart', iommuGroup: null, deferrals: 0, bindIndex: 0, error: null });
    expect(devices.get('1c0f000.jpeg')).toMatchObject({ state: 'failed', error: -22, iommuGroup: 1, driver: 'sun8i-jpeg' });
    expect(devices.get('1c30000.ethernet')).toMatchObject({ state: 'failed', rejected: true, error: -19 });
  });

  it('counts fw_devlink deferrals and keeps the pending reason', () => {
    expect(devices.get('1c0e000.video-codec')).toMatchObject({
      state: 'deferred',
      deferrals: 2,
      iommuGroup: 0,
      deferReason: 'platform: supplier 1c20000.clock-controller not ready',
    });
    expect(events.filter((e) => e.kind === 'supplier-not-ready').map((e) => (e.kind === 'supplier-not-ready' ? [e.supplier, e.waitForNode] : null))).toEqual([
      ['/soc/clock-controller@1c20000', true],
      ['1c20000.clock-controller', false],
    ]);
    // "(reason unknown)" is no reason.
    expect(devices.get('sfp1')).toMatchObject({ state: 'deferred', deferReason: null, deferrals: 1 });
  });

  it('reads fw_devlink cycle and link lines in both prefix forms', () => {
    const links = events.filter((e) => e.kind === 'devlink').map((e) => (e.kind === 'devlink' ? [e.device, e.link, e.other] : null));
    expect(links).toEqual([
      ['soc', 'cycle-fixed', '/soc/bus@2000000/gpc@20dc000'],
      ['/soc/dsi@7e700000', 'cycle-fixed', '/panel_dsi@0'],
      ['7e215000.serial', 'consumer', '7e200000.gpio'],
    ]);
    // A DT path is not a device.
    expect(devices.has('/soc/dsi@7e700000')).toBe(false);
  });
});

describe('v5.10 (IOMMU exhaustion lines, SMMU banner, 5.11-era fw_devlink wording, check_state without modules)', () => {
  const { events, devices } = parse('v5.10-iommu-exhaustion.log');

  it('follows groups through add, remove and failed add', () => {
    expect(devices.get('70000000.ethernet')).toMatchObject({ iommuGroup: 0, driver: 'stmmaceth' });
    expect(devices.get('70010000.mmc')).toMatchObject({ iommuGroup: null, driver: 'sdhci-tegra' });
    expect(devices.get('70020000.usb')).toMatchObject({ iommuGroup: null });
    expect(events.find((e) => e.kind === 'iommu-group' && e.action === 'add-failed')).toMatchObject({ device: '70020000.usb', group: 1, error: -28 });
  });

  it('reads the SMMU banner with its context-bank limit and the IOMMU core lines', () => {
    const details = events.filter((e) => e.kind === 'iommu-driver').map((e) => (e.kind === 'iommu-driver' ? e.detail : null));
    expect(details).toContainEqual({ what: 'default-domain', type: 'Translated', cmdline: false });
    expect(details).toContainEqual({ what: 'context-banks', count: 4 });
    expect(details.filter((d) => d?.what === 'smmu-banner')).toHaveLength(5);
    expect(details).toContainEqual({ what: 'other', text: 'OF: /pcie@fe000000: no iommu-map translation for id 0x100 on (null)' });
    expect(events.find((e) => e.kind === 'iommu-driver' && e.device === '70030000.gpu')).toBeDefined();
  });

  it('"probe deferral - supplier X not ready" and "assuming no driver" (R-Car, §7.1)', () => {
    expect(events.find((e) => e.kind === 'supplier-not-ready')).toMatchObject({ device: 'e6800000.ethernet', supplier: 'e6150000.clock-controller', waitForNode: false });
    expect(events.find((e) => e.kind === 'defer-timeout')).toMatchObject({ device: 'e6800000.ethernet', assumeNoDriver: true, driver: 'ravb', kernelTime: 3.222205 });
    expect(devices.get('e6800000.ethernet')).toMatchObject({ state: 'bound', deferrals: 1, timedOut: true, bindIndex: 0, deferReason: 'supplier e6150000.clock-controller not ready' });
  });
});

describe('`dmesg` typed at the shell replays the log: not a reset, not a second deferral', () => {
  const { events, devices } = parse('v6.1-dmesg-replay.log');

  it('the replayed lines produce no events, the live lines after it do', () => {
    expect(events.filter((e) => e.kind === 'boot-reset')).toEqual([]);
    expect(events.filter((e) => e.kind === 'kernel-start')).toHaveLength(2);
    expect(events.filter((e) => e.kind === 'deferred')).toHaveLength(1);
    expect(devices.get('9030000.pl061')).toMatchObject({ state: 'bound', deferrals: 1, iommuGroup: 0, bindIndex: 0 });
    expect(devices.get('gpio-keys')).toMatchObject({ state: 'bound', bindIndex: 1, boundAt: 25.0001 });
    expect(events.find((e) => e.kind === 'login-prompt')).toBeDefined();
  });
});

// A real capture: Debian's arm64 6.12 kernel on QEMU virt (no disk), booted with
// `dyndbg="file drivers/base/dd.c +p"`: 6.12 prints dd.c's debug lines through dev_dbg, with the
// device's own prefix, and the serial core adds serial-base ctrl/port devices under each UART.
describe('v6.12 on QEMU virt (real capture: dev_dbg dd.c forms, serial-base devices, a panic)', () => {
  const { events, devices } = parse('v6.12-qemu-virt-ddc-debug.log');

  it('reads 6.12 dd.c lines with the device prefix, in driver_bound() order', () => {
    expect(devices.get('9000000.pl011:0')).toMatchObject({ state: 'bound', driver: 'ctrl', bus: 'serial-base', bindIndex: 2 });
    expect(devices.get('9000000.pl011:0.0')).toMatchObject({ state: 'bound', driver: 'port', bus: 'serial-base', bindIndex: 3 });
    // The UART's port report comes first, inside probe: dd.c's driver_bound numbers the bind.
    expect(devices.get('9000000.pl011')).toMatchObject({ state: 'bound', driver: 'uart-pl011', bindIndex: 4, evidence: 'driver-core', proof: 'uart_report_port' });
    expect(devices.get('9010000.pl031')).toMatchObject({ state: 'bound', driver: 'rtc-pl031', proof: 'rtc_register_device' });
    expect(devices.get('platform-bus@c000000')).toMatchObject({ state: 'failed', rejected: true, error: -19 });
    expect(events.filter((e) => e.kind === 'bound' && e.via === 'driver-bound')).toHaveLength(16);
  });

  it('catches the panic', () => {
    const panic = events.find((e) => e.kind === 'panic');
    expect(panic).toMatchObject({ kind: 'panic', title: 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)', line: 301 });
  });
});
