// The driver catalog against the real kernel: the generator reads Debian's linux-source-6.1/-6.12, and each
// shipped catalog's link order and module split are checked against what Debian's builds produced
// (lib/modules/*/modules.builtin is written in link order; modules.order lists every .ko), per package.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { availabilityFromConfig, decodeCatalog, parseKernelConfig, type DriverCatalog } from '../../../engine/probe/index';
import { scanSource } from '../../../scripts/catalog/c-scan';
import { scanMakefiles, type LinkedObject } from '../../../scripts/catalog/makefiles';
import { requireSystem, kernelConfig, kernelRoot, kernelSource, kernelSourceDir, type DebianKernel } from '../../../scripts/lib/system';
import { catalog, debianConfig } from '../../support/probe';

requireSystem('linux-source-6.1', 'linux-source-6.12', 'kernel-arm64', 'kernel-arm64-6.12', 'kernel-armhf');

/** lib/modules/<release>/ of one unpacked Debian kernel package. */
const modulesDirOf = (k: DebianKernel): string => {
  const base = join(kernelRoot(k), 'lib', 'modules');
  return join(base, readdirSync(base).find((n) => existsSync(join(base, n, 'modules.builtin')))!);
};
const modulesDir = (): string => modulesDirOf('arm64-6.1');

describe('catalog generator on the kernel source', () => {
  it('reads an AMBA driver: name, amba_id table, registration macro', () => {
    const src = readFileSync(join(kernelSourceDir, 'drivers/gpio/gpio-pl061.c'), 'latin1');
    const r = scanSource(src, () => undefined, 'gpio_pl061');
    expect(r.drivers).toEqual([expect.objectContaining({ name: 'pl061_gpio', bus: 'amba', level: 'device', initcall: 'pl061_gpio_driver_init', amba: [[0x00041061, 0x000fffff]] })]);
  });

  it("reads the AMBA stub driver in both registration forms (6.1 amba_driver_register, 6.12 __amba_driver_register)", () => {
    for (const version of ['6.1', '6.12'] as const) {
      const src = readFileSync(join(kernelSource(version), 'drivers/amba/bus.c'), 'latin1');
      const r = scanSource(src, () => undefined, 'bus');
      expect(r.drivers, version).toContainEqual(expect.objectContaining({ name: 'amba-proxy', bus: 'amba', level: 'late_sync', initcall: 'amba_stub_drv_init', amba: [] }));
    }
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

/** The shipped catalog of one kernel version (resources/kernel/<v>/drivers.json). */
function shippedCatalog(version: '6.1' | '6.12'): DriverCatalog {
  return decodeCatalog(JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'resources', 'kernel', version, 'drivers.json'), 'utf8')));
}

const PACKAGES: { kernel: DebianKernel; version: '6.1' | '6.12'; arch: string }[] = [
  { kernel: 'arm64-6.1', version: '6.1', arch: 'arm64' },
  { kernel: 'arm64-6.12', version: '6.12', arch: 'arm64' },
  { kernel: 'armhf-6.1', version: '6.1', arch: 'arm' },
];

describe.each(PACKAGES)('shipped $version catalog against Debian\'s $kernel build', ({ kernel, version, arch }) => {
  const shipped = shippedCatalog(version);
  const config = parseKernelConfig(readFileSync(kernelConfig(kernel), 'utf8'));

  it('orders built-in drivers exactly as modules.builtin (link order) does, arch/ and drivers/ alike', () => {
    const lines = readFileSync(join(modulesDirOf(kernel), 'modules.builtin'), 'utf8').split('\n').filter((l) => l.startsWith('kernel/'));
    const seq: number[] = [];
    for (const l of lines) {
      const path = l.slice('kernel/'.length).replace(/\.ko$/, '');
      const dir = path.slice(0, path.lastIndexOf('/'));
      const mod = path.slice(path.lastIndexOf('/') + 1).replace(/-/g, '_');
      const ds = shipped.drivers.filter((d) => d.module === mod && d.file.startsWith(dir + '/') && availabilityFromConfig(d.kconfig, config) === 'builtin');
      if (!ds.length) continue;
      seq.push(Math.min(...ds.map((d) => d.order)));
    }
    let inversions = 0;
    for (let i = 1; i < seq.length; i++) if (seq[i]! < seq[i - 1]!) inversions++;
    expect(seq.length).toBeGreaterThan(150);
    expect(inversions).toBe(0);
    // the other architecture's drivers never survive this .config
    const other = shipped.drivers.filter((d) => d.file.startsWith('arch/') && !d.file.startsWith(`arch/${arch}/`));
    expect(other.length).toBeGreaterThan(0);
    expect(other.filter((d) => availabilityFromConfig(d.kconfig, config) !== 'absent')).toEqual([]);
  });

  it('carries the arch drivers this kernel built in', () => {
    const builtin = (compat: string): string[] =>
      shipped.drivers.filter((d) => d.compatible.includes(compat) && availabilityFromConfig(d.kconfig, config) === 'builtin').map((d) => d.name);
    if (arch === 'arm') {
      // arch/arm/kernel/perf_event_v7.c, arch/arm/mach-imx/mmdc.c and src.c
      expect(builtin('arm,cortex-a9-pmu')).toEqual(['armv7-pmu']);
      expect(builtin('fsl,imx6q-mmdc')).toEqual(['imx-mmdc']);
      expect(builtin('fsl,imx51-src')).toEqual(['imx-src']);
    } else {
      expect(builtin('arm,armv8-pmuv3')).toEqual(['armv8-pmu']);
      expect(builtin('fsl,imx6q-mmdc')).toEqual([]);
    }
  });

  it('registers the amba-proxy stub at late_initcall_sync, so amba_match() runs without any AMBA driver', () => {
    expect(shipped.drivers.filter((d) => d.initcall === 'amba_stub_drv_init')).toEqual([expect.objectContaining({ name: 'amba-proxy', bus: 'amba', level: 'late_sync', amba: [] })]);
  });

  it('lists the *_OF_DECLARE initialisers of every kind', () => {
    const kinds = new Set(shipped.declares.map((d) => d.kind));
    for (const k of ['clk', 'clk-driver', 'irqchip', 'timer', 'reserved-mem']) expect(kinds, k).toContain(k);
    // arm's twd timer (arch/arm/kernel/smp_twd.c) and the GIC (drivers/irqchip/irq-gic.c)
    expect(shipped.declares.filter((d) => d.compatible === 'arm,cortex-a9-twd-timer').map((d) => d.file)).toContain('arch/arm/kernel/smp_twd.c');
    expect(shipped.declares.find((d) => d.compatible === 'arm,cortex-a9-gic')?.kind).toBe('irqchip');
  });
});

describe('shipped 6.1 catalog against Debian\'s arm64 build', () => {
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
    // CRLF lines keep no CR in a value; a later line for a symbol wins; only a line that starts with
    // CONFIG_ sets one; the file may end without a newline.
    const crlf = parseKernelConfig('CONFIG_A=m\r\nCONFIG_S="a b"\r\n  CONFIG_I=y\r\nCONFIG_A=y\r\n# CONFIG_B is not set\r\nCONFIG_L=y');
    expect([...crlf.values]).toEqual([['A', 'y'], ['S', '"a b"'], ['L', 'y']]);
    expect([crlf.get('A'), crlf.get('B'), crlf.get('I'), crlf.get('L')]).toEqual(['y', 'n', 'n', 'y']);
  });
});
