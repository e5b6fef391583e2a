// Platform devices the kernel's own init code registers by name, without a node (engine/probe/init-devices.ts):
// regulator_init() → regulator_dummy_init() (drivers/regulator/dummy.c) adds "reg-dummy" and its driver at
// core_initcall; serial8250_init() (drivers/tty/serial/8250/8250_core.c, 8250_platform.c from v6.10) adds
// the legacy "serial8250" device, registers nr_uarts ports on it (serial8250_register_ports), then its driver;
// psci_idle_init() (drivers/cpuidle/cpuidle-psci.c) registers the psci-cpuidle driver, then its device;
// sysfb_init() (drivers/firmware/sysfb.c) registers the firmware framebuffer device named from screen_info;
// alarmtimer_rtc_add_device() (kernel/time/alarmtimer.c) adds "alarmtimer" inside the first wakeup-capable
// RTC's probe.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCatalog, parseKernelConfig, type DriverCatalog } from '../../../engine/probe/index';
import { alarmtimerRtcAddDevice, serial8250NrUarts } from '../../../engine/probe/init-devices';
import { newHandMadeDeviceState } from '../../../engine/probe/probe-created';
import { stripComments } from '../../../scripts/catalog/c-scan';
import { functionBodies } from '../../../scripts/catalog/probe-lookups';
import { probeRegistersWakeupRtc } from '../../../scripts/catalog/rtc-wakeup';
import { requireSystem } from '../../../scripts/lib/system';
import { armBoard, compileDts, debianConfigText, run } from '../../support/probe';

requireSystem('dtc');

const catalog612: DriverCatalog = decodeCatalog(JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'resources', 'kernel', '6.12', 'drivers.json'), 'utf8')));

const board = armBoard(
  `pl011@9000000 { compatible = "arm,pl011", "arm,primecell"; reg = <0 0x9000000 0 0x1000>; interrupts = <0 1 4>; clocks = <&pclk>, <&pclk>; clock-names = "uartclk", "apb_pclk"; };`,
);

const withConfig = (edit: (text: string) => string): ReturnType<typeof parseKernelConfig> => parseKernelConfig(edit(debianConfigText));
const bindOrder = (r: ReturnType<typeof run>): string[] =>
  r.prediction.devices.filter((d) => d.bindIndex !== null).sort((a, b) => a.bindIndex! - b.bindIndex!).map((d) => d.name);

describe('reg-dummy (regulator_init → regulator_dummy_init)', () => {
  it('is registered with PLATFORM_DEVID_NONE at core_initcall and bound by its own driver before any device of the tree', () => {
    const r = run(compileDts(board), { kernel: '6.1' });
    expect(r.device('reg-dummy')).toMatchObject({ state: 'bound', driver: 'reg-dummy', node: null, bus: 'platform', iommuGroup: null, deferrals: 0 });
    expect(bindOrder(r)[0]).toBe('reg-dummy');
  });

  it('does not exist without CONFIG_REGULATOR (core.o and dummy.o are not built)', () => {
    const r = run(compileDts(board), { kernel: '6.1', config: withConfig((t) => t.replace(/^CONFIG_REGULATOR=y$/m, '# CONFIG_REGULATOR is not set')) });
    expect(r.prediction.devices.map((d) => d.name)).not.toContain('reg-dummy');
  });
});

