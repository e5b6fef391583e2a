// `npm run bench`: probe-model prediction time on the largest arm64 board Debian ships (by DTB size,
// the most devices) with Debian's .config and the shipped 6.1 catalog, and on generated trees of
// 1,000..10,000 devices (SoC buses of real compatibles, clocks, resets, IOMMU masters) to show growth;
// then the renderer worker's pattern: one decoded catalog, a 10,000-device DTB, what-if options changing
// between calls, the .config text parsed per call, with and without a .config (without one every driver
// is built in and nearly every device binds: the worker's case for a board opened without its config).
// Goal: under 20 ms for the largest real board, linear growth.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { readDtb, writeDtb, type DtTree } from '../engine/devicetree/index';
import { decodeCatalog, parseKernelConfig, predict, type PredictOptions } from '../engine/probe/index';
import { debianDtbDir, kernelConfig } from '../scripts/lib/system';

const root = join(import.meta.dirname ?? __dirname, '..');
const catalog = decodeCatalog(JSON.parse(readFileSync(join(root, 'resources', 'kernel', '6.1', 'drivers.json'), 'utf8')));
const config = parseKernelConfig(readFileSync(kernelConfig(), 'utf8'));
const base: PredictOptions = { catalog, config, kernel: '6.1' };

function largestBoard(): { path: string; bytes: number } {
  let best = { path: '', bytes: 0 };
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (name.endsWith('.dtb') && st.size > best.bytes) best = { path: p, bytes: st.size };
    }
  };
  walk(debianDtbDir());
  return best;
}

function timeIt(tree: DtTree, opts: PredictOptions, runs: number): { median: number; min: number; devices: number; events: number } {
  let devices = 0;
  let events = 0;
  const times: number[] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < runs; i++) {
    gc?.(); // collect between runs so one run's garbage is not billed to the next (npm run bench passes --expose-gc)
    const t0 = performance.now();
    const r = predict(tree, opts);
    times.push(performance.now() - t0);
    devices = r.value.devices.length;
    events = r.value.events.length;
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, min: times[0]!, devices, events };
}

// Real compatibles from the catalog, so generated devices match real drivers (built-in, module, absent).
const compatPool = catalog.drivers.filter((d) => d.bus === 'platform' && d.compatible.length).map((d) => d.compatible[0]!);

/** A generated board: `n` devices on 10 simple-bus SoC buses, an SMMUv3, a clock and a reset provider
 * per bus, every 4th device an IOMMU master, every device a clock consumer. */
function generatedDts(n: number): string {
  const perBus = Math.ceil(n / 10);
  const out: string[] = ['/dts-v1/;', '/ {', '  #address-cells = <2>; #size-cells = <2>; interrupt-parent = <&gic>;',
    '  memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x80000000>; };',
    '  gic: intc@8000000 { compatible = "arm,cortex-a15-gic"; #interrupt-cells = <3>; interrupt-controller; reg = <0 0x8000000 0 0x10000>; };',
    '  smmu: iommu@9050000 { compatible = "arm,smmu-v3"; reg = <0 0x9050000 0 0x20000>; #iommu-cells = <1>; };'];
  let k = 0;
  for (let b = 0; b < 10; b++) {
    const busBase = 0x10000000 * (b + 1);
    out.push(`  bus@${busBase.toString(16)} { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges = <0 0 0x${busBase.toString(16)} 0x10000000>;`);
    out.push(`    clk${b}: clock-controller@0 { compatible = "fixed-clock"; #clock-cells = <1>; reg = <0 0x100>; clock-frequency = <1000000>; };`);
    out.push(`    rst${b}: reset-controller@100 { compatible = "snps,dw-low-reset"; #reset-cells = <1>; reg = <0x100 0x100>; };`);
    for (let i = 0; i < perBus && k < n; i++, k++) {
      const addr = (0x1000 + i * 0x1000).toString(16);
      const compat = compatPool[(k * 7919) % compatPool.length]!;
      const iommu = k % 4 === 0 ? ` iommus = <&smmu ${k}>;` : '';
      out.push(`    dev@${addr} { compatible = "${compat}"; reg = <0x${addr} 0x100>; clocks = <&clk${b} ${i}>; resets = <&rst${b} ${i}>; interrupts = <0 ${k % 900} 4>;${iommu} };`);
    }
    out.push('  };');
  }
  out.push('};', '');
  return out.join('\n');
}

