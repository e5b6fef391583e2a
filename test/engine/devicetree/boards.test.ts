// Real kernel boards: our whole pipeline (engine preprocessor + compiler) against `cpp | dtc` run the
// way Kbuild runs it, against Debian's shipped DTBs (-@ boards and fdtoverlay composites included), and
// `-O dts` text against dtc's. The whole corpus runs in test/corpus; this is a cross-vendor sample.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasErrors } from '../../../engine/common';
import { applyOverlay, createPreprocessCache, loadDeviceTree, printDts, readDtb, writeDtb, type LoadOptions } from '../../../engine/devicetree';
import { requireSystem, debianDtbDir, kernelSourceDir } from '../../../scripts/lib/system';
import { dtc, fixtures, kbuildCpp, readFileOrUndefined } from '../../support/dtc';

requireSystem('dtc', 'fdtoverlay', 'linux-source-6.1', 'kernel-arm64');

const dts = join(kernelSourceDir, 'arch', 'arm64', 'boot', 'dts');
const prefixes = join(kernelSourceDir, 'scripts', 'dtc', 'include-prefixes');
const cache = createPreprocessCache();
const options = (vendor: string, extra: Partial<LoadOptions> = {}): LoadOptions => ({ includeDirs: [join(dts, vendor), prefixes], readFile: readFileOrUndefined, bootCpuid: 0, cache, ...extra });

const SAMPLE: [string, string, boolean][] = [
  ['arm', 'juno-r2', false],
  ['qcom', 'sdm845-db845c', false],
  ['rockchip', 'rk3399-gru-kevin', false],
  ['rockchip', 'rk3399-gru-scarlet-inx', false],
  ['nvidia', 'tegra210-p3450-0000', true],
  ['freescale', 'imx8mq-evk', false],
  ['amlogic', 'meson-g12b-odroid-n2', false],
  ['allwinner', 'sun50i-a64-pine64-plus', false],
  ['nvidia', 'tegra210-p2371-2180', true],
  ['ti', 'k3-j721e-common-proc-board', false],
  ['renesas', 'r8a774a1-hihope-rzg2m-ex', false],
  ['amd', 'amd-overdrive-rev-b1', false],
  ['xilinx', 'zynqmp-zcu102-rev1.0', false],
];

describe('kernel boards against cpp | dtc and Debian', () => {
  for (const [vendor, board, symbols] of SAMPLE) {
    it(`${vendor}/${board}${symbols ? ' (-@)' : ''}: same DTB as cpp | dtc, and as Debian ships`, () => {
      const file = join(dts, vendor, `${board}.dts`);
      const r = loadDeviceTree(file, options(vendor, { symbols }));
      expect(hasErrors(r.diagnostics)).toBe(false);
      const mine = Buffer.from(writeDtb(r.value));
      const pp = kbuildCpp(file, [join(dts, vendor), prefixes]);
      const ref = dtc(['-q', '-I', 'dts', '-O', 'dtb', '-b', '0', '-i', join(dts, vendor), ...(symbols ? ['-@'] : []), '-'], pp);
      expect(mine.equals(ref.out)).toBe(true);
      const debian = readFileSync(join(debianDtbDir(), vendor, `${board}.dtb`));
      expect(mine.equals(debian)).toBe(true);
    });
  }

  it('DTS text equals dtc -O dts, from source and from the blob', () => {
    const vendor = 'qcom';
    const file = join(dts, vendor, 'sdm845-db845c.dts');
    const r = loadDeviceTree(file, options(vendor));
    const pp = kbuildCpp(file, [join(dts, vendor), prefixes]);
    expect(printDts(r.value)).toBe(dtc(['-q', '-I', 'dts', '-O', 'dts', '-'], pp).out.toString());
    const blob = writeDtb(r.value);
    expect(printDts(readDtb(blob).value)).toBe(dtc(['-q', '-I', 'dtb', '-O', 'dts', '-'], blob).out.toString());
  });

  for (const [vendor, out, base, overlay] of [
    ['freescale', 'fsl-ls1028a-qds-13bb', 'fsl-ls1028a-qds', 'fsl-ls1028a-qds-13bb'],
    ['freescale', 'imx8mm-venice-gw73xx-0x-rs485', 'imx8mm-venice-gw73xx-0x', 'imx8mm-venice-gw73xx-0x-rs485'],
    ['xilinx', 'smk-k26-revA-sm-k26-revA-sck-kv-g-revB', 'zynqmp-smk-k26-revA', 'zynqmp-sck-kv-g-revB'],
  ] as const) {
    it(`${vendor}/${out}: base -@ + overlay gives Debian's fdtoverlay bytes (and the real fdtoverlay's)`, () => {
      const b = loadDeviceTree(join(dts, vendor, `${base}.dts`), options(vendor, { symbols: true }));
      const o = loadDeviceTree(join(dts, vendor, `${overlay}.dts`), options(vendor));
      expect(hasErrors(b.diagnostics) || hasErrors(o.diagnostics)).toBe(false);
      const r = applyOverlay(b.value, o.value);
      expect(r.diagnostics).toEqual([]);
      const mine = Buffer.from(writeDtb(r.value));
      expect(mine.equals(readFileSync(join(debianDtbDir(), vendor, `${out}.dtb`)))).toBe(true);
      // The same through the front door: loadDeviceTree(base, { overlays }).
      const front = loadDeviceTree(join(dts, vendor, `${base}.dts`), options(vendor, { symbols: true, overlays: [join(dts, vendor, `${overlay}.dts`)] }));
      expect(Buffer.from(writeDtb(front.value)).equals(mine)).toBe(true);
    });
  }

  it('applyOverlay matches the real fdtoverlay on a small base and plugin', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'overlay-'));
    writeFileSync(join(tmp, 'base.dts'), '/dts-v1/;\n/ {\n\tsoc { bus@0 { compatible = "simple-bus"; status = "disabled"; old = "a long value that shrinks"; }; };\n\tgpio: gpio@100 { #gpio-cells = <2>; };\n\ti2c1: i2c@200 { status = "disabled"; existing { a; }; };\n\tuart0: serial@300 { };\n};\n');
    dtc(['-q', '-@', '-I', 'dts', '-O', 'dtb', '-o', join(tmp, 'base.dtb'), join(tmp, 'base.dts')]);
    for (const symbols of [false, true]) {
      dtc(['-q', ...(symbols ? ['-@'] : []), '-I', 'dts', '-O', 'dtb', '-o', join(tmp, 'ov.dtbo'), join(fixtures, 'lang-plugin.dts')]);
      execFileSync('fdtoverlay', ['-i', join(tmp, 'base.dtb'), '-o', join(tmp, 'out.dtb'), join(tmp, 'ov.dtbo')]);
      const r = applyOverlay(readDtb(new Uint8Array(readFileSync(join(tmp, 'base.dtb')))).value, readDtb(new Uint8Array(readFileSync(join(tmp, 'ov.dtbo')))).value);
      expect(r.diagnostics).toEqual([]);
      expect(Buffer.from(writeDtb(r.value)).equals(readFileSync(join(tmp, 'out.dtb')))).toBe(true);
    }
  });
});
