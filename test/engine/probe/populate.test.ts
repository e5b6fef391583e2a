// of_platform_populate() and of_device_make_bus_id() as the model runs them: which nodes become devices,
// in which order, and with the names the kernel gives them (checked against names Debian's 6.1 kernel
// printed on the lab boards, and the naming rules of drivers/of/platform.c).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelProfile, populateDevices } from '../../../engine/probe/index';
import { compileDts } from '../../support/probe';
import { requireSystem } from '../../../scripts/lib/system';

requireSystem('dtc');

const names = (src: string, version = '6.1'): string[] => populateDevices(compileDts(src), kernelProfile(version)).map((d) => d.name);

describe('device names (of_device_make_bus_id)', () => {
  it('names the QEMU virt devices as the real kernel did', () => {
    const src = readFileSync(join(__dirname, '..', '..', 'lab', 'boards', 'virt-smmuv3.dts'), 'utf8');
    const devs = names(src);
    for (const n of ['9000000.pl011', '9030000.pl061', '4010000000.pcie', '9050000.smmuv3', 'a003e00.virtio_mmio', 'platform-bus@c000000', 'psci', 'pmu', 'timer', '0.flash', 'gpio-keys']) expect(devs).toContain(n);
  });

  it('uses parent names for nodes without a translatable reg, and the translated address otherwise', () => {
    const devs = names(`/dts-v1/;
/ { #address-cells = <1>; #size-cells = <1>;
  soc { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges = <0 0x10000000 0x1000000>;
    foo { compatible = "vendor,foo"; };
    uart@2000 { compatible = "vendor,uart"; reg = <0x2000 0x100>; };
    mask@3000 { compatible = "vendor,mask"; reg = <0x3000 0x4>; mask = <0x10>; };
    bus@4000 { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; reg = <0x4000 0x100>;
      child@8 { compatible = "vendor,child"; reg = <0x8 0x4>; };
    };
  };
};`);
    expect(devs).toEqual(['soc', 'soc:foo', '10002000.uart', '10003000.4.mask', '10004000.bus', '10004000.bus:child@8']);
  });

  it('has no mask variant before v5.15', () => {
    const devs = names(`/dts-v1/; / { #address-cells = <1>; #size-cells = <1>; m@3000 { compatible = "v,m"; reg = <0x3000 4>; mask = <0x10>; }; };`, '5.10');
    expect(devs).toEqual(['3000.m']);
  });

  it('prints 64-bit addresses in lower-case hex without leading zeros', () => {
    expect(names(`/dts-v1/; / { #address-cells = <2>; #size-cells = <2>; pcie@10000000 { compatible = "pci-host-ecam-generic"; reg = <0x40 0x10000000 0 0x10000000>; }; };`)).toEqual(['4010000000.pcie']);
  });
});

describe('which nodes become devices (of_platform_bus_create)', () => {
  const src = `/dts-v1/;
/ { #address-cells = <1>; #size-cells = <1>;
  nocompat { reg = <0x100 4>; };
  opp { compatible = "operating-points-v2"; };
  off@200 { compatible = "simple-bus"; status = "disabled"; #address-cells = <1>; #size-cells = <1>; ranges;
    hidden@210 { compatible = "v,hidden"; reg = <0x210 4>; };
  };
  dev@300 { compatible = "v,dev"; reg = <0x300 4>; #address-cells = <1>; #size-cells = <1>;
    notabus@310 { compatible = "v,sub"; reg = <0x310 4>; };
  };
  amba { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges;
    serial@400 { compatible = "arm,pl011", "arm,primecell"; reg = <0x400 0x1000>;
      sub { compatible = "v,never"; };
    };
  };
  firmware { scmi { compatible = "arm,scmi"; }; };
  reserved-memory { #address-cells = <1>; #size-cells = <1>; ranges;
    ramoops@1000000 { compatible = "ramoops"; reg = <0x1000000 0x100000>; };
    other@2000000 { compatible = "shared-dma-pool"; reg = <0x2000000 0x100000>; };
  };
};`;
  it('skips nodes without compatible, operating-points-v2, disabled subtrees and children of non-bus devices; AMBA does not recurse', () => {
    const devs = populateDevices(compileDts(src), kernelProfile('6.1'));
    expect(devs.map((d) => d.name)).toEqual(['1000000.ramoops', 'firmware:scmi', '300.dev', 'amba', '400.serial']);
    expect(devs.find((d) => d.name === '400.serial')!.bus).toBe('amba');
    expect(devs.find((d) => d.name === '400.serial')!.periphid).toBe(0x00041011);
  });
});

describe('AMBA cells without an ID in the tree', () => {
  it('match the AMBA driver named like the compatible\'s model (CoreSight, MHU)', async () => {
    const { run, compileDts: compile } = await import('../../support/probe');
    const r = run(compile(`/dts-v1/;
/ { #address-cells = <1>; #size-cells = <1>;
  pclk: apb-pclk { compatible = "fixed-clock"; #clock-cells = <0>; clock-frequency = <24000000>; };
  funnel@20040000 { compatible = "arm,coresight-dynamic-funnel", "arm,primecell"; reg = <0x20040000 0x1000>; clocks = <&pclk>; clock-names = "apb_pclk"; };
  mmc@1c050000 { compatible = "arm,pl18x", "arm,primecell"; reg = <0x1c050000 0x1000>; clocks = <&pclk>; clock-names = "apb_pclk"; };
};`), { config: null });
    expect(r.device('20040000.funnel')).toMatchObject({ state: 'bound', driver: 'coresight-dynamic-funnel' });
    expect(r.device('1c050000.mmc')).toMatchObject({ state: 'bound', driver: 'mmci-pl18x' });
  });
});
