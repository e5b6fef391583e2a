// Devices a driver's probe creates by hand for child nodes (drivers/soc/imx/gpc.c imx_gpc_probe:
// platform_device_alloc("imx-pgc-power-domain", reg) per `pgc` child), bound through the id_table of
// imx-pgc-pd; and the GPC node itself, whose IRQCHIP_DECLARE init clears OF_POPULATED again
// (arch/arm/mach-imx/gpc.c imx_gpc_init) so the default populate still makes it a device.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKernelConfig } from '../../../engine/probe/index';
import { scanSource } from '../../../scripts/catalog/c-scan';
import { kernelConfig, kernelSource, requireSystem } from '../../../scripts/lib/system';
import { compileDts, run } from '../../support/probe';

requireSystem('dtc', 'linux-source-6.1', 'kernel-armhf');

const scan = (file: string) => scanSource(readFileSync(join(kernelSource('6.1'), file), 'latin1'), () => undefined, 'x');

describe('catalog: hand-made child devices and IRQCHIP_DECLAREs that stay devices', () => {
  it('reads imx_gpc_probe: one imx-pgc-power-domain.<reg> per pgc child, with a fwnode', () => {
    const drivers = scan('drivers/soc/imx/gpc.c');
    expect(drivers.drivers.find((d) => d.name === 'imx-gpc')!.children).toEqual([{ under: 'pgc', name: 'imx-pgc-power-domain', id: 'reg', fwnode: true, availableOnly: false }]);
    expect(drivers.drivers.find((d) => d.name === 'imx-pgc-pd')!.platformIds).toEqual(['imx-pgc-power-domain']);
  });

  it('reads imx_gpcv2_probe: available children only, of_node without fwnode', () => {
    const gpcv2 = scan('drivers/soc/imx/gpcv2.c').drivers.find((d) => d.name === 'imx-gpcv2')!;
    expect(gpcv2.children).toEqual([{ under: 'pgc', name: 'imx-pgc-domain', id: 'reg', fwnode: false, availableOnly: true }]);
  });

  it('an IRQCHIP_DECLARE init that clears OF_POPULATED is an irqchip-driver; the GIC stays a plain irqchip', () => {
    expect(scan('arch/arm/mach-imx/gpc.c').declares).toContainEqual({ kind: 'irqchip-driver', compatible: 'fsl,imx6q-gpc' });
    expect(scan('drivers/irqchip/irq-gic.c').declares).toContainEqual({ kind: 'irqchip', compatible: 'arm,cortex-a9-gic' });
  });
});

describe('the GPC and its power domains on Debian armmp 6.1', () => {
  const config = parseKernelConfig(readFileSync(kernelConfig('armhf-6.1'), 'utf8'));
  const board = `/dts-v1/;
    / { #address-cells = <1>; #size-cells = <1>; compatible = "vendor,board";
      intc: interrupt-controller@a01000 { compatible = "arm,cortex-a9-gic"; #interrupt-cells = <3>; interrupt-controller; reg = <0xa01000 0x1000>, <0xa00100 0x100>; };
      nosupply: supply { compatible = "vendor,no-such-regulator"; };
      soc { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges; interrupt-parent = <&gpc>;
        gpc: gpc@20dc000 { compatible = "fsl,imx6q-gpc"; reg = <0x20dc000 0x4000>; interrupt-controller; #interrupt-cells = <3>;
          interrupts = <0 89 4>; interrupt-parent = <&intc>;
          pgc { #address-cells = <1>; #size-cells = <0>;
            power-domain@0 { reg = <0>; #power-domain-cells = <0>; };
            power-domain@1 { reg = <1>; #power-domain-cells = <0>; power-supply = <&nosupply>; };
          };
        };
        serial@2020000 { compatible = "fsl,imx6q-uart", "fsl,imx21-uart"; reg = <0x2020000 0x4000>; interrupts = <0 26 4>; };
      };
    };`;

  it('creates 20dc000.gpc and one imx-pgc-power-domain.<reg> per pgc child; a domain whose supply never comes waits', () => {
    const r = run(compileDts(board), { kernel: '6.1', config, cmdline: 'deferred_probe_timeout=5' });
    expect(r.device('20dc000.gpc')).toMatchObject({ state: 'bound', driver: 'imx-gpc' });
    expect(r.device('imx-pgc-power-domain.0')).toMatchObject({ state: 'bound', driver: 'imx-pgc-pd' });
    expect(r.device('imx-pgc-power-domain.1').state).toBe('deferred');
    // its interrupt domain is registered by of_irq_init(): the UART whose parent it is does not wait for the device
    expect(r.device('2020000.serial')).toMatchObject({ state: 'bound', deferrals: 0 });
  });
});

describe("gpcv2's power domains: a device given dev.of_node alone registers its node's genpd when it binds", () => {
  const config = parseKernelConfig(readFileSync(kernelConfig('armhf-6.1'), 'utf8'));
  // The pgc-domain.1 supply has no driver, so imx_pgc_domain_probe() never registers power-domain@1's genpd.
  // fw_devlink does not hold the UART for it (the domain device has no fwnode, and the bound gpc purges
  // its absent children), but platform_probe() → dev_pm_domain_attach() still finds no provider: it
  // defers until the timeout, then fails with -ETIMEDOUT (imx7d-mba7's PCIe on Debian armmp 6.1).
  const board = `/dts-v1/;
    / { #address-cells = <1>; #size-cells = <1>; compatible = "vendor,board";
      intc: interrupt-controller@31001000 { compatible = "arm,cortex-a7-gic"; #interrupt-cells = <3>; interrupt-controller; reg = <0x31001000 0x1000>, <0x31002000 0x2000>; };
      nosupply: supply { compatible = "vendor,no-such-regulator"; };
      soc { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges; interrupt-parent = <&intc>;
        gpc@303a0000 { compatible = "fsl,imx7d-gpc"; reg = <0x303a0000 0x1000>; interrupt-controller; #interrupt-cells = <3>;
          interrupts = <0 87 4>;
          pgc { #address-cells = <1>; #size-cells = <0>;
            pd0: power-domain@0 { reg = <0>; #power-domain-cells = <0>; };
            pd1: power-domain@1 { reg = <1>; #power-domain-cells = <0>; power-supply = <&nosupply>; };
          };
        };
        serial@30860000 { compatible = "fsl,imx7d-uart", "fsl,imx6q-uart"; reg = <0x30860000 0x10000>; interrupts = <0 26 4>; power-domains = <&pd0>; };
        serial@30890000 { compatible = "fsl,imx7d-uart", "fsl,imx6q-uart"; reg = <0x30890000 0x10000>; interrupts = <0 27 4>; power-domains = <&pd1>; };
      };
    };`;

  it('binds the consumer of a domain that came up, and fails the one whose domain never did at the timeout', () => {
    const r = run(compileDts(board), { kernel: '6.1', config, cmdline: 'deferred_probe_timeout=5' });
    expect(r.device('303a0000.gpc')).toMatchObject({ state: 'bound', driver: 'imx-gpcv2' });
    expect(r.device('imx-pgc-domain.0').state).toBe('bound');
    expect(r.device('imx-pgc-domain.1').state).toBe('deferred');
    expect(r.device('30860000.serial')).toMatchObject({ state: 'bound', driver: 'imx-uart' });
    expect(r.device('30890000.serial')).toMatchObject({ state: 'failed', error: -110 });
  });
});
