// arm's customize_machine() (arch/arm/kernel/setup.c, arch_initcall) runs the selected machine's
// init_machine; i.MX6Q's (arch/arm/mach-imx/mach-imx6q.c imx6q_init_machine) calls
// of_platform_default_populate(NULL, NULL, NULL), so the devices exist from that arch_initcall on: the MMDC
// driver (postcore) binds at device creation, before the arch_initcall pin controller driver registers.
// And pm_power_off: PSCI v0.2+ takes it at boot (drivers/firmware/psci/psci.c psci_0_2_set_functions), so
// 6.1's syscon-poweroff probe fails ("pm_power_off already claimed", -EBUSY).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKernelConfig } from '../../../engine/probe/index';
import { scanMachines } from '../../../scripts/catalog/machines';
import { stripComments } from '../../../scripts/catalog/c-scan';
import { functionBodies } from '../../../scripts/catalog/probe-lookups';
import { kernelConfig, kernelSource, requireSystem } from '../../../scripts/lib/system';
import { compileDts, run } from '../../support/probe';

requireSystem('dtc', 'linux-source-6.1', 'kernel-armhf');

const config = parseKernelConfig(readFileSync(kernelConfig('armhf-6.1'), 'utf8'));

describe('arm machine descriptors from the source', () => {
  it('i.MX6Q and i.MX6UL populate in init_machine; i.MX7D and sunxi do not', () => {
    const scan = (f: string) => {
      const src = stripComments(readFileSync(join(kernelSource('6.1'), f), 'latin1'));
      return scanMachines(src, functionBodies(src));
    };
    expect(scan('arch/arm/mach-imx/mach-imx6q.c')).toEqual([{ compatible: ['fsl,imx6dl', 'fsl,imx6q', 'fsl,imx6qp'], initMachine: true, populates: true }]);
    expect(scan('arch/arm/mach-imx/mach-imx7d.c')[0]).toMatchObject({ initMachine: true, populates: false });
    expect(scan('arch/arm/mach-sunxi/sunxi.c').every((m) => !m.initMachine && !m.populates)).toBe(true);
  });
});

describe('customize_machine() populates on a machine whose init_machine does', () => {
  const board = (rootCompat: string) => `/dts-v1/;
    / { #address-cells = <1>; #size-cells = <1>; compatible = ${rootCompat};
      soc { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges;
        pinctrl@20e0000 { compatible = "fsl,imx6q-iomuxc"; reg = <0x20e0000 0x4000>; };
        memory-controller@21b0000 { compatible = "fsl,imx6q-mmdc"; reg = <0x21b0000 0x4000>; };
      };
    };`;

  it('i.MX6Q: the MMDC binds at creation, before the pin controller driver registers', () => {
    const r = run(compileDts(board('"vendor,imx6q-board", "fsl,imx6q"')), { kernel: '6.1', config });
    expect(r.device('21b0000.memory-controller').bindIndex!).toBeLessThan(r.device('20e0000.pinctrl').bindIndex!);
  });

  it('no machine that populates in init_machine: the devices come at arch_initcall_sync, in tree order', () => {
    const r = run(compileDts(board('"vendor,other-board"')), { kernel: '6.1', config });
    expect(r.device('20e0000.pinctrl').bindIndex!).toBeLessThan(r.device('21b0000.memory-controller').bindIndex!);
  });
});

describe('pm_power_off taken by PSCI', () => {
  const board = (psci: boolean) => `/dts-v1/;
    / { #address-cells = <1>; #size-cells = <1>; compatible = "vendor,board";
      ${psci ? 'psci { compatible = "arm,psci-0.2"; method = "smc"; };' : ''}
      soc { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges;
        snvs: snvs@20cc000 { compatible = "fsl,sec-v4.0-mon", "syscon", "simple-mfd"; reg = <0x20cc000 0x4000>;
          snvs-poweroff { compatible = "syscon-poweroff"; regmap = <&snvs>; offset = <0x38>; value = <0x60>; mask = <0x60>; };
        };
      };
    };`;

  it('syscon-poweroff fails with -EBUSY when PSCI holds pm_power_off, binds when nothing does', () => {
    expect(run(compileDts(board(true)), { kernel: '6.1', config }).device('20cc000.snvs:snvs-poweroff').state).not.toBe('bound');
    expect(run(compileDts(board(false)), { kernel: '6.1', config }).device('20cc000.snvs:snvs-poweroff').state).toBe('bound');
  });
});
