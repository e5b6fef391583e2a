// A CLK_OF_DECLARE_DRIVER node (drivers/rtc/rtc-sun6i.c: sun8i-h3-rtc) registers its clocks in of_clk_init()
// before any device exists, and still becomes a device its platform driver binds later. A consumer's
// clk_get() finds those clocks at once: the sun8i-h3 CCU that takes the RTC's 32k clock binds without
// deferring, long before the RTC device itself binds (as the orangepi-pc boot shows).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseKernelConfig } from '../../../engine/probe/index';
import { kernelConfig, requireSystem } from '../../../scripts/lib/system';
import { compileDts, run } from '../../support/probe';

requireSystem('dtc', 'kernel-armhf');

describe('clocks of a CLK_OF_DECLARE_DRIVER provider are there before its device binds', () => {
  const config = parseKernelConfig(readFileSync(kernelConfig('armhf-6.1'), 'utf8'));
  const board = `/dts-v1/;
    / { #address-cells = <1>; #size-cells = <1>; compatible = "vendor,board";
      osc24M: osc24M { compatible = "fixed-clock"; #clock-cells = <0>; clock-frequency = <24000000>; };
      soc { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges;
        ccu: clock@1c20000 { compatible = "allwinner,sun8i-h3-ccu"; reg = <0x1c20000 0x400>; clocks = <&osc24M>, <&rtc 0>; clock-names = "hosc", "losc"; #clock-cells = <1>; #reset-cells = <1>; };
        rtc: rtc@1f00000 { compatible = "allwinner,sun8i-h3-rtc"; reg = <0x1f00000 0x400>; clock-output-names = "osc32k", "osc32k-out"; clocks = <&osc24M>; #clock-cells = <1>; };
      };
    };`;

  it('the CCU binds at its first try, before the RTC device', () => {
    const r = run(compileDts(board), { kernel: '6.1', config });
    const ccu = r.device('1c20000.clock');
    const rtc = r.device('1f00000.rtc');
    expect(ccu).toMatchObject({ state: 'bound', driver: 'sun8i-h3-ccu', deferrals: 0 });
    expect(rtc.state).toBe('bound');
    expect(ccu.bindIndex!).toBeLessThan(rtc.bindIndex!);
  });
});
