// The driver catalog against the real kernel: the generator reads Debian's linux-source-6.1, and the
// shipped catalog's link order and module split are checked against what Debian's build produced
// (lib/modules/*/modules.builtin is written in link order; modules.order lists every .ko).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { availabilityFromConfig, parseKernelConfig } from '../../../engine/probe/index';
import { scanSource } from '../../../scripts/catalog/c-scan';
import { scanMakefiles, type LinkedObject } from '../../../scripts/catalog/makefiles';
import { requireSystem, arm64Root, kernelSourceDir } from '../../support/system';
import { catalog, debianConfig } from './support';

requireSystem('linux-source-6.1', 'kernel-arm64');

const modulesDir = (): string => {
  const base = join(arm64Root, 'lib', 'modules');
  return join(base, readdirSync(base).find((n) => existsSync(join(base, n, 'modules.builtin')))!);
};

describe('catalog generator on the kernel source', () => {
  it('reads an AMBA driver: name, amba_id table, registration macro', () => {
    const src = readFileSync(join(kernelSourceDir, 'drivers/gpio/gpio-pl061.c'), 'latin1');
    const r = scanSource(src, () => undefined, 'gpio_pl061');
    expect(r.drivers).toEqual([expect.objectContaining({ name: 'pl061_gpio', bus: 'amba', level: 'device', initcall: 'pl061_gpio_driver_init', amba: [[0x00041061, 0x000fffff]] })]);
  });

  it('reads a platform driver registered with module_driver() and its of_match_table', () => {
    const src = readFileSync(join(kernelSourceDir, 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c'), 'latin1');
    const r = scanSource(src, () => undefined, 'arm_smmu_v3');
    expect(r.drivers).toEqual([expect.objectContaining({ name: 'arm-smmu-v3', bus: 'platform', initcall: 'arm_smmu_driver_init', compatible: ['arm,smmu-v3'] })]);
  });

  it('reads explicit initcall levels and early OF_DECLAREs', () => {
    const pl011 = scanSource(readFileSync(join(kernelSourceDir, 'drivers/tty/serial/amba-pl011.c'), 'latin1'), () => undefined, 'amba_pl011');
    expect(pl011.drivers.find((d) => d.name === 'uart-pl011')).toMatchObject({ level: 'arch', initcall: 'pl011_init' });
    const gic = scanSource(readFileSync(join(kernelSourceDir, 'drivers/irqchip/irq-gic.c'), 'latin1'), () => undefined, 'irq_gic');
    expect(gic.declares).toContainEqual({ kind: 'irqchip', compatible: 'arm,cortex-a15-gic' });
  });

  it('follows Makefile composites and variable indirections to the C files', () => {
    const out: LinkedObject[] = [];
    scanMakefiles(kernelSourceDir, 'drivers/iommu', [], out);
    expect(out).toContainEqual({ file: 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c', module: 'arm_smmu_v3', gates: ['ARM_SMMU_V3'] });
  });

  it('the shipped catalog matches a fresh scan of drivers/gpio', () => {
    const out: LinkedObject[] = [];
    scanMakefiles(kernelSourceDir, 'drivers/gpio', ['GPIOLIB'], out);
    let checked = 0;
    for (const obj of out) {
      const path = join(kernelSourceDir, obj.file);
      if (!existsSync(path)) continue;
      for (const d of scanSource(readFileSync(path, 'latin1'), () => undefined, obj.module).drivers) {
        const shipped = catalog.drivers.find((x) => x.file === obj.file && x.name === d.name);
        expect(shipped, `${obj.file} ${d.name}`).toBeDefined();
        expect(shipped!.compatible).toEqual(d.compatible);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});

describe('shipped 6.1 catalog against Debian\'s build', () => {
  it('orders built-in drivers exactly as modules.builtin (link order) does', () => {
    const lines = readFileSync(join(modulesDir(), 'modules.builtin'), 'utf8').split('\n').filter((l) => l.startsWith('kernel/drivers/'));
    const seq: number[] = [];
    for (const l of lines) {
      const path = l.slice('kernel/'.length).replace(/\.ko$/, '');
      const dir = path.slice(0, path.lastIndexOf('/'));
      const mod = path.slice(path.lastIndexOf('/') + 1).replace(/-/g, '_');
      const ds = catalog.drivers.filter((d) => d.module === mod && d.file.startsWith(dir + '/') && availabilityFromConfig(d.kconfig, debianConfig) === 'builtin');
      if (ds.length) seq.push(Math.min(...ds.map((d) => d.order)));
    }
    let inversions = 0;
    for (let i = 1; i < seq.length; i++) if (seq[i]! < seq[i - 1]!) inversions++;
    expect(seq.length).toBeGreaterThan(150);
    expect(inversions).toBe(0);
  });

  it('says "module" only for drivers Debian ships as a .ko', () => {
    const order = readFileSync(join(modulesDir(), 'modules.order'), 'utf8').split('\n').filter(Boolean);
    const mods = new Set(order.map((p) => p.slice(p.lastIndexOf('/') + 1).replace(/\.ko$/, '').replace(/-/g, '_')));
    const modular = catalog.drivers.filter((d) => availabilityFromConfig(d.kconfig, debianConfig) === 'module');
    const found = modular.filter((d) => mods.has(d.module));
    expect(modular.length).toBeGreaterThan(500);
    expect(found.length / modular.length).toBeGreaterThan(0.99);
  });

  it('parses .config values, "is not set" lines and missing symbols', () => {
    const c = parseKernelConfig('CONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_D="x"\n');
    expect([c.get('A'), c.get('B'), c.get('C'), c.get('D'), c.get('E')]).toEqual(['y', 'm', 'n', 'y', 'n']);
    expect(availabilityFromConfig(['A', 'B'], c)).toBe('module');
    expect(availabilityFromConfig(['A', 'C'], c)).toBe('absent');
    expect(availabilityFromConfig(['A'], null)).toBe('builtin');
  });
});