async function compile(dts: string): Promise<DtTree> {
  const { loadDeviceTree } = await import('../engine/devicetree/index');
  const r = loadDeviceTree('/generated.dts', { checks: false, readFile: (p) => (p === '/generated.dts' ? new TextEncoder().encode(dts) : undefined) });
  if (r.diagnostics.some((d) => d.severity === 'error')) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.value;
}

const board = largestBoard();
const realTree = readDtb(new Uint8Array(readFileSync(board.path)), board.path).value;
timeIt(realTree, base, 30); // warm-up (JIT)
const real = timeIt(realTree, base, 41);
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs (min is the figure least disturbed by other processes)`);
console.log(`largest Debian arm64 board: ${board.path.replace(debianDtbDir() + '/', '')} (${board.bytes} bytes, ${real.devices} devices, ${real.events} events)`);
console.log(`  predict: min ${real.min.toFixed(2)} ms, median ${real.median.toFixed(2)} ms of 41 (goal < 20 ms) ${real.min < 20 ? 'OK' : 'OVER'}`);

console.log('generated trees (10 SoC buses, clocks, resets, every 4th device an IOMMU master):');
const rows: { n: number; ms: number }[] = [];
for (const n of [1000, 2000, 4000, 6000, 8000, 10000]) {
  const tree = await compile(generatedDts(n));
  timeIt(tree, base, 2);
  const r = timeIt(tree, base, n <= 4000 ? 9 : 5);
  rows.push({ n, ms: r.min });
  console.log(`  ${String(n).padStart(6)} devices: min ${r.min.toFixed(1).padStart(7)} ms, median ${r.median.toFixed(1).padStart(7)} ms  (${((r.min / n) * 1000).toFixed(1)} µs/device, ${r.events} events)`);
}
const first = rows[0]!;
const last = rows[rows.length - 1]!;
// least-squares slope of log(time) over log(devices): 1.0 is linear growth, 2.0 quadratic
const xs = rows.map((r) => Math.log(r.n));
const ys = rows.map((r) => Math.log(r.ms));
const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
const my = ys.reduce((a, b) => a + b, 0) / ys.length;
const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
console.log(`  growth 1,000 → 10,000: ×${(last.ms / first.ms).toFixed(1)} time for ×10 devices; log-log slope over all sizes ${slope.toFixed(2)} (1.00 = linear)`);

// The worker's sequence (renderer/src/worker/engine-adapter.ts runPredict): same catalog and tree, the
// what-if panel changing one thing per call.
const configText = readFileSync(kernelConfig(), 'utf8');
const workerTree = readDtb(writeDtb(await compile(generatedDts(10000))), 'generated.dtb').value;
const someModules = catalog.drivers.filter((d) => config.get(d.kconfig[0] ?? '') === 'm').map((d) => d.module).slice(0, 60);
const whatIfs: [string, Partial<PredictOptions>][] = [
  ['defaults', {}],
  ['IOMMU policy optional', { iommuPolicy: { '*': 'optional' } }],
  ['arm-smmu-v3 missing', { drivers: { 'arm-smmu-v3': 'missing' } }],
  ['fw_devlink=permissive', { cmdline: 'fw_devlink=permissive' }],
  ['one device defers twice', { assume: [{ target: '/bus@10000000/dev@1000', outcome: { kind: 'defer', times: 2 } }] }],
  ['one node disabled', { nodeStatus: { '/bus@20000000/dev@2000': 'disabled' } }],
  ['SMMU with 16 contexts', { iommuContexts: { '/iommu@9050000': 16 } }],
  ['60 modules loaded', { modulesLoaded: someModules }],
];
for (const withConfig of [false, true]) {
  const times: number[] = [];
  let bound = 0;
  for (let round = 0; round < 3; round++) {
    for (const [, delta] of whatIfs) {
      const t0 = performance.now();
      const opts: PredictOptions = { kernel: '6.1', catalog, iommuPolicy: { '*': 'kernel' }, ...delta, config: withConfig ? parseKernelConfig(configText) : null };
      const r = predict(workerTree, opts);
      if (round > 0) times.push(performance.now() - t0);
      bound = r.value.devices.filter((d) => d.state === 'bound').length;
    }
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(`worker sequence, 10,000-device DTB, ${withConfig ? "Debian's .config" : 'no .config (all built in)'}, ${whatIfs.length} what-if changes x2 after one warm-up round (${bound} bound): min ${times[0]!.toFixed(0)} ms, median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms, mean ${mean.toFixed(0)} ms per predict`);
}
