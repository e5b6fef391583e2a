// The lab board: Debian's stock kernels (arm64 6.1 and 6.12, armhf armmp 6.1) booted under QEMU (`virt`
// + SMMUv3, or a vendor machine QEMU models) with a busybox initramfs whose /init loads the scenario's
// modules and prints the ground truth (devices_deferred, iommu_groups, bound drivers). This is the real
// kernel the probe model and the boot-log parser are judged against; see ../../../../shared/qemu-board.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { cacheDir, debianDtbDir, kernelImage, kernelRoot, requireSystem, type DebianKernel, type SystemPart } from '../system';
import { writeNewcGz, type CpioEntry } from './cpio';
import { parseTruthBlock, TRUTH_BEGIN, TRUTH_END, type TruthBlock } from './truth';

/** test/lab: the lab's boards, README and known-wrong list stay with the tests that judge them. */
export const labDir = join(import.meta.dirname, '..', '..', '..', 'test', 'lab');
export const boardsDir = join(labDir, 'boards');
export const labCacheDir = join(cacheDir, 'lab');
export const QEMU = 'qemu-system-aarch64';
export type { DebianKernel } from '../system';

/** One step of /init after the pseudo file systems are mounted. */
export type InitStep =
  | { kind: 'insmod'; module: string; args?: string }
  | { kind: 'sleep'; seconds: number }
  /**
   * Wait until devices_deferred is empty, at most `maxSeconds` after /init started. Relative to
   * /init (which runs right after late_initcall, where the deferred-probe timeout is armed) so a slow
   * host shifts both ends alike.
   */
  | { kind: 'settle'; maxSeconds: number }
  /** Wait until the kernel log (dmesg) matches a grep -E pattern, at most `maxSeconds` after /init started. */
  | { kind: 'wait-log'; pattern: string; maxSeconds: number }
  | { kind: 'shell'; command: string };

export type Machine =
  | 'virt'
  | 'raspi3b'
  | 'xlnx-zcu102'
  | 'sabrelite'
  | 'orangepi-pc'
  | 'raspi2b'
  | 'vexpress-a9'
  | 'vexpress-a15'
  | 'mcimx7d-sabre'
  | 'mcimx6ul-evk'
  | 'cubieboard'
  | 'highbank'
  | 'midway'
  | 'ast2600-evb'
  | 'tacoma-bmc'
  | 'rainier-bmc'
  | 'bletchley-bmc'
  | 'qcom-dc-scm-v1-bmc'
  | 'smdkc210';

interface MachineSpec {
  qemu: 'qemu-system-aarch64' | 'qemu-system-arm';
  /** The Debian kernels built for this machine's CPU: every scenario on it boots on each. */
  kernels: readonly DebianKernel[];
  /** Options without the console wiring. */
  args: readonly string[];
  /** The kernel's name for the console UART. */
  console: string;
  /** Which `-serial` QEMU wires that UART to (0-based); the ones before it get `-serial null`. */
  consoleSerial: number;
}

/**
 * QEMU's models of each board (hw/arm/<board>.c in QEMU 7.2): which Debian kernel runs on it, and
 * which of its `-serial` ports is the UART the DTB's console is.
 */
