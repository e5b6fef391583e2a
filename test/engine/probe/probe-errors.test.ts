// The devices_deferred reason of a driver's own deferral: the dev_err_probe() message of the first supplier
// lookup its probe makes that finds no provider (drivers/base/core.c dev_err_probe → dd.c
// device_set_deferred_probe_reason, "<drv->name>: <message>"), read from the driver's source by the
// catalog generator (scripts/catalog/probe-lookups.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeDeferReason, type CatalogDriver } from '../../../engine/probe/index';
import { scanSource } from '../../../scripts/catalog/c-scan';
import { kernelSource, requireSystem } from '../../../scripts/lib/system';
import { compileDts, run } from '../../support/probe';

requireSystem('dtc', 'linux-source-6.1');

const scan = (version: '6.1' | '6.12', file: string, modname: string) =>
  scanSource(readFileSync(join(kernelSource(version), file), 'latin1'), () => undefined, modname).drivers;

describe('probe lookups from the driver source', () => {
  it('reg-fixed-voltage: gpiod_get_optional(dev, NULL) then dev_err_probe "can\'t get GPIO" (drivers/regulator/fixed.c)', () => {
    const [fixed] = scan('6.1', 'drivers/regulator/fixed.c', 'fixed');
    expect(fixed!.lookups).toContainEqual({ kind: 'gpio', con: null, message: "can't get GPIO" });
  });

  it('gpio-keys: 6.1 returns the GPIO error without dev_err_probe, 6.12 gives "failed to get gpio" (through gpio_keys_setup_key)', () => {
    expect(scan('6.1', 'drivers/input/keyboard/gpio_keys.c', 'gpio_keys')[0]!.lookups[0]).toEqual({ kind: 'gpio', con: null, message: null });
    expect(scan('6.12', 'drivers/input/keyboard/gpio_keys.c', 'gpio_keys')[0]!.lookups[0]).toEqual({ kind: 'gpio', con: null, message: 'failed to get gpio' });
  });

  it('the first lookup in code order that asks for a missing provider gives the reason', () => {
    const gpio = compileDts(`/dts-v1/; / { g: gpio { #gpio-cells = <2>; }; r { gpio = <&g 1 0>; vin-supply = <&g>; }; };`);
    const node = gpio.root.children[1]!;
    const refs = [
      { binding: 'gpio-compat', property: node.properties.find((p) => p.name === 'gpio')!, supplier: gpio.root.children[0]! },
      { binding: '*-supply', property: node.properties.find((p) => p.name === 'vin-supply')!, supplier: gpio.root.children[0]! },
    ];
    const drv = { name: 'drv', probeLookups: [{ kind: 'supply', con: 'vin', message: null }, { kind: 'gpio', con: null, message: 'no gpio' }] } as unknown as CatalogDriver;
    expect(probeDeferReason(drv, refs)).toBeNull();
    expect(probeDeferReason(drv, refs.slice(0, 1))).toBe('drv: no gpio');
    // a named lookup reads only its own property (gpiod_get(dev, "enable") → enable-gpios)
    const named = { name: 'drv', probeLookups: [{ kind: 'gpio', con: 'enable', message: 'no enable gpio' }] } as unknown as CatalogDriver;
    expect(probeDeferReason(named, refs.slice(0, 1))).toBeNull();
  });
});

describe('devices_deferred reason of a driver deferral', () => {
  // A fixed regulator (Debian arm64 builds it as fixed.ko) whose enable GPIO's controller never gets a driver:
  // fw_devlink holds it until the deferred-probe timeout relaxes the link, then reg_fixed_voltage_probe()
  // defers in gpiod_get_optional().
  const board = `/dts-v1/;
    / { #address-cells = <2>; #size-cells = <2>; compatible = "linux,dummy-virt";
      chosen { bootargs = "deferred_probe_timeout=5"; };
      gpx: gpio@9030000 { compatible = "vendor,no-such-gpio"; reg = <0 0x9030000 0 0x1000>; gpio-controller; #gpio-cells = <2>; };
      regulator-en { compatible = "regulator-fixed"; regulator-name = "en"; regulator-min-microvolt = <3300000>; regulator-max-microvolt = <3300000>; gpio = <&gpx 1 0>; enable-active-high; };
    };`;

  it('is "<driver>: <dev_err_probe message>" on 6.1', () => {
    const r = run(compileDts(board), { kernel: '6.1', cmdline: 'deferred_probe_timeout=5', modulesLoaded: ['fixed'] });
    const d = r.device('regulator-en');
    expect(d.state).toBe('deferred');
    expect(d.deferReason).toBe("reg-fixed-voltage: can't get GPIO");
  });
});