describe('serial8250 (serial8250_init: PLAT8250_DEV_LEGACY, serial8250_register_ports, serial8250_isa_driver)', () => {
  it('adds the legacy "serial8250" device and binds it with the serial8250 driver at its module_init', () => {
    const r = run(compileDts(board), { kernel: '6.1' });
    expect(r.device('serial8250')).toMatchObject({ state: 'bound', driver: 'serial8250', node: null, bus: 'platform' });
    const order = bindOrder(r);
    // module_init is a device_initcall: after reg-dummy's core_initcall; among the device initcalls, link order
    expect(order.indexOf('reg-dummy')).toBeLessThan(order.indexOf('serial8250'));
    // 6.1 has no serial-base bus
    expect(r.prediction.devices.some((d) => d.name.startsWith('serial8250:'))).toBe(false);
  });

  it('v6.5+: registers nr_uarts ports on it first: controller "serial8250:0", ports "serial8250:0.N", bound before serial8250', () => {
    const r = run(compileDts(board), { kernel: '6.12', catalog: catalog612 });
    expect(r.device('serial8250:0')).toMatchObject({ state: 'bound', driver: 'ctrl', bus: 'serial-base' });
    const ports = r.prediction.devices.filter((d) => /^serial8250:0\.\d+$/.test(d.name)).map((d) => d.name);
    // Debian's CONFIG_SERIAL_8250_RUNTIME_UARTS=4
    expect(ports).toEqual(['serial8250:0.0', 'serial8250:0.1', 'serial8250:0.2', 'serial8250:0.3']);
    const order = bindOrder(r);
    expect(order.indexOf('serial8250:0.3')).toBeLessThan(order.indexOf('serial8250'));
    expect(order.indexOf('serial8250:0')).toBeLessThan(order.indexOf('serial8250:0.0'));
  });

  it('registers as many ports as CONFIG_SERIAL_8250_RUNTIME_UARTS says, at most CONFIG_SERIAL_8250_NR_UARTS', () => {
    const two = withConfig((t) => t.replace(/^CONFIG_SERIAL_8250_RUNTIME_UARTS=\d+$/m, 'CONFIG_SERIAL_8250_RUNTIME_UARTS=2'));
    const r = run(compileDts(board), { kernel: '6.12', catalog: catalog612, config: two });
    expect(r.prediction.devices.filter((d) => /^serial8250:0\.\d+$/.test(d.name)).map((d) => d.name)).toEqual(['serial8250:0.0', 'serial8250:0.1']);
    expect(serial8250NrUarts(parseKernelConfig('CONFIG_SERIAL_8250_NR_UARTS=2\nCONFIG_SERIAL_8250_RUNTIME_UARTS=8\n'))).toBe(2);
    expect(serial8250NrUarts(null)).toBe(4);
  });

  it('adds nothing, not even its driver, when nr_uarts is 0 (serial8250_init returns -ENODEV)', () => {
    const none = withConfig((t) => t.replace(/^CONFIG_SERIAL_8250_RUNTIME_UARTS=\d+$/m, 'CONFIG_SERIAL_8250_RUNTIME_UARTS=0'));
    const r = run(compileDts(board), { kernel: '6.12', catalog: catalog612, config: none });
    expect(r.prediction.devices.some((d) => d.name === 'serial8250' || d.name.startsWith('serial8250:'))).toBe(false);
  });

  it('does not exist without CONFIG_SERIAL_8250', () => {
    const r = run(compileDts(board), { kernel: '6.1', config: withConfig((t) => t.replace(/^CONFIG_SERIAL_8250=y$/m, '# CONFIG_SERIAL_8250 is not set')) });
    expect(r.prediction.devices.map((d) => d.name)).not.toContain('serial8250');
  });
});

const cpu = (reg: number, extra: string): string => `cpu@${reg} { device_type = "cpu"; compatible = "arm,cortex-a53"; reg = <${reg}>; ${extra} };`;
const psciBoard = (cpuExtra: string, states = ''): string =>
  armBoard(
    `psci { compatible = "arm,psci-1.0", "arm,psci-0.2", "arm,psci"; method = "smc"; };`,
    `cpus { #address-cells = <1>; #size-cells = <0>; ${cpu(0, cpuExtra)} ${cpu(1, cpuExtra)} ${states} };`,
  );
const idleStates = `idle-states { entry-method = "psci"; sleep: cpu-sleep { compatible = "arm,idle-state"; arm,psci-suspend-param = <0x0010000>; entry-latency-us = <40>; exit-latency-us = <100>; min-residency-us = <150>; }; };`;

