// A generated board for scale: N PL061 GPIOs (real AMBA primecells with a real 6.1 driver), every
// fourth behind an SMMUv3, plus nodes no driver matches; compiled by dtc. And a boot log in the
// kernel's own dd.c sentences binding them, for streaming through a pty at a chosen baud rate.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BigBoard {
  dtb: string;
  /** Kernel device names, in DT order. */
  devices: string[];
}

export function bigBoard(n: number): BigBoard {
  const dir = mkdtempSync(join(tmpdir(), 'big-board-'));
  const lines = [
    '/dts-v1/;',
    '/ {',
    '  #address-cells = <2>; #size-cells = <2>; compatible = "linux,dummy-virt"; interrupt-parent = <&gic>;',
    '  gic: intc@8000000 { compatible = "arm,cortex-a15-gic"; #interrupt-cells = <3>; interrupt-controller; reg = <0 0x8000000 0 0x10000 0 0x8010000 0 0x10000>; };',
    '  clk: apb-pclk { compatible = "fixed-clock"; #clock-cells = <0>; clock-frequency = <24000000>; };',
    '  smmu: smmuv3@9050000 { compatible = "arm,smmu-v3"; reg = <0 0x9050000 0 0x20000>; #iommu-cells = <1>; interrupts = <0 74 1>; };',
  ];
  const devices: string[] = [];
  // dtc's parser runs out of stack on thousands of sibling nodes: group them 500 to a simple-bus.
  const PER_BUS = 500;
  for (let i = 0; i < n; i++) {
    if (i % PER_BUS === 0) {
      if (i) lines.push('  };');
      const base = (0x10000000 + i * 0x1000).toString(16);
      lines.push(`  bus@${base} { compatible = "simple-bus"; #address-cells = <2>; #size-cells = <2>; ranges; `);
    }
    const addr = 0x10000000 + i * 0x1000;
    const hex = addr.toString(16);
    if (i % 10 === 9) {
      lines.push(`    widget@${hex} { compatible = "acme,widget-${i % 7}"; reg = <0 0x${hex} 0 0x1000>; };`);
      devices.push(`${hex}.widget`);
      continue;
    }
    const iommu = i % 4 === 0 ? ` iommus = <&smmu ${i}>;` : '';
    lines.push(
      `    gpio@${hex} { compatible = "arm,pl061", "arm,primecell"; reg = <0 0x${hex} 0 0x1000>; clocks = <&clk>; clock-names = "apb_pclk"; gpio-controller; #gpio-cells = <2>;${iommu} };`,
    );
    devices.push(`${hex}.gpio`);
  }
  if (n) lines.push('  };');
  lines.push('};');
  const src = join(dir, 'big.dts');
  writeFileSync(src, lines.join('\n'));
  const dtb = join(dir, 'big.dtb');
  const r = spawnSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-o', dtb, src], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dtc: ${r.stderr}`);
  return { dtb, devices };
}

/** The dd.c debug lines of one bind, at kernel time `t`. */
export function bindLines(device: string, driver: string, t: number): string {
  const ts = `[${t.toFixed(6).padStart(12)}]`;
  return (
    `${ts} bus: 'amba': really_probe: probing driver ${driver} with device ${device}\r\n` +
    `${ts} driver: '${driver}': driver_bound: bound to device '${device}'\r\n` +
    `${ts} bus: 'amba': really_probe: bound device ${device} to driver ${driver}\r\n`
  );
}