export const MACHINES: Record<Machine, MachineSpec> = {
  virt: {
    qemu: 'qemu-system-aarch64',
    kernels: ['arm64-6.1', 'arm64-6.12'],
    args: ['-M', 'virt,iommu=smmuv3', '-cpu', 'cortex-a57', '-smp', '1', '-m', '1024', '-nic', 'none', '-no-reboot'],
    console: 'ttyAMA0',
    consoleSerial: 0,
  },
  raspi3b: { qemu: 'qemu-system-aarch64', kernels: ['arm64-6.1', 'arm64-6.12'], args: ['-M', 'raspi3b', '-m', '1024', '-no-reboot'], console: 'ttyAMA0', consoleSerial: 0 },
  'xlnx-zcu102': { qemu: 'qemu-system-aarch64', kernels: ['arm64-6.1', 'arm64-6.12'], args: ['-M', 'xlnx-zcu102', '-m', '2048', '-no-reboot'], console: 'ttyPS0', consoleSerial: 0 },
  // i.MX6Q: UART1 is serial0, the board's console UART2 (ttymxc1) is serial1 (hw/arm/sabrelite.c).
  sabrelite: { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'sabrelite', '-m', '1024', '-nic', 'none', '-no-reboot'], console: 'ttymxc1', consoleSerial: 1 },
  'orangepi-pc': { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'orangepi-pc', '-m', '1024', '-nic', 'none', '-no-reboot'], console: 'ttyS0', consoleSerial: 0 },
  // raspi2b has exactly 1 GiB; serial0 is the PL011 (uart0), serial1 the mini UART.
  raspi2b: { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'raspi2b', '-no-reboot'], console: 'ttyAMA0', consoleSerial: 0 },
  'vexpress-a9': { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'vexpress-a9', '-m', '1024', '-nic', 'none', '-no-reboot'], console: 'ttyAMA0', consoleSerial: 0 },
  'vexpress-a15': { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'vexpress-a15', '-m', '1024', '-nic', 'none', '-no-reboot'], console: 'ttyAMA0', consoleSerial: 0 },
  // i.MX7D and i.MX6UL: serial0 is UART1, the boards' console (ttymxc0).
  'mcimx7d-sabre': { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'mcimx7d-sabre', '-m', '1024', '-nic', 'none', '-no-reboot'], console: 'ttymxc0', consoleSerial: 0 },
  'mcimx6ul-evk': { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'mcimx6ul-evk', '-m', '512', '-nic', 'none', '-no-reboot'], console: 'ttymxc0', consoleSerial: 0 },
  cubieboard: { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'cubieboard', '-m', '1024', '-nic', 'none', '-no-reboot'], console: 'ttyS0', consoleSerial: 0 },
  highbank: { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'highbank', '-m', '1024', '-nic', 'none', '-no-reboot'], console: 'ttyAMA0', consoleSerial: 0 },
  midway: { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'midway', '-m', '1024', '-nic', 'none', '-no-reboot'], console: 'ttyAMA0', consoleSerial: 0 },
  // AST2600: serial0 is wired to UART5 (the SoC's default debug UART), which the kernel names ttyS4.
  'ast2600-evb': { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'ast2600-evb', '-nic', 'none', '-no-reboot'], console: 'ttyS4', consoleSerial: 0 },
  // Other AST2600 boards (hw/arm/aspeed.c): like the EVB, serial0 is UART5, ttyS4.
  'tacoma-bmc': { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'tacoma-bmc', '-nic', 'none', '-no-reboot'], console: 'ttyS4', consoleSerial: 0 },
  'rainier-bmc': { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'rainier-bmc', '-nic', 'none', '-no-reboot'], console: 'ttyS4', consoleSerial: 0 },
  'bletchley-bmc': { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'bletchley-bmc', '-nic', 'none', '-no-reboot'], console: 'ttyS4', consoleSerial: 0 },
  'qcom-dc-scm-v1-bmc': { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'qcom-dc-scm-v1-bmc', '-nic', 'none', '-no-reboot'], console: 'ttyS4', consoleSerial: 0 },
  // Exynos4210: serial<i> is UART<i>; the SMDKV310 tree's console is serial1 (ttySAC1).
  smdkc210: { qemu: 'qemu-system-arm', kernels: ['armhf-6.1'], args: ['-M', 'smdkc210', '-nic', 'none', '-no-reboot'], console: 'ttySAC1', consoleSerial: 1 },
};

/** The kernels a scenario boots on: its machine's (the first is the default for one-off boots). */
export function scenarioKernels(s: Scenario): readonly DebianKernel[] {
  return MACHINES[s.machine].kernels;
}

/** One lab boot: a scenario on one kernel. */
export interface LabBoot {
  scenario: Scenario;
  kernel: DebianKernel;
}

export const goldenRoot = join(labDir, '..', 'fixtures', 'bootlog', 'lab');

/**
 * Where a boot's goldens live: arm64 6.1 (the first lab kernel, whose goldens other tests read) at the
 * top of test/fixtures/bootlog/lab/, every other kernel in a folder named after it (`arm64-6.12/`,
 * `armhf-6.1/`), so each folder holds one kernel's boots under the scenario names.
 */
export function goldenDirOf(kernel: DebianKernel): string {
  return kernel === 'arm64-6.1' ? goldenRoot : join(goldenRoot, kernel);
}

/** `<dir>/<name>` without extension: `.log`, `.truth.json`, and `.dtb` (the tree QEMU handed the kernel). */
export function goldenBase(b: LabBoot): string {
  return join(goldenDirOf(b.kernel), b.scenario.name);
}

/** Short label for reports: `late-iommu`, `late-iommu@arm64-6.12`. */
export function bootLabel(b: LabBoot): string {
  return b.kernel === 'arm64-6.1' ? b.scenario.name : `${b.scenario.name}@${b.kernel}`;
}

