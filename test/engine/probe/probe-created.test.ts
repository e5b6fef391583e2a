// Devices a driver's probe creates by hand (engine/probe/probe-created.ts), on small trees shaped like the
// Versatile Express motherboard: the MFD cells vexpress-sysreg adds (drivers/mfd/vexpress-sysreg.c,
// mfd-core.c), the config-bus children vexpress-syscfg populates (drivers/bus/vexpress-config.c) with the
// names of_device_make_bus_id() gives nodes without `reg`, and their consumers; then the catalog scanner
// that reads those tables from the kernel source.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanLinkedPopulates, scanMfdCells, scanPlatformIdTables, PLATFORM_DEVID_AUTO } from '../../../scripts/catalog/c-created-devices';
import { scanSource } from '../../../scripts/catalog/c-scan';
import { requireSystem, kernelSourceDir } from '../../../scripts/lib/system';
import { compileDts, run } from '../../support/probe';

requireSystem('dtc', 'linux-source-6.1');

/** A motherboard's sysreg (the config bridge) with its GPIO banks, a config bus bridged to it, a UART clocked by it. */
const board = (extra = '', sysregStatus = ''): string => `/dts-v1/;
/ { #address-cells = <1>; #size-cells = <1>;
  smbclk: clk24mhz { compatible = "fixed-clock"; #clock-cells = <0>; clock-frequency = <24000000>; };
  bus@40000000 { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges = <0 0x40000000 0x100000>;
    sysreg: sysreg@0 { compatible = "arm,vexpress-sysreg"; reg = <0x0 0x1000>; #address-cells = <1>; #size-cells = <1>; ranges = <0 0 0x1000>;
      gpio@8 { compatible = "arm,vexpress-sysreg,sys_led"; reg = <0x08 4>; gpio-controller; #gpio-cells = <2>; ${sysregStatus} };
      gpio@48 { compatible = "arm,vexpress-sysreg,sys_mci"; reg = <0x48 4>; gpio-controller; #gpio-cells = <2>; };
      gpio@4c { compatible = "arm,vexpress-sysreg,sys_flash"; reg = <0x4c 4>; gpio-controller; #gpio-cells = <2>; };
    };
    uart@9000 { compatible = "arm,pl011", "arm,primecell"; reg = <0x9000 0x1000>; interrupts = <5>;
      clocks = <&osc2>, <&smbclk>; clock-names = "uartclk", "apb_pclk"; };
    mcc { compatible = "arm,vexpress,config-bus"; arm,vexpress,config-bridge = <&sysreg>;
      oscclk1 { compatible = "arm,vexpress-osc"; arm,vexpress-sysreg,func = <1 1>; #clock-cells = <0>; };
      osc2: oscclk2 { compatible = "arm,vexpress-osc"; arm,vexpress-sysreg,func = <1 2>; #clock-cells = <0>; };
      volt-vio { compatible = "arm,vexpress-volt"; arm,vexpress-sysreg,func = <2 0>; };
      reset { compatible = "arm,vexpress-reset"; arm,vexpress-sysreg,func = <5 0>; };
      disabled-osc { compatible = "arm,vexpress-osc"; status = "disabled"; };
    };
  };
  dcc { compatible = "arm,vexpress,config-bus"; arm,vexpress,config-bridge = <&sysreg>;
    tcrefclk { compatible = "arm,vexpress-osc"; arm,vexpress-sysreg,func = <1 2>; #clock-cells = <0>; };
  };
  ${extra}
};`;

