// The order of the initcalls one object file defines at one level (engine/probe/initcalls.ts): on a GCC
// build without PREL32 relocations (arm, armmp) the entries are static variables, which GCC emits
// last-defined first, so do_initcall_level() runs them in reverse source order; with PREL32 (arm64) they
// are top-level asm, emitted and run in source order (include/linux/init.h ____define_initcall()).
// drivers/soc/imx/gpc.c shows it: imx_pgc_power_domain_driver is defined above imx_gpc_driver, both
// builtin_platform_driver().
import { describe, expect, it } from 'vitest';
import { parseKernelConfig } from '../../../engine/probe/index';
import { initcallsReversedInFile, linkOrderCompare } from '../../../engine/probe/initcalls';
import { compileDts, debianConfigText, run } from '../../support/probe';

/** Debian's arm64 .config with the i.MX GPC built in, with or without PREL32 relocations. */
const withGpc = debianConfigText.replace(/$/, '\nCONFIG_HAVE_IMX_GPC=y\n');
const prel32 = parseKernelConfig(withGpc);
const noPrel32 = parseKernelConfig(withGpc.replace(/^CONFIG_HAVE_ARCH_PREL32_RELOCATIONS=y$/m, '# CONFIG_HAVE_ARCH_PREL32_RELOCATIONS is not set'));

const board = `/dts-v1/;
/ { #address-cells = <1>; #size-cells = <1>;
  ipg: ipg-clk { compatible = "fixed-clock"; #clock-cells = <0>; clock-frequency = <66000000>; };
  gpc@20dc000 { compatible = "fsl,imx6q-gpc"; reg = <0x20dc000 0x4000>; clocks = <&ipg>; clock-names = "ipg";
    pgc { #address-cells = <1>; #size-cells = <0>;
      power-domain@0 { reg = <0>; #power-domain-cells = <0>; };
    };
  };
};`;

const bindOrder = (config: typeof prel32): string[] =>
  run(compileDts(board), { config })
    .prediction.devices.filter((d) => d.bindIndex !== null)
    .sort((a, b) => a.bindIndex! - b.bindIndex!)
    .map((d) => d.name);

describe('initcalls of one file at one level (init.h ____define_initcall, GCC emission order)', () => {
  it('runs them in reverse on a GCC build without PREL32 relocations: the child driver registers after the parent probed', () => {
    expect(initcallsReversedInFile(noPrel32)).toBe(true);
    const order = bindOrder(noPrel32);
    // imx_gpc_probe() adds imx-pgc-power-domain.0 before imx-pgc-pd is registered; the driver's
    // registration binds it afterwards (driver_attach), so the parent's driver_bound comes first
    expect(order.indexOf('20dc000.gpc')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('20dc000.gpc')).toBeLessThan(order.indexOf('imx-pgc-power-domain.0'));
  });

  it('runs them in source order with PREL32 relocations: the child binds inside the parent probe, before the parent', () => {
    expect(initcallsReversedInFile(prel32)).toBe(false);
    const order = bindOrder(prel32);
    expect(order.indexOf('imx-pgc-power-domain.0')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('imx-pgc-power-domain.0')).toBeLessThan(order.indexOf('20dc000.gpc'));
  });

  it('keeps source order without a .config (compiler unknown) and the call order of drivers one init function registers', () => {
    expect(initcallsReversedInFile(null)).toBe(false);
    // file 7: initcalls 1 and 2; initcall 2 registers two drivers (ranks 0 and 1)
    const sorted = [7100, 7200, 7201, 8100].sort((a, b) => linkOrderCompare(a, b, true));
    expect(sorted).toEqual([7200, 7201, 7100, 8100]);
    expect([7200, 7100, 8100].sort((a, b) => linkOrderCompare(a, b, false))).toEqual([7100, 7200, 8100]);
  });
});