export interface Scenario {
  /** File-name safe id: golden files are test/fixtures/bootlog/lab/<name>.{log,truth.json}. */
  name: string;
  /** What the scenario exercises (a branch of kernel-semantics.md). */
  title: string;
  machine: Machine;
  /**
   * The device tree: a DTS under test/lab/boards (compiled with dtc), a DTB Debian ships
   * (path under usr/lib/linux-image-*), or nothing to let QEMU use its own generated tree.
   */
  dts?: string;
  debianDtb?: string;
  /** Appended to the machine's base command line. */
  cmdline: string;
  /** /init steps; a final settle with `settleSeconds` is always added. */
  steps: InitStep[];
  /** Upper bound (s after /init started) for waiting on devices_deferred to drain before the truth is taken. */
  settleSeconds: number;
  /** Add a virtio-net-pci device with iommu_platform=on (a PCI master behind the SMMU's iommu-map). */
  pciNet?: boolean;
  /** More QEMU options (extra devices); the board's wiring is otherwise fixed by `machine`. */
  qemuArgs?: string[];
  /** Lines (regular expressions) the console log must contain: the kernel behaviour the scenario is about. */
  signatures: string[];
  /** Lines (regular expressions) the console log must not contain: what the scenario shows does not happen. */
  absentSignatures?: string[];
  /** What the real kernel did, in one sentence (for reports). */
  expected: string;
  /** Host wall-clock limit for the whole boot. */
  timeoutSeconds?: number;
  /**
   * Where /init prints: the console (default), or /dev/kmsg for boards whose real console driver
   * never probes (its clocks wait on missing firmware) so only the early console prints.
   */
  truthVia?: 'console' | 'kmsg';
  /**
   * The kernel's name for the console UART where the tree's `serial` aliases number it otherwise than
   * the machine's usual tree does (8250 ports take their line from of_alias_get_id(np, "serial")).
   */
  console?: string;
  /** Which `-serial` the console UART is, where the tree's console is another UART than the machine's usual tree's. */
  consoleSerial?: number;
}

// ---------------------------------------------------------------------------------------------
// Kernel modules: Debian ships them without modules.dep, so dependencies come from each module's own
// .modinfo `depends=`. 6.1 ships them uncompressed (CONFIG_MODULE_COMPRESS_NONE), 6.12 as .ko.xz
// (CONFIG_MODULE_COMPRESS_XZ); busybox's insmod passes no MODULE_INIT_COMPRESSED_FILE flag, so xz
// modules are unpacked on the host before they go into the initramfs.

export function modulesDir(k: DebianKernel = 'arm64-6.1'): string {
  const base = join(kernelRoot(k), 'lib', 'modules');
  const v = existsSync(base) ? readdirSync(base).find((n) => existsSync(join(base, n, 'modules.order'))) : undefined;
  if (!v) throw new Error(`no modules under ${base}: run scripts/install-system-deps.sh lab`);
  return join(base, v);
}

export function kernelRelease(k: DebianKernel = 'arm64-6.1'): string {
  return modulesDir(k).split('/').pop()!;
}

const canon = (name: string): string => name.replace(/-/g, '_');
const moduleBase = (path: string): string => canon(path.split('/').pop()!.replace(/\.ko(\.\w+)?$/, ''));

const moduleIndexCache = new Map<DebianKernel, Map<string, string>>();
function moduleIndex(k: DebianKernel): Map<string, string> {
  const cached = moduleIndexCache.get(k);
  if (cached) return cached;
  const dir = modulesDir(k);
  const m = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'modules.order'), 'utf8').split('\n')) {
    const rel = line.trim();
    if (!rel) continue;
    // modules.order names the uncompressed .ko; the package holds it as .ko or .ko.xz.
    const file = [join(dir, rel), join(dir, `${rel}.xz`)].find((f) => existsSync(f));
    if (file) m.set(moduleBase(rel), file);
  }
  moduleIndexCache.set(k, m);
  return m;
}

const builtinCache = new Map<DebianKernel, Set<string>>();
function builtinModules(k: DebianKernel): Set<string> {
  const cached = builtinCache.get(k);
  if (cached) return cached;
  const s = new Set<string>();
  builtinCache.set(k, s);
  for (const line of readFileSync(join(modulesDir(k), 'modules.builtin'), 'utf8').split('\n')) {
    if (line.trim()) s.add(moduleBase(line.trim()));
  }
  return s;
}

/**
 * Whether kernel `k` has the module built in (modules.builtin): a scenario's insmod of it is then a
 * no-op on that kernel (6.12 builds virtio_pci in, 6.1 ships it as a module).
 */
export function isBuiltinModule(name: string, k: DebianKernel): boolean {
  return builtinModules(k).has(canon(name));
}