describe('MFD cells (mfd_add_devices) and config-bus children (vexpress_syscfg_probe)', () => {
  it('names the cells as platform_device_add() does and gives each the child with its of_compatible', () => {
    const r = run(compileDts(board()), {});
    expect(r.device('basic-mmio-gpio.0.auto')).toMatchObject({ state: 'bound', driver: 'basic-mmio-gpio', node: '/bus@40000000/sysreg@0/gpio@8' });
    expect(r.device('basic-mmio-gpio.1.auto')).toMatchObject({ state: 'bound', node: '/bus@40000000/sysreg@0/gpio@48' });
    expect(r.device('basic-mmio-gpio.2.auto')).toMatchObject({ state: 'bound', node: '/bus@40000000/sysreg@0/gpio@4c' });
    // no of_compatible: no node; bound through vexpress-syscfg's id_table
    expect(r.device('vexpress-syscfg.3.auto')).toMatchObject({ state: 'bound', driver: 'vexpress-syscfg', node: null });
    // drivers matched only by name still show in the trace, as the kernel's dd.c debug prints them
    expect(r.has("bus: 'platform': add driver basic-mmio-gpio")).toBe(true);
    expect(r.has('calling  vexpress_syscfg_driver_init+0x0/0x0 @ 1')).toBe(true);
  });

  it('creates the children of every config bus bridged to the sysreg, named by their parents, and binds the ones with a built driver', () => {
    const r = run(compileDts(board()), {});
    expect(r.device('bus@40000000:mcc:oscclk1')).toMatchObject({ state: 'bound', driver: 'vexpress-osc' });
    expect(r.device('bus@40000000:mcc:oscclk2')).toMatchObject({ state: 'bound', driver: 'vexpress-osc' });
    expect(r.device('bus@40000000:mcc:reset')).toMatchObject({ state: 'bound', driver: 'vexpress-reset' });
    expect(r.device('dcc:tcrefclk')).toMatchObject({ state: 'bound', driver: 'vexpress-osc' });
    // vexpress-regulator is not built in Debian's .config; a disabled node never becomes a device
    expect(r.device('bus@40000000:mcc:volt-vio').state).not.toBe('bound');
    expect(r.prediction.devices.map((d) => d.name)).not.toContain('bus@40000000:mcc:disabled-osc');
    // the config buses themselves are default-populated and stay without a driver
    expect(r.device('bus@40000000:mcc').state).toBe('no-driver');
  });

  it('binds the oscillators inside the sysreg probe, before the sysreg itself (bind order)', () => {
    const r = run(compileDts(board()), {});
    const order = r.prediction.devices.filter((d) => d.bindIndex !== null).sort((a, b) => a.bindIndex! - b.bindIndex!).map((d) => d.name);
    const at = (n: string): number => order.indexOf(n);
    expect(at('basic-mmio-gpio.0.auto')).toBeLessThan(at('bus@40000000:mcc:oscclk1'));
    expect(at('bus@40000000:mcc:oscclk1')).toBeLessThan(at('dcc:tcrefclk'));
    expect(at('dcc:tcrefclk')).toBeLessThan(at('vexpress-syscfg.3.auto'));
    expect(at('vexpress-syscfg.3.auto')).toBeLessThan(at('40000000.sysreg'));
  });

  it('lets a consumer of a config-bus clock bind instead of waiting forever', () => {
    const r = run(compileDts(board()), {});
    expect(r.device('40009000.uart')).toMatchObject({ state: 'bound', driver: 'uart-pl011' });
    // without the MFD driver nothing creates the oscillator: the UART waits for it
    const without = run(compileDts(board()), { drivers: { 'vexpress-sysreg': 'missing' } });
    expect(without.device('40009000.uart').state).toBe('deferred');
    expect(without.prediction.devices.map((d) => d.name)).not.toContain('bus@40000000:mcc:oscclk2');
  });

  it('populates only the config buses whose bridge is the sysreg the syscfg cell belongs to', () => {
    const other = 'other: syscon@50000000 { compatible = "vendor,syscon"; reg = <0x50000000 0x1000>; }; cb { compatible = "arm,vexpress,config-bus"; arm,vexpress,config-bridge = <&other>; osc { compatible = "arm,vexpress-osc"; #clock-cells = <0>; }; };';
    const r = run(compileDts(board(other)), {});
    expect(r.prediction.devices.map((d) => d.name)).not.toContain('cb:osc');
    expect(r.device('dcc:tcrefclk').state).toBe('bound');
  });

  it('adds no cell whose only compatible child is disabled, and numbers the next cells on', () => {
    const r = run(compileDts(board('', 'status = "disabled";')), {});
    const names = r.prediction.devices.map((d) => d.name);
    expect(names.filter((n) => n.startsWith('basic-mmio-gpio.'))).toEqual(['basic-mmio-gpio.0.auto', 'basic-mmio-gpio.1.auto']);
    expect(r.device('basic-mmio-gpio.0.auto').node).toBe('/bus@40000000/sysreg@0/gpio@48');
    expect(r.device('vexpress-syscfg.2.auto').state).toBe('bound');
  });
});

