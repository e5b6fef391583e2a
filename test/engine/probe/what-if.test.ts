// What-if overrides and the driver-core mechanics around them: assumed probe outcomes, node status,
// driver availability, initcall_blacklist, IOMMU policy and contexts, iommu.passthrough, the consequences
// flagged for masters that lose their IOMMU, fw_devlink ordering and cycles, PCI functions behind
// iommu-map, and the "why" chain down to a root cause with its DTS position.
import { describe, expect, it } from 'vitest';
import { ARM_BOARD_HEAD, armBoard, compileDts, run } from '../../support/probe';
import { requireSystem } from '../../../scripts/lib/system';

requireSystem('dtc');

const SMMU = `smmu: iommu@9050000 { compatible = "arm,smmu-v3"; reg = <0 0x9050000 0 0x20000>; #iommu-cells = <1>; interrupts = <0 74 1>; };`;
const rtc = (addr: string, extra = ''): string => `rtc${addr}: rtc@${addr} { compatible = "arm,pl031", "arm,primecell"; reg = <0 0x${addr} 0 0x1000>; clocks = <&pclk>; clock-names = "apb_pclk"; ${extra} };`;
const gpio = (extra = ''): string => `gpio: gpio@9030000 { compatible = "arm,pl061", "arm,primecell"; reg = <0 0x9030000 0 0x1000>; clocks = <&pclk>; clock-names = "apb_pclk"; gpio-controller; #gpio-cells = <2>; ${extra} };`;

describe('assumed probe outcomes (--assume)', () => {
  const tree = compileDts(armBoard(rtc('9010000'), gpio()));
  it('fail:-EINVAL → failed, with the kernel\'s failure line', () => {
    const r = run(tree, { assume: [{ target: '9010000.rtc', outcome: { kind: 'fail', errno: -22 } }] });
    expect(r.device('9010000.rtc')).toMatchObject({ state: 'failed', error: -22 });
    expect(r.has('rtc-pl031: probe of 9010000.rtc failed with error -22')).toBe(true);
  });
  it('absent → the driver rejects the match (-ENODEV) and the device stays driverless', () => {
    // the tree gives the primecell ID, so amba_match() does not read the missing registers (amba.test.ts)
    const withId = compileDts(armBoard(rtc('9010000', 'arm,primecell-periphid = <0x00041031>;'), gpio()));
    const r = run(withId, { assume: [{ target: '/rtc@9010000', outcome: { kind: 'absent' } }] });
    expect(r.device('9010000.rtc').state).toBe('no-driver');
    expect(r.has('rtc-pl031: probe of 9010000.rtc rejects match -19')).toBe(true);
  });
  it('defer:2 → two deferrals ("requests probe deferral"), bound from the late_initcall passes', () => {
    const r = run(tree, { assume: [{ target: 'rtc9010000', outcome: { kind: 'defer', times: 2 } }] });
    expect(r.device('9010000.rtc')).toMatchObject({ state: 'bound', deferrals: 2 });
    expect(r.has('Driver rtc-pl031 requests probe deferral')).toBe(true);
  });
  it('defer forever → still deferred; the 6.1 timeout prints "deferred probe pending"', () => {
    const r = run(tree, { assume: [{ target: '9010000.rtc', outcome: { kind: 'defer', times: Number.POSITIVE_INFINITY } }] });
    expect(r.device('9010000.rtc').state).toBe('deferred');
    expect(r.has('amba 9010000.rtc: deferred probe pending')).toBe(true);
  });
});

describe('node status, driver availability, initcall_blacklist', () => {
  const tree = compileDts(armBoard(SMMU, rtc('9010000', 'iommus = <&smmu 1>;')));
  it('--status NODE=disabled removes the device and says why', () => {
    const r = run(tree, { nodeStatus: { '/rtc@9010000': 'disabled' } });
    expect(r.device('9010000.rtc').state).toBe('disabled');
  });
  it('--driver NAME=missing leaves the device without a driver, naming the what-if', () => {
    const r = run(tree, { drivers: { 'rtc-pl031': 'missing' } });
    expect(r.device('9010000.rtc').state).toBe('no-driver');
    expect(r.device('9010000.rtc').why.at(-1)!.text).toContain('removed (what-if)');
  });
  it('a module nobody loads is named as such; loading it binds the device', () => {
    const off = run(tree, { drivers: { rtc_pl031: 'module' } });
    expect(off.device('9010000.rtc').why.at(-1)!.text).toContain('rtc_pl031.ko');
    const on = run(tree, { drivers: { rtc_pl031: 'module' }, modulesLoaded: ['rtc-pl031'] });
    expect(on.device('9010000.rtc').state).toBe('bound');
  });
  it('initcall_blacklist= keeps a built-in driver from registering; the why chain ends at the command line', () => {
    const r = run(tree, { cmdline: 'initcall_blacklist=arm_smmu_driver_init' });
    const rtcDev = r.device('9010000.rtc');
    expect(rtcDev).toMatchObject({ state: 'bound', iommuGroup: null });
    expect(rtcDev.why.map((w) => w.text).join(' | ')).toMatch(/deferred probe timeout.*initcall_blacklist=arm_smmu_driver_init/);
    expect(r.has('initcall arm_smmu_driver_init blacklisted')).toBe(true);
  });
  it('the why chain carries the DTS position of the iommus property', () => {
    const r = run(tree, { cmdline: 'initcall_blacklist=arm_smmu_driver_init' });
    const step = r.device('9010000.rtc').why.find((w) => w.text.includes('configured without its IOMMU'))!;
    expect(step.span?.line).toBeGreaterThan(0);
  });
});

