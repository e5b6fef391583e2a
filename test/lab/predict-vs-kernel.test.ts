// The probe model judged against the real kernel: for every lab scenario with a committed golden boot
// (test/fixtures/bootlog/lab/<name>.{log,truth.json}, recorded from Debian's 6.1 kernel under QEMU by
// test/lab/board.ts), predict with the scenario's device tree, command line, module plan and Debian's
// own .config, and compare device by device: final state, IOMMU group number (or none), deferred or not,
// and the order of binds.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNode, findNodeByPath, loadDeviceTree, readDtb, type DtTree } from '../../engine/devicetree/index';
import { decodeCatalog, parseKernelConfig, predict, type Assumption, type ModuleLoad, type PciFunctionSpec, type PredictedDevice } from '../../engine/probe/index';
import { requireSystem, debianDtbDir, kernelConfig } from '../support/system';
import { scenarios } from './scenarios/index';

requireSystem('kernel-arm64');

const root = join(__dirname, '..', '..');
const goldenDir = join(root, 'test', 'fixtures', 'bootlog', 'lab');
const boardsDir = join(__dirname, 'boards');
const catalog = decodeCatalog(JSON.parse(readFileSync(join(root, 'resources', 'kernel', '6.1', 'drivers.json'), 'utf8')));
const config = parseKernelConfig(readFileSync(kernelConfig(), 'utf8'));

interface TruthDevice { name: string; bus: string; node: string | null; driver: string | null; iommuGroup: number | null; deferred: boolean; deferReason: string | null }
interface Truth { devices: TruthDevice[]; bindOrder: string[] | null; deferred: { name: string; reason: string }[] }

/**
 * What the hardware does that no device tree says (the half of a prediction an engineer supplies as
 * assumptions, per scenario): QEMU's raspi3b firmware mailbox does not answer the GPIO expander calls
 * ("Failed to get GPIO 1 config"), so pwrseq_simple's reset GPIO fails with -EIO; smmu-no-hardware
 * moves the SMMU node onto an address with no SMMU behind it, so its ID registers read back nothing
 * and arm_smmu_device_hw_probe() returns -ENXIO.
 */
const HARDWARE_ASSUMPTIONS: Record<string, Assumption[]> = {
  raspi3b: [{ target: '/wifi-pwrseq', outcome: { kind: 'fail', errno: -5 } }],
  'smmu-no-hardware': [{ target: '4000000.smmuv3', outcome: { kind: 'fail', errno: -6 } }],
};

/** PCI IDs the lab's QEMU functions carry → the PCI driver that binds them (the user naming functions). */
const PCI_DRIVERS: Record<string, string | null> = { '1af4': 'virtio-pci', '1b36:0008': null };

/**
 * What QEMU's own boot code does to the tree before the kernel sees it (hw/arm/boot.c, the machine's
 * modify_dtb hook): the /psci node is rewritten for QEMU's PSCI 1.0 conduit, and on xlnx-zcu102
 * without EL3 the SMC firmware nodes (xlnx,zynqmp-firmware) are disabled because no PMU firmware runs.
 */
function qemuBootFixups(tree: DtTree, machine: string): Record<string, 'okay' | 'disabled'> {
  const psci = findNodeByPath(tree, '/psci');
  const compat = psci?.properties.find((p) => p.name === 'compatible');
  if (psci && compat && machine !== 'virt') compat.value = new TextEncoder().encode('arm,psci-1.0\0arm,psci-0.2\0arm,psci\0');
  const status: Record<string, 'okay' | 'disabled'> = {};
  if (machine === 'xlnx-zcu102') {
    const stack = [tree.root];
    while (stack.length) {
      const n = stack.pop()!;
      stack.push(...n.children);
      const c = n.properties.find((p) => p.name === 'compatible');
      if (c && new TextDecoder().decode(c.value).split('\0').includes('xlnx,zynqmp-firmware')) status[pathOf(n)] = 'disabled';
    }
  }
  return status;
}

function pathOf(n: ReturnType<typeof createNode>): string {
  const parts: string[] = [];
  for (let x: typeof n | null = n; x && x.parent; x = x.parent) parts.unshift(x.name);
  return '/' + parts.join('/');
}

/**
 * QEMU virt fills its virtio-mmio transports from the top (a003e00 first) with the `-device virtio-*-device`
 * backends given; an empty transport reads device ID 0 and virtio_mmio_probe() returns -ENODEV.
 */
function virtioBackendAssumptions(tree: DtTree, qemuArgs: readonly string[] | undefined): Assumption[] {
  const backends = (qemuArgs ?? []).filter((a) => /^virtio-[a-z0-9-]+-device\b/.test(a)).length;
  const transports = tree.root.children.filter((c) => c.name.startsWith('virtio_mmio@')).map((c) => '/' + c.name);
  transports.sort((a, b) => parseInt(b.split('@')[1]!, 16) - parseInt(a.split('@')[1]!, 16));
  return transports.slice(backends).map((target) => ({ target, outcome: { kind: 'absent' as const } }));
}

function loadTree(s: (typeof scenarios)[number]): DtTree {
  if (s.debianDtb) {
    const dtb = join(debianDtbDir(), s.debianDtb);
    return readDtb(new Uint8Array(readFileSync(dtb)), dtb).value;
  }
  // the board's source through the product's own DTS front end (engine/devicetree), as `bringup predict` reads it
  const r = loadDeviceTree(resolve(boardsDir, s.dts!), { checks: false, readFile: (p) => (existsSync(p) ? new Uint8Array(readFileSync(p)) : undefined) });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`${s.dts}: ${errors.map((d) => d.message).join('; ')}`);
  return r.value;
}