describe('catalog scanner: devices a probe creates, names a driver matches', () => {
  const read = (f: string): string => readFileSync(join(kernelSourceDir, f), 'latin1');

  it('reads vexpress-sysreg\'s cell table and its PLATFORM_DEVID_AUTO call', () => {
    const [d] = scanSource(read('drivers/mfd/vexpress-sysreg.c'), () => undefined, 'vexpress_sysreg').drivers;
    expect(d!.mfdCells).toEqual({
      devid: PLATFORM_DEVID_AUTO,
      cells: [
        { name: 'basic-mmio-gpio', id: 0, ofCompatible: 'arm,vexpress-sysreg,sys_led' },
        { name: 'basic-mmio-gpio', id: 0, ofCompatible: 'arm,vexpress-sysreg,sys_mci' },
        { name: 'basic-mmio-gpio', id: 0, ofCompatible: 'arm,vexpress-sysreg,sys_flash' },
        { name: 'vexpress-syscfg', id: 0 },
      ],
    });
  });

  it('reads vexpress-config\'s populate of bridged config buses, which is not a populate of its own node', () => {
    const [d] = scanSource(read('drivers/bus/vexpress-config.c'), () => undefined, 'vexpress_config').drivers;
    expect(d).toMatchObject({ name: 'vexpress-syscfg', platformIds: ['vexpress-syscfg'], populates: false });
    expect(d!.linkedPopulates).toEqual([{ compatible: 'arm,vexpress,config-bus', phandle: 'arm,vexpress,config-bridge', of: 'parent' }]);
  });

  it('reads id_table names in both initialiser forms, and null without an id_table', () => {
    const [mmio] = scanSource(read('drivers/gpio/gpio-mmio.c'), () => undefined, 'gpio_generic').drivers;
    expect(mmio!.platformIds).toEqual(['basic-mmio-gpio', 'basic-mmio-gpio-be']);
    const ids = scanPlatformIdTables('static const struct platform_device_id t[] = { { DRV, 1 }, { "b", 2 }, { } };', (n) => (n === 'DRV' ? 'a' : undefined), 'm');
    expect(ids.get('t')).toEqual(['a', 'b']);
    const [osc] = scanSource(read('drivers/clk/versatile/clk-vexpress-osc.c'), () => undefined, 'clk_vexpress_osc').drivers;
    expect(osc!.platformIds).toBeNull();
  });

  it('reads MFD_CELL_* macros, and reads nothing when the cells cannot be known for certain', () => {
    const table = `static const struct mfd_cell cells[] = {
  MFD_CELL_OF("a-pwm", NULL, NULL, 0, 1, "v,a-pwm"),
  MFD_CELL_NAME("a-rtc"),
  MFD_CELL_OF_REG("a-gpio", NULL, NULL, 0, 0, "v,a-gpio", 0x40),
};`;
    expect(scanMfdCells(`${table} static int p(void) { return devm_mfd_add_devices(dev, PLATFORM_DEVID_NONE, cells, 3, NULL, 0, NULL); }`, () => undefined, 'm')).toEqual({
      devid: -1,
      cells: [{ name: 'a-pwm', id: 1, ofCompatible: 'v,a-pwm' }, { name: 'a-rtc', id: 0 }, { name: 'a-gpio', id: 0, ofCompatible: 'v,a-gpio', ofReg: 0x40 }],
    });
    // two call sites (variants, conditional cells), a run-time id, a table built at run time: unknown
    expect(scanMfdCells(`${table} int p(void) { mfd_add_devices(d, -1, cells, 3, NULL, 0, NULL); mfd_add_devices(d, -1, cells, 1, NULL, 0, NULL); }`, () => undefined, 'm')).toBeNull();
    expect(scanMfdCells(`${table} int p(void) { mfd_add_devices(d, pdev->id, cells, 3, NULL, 0, NULL); }`, () => undefined, 'm')).toBeNull();
    expect(scanMfdCells(`${table} int p(void) { mfd_add_devices(d, -1, x->cells, 3, NULL, 0, NULL); }`, () => undefined, 'm')).toBeNull();
  });

  it('takes a for_each_compatible_node() loop without a bridge check as populating every such node', () => {
    const src = 'int p(void) { for_each_compatible_node(np, NULL, "v,bus") { of_platform_populate(np, NULL, NULL, dev); } }';
    expect(scanLinkedPopulates(src)).toEqual({ populates: [{ compatible: 'v,bus' }], callsInside: 1 });
  });
});
