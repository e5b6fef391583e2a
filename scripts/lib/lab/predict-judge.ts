// The probe model judged against the real kernel, one lab boot at a time: the product's engine predicts
// from the tree QEMU handed the kernel (the committed <name>.dtb dump), its /chosen bootargs, the boot's
// module plan, the kernel's own Debian .config and the catalog for its version, and every device the
// kernel created from the tree is compared: final state, IOMMU group, deferred or not, order of binds.
// Used by predict-vs-kernel.test.ts (the verdict) and scripts/lab/score.ts (the README table).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findNodeByPath, readDtb, type DtTree } from '../../../engine/devicetree/index';
import { decodeCatalog, parseKernelConfig, predict, type Assumption, type DriverCatalog, type KernelConfig, type ModuleLoad, type PciFunctionSpec, type PredictedDevice } from '../../../engine/probe/index';
import { kernelConfig, type DebianKernel } from '../system';
import { bootLabel, goldenBase, isBuiltinModule, labDir, scenarioKernels, type InitStep, type LabBoot } from './board';
import { hardwareOf } from './hardware';
import { scenarios } from './scenarios/index';
import type { Truth, TruthDevice } from './truth';

const root = join(labDir, '..', '..');

/** The kernel version each Debian kernel is (the engine's `kernel` option and the catalog folder). */
export const KERNEL_VERSION: Record<DebianKernel, '6.1' | '6.12'> = { 'arm64-6.1': '6.1', 'arm64-6.12': '6.12', 'armhf-6.1': '6.1' };

/** Every boot with a committed golden, in scenario order, each kernel of its machine. */
export function recordedBoots(): LabBoot[] {
  return scenarios.flatMap((scenario) =>
    scenarioKernels(scenario)
      .map((kernel) => ({ scenario, kernel }))
      .filter((b) => existsSync(`${goldenBase(b)}.truth.json`)),
  );
}

/** resources/kernel/<version>/drivers.json, or 6.1's while a version has none yet (the catalog used is reported). */
export function catalogFor(k: DebianKernel): { catalog: DriverCatalog; version: string } {
  for (const v of [KERNEL_VERSION[k], '6.1']) {
    const p = join(root, 'resources', 'kernel', v, 'drivers.json');
    if (existsSync(p)) return { catalog: decodeCatalog(JSON.parse(readFileSync(p, 'utf8'))), version: v };
  }
  throw new Error('no driver catalog under resources/kernel/');
}

const configs = new Map<DebianKernel, KernelConfig>();
function configFor(k: DebianKernel): KernelConfig {
  let c = configs.get(k);
  if (!c) configs.set(k, (c = parseKernelConfig(readFileSync(kernelConfig(k), 'utf8'))));
  return c;
}

/** PCI IDs the lab's QEMU functions carry → the PCI driver that binds them (the user naming functions). */
const PCI_DRIVERS: Record<string, string | null> = { '1af4': 'virtio-pci', '1b36:0008': null };

/**
 * QEMU virt fills its virtio-mmio transports from the top (a003e00 first) with the `-device virtio-*-device`
 * backends given; an empty transport reads device ID 0 and virtio_mmio_probe() returns -ENODEV. This is
 * the machine's wiring (the scenario's QEMU arguments), not knowledge of a board.
 */