/** PCI functions as the log names them: `pci 0000:00:01.0: [1af4:1041] type 00 class ...`. */
function pciFromLog(log: string): PciFunctionSpec[] {
  const out: PciFunctionSpec[] = [];
  for (const m of log.matchAll(/\bpci (\w{4}:\w\w:\w\w\.\d): \[(\w{4}):(\w{4})\] type/g)) {
    if (out.some((p) => p.bdf === m[1])) continue;
    const id = `${m[2]}:${m[3]}`;
    const driver = id in PCI_DRIVERS ? PCI_DRIVERS[id]! : (PCI_DRIVERS[m[2]!] ?? null);
    out.push({ bdf: m[1]!, driver });
  }
  return out;
}

/** The scenario's /init plan as module loads; a settle step holds the next load until devices_deferred drains. */
function moduleLoads(steps: readonly unknown[]): ModuleLoad[] {
  const out: ModuleLoad[] = [];
  let settle: number | undefined;
  for (const raw of steps) {
    const step = raw as { kind: string; module?: string; maxSeconds?: number };
    if (step.kind === 'insmod' && step.module) {
      out.push(settle === undefined ? { name: step.module } : { name: step.module, afterSettle: settle });
      settle = undefined;
    } else if (step.kind === 'settle' && typeof step.maxSeconds === 'number') settle = step.maxSeconds;
  }
  return out;
}

type Verdict = 'bound' | 'deferred' | 'unbound';
const verdictOfTruth = (d: TruthDevice): Verdict => (d.driver ? 'bound' : d.deferred ? 'deferred' : 'unbound');
const verdictOfPrediction = (d: PredictedDevice): Verdict => (d.state === 'bound' ? 'bound' : d.state === 'deferred' ? 'deferred' : 'unbound');

const withGolden = scenarios.filter((s) => existsSync(join(goldenDir, `${s.name}.truth.json`)));

describe('prediction vs Debian 6.1 under QEMU (lab goldens)', () => {
  it('has golden boots to compare against', () => {
    expect(withGolden.length).toBeGreaterThan(0);
  });

  for (const s of scenarios) {
    const golden = withGolden.includes(s);
    (golden ? it : it.skip)(`${s.name}: ${s.title}`, () => {
      const truth = JSON.parse(readFileSync(join(goldenDir, `${s.name}.truth.json`), 'utf8')) as Truth;
      const log = readFileSync(join(goldenDir, `${s.name}.log`), 'utf8');
      const tree = loadTree(s);
      const nodeStatus = qemuBootFixups(tree, s.machine);
      const assume = [...(s.machine === 'virt' ? virtioBackendAssumptions(tree, s.qemuArgs) : []), ...(HARDWARE_ASSUMPTIONS[s.name] ?? [])];
      const { value } = predict(tree, {
        kernel: '6.1', catalog, config, cmdline: s.cmdline, nodeStatus, assume,
        modulesLoaded: moduleLoads(s.steps), pciFunctions: pciFromLog(log),
      });
      const predicted = new Map(value.devices.map((d) => [d.name, d]));
      const dyndbg = truth.bindOrder !== null;
      const mismatches: string[] = [];
      // Devices the kernel created from the tree (of_node set) and PCI functions; platform devices that
      // drivers register by hand (serial8250, reg-dummy) have no node and are outside the model.
      const judged = truth.devices.filter((d) => d.node !== null || d.bus === 'pci');
      for (const t of judged) {
        const p = predicted.get(t.name);
        if (!p) {
          mismatches.push(`${t.name}: the kernel has it, the model does not`);
          continue;
        }
        if (verdictOfTruth(t) !== verdictOfPrediction(p)) mismatches.push(`${t.name}: kernel ${verdictOfTruth(t)} (${t.driver}), model ${p.state} (${p.why.map((w) => w.text).join(' <- ')})`);
        if (t.deferred && p.state === 'deferred' && t.deferReason !== null && (p.deferReason ?? '') !== t.deferReason.trim()) mismatches.push(`${t.name}: devices_deferred reason "${t.deferReason}", model "${p.deferReason}"`);
        if (t.iommuGroup !== p.iommuGroup) mismatches.push(`${t.name}: kernel iommu group ${t.iommuGroup}, model ${p.iommuGroup}`);
        if (dyndbg) {
          const kernelDeferred = new RegExp(`\\b${t.name.replace(/[.:]/g, '\\$&')}: Added to deferred list`).test(log);
          if (kernelDeferred !== p.deferrals > 0) mismatches.push(`${t.name}: kernel ${kernelDeferred ? 'deferred' : 'never deferred'}, model ${p.deferrals} deferral(s)`);
        }
      }
      for (const p of value.devices) {
        if (p.state === 'disabled') continue;
        if (p.node && !truth.devices.some((t) => t.name === p.name)) mismatches.push(`${p.name}: the model creates it, the kernel did not`);
      }
      if (truth.bindOrder) {
        const names = new Set(judged.map((d) => d.name));
        const kernelOrder = truth.bindOrder.filter((n) => names.has(n));
        const modelOrder = value.devices.filter((d) => d.bindIndex !== null && names.has(d.name)).sort((a, b) => a.bindIndex! - b.bindIndex!).map((d) => d.name);
        if (kernelOrder.join(' ') !== modelOrder.join(' ')) mismatches.push(`bind order: kernel ${kernelOrder.join(', ')}; model ${modelOrder.join(', ')}`);
      }
      expect(mismatches).toEqual([]);
      expect(judged.length).toBeGreaterThan(0);
    });
  }
});
