// Test support for the probe model: small boards compiled by the real dtc, the shipped 6.1 driver catalog,
// and Debian's real arm64 .config (plus variants derived from it, e.g. CONFIG_MODULES unset).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDeviceTree, readDtb, type DtTree } from '../../engine/devicetree/index';
import { decodeCatalog, parseKernelConfig, predict, type DriverCatalog, type KernelConfig, type PredictOptions, type Prediction, type PredictedDevice } from '../../engine/probe/index';
import { kernelConfig } from '../../scripts/lib/system';

const root = join(__dirname, '..', '..');
export const fixturesDir = join(root, 'test', 'fixtures', 'probe');
const work = mkdtempSync(join(tmpdir(), 'probe-test-'));
let seq = 0;

export const catalog: DriverCatalog = decodeCatalog(JSON.parse(readFileSync(join(root, 'resources', 'kernel', '6.1', 'drivers.json'), 'utf8')));
export const debianConfigText = readFileSync(kernelConfig(), 'utf8');
export const debianConfig: KernelConfig = parseKernelConfig(debianConfigText);
/** Debian's config with CONFIG_MODULES unset (a kernel without loadable modules). */
export const noModulesConfig: KernelConfig = parseKernelConfig(debianConfigText.replace(/^CONFIG_MODULES=y$/m, '# CONFIG_MODULES is not set'));

/** Compiles DTS text with the engine's own front end (engine/devicetree loadDeviceTree): spans and labels kept. */
export function compileDts(source: string, includeDirs: string[] = [fixturesDir]): DtTree {
  const dts = join(work, `board${seq++}.dts`);
  writeFileSync(dts, source);
  const r = loadDeviceTree(dts, { includeDirs, checks: false, readFile: (p) => (existsSync(p) ? new Uint8Array(readFileSync(p)) : undefined) });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`loadDeviceTree: ${errors.map((d) => d.message).join('; ')}`);
  return r.value;
}

/** The same through dtc (the reference compiler) and the DTB reader: no spans, no labels. */
export function compileWithDtc(source: string, includeDirs: string[] = [fixturesDir]): DtTree {
  const n = seq++;
  const dts = join(work, `board${n}.dts`);
  const dtb = join(work, `board${n}.dtb`);
  writeFileSync(dts, source);
  const r = spawnSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-o', dtb, ...includeDirs.flatMap((d) => ['-i', d]), dts], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dtc: ${r.stderr}`);
  return readDtb(new Uint8Array(readFileSync(dtb)), dts).value;
}

export function compileFixture(name: string): DtTree {
  return compileDts(readFileSync(join(fixturesDir, name), 'utf8'));
}

export interface Run {
  prediction: Prediction;
  device(name: string): PredictedDevice;
  texts: string[];
  has(text: string | RegExp): boolean;
}

export function run(tree: DtTree, opts: PredictOptions): Run {
  const { value } = predict(tree, { catalog, config: debianConfig, ...opts });
  const texts = value.events.map((e) => e.text ?? '');
  return {
    prediction: value,
    device(name: string): PredictedDevice {
      const d = value.devices.find((x) => x.name === name);
      if (!d) throw new Error(`no device ${name} in ${value.devices.map((x) => x.name).join(', ')}`);
      return d;
    },
    texts,
    has: (t) => texts.some((x) => (typeof t === 'string' ? x.includes(t) : t.test(x))),
  };
}

/** An arm64 board's root up to its first device: memory, a GIC and a fixed clock (`&pclk`) for primecells' apb_pclk. */
export const ARM_BOARD_HEAD = `/dts-v1/;
/ {
  #address-cells = <2>; #size-cells = <2>;
  interrupt-parent = <&gic>;
  memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x40000000>; };
  gic: intc@8000000 { compatible = "arm,cortex-a15-gic"; #interrupt-cells = <3>; interrupt-controller; reg = <0 0x8000000 0 0x10000>, <0 0x8010000 0 0x10000>; };
  pclk: apb-pclk { compatible = "fixed-clock"; #clock-cells = <0>; clock-frequency = <24000000>; };`;

/** A whole board: ARM_BOARD_HEAD, then `nodes` under the root. */
export const armBoard = (...nodes: string[]): string => `${ARM_BOARD_HEAD}\n  ${nodes.join('\n  ')}\n};\n`;