function virtioBackendAssumptions(tree: DtTree, qemuArgs: readonly string[] | undefined): Assumption[] {
  const backends = (qemuArgs ?? []).filter((a) => /^virtio-[a-z0-9-]+-device\b/.test(a)).length;
  const transports = tree.root.children.filter((c) => c.name.startsWith('virtio_mmio@')).map((c) => '/' + c.name);
  transports.sort((a, b) => parseInt(b.split('@')[1]!, 16) - parseInt(a.split('@')[1]!, 16));
  return transports.slice(backends).map((target) => ({ target, outcome: { kind: 'absent' as const } }));
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

/**
 * The boot's /init plan as module loads; a settle step holds the next load until devices_deferred
 * drains. A module the kernel has built in is no load at all on that kernel (/init skips it too).
 */
function moduleLoads(steps: readonly InitStep[], k: DebianKernel): ModuleLoad[] {
  const out: ModuleLoad[] = [];
  let settle: number | undefined;
  for (const step of steps) {
    if (step.kind === 'insmod') {
      if (isBuiltinModule(step.module, k)) continue;
      out.push(settle === undefined ? { name: step.module } : { name: step.module, afterSettle: settle });
      settle = undefined;
    } else if (step.kind === 'settle') settle = step.maxSeconds;
  }
  return out;
}

/** /chosen/bootargs of the dumped tree: the command line the kernel really ran with. */
function bootargsOf(tree: DtTree): string {
  const p = findNodeByPath(tree, '/chosen')?.properties.find((x) => x.name === 'bootargs');
  return p ? new TextDecoder().decode(p.value).replace(/\0+$/, '') : '';
}

/**
 * Devices without an of_node the model creates by the kernel's own rules (engine/probe/init-devices.ts),
 * judged like the tree's: each kind by its dev_name().
 */
const MODELLED_WITHOUT_NODE: readonly RegExp[] = [
  /^reg-dummy$/, // regulator_init() → regulator_dummy_init()
  /^serial8250$/, // serial8250_init(): the legacy PLAT8250_DEV_LEGACY device
  /^psci-cpuidle$/, // psci_idle_init(); where the PSCI firmware refuses the tree's idle states, hardware.ts says so
  /^alarmtimer\.\d+\.auto$/, // alarmtimer_rtc_add_device(), inside the probe of the first wakeup-capable RTC with alarms
  /^(platform|efi|simple)-framebuffer\.0$/, // sysfb_init(), named from screen_info (the lab boots without EFI)
];

/**
 * Devices outside the judging, each kind with its reason: a device without an of_node the model does not
 * create is not a prediction it makes. PCI functions have no node of their own but are judged (the model
 * places them behind their host bridge).
 */
export const OUT_OF_SCOPE_REASON = 'no of_node: registered by a driver or the core by hand by a rule the model does not follow, not created from the tree';
const OUT_OF_SCOPE_KINDS: readonly { name: RegExp; reason: string }[] = [
  { name: /^virtio\d+$/, reason: 'the model creates no virtio devices behind a virtio-mmio or virtio-pci transport' },
];
/** Why a device is left out of the judging, or null when it is judged. */
export function outOfScopeReason(d: TruthDevice): string | null {
  if (isJudged(d)) return null;
  return OUT_OF_SCOPE_KINDS.find((k) => k.name.test(d.name))?.reason ?? OUT_OF_SCOPE_REASON;
}
export function isJudged(d: TruthDevice): boolean {
  return d.node !== null || d.bus === 'pci' || isModelledWithoutNode(d.name);
}
const isModelledWithoutNode = (name: string): boolean => MODELLED_WITHOUT_NODE.some((re) => re.test(name));

/** The buses /init lists: a device of another bus (serial-base, i2c) is absent from every truth. */
const LISTED_BUSES = new Set(['platform', 'amba', 'pci', 'virtio']);

/** The README section the score table lives in. */
export const README_BEGIN = '<!-- lab-scores:begin (scripts/lab/score.ts --write) -->';
export const README_END = '<!-- lab-scores:end -->';

/** Pseudo-device under which a bind-order difference is listed. */
export const BIND_ORDER = '(bind order)';

export interface PredictionVerdict {
  label: string;
  kernel: DebianKernel;
  catalogVersion: string;
  /** Devices the kernel created from the tree (and PCI functions). */
  judged: number;
  /** Of those, predicted right in every field. */
  right: number;
  /** Devices without an of_node the model does not create, left out of the judging. */
  outOfScope: number;
  /** Each of those, with why it is left out (outOfScopeReason). */
  outOfScopeReasons: Map<string, string>;
  /** 'same' | 'differs' | 'not printed' (no dd.c debug in that boot). */
  bindOrder: 'same' | 'differs' | 'not printed';
  /** Device (or BIND_ORDER, or a device only the model creates) → what differs. */
  wrong: Map<string, string>;
}

type Verdict = 'bound' | 'deferred' | 'unbound';
const verdictOfTruth = (d: TruthDevice): Verdict => (d.driver ? 'bound' : d.deferred ? 'deferred' : 'unbound');
const verdictOfPrediction = (d: PredictedDevice): Verdict => (d.state === 'bound' ? 'bound' : d.state === 'deferred' ? 'deferred' : 'unbound');
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The hardware assumptions of a boot (hardware.ts: its machine's and its scenario's), as the model takes them. */
export function hardwareAssumptionsOf(b: LabBoot, tree: DtTree): Assumption[] {
  return hardwareOf(b, tree).map(({ target, outcome }) => ({ target, outcome }));
}

export function judgePrediction(b: LabBoot): PredictionVerdict {
  const base = goldenBase(b);
  const truth = JSON.parse(readFileSync(`${base}.truth.json`, 'utf8')) as Truth;
  const log = readFileSync(`${base}.log`, 'latin1');
  const dtbPath = `${base}.dtb`;
  if (!existsSync(dtbPath)) throw new Error(`${bootLabel(b)}: no ${dtbPath} (the tree QEMU handed the kernel): run npx tsx scripts/lab/dump-dtbs.ts`);
  const tree = readDtb(new Uint8Array(readFileSync(dtbPath)), dtbPath).value;
  const { catalog, version: catalogVersion } = catalogFor(b.kernel);
  const s = b.scenario;
  const assume = [...(s.machine === 'virt' ? virtioBackendAssumptions(tree, s.qemuArgs) : []), ...hardwareAssumptionsOf(b, tree)];
  const { value } = predict(tree, {
    kernel: KERNEL_VERSION[b.kernel],
    catalog,
    config: configFor(b.kernel),
    cmdline: bootargsOf(tree),
    assume,
    modulesLoaded: moduleLoads(s.steps, b.kernel),
    pciFunctions: pciFromLog(log),
  });
  const predicted = new Map(value.devices.map((d) => [d.name, d]));
  const dyndbg = truth.bindOrder !== null;
  const judged = truth.devices.filter(isJudged);
  const wrong = new Map<string, string>();
  for (const t of judged) {
    const p = predicted.get(t.name);
    if (!p) {
      wrong.set(t.name, `the kernel has it (${verdictOfTruth(t)}), the model does not`);
      continue;
    }
    const why: string[] = [];
    if (verdictOfTruth(t) !== verdictOfPrediction(p)) {
      why.push(`kernel ${verdictOfTruth(t)}${t.driver ? ` (${t.driver})` : ''}, model ${p.state}${p.why.length ? ` (${p.why.map((w) => w.text).join(' <- ')})` : ''}`);
    } else if (t.deferred && t.deferReason !== null && (p.deferReason ?? '') !== t.deferReason.trim()) {
      why.push(`devices_deferred reason "${t.deferReason}", model "${p.deferReason ?? ''}"`);
    }
    if (t.iommuGroup !== p.iommuGroup) why.push(`kernel iommu group ${t.iommuGroup}, model ${p.iommuGroup}`);
    if (dyndbg) {
      // dd.c prints "<bus> <dev_name>: Added to deferred list": the name follows a space, so a device named
      // `timer` is not taken for `1c110000.timer` (a word boundary would match after the dot)
      const kernelDeferred = new RegExp(`(?:^|\\s)${escapeRe(t.name)}: Added to deferred list`, 'm').test(log);
      if (kernelDeferred !== p.deferrals > 0) why.push(`kernel ${kernelDeferred ? 'deferred it' : 'never deferred it'}, model ${p.deferrals} deferral(s)`);
    }
    if (why.length) wrong.set(t.name, why.join('; '));
  }
  const kernelNames = new Set(truth.devices.map((t) => t.name));
  for (const p of value.devices) {
    if (p.state === 'disabled' || kernelNames.has(p.name)) continue;
    // a node-less device counts only when it is of a kind the model creates, on a bus /init lists
    if (!p.node && !(LISTED_BUSES.has(p.bus ?? '') && isModelledWithoutNode(p.name))) continue;
    wrong.set(p.name, `the model creates it (${p.state}), the kernel did not`);
  }
  let bindOrder: PredictionVerdict['bindOrder'] = 'not printed';
  if (truth.bindOrder) {
    // Relative order of the devices both bound: a device bound on one side only is already wrong above.
    const modelBound = new Set(value.devices.filter((d) => d.bindIndex !== null).map((d) => d.name));
    const both = new Set(judged.filter((t) => t.driver && modelBound.has(t.name)).map((t) => t.name));
    const kernelOrder = [...new Set(truth.bindOrder.filter((n) => both.has(n)))];
    const modelOrder = value.devices.filter((d) => d.bindIndex !== null && both.has(d.name)).sort((x, y) => x.bindIndex! - y.bindIndex!).map((d) => d.name);
    if (kernelOrder.join(' ') === modelOrder.join(' ')) bindOrder = 'same';
    else {
      bindOrder = 'differs';
      const at = kernelOrder.findIndex((n, i) => modelOrder[i] !== n);
      wrong.set(BIND_ORDER, `first difference at bind ${at + 1}: kernel ${kernelOrder[at]}, model ${modelOrder[at]}`);
    }
  }
  const right = judged.filter((t) => !wrong.has(t.name)).length;
  const outOfScopeReasons = new Map(truth.devices.flatMap((t) => {
    const why = outOfScopeReason(t);
    return why === null ? [] : [[t.name, why] as const];
  }));
  return { label: bootLabel(b), kernel: b.kernel, catalogVersion, judged: judged.length, right, outOfScope: outOfScopeReasons.size, outOfScopeReasons, bindOrder, wrong };
}

/** The score table (markdown): boot, kernel, devices judged, devices right, bind order. */
export function scoreTable(verdicts: readonly PredictionVerdict[]): string {
  const rows = ['| boot | kernel | catalog | devices judged | devices right | bind order | out of scope (no of_node) |', '|---|---|---|---|---|---|---|'];
  let judged = 0;
  let right = 0;
  for (const v of verdicts) {
    judged += v.judged;
    right += v.right;
    rows.push(`| ${v.label.split('@')[0]} | ${v.kernel} | ${v.catalogVersion} | ${v.judged} | ${v.right} | ${v.bindOrder} | ${v.outOfScope} |`);
  }
  const exact = verdicts.filter((v) => v.wrong.size === 0).length;
  rows.push(`| **all ${verdicts.length} boots** | | | **${judged}** | **${right}** (${judged ? ((100 * right) / judged).toFixed(1) : '0'}%) | ${exact} boots fully right | |`);
  return rows.join('\n');
}