/** The module's ELF bytes (xz-compressed modules unpacked with the host's xz). */
export function moduleBytes(file: string): Buffer {
  if (!file.endsWith('.xz')) return readFileSync(file);
  const r = spawnSync('xz', ['-dc', file], { maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`xz could not unpack ${file}: ${r.stderr?.toString()}`);
  return r.stdout;
}

function moduleDepends(file: string): string[] {
  const buf = moduleBytes(file);
  const key = Buffer.from('\0depends=');
  const i = buf.indexOf(key);
  if (i < 0) return [];
  const start = i + key.length;
  const end = buf.indexOf(0, start);
  const v = buf.subarray(start, end).toString('utf8');
  return v ? v.split(',').map(canon) : [];
}

/** Load order for the given modules: dependencies first, each once; built-ins are rejected. */
export function resolveModules(names: readonly string[], k: DebianKernel = 'arm64-6.1'): { name: string; file: string }[] {
  const idx = moduleIndex(k);
  const builtin = builtinModules(k);
  const out: { name: string; file: string }[] = [];
  const seen = new Set<string>();
  const visit = (raw: string, chain: string[]): void => {
    const name = canon(raw);
    if (seen.has(name)) return;
    const file = idx.get(name);
    if (!file) {
      throw new Error(builtin.has(name) ? `module ${name} is built into ${kernelRelease(k)}` : `no module ${name} in ${modulesDir(k)}`);
    }
    if (chain.includes(name)) throw new Error(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    for (const d of moduleDepends(file)) visit(d, [...chain, name]);
    seen.add(name);
    out.push({ name, file });
  };
  for (const n of names) visit(n, []);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The initramfs.

export interface InitramfsOptions {
  steps: readonly InitStep[];
  settleSeconds: number;
  /** After the truth block: power off (default), or keep a shell on the console (end-to-end tests). */
  finally?: 'poweroff' | 'shell';
  truthVia?: 'console' | 'kmsg';
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The /init script; everything the board does after the kernel hands over is in here. */
export function initScript(opts: InitramfsOptions, modules: { name: string }[], k: DebianKernel = 'arm64-6.1'): string {
  const L: string[] = [];
  L.push('#!/bin/busybox sh');
  L.push('/bin/busybox --install -s /bin');
  L.push('export PATH=/bin');
  L.push('mkdir -p /proc /sys /dev /tmp');
  L.push('mount -t proc proc /proc');
  L.push('mount -t sysfs sysfs /sys');
  L.push('mount -t debugfs debugfs /sys/kernel/debug');
  L.push('mount -t devtmpfs devtmpfs /dev 2>/dev/null');
  // Each write to /dev/kmsg is one printk record, so nothing can split a line and no quieting is needed.
  const kmsg = opts.truthVia === 'kmsg';
  if (kmsg) L.push('exec >/dev/kmsg 2>&1');
  L.push("up() { cut -d' ' -f1 /proc/uptime; }");
  // debugfs files report size 0, so emptiness is judged on the content.
  L.push('pending() { [ -n "$(cat /sys/kernel/debug/devices_deferred 2>/dev/null)" ]; }');
  L.push("secs() { cut -d. -f1 /proc/uptime; }");
  L.push('t0=$(secs)');
  L.push('elapsed() { echo $(( $(secs) - t0 )); }');
  // A device leaves devices_deferred before its retry has run, so an empty list must stay empty a
  // moment (the retry binds it or puts it back) before the truth is taken.
  L.push('settle() { while :; do while pending; do [ "$(elapsed)" -ge "$1" ] && return; sleep 0.2; done; sleep 1; pending || return; done; }');
  L.push('waitlog() { until dmesg | grep -qE "$1"; do [ "$(elapsed)" -ge "$2" ] && break; sleep 0.2; done; }');
  L.push('echo "LAB: init started at uptime $(up)"');
  const known = new Set(modules.map((m) => m.name));
  const loaded = new Set<string>();
  for (const step of opts.steps) {
    switch (step.kind) {
      case 'insmod': {
        if (isBuiltinModule(step.module, k)) {
          L.push(`echo "LAB: ${canon(step.module)} is built into this kernel"`);
          break;
        }
        // Its dependencies go in first, as modprobe would load them.
        for (const dep of resolveModules([step.module], k)) {
          if (loaded.has(dep.name)) continue;
          if (!known.has(dep.name)) throw new Error(`module ${dep.name} was not resolved`);
          loaded.add(dep.name);
          const args = dep.name === canon(step.module) && step.args ? ` ${step.args}` : '';
          L.push(`echo "LAB: insmod ${dep.name} at uptime $(up)"`);
          L.push(`insmod /lib/modules/${dep.name}.ko${args} || echo "LAB: insmod ${dep.name} failed"`);
        }
        break;
      }
      case 'sleep':
        L.push(`sleep ${step.seconds}`);
        break;
      case 'settle':
        L.push(`settle ${Math.ceil(step.maxSeconds)}`);
        break;
      case 'wait-log':
        L.push(`waitlog ${shQuote(step.pattern)} ${Math.ceil(step.maxSeconds)}`);
        L.push(`echo "LAB: waited for ${step.pattern.replace(/["`$\\]/g, '.')} until uptime $(up)"`);
        break;
      case 'shell':
        L.push(step.command);
        break;
    }
  }
  L.push(`settle ${Math.ceil(opts.settleSeconds)}`);
  // Quiet the console while the block prints so kernel lines cannot split its lines.
  if (!kmsg) L.push('dmesg -n 1');
  L.push(`echo ${shQuote(TRUTH_BEGIN)}`);
  L.push('echo "LAB:release $(uname -r)"');
  L.push('echo "LAB:uptime $(up)"');
  L.push('cat /sys/kernel/debug/devices_deferred | while IFS= read -r l; do echo "LAB:deferred $l"; done');
  L.push('for g in /sys/kernel/iommu_groups/*; do [ -d "$g/devices" ] || continue; for d in "$g"/devices/*; do [ -e "$d" ] && echo "LAB:group ${g##*/} ${d##*/}"; done; done');
  L.push('for bus in platform amba pci virtio; do for d in /sys/bus/$bus/devices/*; do [ -e "$d" ] || continue;');
  L.push('  drv=-; [ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")");');
  L.push('  node=-; [ -e "$d/of_node" ] && node=$(readlink "$d/of_node");');
  L.push('  echo "LAB:dev $bus ${d##*/} $drv $node"; done; done');
  L.push(`echo ${shQuote(TRUTH_END)}`);
  if (opts.finally === 'shell') {
    L.push('dmesg -n 7');
    L.push('echo "LAB: shell"');
    L.push('exec setsid cttyhack sh');
  } else {
    L.push('poweroff -f');
  }
  return L.join('\n') + '\n';
}

function sha256(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(typeof p === 'string' ? Buffer.from(p) : p);
    h.update('\0');
  }
  return h.digest('hex');
}

/** Builds (or reuses, by content hash) the gzipped newc initramfs; returns its path. */
export function buildInitramfs(opts: InitramfsOptions, k: DebianKernel = 'arm64-6.1'): string {
  const wanted = opts.steps.flatMap((s) => (s.kind === 'insmod' && !isBuiltinModule(s.module, k) ? [s.module] : []));
  const modules = resolveModules(wanted, k);
  const script = initScript(opts, modules, k);
  // busybox-static of the kernel's own architecture, unpacked beside it.
  const busyboxPath = join(kernelRoot(k), 'bin', 'busybox');
  if (!existsSync(busyboxPath)) throw new Error(`no ${busyboxPath}: run scripts/install-system-deps.sh lab`);
  const busybox = readFileSync(busyboxPath);
  const moduleData = modules.map((m) => ({ ...m, data: moduleBytes(m.file) }));
  const key = sha256('initramfs-v3', script, busybox, ...moduleData.flatMap((m) => [m.name, m.data]));
  const dir = join(labCacheDir, 'initramfs');
  const out = join(dir, `${key.slice(0, 24)}.cpio.gz`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const entries: CpioEntry[] = [
    { kind: 'dir', path: 'bin' },
    { kind: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    { kind: 'dir', path: 'dev' },
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'chardev', path: 'dev/null', major: 1, minor: 3, mode: 0o666 },
    { kind: 'chardev', path: 'dev/kmsg', major: 1, minor: 11, mode: 0o644 },
    { kind: 'dir', path: 'lib' },
    { kind: 'dir', path: 'lib/modules' },
    ...moduleData.map((m): CpioEntry => ({ kind: 'file', path: `lib/modules/${m.name}.ko`, data: m.data })),
    { kind: 'dir', path: 'proc' },
    { kind: 'dir', path: 'sys' },
    { kind: 'dir', path: 'tmp', mode: 0o1777 },
    { kind: 'file', path: 'init', data: Buffer.from(script), mode: 0o755 },
  ];
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, writeNewcGz(entries));
  renameSync(tmp, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Device trees.

/** Fails with the one instruction that fixes a machine without the lab's host parts. */
const KERNEL_PARTS: Record<DebianKernel, SystemPart[]> = {
  'arm64-6.1': ['qemu', 'kernel-arm64', 'busybox-arm64'],
  'arm64-6.12': ['qemu', 'kernel-arm64-6.12', 'busybox-arm64'],
  'armhf-6.1': ['qemu-arm', 'kernel-armhf', 'busybox-armhf'],
};

/** The system parts booting on kernel `k` needs (for requireSystem at a test file's top). */
export function labParts(k: DebianKernel = 'arm64-6.1'): SystemPart[] {
  return ['dtc', 'cpio', ...KERNEL_PARTS[k]];
}

/** Fails with the one instruction that fixes a machine without the lab's host parts. */
export function assertLabReady(k: DebianKernel = 'arm64-6.1'): void {
  requireSystem(...labParts(k));
  kernelImage(k);
  modulesDir(k);
}

/** Compiles a DTS under test/lab/boards (or an absolute path) with dtc; returns the DTB path. */
export function compileDts(dts: string): string {
  const src = resolve(boardsDir, dts);
  const dir = join(labCacheDir, 'dtb');
  mkdirSync(dir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'lab-dtb-'));
  try {
    const out = join(tmp, 'board.dtb');
    const r = spawnSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-i', dirname(src), '-i', boardsDir, '-o', out, src], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`dtc failed on ${src}:\n${r.stderr}`);
    const data = readFileSync(out);
    const final = join(dir, `${sha256(data).slice(0, 24)}.dtb`);
    if (!existsSync(final)) writeFileSync(final, data);
    return final;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The DTB handed to QEMU: the scenario's DTS compiled, or the DTB Debian ships with kernel `k`. */
export function scenarioDtb(s: Scenario, k: DebianKernel = scenarioKernels(s)[0]!): string | null {
  if (s.dts) return compileDts(s.dts);
  if (s.debianDtb) {
    const p = join(debianDtbDir(k), s.debianDtb);
    if (!existsSync(p)) throw new Error(`Debian ships no ${s.debianDtb} (looked in ${debianDtbDir(k)})`);
    return p;
  }
  return null;
}

/** QEMU's own tree for `-M virt,iommu=smmuv3` (1 CPU cortex-a57, 1 GiB), as DTB bytes. */
export function dumpVirtDtb(): Buffer {
  const tmp = mkdtempSync(join(tmpdir(), 'lab-dump-'));
  try {
    const out = join(tmp, 'virt.dtb');
    const r = spawnSync(QEMU, [...MACHINES.virt.args, '-M', `virt,iommu=smmuv3,dumpdtb=${out}`, '-nographic'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    if (!existsSync(out)) throw new Error(`qemu did not dump its DTB: ${r.stderr}`);
    return readFileSync(out);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** dtc's decompilation of a DTB (dtc -I dtb -O dts). */
export function decompileDtb(dtb: Uint8Array): string {
  const r = spawnSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', '-'], { input: dtb, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dtc could not decompile: ${r.stderr}`);
  return r.stdout;
}

// ---------------------------------------------------------------------------------------------
// QEMU.

/** The console wiring: every UART before the console's to nothing, the console's to `backend`. */
export function consoleSerialArgs(s: Scenario, backend: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < (s.consoleSerial ?? MACHINES[s.machine].consoleSerial); i++) out.push('-serial', 'null');
  out.push('-serial', backend);
  return out;
}

export interface BootOptions {
  /** The kernel to boot (one of the machine's; default its first). */
  kernel?: DebianKernel;
  /** Override the scenario's host limit. */
  timeoutSeconds?: number;
  finally?: 'poweroff' | 'shell';
  /** Extra command line appended last. */
  extraCmdline?: string;
}

export interface PreparedBoot {
  qemu: MachineSpec['qemu'];
  kernel: DebianKernel;
  argv: string[];
  dtb: string | null;
  initramfs: string;
  cmdline: string;
}

/** Boards with sound hardware (zcu102's DisplayPort) would otherwise probe the host's audio. */
function qemuEnv(): NodeJS.ProcessEnv {
  return { ...process.env, QEMU_AUDIO_DRV: 'none' };
}

export function baseCmdline(s: Scenario): string {
  return `console=${s.console ?? MACHINES[s.machine].console} loglevel=8 panic=-1`;
}

/** Everything but the console wiring: the same board for captured boots, ptys and TCP consoles. */
export function prepareBoot(s: Scenario, opts: BootOptions = {}): PreparedBoot {
  const machine = MACHINES[s.machine];
  const kernel = opts.kernel ?? machine.kernels[0]!;
  if (!machine.kernels.includes(kernel)) throw new Error(`${s.name}: ${s.machine} runs ${machine.kernels.join(' or ')}, not ${kernel}`);
  assertLabReady(kernel);
  const dtb = scenarioDtb(s, kernel);
  const initramfs = buildInitramfs({ steps: s.steps, settleSeconds: s.settleSeconds, finally: opts.finally, truthVia: s.truthVia }, kernel);
  const kmsgArgs = s.truthVia === 'kmsg' ? 'printk.devkmsg=on' : '';
  const cmdline = [baseCmdline(s), kmsgArgs, s.cmdline, opts.extraCmdline ?? ''].filter(Boolean).join(' ');
  const argv = [...machine.args, '-kernel', kernelImage(kernel), '-initrd', initramfs, '-append', cmdline];
  if (dtb) argv.push('-dtb', dtb);
  if (s.pciNet) {
    if (s.machine !== 'virt') throw new Error('pciNet needs the virt machine');
    argv.push('-device', 'virtio-net-pci,netdev=n0,disable-legacy=on,iommu_platform=on,romfile=', '-netdev', 'user,id=n0,restrict=on');
  }
  if (s.qemuArgs) argv.push(...s.qemuArgs);
  return { qemu: machine.qemu, kernel, argv, dtb, initramfs, cmdline };
}

/**
 * The tree the kernel really gets: QEMU's boot code (hw/arm/boot.c and the machine's own hook) edits a
 * `-dtb` before handing it over (memory, /chosen with bootargs and the initrd, the PSCI method, firmware
 * nodes it cannot serve), and `-machine <board>,dumpdtb=FILE` with the very same arguments writes that
 * tree and exits. Returned as DTB bytes, repacked by dtc (QEMU's buffer has free space at its end).
 */
export function dumpBootDtb(s: Scenario, opts: BootOptions = {}): Buffer {
  const prep = prepareBoot(s, opts);
  const tmp = mkdtempSync(join(tmpdir(), 'lab-dump-'));
  try {
    const raw = join(tmp, 'raw.dtb');
    const machineOpt = MACHINES[s.machine].args[MACHINES[s.machine].args.indexOf('-M') + 1]!;
    const r = spawnSync(prep.qemu, [...prep.argv, '-display', 'none', '-monitor', 'none', '-M', `${machineOpt},dumpdtb=${raw}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      env: qemuEnv(),
      timeout: 120_000,
    });
    if (!existsSync(raw)) throw new Error(`${s.name}: qemu did not dump the tree it hands the kernel: ${r.stderr || r.error}`);
    const packed = spawnSync('dtc', ['-q', '-I', 'dtb', '-O', 'dtb', raw], { maxBuffer: 64 << 20 });
    if (packed.status !== 0) throw new Error(`${s.name}: dtc could not read QEMU's dumped tree: ${packed.stderr.toString()}`);
    return packed.stdout;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export interface ConsoleChunk {
  /** Host receive time, ms since QEMU was started. */
  t: number;
  bytes: Buffer;
}

export interface BootResult {
  scenario: string;
  kernel: DebianKernel;
  argv: string[];
  console: Buffer;
  chunks: ConsoleChunk[];
  /** Parsed ground-truth block, or null when the boot never printed a complete one. */
  truth: TruthBlock | null;
  durationMs: number;
  exitCode: number | null;
  timedOut: boolean;
  stderr: string;
}

/** Boots the scenario once with the console on stdio; resolves when QEMU exits or is killed at the limit. */
export function bootScenario(s: Scenario, opts: BootOptions = {}): Promise<BootResult> {
  const prep = prepareBoot(s, opts);
  const argv = [...prep.argv, '-display', 'none', '-monitor', 'none', ...consoleSerialArgs(s, 'stdio')];
  const limitMs = (opts.timeoutSeconds ?? s.timeoutSeconds ?? 90) * 1000;
  return new Promise((resolveBoot, reject) => {
    const start = performance.now();
    const child = spawn(prep.qemu, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: qemuEnv() });
    const chunks: ConsoleChunk[] = [];
    let stderr = '';
    let timedOut = false;
    // Machines without PSCI SYSTEM_OFF (raspi3b) halt on `poweroff -f` instead of exiting, so the
    // end marker is the signal: give QEMU a moment to exit by itself, then end it.
    let tail = '';
    let endSeen = false;
    child.stdout.on('data', (b: Buffer) => {
      chunks.push({ t: performance.now() - start, bytes: b });
      tail = (tail + b.toString('latin1')).slice(-64);
      if (!endSeen && tail.includes(TRUTH_END)) {
        endSeen = true;
        setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 3000).unref();
      }
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const console = Buffer.concat(chunks.map((c) => c.bytes));
      resolveBoot({
        scenario: s.name,
        kernel: prep.kernel,
        argv: [prep.qemu, ...argv],
        console,
        chunks,
        truth: parseTruthBlock(console.toString('latin1')),
        durationMs: performance.now() - start,
        exitCode: code,
        timedOut,
        stderr,
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// A board on a real serial line, for end-to-end tests: paused until the test has opened the port.

export interface RunningBoard {
  /** `/dev/pts/N` (pty variant) or `tcp://127.0.0.1:PORT` (TCP variant). */
  path: string;
  process: ChildProcess;
  /** Starts the CPU (monitor `cont`); the pty variant is paused until then. */
  resume(): Promise<void>;
  /** Kills QEMU and removes its monitor socket; resolves when it has exited. */
  stop(): Promise<void>;
  /** Resolves with QEMU's exit code when it ends by itself (poweroff) or is stopped. */
  exited: Promise<number | null>;
}

function monitorCommand(sock: string, command: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((res, rej) => {
    const c = createConnection(sock);
    let sent = false;
    let greeting = '';
    const timer = setTimeout(() => {
      c.destroy();
      rej(new Error(`no monitor prompt within ${timeoutMs} ms for ${command}`));
    }, timeoutMs);
    let afterSend = '';
    c.on('data', (d) => {
      // The prompt can arrive split over several reads.
      if (sent) {
        // The monitor prints its next prompt once the command has run: only then is it safe to hang up
        // (a loaded machine may not have read the command yet when a fixed delay runs out).
        afterSend += d.toString();
        if (afterSend.includes('(qemu)')) c.end();
        return;
      }
      greeting += d.toString();
      if (greeting.includes('(qemu)')) {
        sent = true;
        c.write(`${command}\n`);
      }
    });
    c.on('close', () => {
      clearTimeout(timer);
      if (sent) res();
      else rej(new Error(`monitor closed before ${command}`));
    });
    c.on('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
  });
}

function watchExit(child: ChildProcess): Promise<number | null> {
  return new Promise((res) => {
    if (child.exitCode !== null) res(child.exitCode);
    else child.once('exit', (code) => res(code));
  });
}

function waitFor(predicate: () => boolean, child: ChildProcess, what: string, ms: number): Promise<void> {
  return new Promise((res, rej) => {
    const t0 = Date.now();
    const tick = (): void => {
      if (predicate()) return res();
      if (child.exitCode !== null) return rej(new Error(`qemu exited before ${what}`));
      if (Date.now() - t0 > ms) return rej(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/**
 * QEMU with `-serial pty`, paused (`-S`) with a monitor on a unix socket. `-no-shutdown`: when the guest
 * powers off, QEMU stops it but stays, holding the pty's master, as a USB adapter stays plugged in when
 * its board powers off. Were QEMU to exit, the master's close would hang up the line, and the kernel
 * flushes what the reader had not yet read (tty_ldisc_hangup()): on a loaded machine the last lines of
 * the boot, the truth block among them, were lost.
 */
export async function startBoardOnPty(s: Scenario, opts: BootOptions = {}): Promise<RunningBoard> {
  const prep = prepareBoot(s, opts);
  const work = mkdtempSync(join(tmpdir(), 'lab-pty-'));
  const sock = join(work, 'monitor.sock');
  const argv = [...prep.argv, '-display', 'none', '-no-shutdown', '-S', '-monitor', `unix:${sock},server=on,wait=off`, ...consoleSerialArgs(s, 'pty')];
  const child = spawn(prep.qemu, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: qemuEnv() });
  const exited = watchExit(child);
  // QEMU 7.2 announces the pty on stdout ("char device redirected to /dev/pts/N (label serial0)").
  let stderr = '';
  let stdout = '';
  let pty: string | null = null;
  const look = (): void => {
    const m = /char device redirected to (\/dev\/pts\/\d+)/.exec(stdout + stderr);
    if (m) pty = m[1]!;
  };
  child.stdout!.on('data', (b: Buffer) => {
    stdout += b.toString();
    look();
  });
  child.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
    look();
  });
  try {
    await waitFor(() => pty !== null && existsSync(sock), child, 'the pty and the monitor socket', 20_000);
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
    throw new Error(`${(e as Error).message}\n${stdout}${stderr}`);
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(work, { recursive: true, force: true });
  };
  return { path: pty!, process: child, resume: () => monitorCommand(sock, 'cont'), stop, exited };
}

export function freeTcpPort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

/**
 * QEMU with `-serial tcp:127.0.0.1:PORT,server=on,wait=on`: the guest does not start until a client
 * connects, so nothing printed is lost. `resume()` is a no-op kept for symmetry with the pty variant.
 */
export async function startBoardOnTcp(s: Scenario, opts: BootOptions & { port?: number } = {}): Promise<RunningBoard> {
  const prep = prepareBoot(s, opts);
  const port = opts.port ?? (await freeTcpPort());
  const argv = [...prep.argv, '-display', 'none', '-monitor', 'none', ...consoleSerialArgs(s, `tcp:127.0.0.1:${port},server=on,wait=on`)];
  const child = spawn(prep.qemu, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: qemuEnv() });
  const exited = watchExit(child);
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout!.resume();
  try {
    await waitFor(() => stderr.includes('waiting for connection'), child, 'the TCP console to listen', 20_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${stderr}`);
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  };
  return { path: `tcp://127.0.0.1:${port}`, process: child, resume: async () => {}, stop, exited };
}