describe('IOMMU policy, contexts, passthrough, consequences', () => {
  const two = compileDts(armBoard(SMMU, rtc('9010000', 'iommus = <&smmu 1>;'), rtc('9011000', 'iommus = <&smmu 2>;'), gpio('iommus = <&smmu 8>;')));
  it('optional: a failed IOMMU releases its masters at once instead of at the timeout', () => {
    const fail = { target: '/iommu@9050000', outcome: { kind: 'fail' as const, errno: -22 } };
    const kernel = run(two, { assume: [fail] });
    const optional = run(two, { assume: [fail], iommuPolicy: { '*': 'optional' } });
    expect(kernel.device('9030000.gpio').bindTime!).toBeGreaterThanOrEqual(kernel.prediction.milestones.timeoutFired!);
    expect(optional.device('9030000.gpio').state).toBe('bound');
    expect(optional.device('9030000.gpio').bindTime!).toBeLessThan(optional.prediction.milestones.userspace);
  });
  it('mandatory: a master whose IOMMU never comes fails its probe instead of running without it', () => {
    const r = run(two, { drivers: { 'arm-smmu-v3': 'missing' }, iommuPolicy: { '9030000.gpio': 'mandatory' } });
    expect(r.device('9030000.gpio')).toMatchObject({ state: 'failed', error: -110 });
    expect(r.device('9010000.rtc').state).toBe('bound');
  });
  it('--iommu-contexts: the second master finds no context and falls back to direct DMA, flagged', () => {
    const r = run(two, { iommuContexts: { '/iommu@9050000': 1 } });
    expect(r.device('9010000.rtc').iommuGroup).toBe(0);
    const second = r.device('9011000.rtc');
    expect(second).toMatchObject({ state: 'bound', iommuGroup: null, dma: 'direct' });
    expect(second.flags.join('\n')).toMatch(/cache maintenance/);
  });
  it('mandatory + no context → the master fails with -ENOSPC', () => {
    const r = run(two, { iommuContexts: { '9050000.iommu': 1 }, iommuPolicy: { '9011000.rtc': 'mandatory' } });
    expect(r.device('9011000.rtc')).toMatchObject({ state: 'failed', error: -28 });
  });
  it('iommu.passthrough=1: groups without contexts (identity domains)', () => {
    const r = run(two, { iommuContexts: { '/iommu@9050000': 1 }, cmdline: 'iommu.passthrough=1' });
    expect(r.device('9011000.rtc')).toMatchObject({ iommuGroup: 1, dma: 'iommu-passthrough' });
  });
  it('flags bounce buffering when RAM reaches past the 32-bit DMA mask, and dma-coherent mismatches', () => {
    const big = compileDts(`${ARM_BOARD_HEAD}
  memory@80000000 { device_type = "memory"; reg = <0x1 0x0 0 0x40000000>; };
  ${SMMU}
  ${rtc('9010000', 'iommus = <&smmu 1>; dma-coherent;')}
  ${rtc('9011000', 'iommus = <&smmu 2>;')}
};`);
    const r = run(big, { iommuContexts: { '/iommu@9050000': 0 } });
    expect(r.device('9010000.rtc').flags.join('\n')).toMatch(/swiotlb/);
    expect(r.device('9010000.rtc').flags.join('\n')).toMatch(/dma-coherent while its IOMMU is not/);
  });
  it('SMMUv3 refuses a second master with the same stream ID; it runs without IOMMU', () => {
    const dup = compileDts(armBoard(SMMU, rtc('9010000', 'iommus = <&smmu 5>;'), rtc('9011000', 'iommus = <&smmu 5>;')));
    const r = run(dup, {});
    expect(r.device('9010000.rtc').iommuGroup).toBe(0);
    expect(r.device('9011000.rtc').iommuGroup).toBeNull();
    expect(r.has('rtc-pl031 9011000.rtc: stream 5 already in tree from dev 9010000.rtc')).toBe(true);
  });
});