describe('psci-cpuidle (psci_idle_init, psci_cpuidle_probe → psci_idle_init_cpu → dt_init_idle_driver)', () => {
  it('is registered after its driver; with no idle state in the tree its probe rejects the match with -ENODEV', () => {
    const r = run(compileDts(psciBoard('enable-method = "psci";')), { kernel: '6.1' });
    expect(r.device('psci-cpuidle')).toMatchObject({ state: 'no-driver', error: -19, node: null, bus: 'platform', bindIndex: null, deferrals: 0 });
    expect(r.has('psci-cpuidle: probe of psci-cpuidle rejects match -19')).toBe(true);
  });

  it('binds when every CPU boots by PSCI and has an arm,idle-state in cpu-idle-states', () => {
    const r = run(compileDts(psciBoard('enable-method = "psci"; cpu-idle-states = <&sleep>;', idleStates)), { kernel: '6.1' });
    expect(r.device('psci-cpuidle')).toMatchObject({ state: 'bound', driver: 'psci-cpuidle' });
  });

  it('rejects when a CPU boots another way (enable-method "spin-table"), or its only idle state is disabled', () => {
    const spin = run(compileDts(psciBoard('enable-method = "spin-table"; cpu-idle-states = <&sleep>;', idleStates)), { kernel: '6.1' });
    expect(spin.device('psci-cpuidle')).toMatchObject({ state: 'no-driver', error: -19 });
    const off = run(compileDts(psciBoard('enable-method = "psci"; cpu-idle-states = <&sleep>;', idleStates.replace('min-residency-us = <150>;', 'min-residency-us = <150>; status = "disabled";'))), { kernel: '6.1' });
    expect(off.device('psci-cpuidle')).toMatchObject({ state: 'no-driver', error: -19 });
  });

  it('does not exist without CONFIG_ARM_PSCI_CPUIDLE', () => {
    const r = run(compileDts(psciBoard('enable-method = "psci";')), { kernel: '6.1', config: withConfig((t) => t.replace(/^CONFIG_ARM_PSCI_CPUIDLE=y$/m, '# CONFIG_ARM_PSCI_CPUIDLE is not set')) });
    expect(r.prediction.devices.map((d) => d.name)).not.toContain('psci-cpuidle');
  });
});

