// A child of a `simple-mfd` waits for its parent's driver only when its probe asks that driver for data
// (dev_get_regmap(dev->parent), of_get_parent() → rpi_firmware_get()). The AST2600 pin controller takes its
// SCU parent as a syscon (drivers/pinctrl/aspeed/pinctrl-aspeed.c aspeed_pinctrl_probe →
// syscon_node_to_regmap(), which drivers/mfd/syscon.c serves from the node, driver or not) and binds at once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKernelConfig } from '../../../engine/probe/index';
import { scanSource } from '../../../scripts/catalog/c-scan';
import { kernelConfig, kernelSource, requireSystem } from '../../../scripts/lib/system';
import { compileDts, run } from '../../support/probe';

requireSystem('dtc', 'linux-source-6.1', 'kernel-armhf');

describe('children of a simple-mfd with its own driver', () => {
  it('the catalog finds no parent-driver lookup in aspeed_g6_pinctrl_probe, and one in the RPi firmware GPIO probe', () => {
    const lookups = (f: string) => scanSource(readFileSync(join(kernelSource('6.1'), f), 'latin1'), () => undefined, 'x').drivers[0]!.lookups;
    expect(lookups('drivers/pinctrl/aspeed/pinctrl-aspeed-g6.c').some((l) => l.kind === 'parent')).toBe(false);
    expect(lookups('drivers/gpio/gpio-raspberrypi-exp.c').some((l) => l.kind === 'parent')).toBe(true);
  });

  it('a pin controller that takes the SCU as a syscon binds before the SCU driver, without deferring', () => {
    const config = parseKernelConfig(readFileSync(kernelConfig('armhf-6.1'), 'utf8'));
    const r = run(compileDts(`/dts-v1/;
      / { #address-cells = <1>; #size-cells = <1>; compatible = "vendor,board";
        apb { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges;
          syscon@1e6e2000 { compatible = "aspeed,ast2600-scu", "syscon", "simple-mfd"; reg = <0x1e6e2000 0x1000>; #clock-cells = <1>; #reset-cells = <1>;
            #address-cells = <1>; #size-cells = <1>; ranges = <0 0x1e6e2000 0x1000>;
            pinctrl { compatible = "aspeed,ast2600-pinctrl"; };
          };
        };
      };`), { kernel: '6.1', config });
    expect(r.device('1e6e2000.syscon:pinctrl')).toMatchObject({ state: 'bound', deferrals: 0 });
  });
});