describe('fw_devlink ordering and cycles (v6.1 stable)', () => {
  it('a consumer waits for its supplier device ("supplier X not ready") and binds after it', () => {
    const r = run(compileDts(armBoard(gpio('leds = <&rtc9010000>;'), rtc('9010000'))), {});
    const g = r.device('9030000.gpio');
    expect(g.deferrals).toBeGreaterThan(0);
    expect(g.bindIndex!).toBeGreaterThan(r.device('9010000.rtc').bindIndex!);
    expect(r.has('amba 9030000.gpio: error -EPROBE_DEFER: supplier 9010000.rtc not ready')).toBe(true);
  });
  it('fw_devlink=off: no ordering at all', () => {
    const r = run(compileDts(armBoard(gpio('leds = <&rtc9010000>;'), rtc('9010000'))), { cmdline: 'fw_devlink=off' });
    expect(r.device('9030000.gpio').deferrals).toBe(0);
  });
  it('a cycle is detected, logged as the 6.1 stable kernel logs it, and blocks nobody', () => {
    const r = run(compileDts(armBoard(gpio('leds = <&rtc9010000>;'), rtc('9010000', 'backlight = <&gpio>;'))), {});
    expect(r.has('/gpio@9030000: Fixed dependency cycle(s) with /rtc@9010000')).toBe(true);
    expect(r.device('9030000.gpio')).toMatchObject({ state: 'bound', deferrals: 0 });
    expect(r.device('9010000.rtc')).toMatchObject({ state: 'bound', deferrals: 0 });
  });
  it('a supplier node that never becomes a device holds its consumer ("wait for supplier")', () => {
    const r = run(compileDts(armBoard(`holder@9100000 { compatible = "vendor,nothing"; reg = <0 0x9100000 0 0x100>; sub: sub { compatible = "vendor,sub"; }; };`, gpio('leds = <&sub>;'))), {});
    expect(r.device('9030000.gpio').state).toBe('deferred');
    expect(r.device('9030000.gpio').deferReason).toBe('amba: wait for supplier sub');
  });
  it('the stdout-path console is best effort: it does not wait for a supplier that never becomes a device', () => {
    const src = armBoard(`holder@9100000 { compatible = "vendor,nothing"; reg = <0 0x9100000 0 0x100>; sub: sub { compatible = "vendor,sub"; }; };`, gpio('leds = <&sub>;'));
    const withConsole = src.replace('pclk: apb-pclk', 'aliases { serial0 = "/gpio@9030000"; };\n  chosen { stdout-path = "serial0:115200n8"; };\n  pclk: apb-pclk');
    const r = run(compileDts(withConsole), {});
    expect(r.device('9030000.gpio')).toMatchObject({ state: 'bound', deferrals: 0 });
  });
});

describe('asynchronous probing (driver_async_probe=)', () => {
  const uart = `serial@9000000 { compatible = "arm,pl011", "arm,primecell"; reg = <0 0x9000000 0 0x1000>; clocks = <&pclk>, <&pclk>; clock-names = "uartclk", "apb_pclk"; };`;
  const tree = compileDts(armBoard(uart, rtc('9010000')));
  const order = (r: ReturnType<typeof run>): string[] => r.prediction.events.filter((e) => (e.kind === 'bound' && e.device === '9000000.serial') || (e.kind === 'device-added' && e.device === '9010000.rtc')).map((e) => e.kind);
  it('a synchronous driver binds the console UART while populate is still adding devices', () => {
    expect(order(run(tree, {}))).toEqual(['bound', 'device-added']);
  });
  it('an async driver binds it from a worker, after the populate initcall returns', () => {
    expect(order(run(tree, { cmdline: 'driver_async_probe=uart-pl011' }))).toEqual(['device-added', 'bound']);
  });
});

describe('PCI functions behind iommu-map', () => {
  const pci = compileDts(armBoard(SMMU, `pcie@10000000 { compatible = "pci-host-ecam-generic"; device_type = "pci"; reg = <0x40 0x10000000 0 0x10000000>;
      #address-cells = <3>; #size-cells = <2>; bus-range = <0 1>; iommu-map = <0x0 &smmu 0x0 0x8>; };`));
  it('maps the RID through iommu-map; a RID outside it prints the kernel\'s line and gets no IOMMU', () => {
    const r = run(pci, { pciFunctions: [{ bdf: '0000:00:00.0' }, { bdf: '0000:00:01.0', driver: 'pci-stub' }, { bdf: '0000:00:00.1', driver: 'pci-stub' }], drivers: { 'pci-stub': 'builtin' } });
    expect(r.device('0000:00:00.1')).toMatchObject({ state: 'bound', iommuGroup: 0 });
    expect(r.device('0000:00:01.0')).toMatchObject({ state: 'bound', iommuGroup: null });
    expect(r.has('OF: /pcie@10000000: no iommu-map translation for id 0x8 on (null)')).toBe(true);
    expect(r.device('0000:00:00.0').state).toBe('no-driver');
  });
  it('PCI functions bind inside the host bridge probe, before the host itself', () => {
    // fw_devlink.strict=1 holds the host on its (driverless) IOMMU until the timeout; pci-stub is registered by then
    const r = run(pci, { pciFunctions: [{ bdf: '0000:00:00.1', driver: 'pci-stub' }], drivers: { 'pci-stub': 'builtin', 'arm-smmu-v3': 'missing' }, cmdline: 'fw_devlink.strict=1' });
    expect(r.device('4010000000.pcie').deferrals).toBeGreaterThan(0);
    expect(r.device('0000:00:00.1').bindIndex!).toBeLessThan(r.device('4010000000.pcie').bindIndex!);
  });
});