describe('firmware framebuffer (sysfb_init: sysfb_parse_mode, sysfb_parent_dev, the legacy name chain)', () => {
  const efiFb = (r: ReturnType<typeof run>): string[] => r.prediction.devices.map((d) => d.name).filter((n) => n.endsWith('framebuffer.0'));

  it('≤v6.8, non-EFI boot: screen_info holds no known video type, so "platform-framebuffer" with id 0, which no driver binds', () => {
    const r = run(compileDts(board), { kernel: '6.1' });
    expect(r.device('platform-framebuffer.0')).toMatchObject({ state: 'no-driver', driver: null, node: null, bus: 'platform', deferrals: 0 });
  });

  it('v6.9+ with CONFIG_PCI: screen_info_resources() answers -EINVAL for video type 0 and sysfb_init registers nothing', () => {
    expect(efiFb(run(compileDts(board), { kernel: '6.12', catalog: catalog612 }))).toEqual([]);
  });

  it('v6.9+ without CONFIG_PCI: screen_info_pci_dev() is the stub answering no parent, so the device is registered', () => {
    const r = run(compileDts(board), { kernel: '6.12', catalog: catalog612, config: withConfig((t) => t.replace(/^CONFIG_PCI=y$/m, '# CONFIG_PCI is not set')) });
    expect(efiFb(r)).toEqual(['platform-framebuffer.0']);
  });

  it('EFI screen_info: "efi-framebuffer", which efifb binds by name; "simple-framebuffer" with CONFIG_SYSFB_SIMPLEFB', () => {
    const r = run(compileDts(board), { kernel: '6.1', screenInfo: 'efi' });
    expect(r.device('efi-framebuffer.0')).toMatchObject({ state: 'bound', driver: 'efi-framebuffer' });
    const simple = run(compileDts(board), { kernel: '6.1', screenInfo: 'efi', config: withConfig((t) => t.replace(/^# CONFIG_SYSFB_SIMPLEFB is not set$/m, 'CONFIG_SYSFB_SIMPLEFB=y')) });
    expect(efiFb(simple)).toEqual(['simple-framebuffer.0']);
  });

  it('does not exist without CONFIG_SYSFB (sysfb.o is not built)', () => {
    const r = run(compileDts(board), { kernel: '6.1', config: withConfig((t) => t.replace(/^CONFIG_SYSFB=y$/m, '# CONFIG_SYSFB is not set')) });
    expect(efiFb(r)).toEqual([]);
  });
});

describe('alarmtimer (alarmtimer_rtc_add_device, from the rtc class interface inside the RTC\'s probe)', () => {
  const pl031 = (addr: string): string =>
    `rtc@${addr} { compatible = "arm,pl031", "arm,primecell"; reg = <0 0x${addr} 0 0x1000>; interrupts = <0 2 4>; clocks = <&pclk>; clock-names = "apb_pclk"; };`;

  it('a pl031 (device_init_wakeup before devm_rtc_register_device) gets "alarmtimer.0.auto", bound inside its probe, right before it', () => {
    const r = run(compileDts(armBoard(pl031('9010000'))), { kernel: '6.1' });
    expect(r.device('alarmtimer.0.auto')).toMatchObject({ state: 'bound', driver: 'alarmtimer', node: null, bus: 'platform' });
    const order = bindOrder(r);
    expect(order.indexOf('9010000.rtc')).toBe(order.indexOf('alarmtimer.0.auto') + 1);
  });

  it('only the first such RTC adds it (rtcdev set: -EBUSY for the next)', () => {
    const r = run(compileDts(armBoard(pl031('9010000'), pl031('9020000'))), { kernel: '6.12', catalog: catalog612 });
    expect(r.prediction.devices.map((d) => d.name).filter((n) => n.startsWith('alarmtimer'))).toEqual(['alarmtimer.0.auto']);
  });

  it('an RTC whose probe does not make its device wakeup-capable (rtc-sunxi) adds none', () => {
    const r = run(compileDts(armBoard('rtc@1c20d00 { compatible = "allwinner,sun4i-a10-rtc"; reg = <0 0x1c20d00 0 0x20>; interrupts = <0 24 4>; };')), {
      kernel: '6.1',
      // arm64's .config does not build it (its Kconfig depends on MACH_SUN4I/SUN7I); armhf's does
      config: withConfig((t) => `${t}\nCONFIG_RTC_DRV_SUNXI=y\n`),
    });
    expect(r.device('1c20d00.rtc').state).toBe('bound');
    expect(r.prediction.devices.some((d) => d.name.startsWith('alarmtimer'))).toBe(false);
  });

  it('takes the next id of platform_devid_ida, shared with the MFD cells registered before it', () => {
    const state = newHandMadeDeviceState();
    state.nextAutoId = 4;
    expect(alarmtimerRtcAddDevice(state, '10017000.rtc', null)?.name).toBe('alarmtimer.4.auto');
    expect(alarmtimerRtcAddDevice(state, '10018000.rtc', null)).toBeNull();
    expect(state.nextAutoId).toBe(5);
  });

  it('the catalog marks a probe that calls device_init_wakeup(dev, true) on every path before registering an RTC with set_alarm ops', () => {
    const ops = 'static const struct rtc_class_ops foo_ops = { .set_alarm = foo_set_alarm, };\n';
    const scan = (probe: string, withOps = true): boolean => {
      const src = stripComments((withOps ? ops : '') + probe);
      return probeRegistersWakeupRtc('foo_probe', functionBodies(src), src);
    };
    expect(scan('static int foo_probe(struct platform_device *pdev)\n{\n\tdevice_init_wakeup(&pdev->dev, true);\n\treturn devm_rtc_register_device(rtc);\n}\n')).toBe(true);
    expect(scan('static int foo_probe(struct platform_device *pdev)\n{\n\tif (irq > 0)\n\t\tdevice_init_wakeup(&pdev->dev, true);\n\treturn devm_rtc_register_device(rtc);\n}\n')).toBe(false);
    expect(scan('static int foo_probe(struct platform_device *pdev)\n{\n\tif (irq > 0) {\n\t\tdevice_init_wakeup(&pdev->dev, 1);\n\t}\n\treturn devm_rtc_register_device(rtc);\n}\n')).toBe(false);
    expect(scan('static int foo_probe(struct platform_device *pdev)\n{\n\tret = devm_rtc_register_device(rtc);\n\tdevice_init_wakeup(&pdev->dev, true);\n\treturn ret;\n}\n')).toBe(false);
    expect(scan('static int foo_probe(struct platform_device *pdev)\n{\n\tdevice_init_wakeup(&pdev->dev, true);\n\treturn devm_rtc_register_device(rtc);\n}\n', false)).toBe(false);
    const flagged = (name: string): boolean => catalog612.drivers.some((d) => d.name === name && d.registersWakeupRtc);
    expect(flagged('rtc-pl031')).toBe(true);
    expect(flagged('sun6i-rtc')).toBe(true);
    expect(flagged('snvs_rtc')).toBe(true);
    expect(flagged('sunxi-rtc')).toBe(false);
  });
});
