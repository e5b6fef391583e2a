// Where the tests, benches and lab scripts find the real parts scripts/install-system-deps.sh installed:
// Debian's kernel packages (vmlinuz, modules, DTBs: arm64 6.1 and 6.12, armhf armmp), the kernel sources,
// and host tools.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export const cacheDir = process.env.BRINGUP_CACHE ?? join(homedir(), '.cache', 'bringup-workbench');

/** The Debian kernels the lab boots and the corpus reads, each unpacked under cacheDir/<folder>/root. */
export type DebianKernel = 'arm64-6.1' | 'arm64-6.12' | 'armhf-6.1';
const KERNEL_FOLDER: Record<DebianKernel, string> = { 'arm64-6.1': 'arm64', 'arm64-6.12': 'arm64-6.12', 'armhf-6.1': 'armhf' };

/** linux-source-<version> unpacked (DTS, headers, drivers, arch/arm and arch/arm64). */
export function kernelSource(version: '6.1' | '6.12'): string {
  return join(cacheDir, `linux-source-${version}`);
}
export const kernelSourceDir = kernelSource('6.1');

/**
 * The kernel tree whose DTS `k`'s DTBs were built from: linux-source-<version>, unless the installer found
 * the kernel package at another version than the source package and unpacked that version's DTS in
 * <kernel folder>/dts-source (scripts/install-system-deps.sh, kernel_dts_source).
 */
export function kernelDtsSource(k: DebianKernel, version: '6.1' | '6.12'): string {
  const own = join(cacheDir, KERNEL_FOLDER[k], 'dts-source');
  return existsSync(join(own, '.version')) ? own : kernelSource(version);
}

export function kernelRoot(k: DebianKernel): string {
  return join(cacheDir, KERNEL_FOLDER[k], 'root');
}
export const arm64Root = kernelRoot('arm64-6.1');

/** The package build that was unpacked (information: tests judge behaviour, never this). */
export function kernelPackage(k: DebianKernel = 'arm64-6.1'): string {
  return readFileSync(join(cacheDir, KERNEL_FOLDER[k], 'kernel-package'), 'utf8').trim();
}

/** Debian's DTB folder: usr/lib/linux-image-<version>/ */
export function debianDtbDir(k: DebianKernel = 'arm64-6.1'): string {
  const lib = join(kernelRoot(k), 'usr', 'lib');
  const d = readdirSync(lib).find((n) => n.startsWith('linux-image-'));
  if (!d) throw new Error(`no linux-image-* folder under ${lib}: run scripts/install-system-deps.sh`);
  return join(lib, d);
}

function bootFile(k: DebianKernel, prefix: string): string {
  const boot = join(kernelRoot(k), 'boot');
  const f = readdirSync(boot).find((n) => n.startsWith(prefix));
  if (!f) throw new Error(`no ${prefix}* under ${boot}: run scripts/install-system-deps.sh`);
  return join(boot, f);
}

export function kernelImage(k: DebianKernel = 'arm64-6.1'): string {
  return bootFile(k, 'vmlinuz-');
}

export function kernelConfig(k: DebianKernel = 'arm64-6.1'): string {
  return bootFile(k, 'config-');
}

/**
 * The system parts the tests use, each with what provides it and which install group of
 * scripts/install-system-deps.sh brings it. A test file that needs one calls requireSystem() at its top,
 * so a missing part fails that file with one line naming it instead of a spawn error deep in a test.
 */
const SYSTEM_PARTS = {
  dtc: { what: 'the dtc program', package: 'device-tree-compiler', group: 'dt', present: () => onPath('dtc') },
  fdtoverlay: { what: 'the fdtoverlay program', package: 'device-tree-compiler', group: 'dt', present: () => onPath('fdtoverlay') },
  cpp: { what: 'the C preprocessor', package: 'cpp', group: 'dt', present: () => onPath('cpp') },
  'linux-source-6.1': {
    what: `the kernel's sources in ${kernelSource('6.1')}`,
    package: 'linux-source-6.1',
    group: 'dt',
    present: () => existsSync(join(kernelSource('6.1'), 'scripts', 'dtc', 'include-prefixes')),
  },
  'linux-source-6.12': {
    what: `the kernel's sources in ${kernelSource('6.12')}`,
    package: 'linux-source-6.12',
    group: 'dt',
    present: () => existsSync(join(kernelSource('6.12'), 'scripts', 'dtc', 'include-prefixes')),
  },
  'kernel-arm64': {
    what: `Debian's arm64 6.1 kernel package unpacked in ${kernelRoot('arm64-6.1')}`,
    package: 'the linux-image-*-arm64:arm64 package linux-image-arm64:arm64 depends on',
    group: 'lab',
    present: () => existsSync(join(cacheDir, KERNEL_FOLDER['arm64-6.1'], '.complete')),
  },
  'kernel-arm64-6.12': {
    what: `Debian's arm64 6.12 kernel package unpacked in ${kernelRoot('arm64-6.12')}`,
    package: 'the package linux-image-6.12-arm64:arm64 depends on',
    group: 'lab',
    present: () => existsSync(join(cacheDir, KERNEL_FOLDER['arm64-6.12'], '.complete')),
  },
  'kernel-armhf': {
    what: `Debian's armmp kernel package unpacked in ${kernelRoot('armhf-6.1')}`,
    package: 'the package linux-image-armmp:armhf depends on',
    group: 'lab',
    present: () => existsSync(join(cacheDir, KERNEL_FOLDER['armhf-6.1'], '.complete')),
  },
  'busybox-arm64': { what: 'busybox for the lab initramfs', package: 'busybox-static:arm64', group: 'lab', present: () => existsSync(join(arm64Root, 'bin', 'busybox')) },
  'busybox-armhf': { what: 'busybox for the arm32 lab initramfs', package: 'busybox-static:armhf', group: 'lab', present: () => existsSync(join(kernelRoot('armhf-6.1'), 'bin', 'busybox')) },
  'qemu-arm': { what: 'qemu-system-arm', package: 'qemu-system-arm', group: 'lab', present: () => onPath('qemu-system-arm') },
  qemu: { what: 'qemu-system-aarch64', package: 'qemu-system-arm', group: 'lab', present: () => onPath('qemu-system-aarch64') },
  cpio: { what: 'the cpio program', package: 'cpio', group: 'lab', present: () => onPath('cpio') },
  socat: { what: 'the socat program (real ptys)', package: 'socat', group: 'e2e', present: () => onPath('socat') },
  ser2net: { what: 'the ser2net program (RFC 2217)', package: 'ser2net', group: 'e2e', present: () => onPath('ser2net') },
  chromium: {
    what: `Chromium at ${process.env.BRINGUP_CHROMIUM ?? '/usr/bin/chromium'}`,
    package: 'chromium',
    group: 'e2e',
    present: () => existsSync(process.env.BRINGUP_CHROMIUM ?? '/usr/bin/chromium'),
  },
  labgrid: {
    what: `labgrid (coordinator, exporter, client) in ${join(cacheDir, 'labgrid', 'venv')}`,
    package: 'labgrid from PyPI, pinned',
    group: 'labgrid',
    present: () => existsSync(join(cacheDir, 'labgrid', 'venv', 'bin', 'labgrid-client')),
  },
  bindings: {
    what: `dtschema (dt-validate, dt-mk-schema) in ${join(cacheDir, 'dtschema')}`,
    package: 'dtschema from PyPI, pinned in scripts/install-dtschema.sh',
    group: 'bindings',
    present: () => existsSync(join(cacheDir, 'dtschema')) && readdirSync(join(cacheDir, 'dtschema'), { withFileTypes: true }).some((d) => d.name.startsWith('venv-') && existsSync(join(cacheDir, 'dtschema', d.name, '.complete'))),
  },
  xmllint: { what: 'the xmllint program', package: 'libxml2-utils', group: 'e2e', present: () => onPath('xmllint') },
} as const;

export type SystemPart = keyof typeof SYSTEM_PARTS;

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, tool)));
}

/** The parts among `parts` that this machine lacks, each as one line naming it and its fix. */
export function missingSystemParts(...parts: SystemPart[]): string[] {
  return parts
    .filter((p) => !SYSTEM_PARTS[p].present())
    .map((p) => {
      const s = SYSTEM_PARTS[p];
      return `missing system dependency ${p}: ${s.what} (Debian: ${s.package}); run: bash scripts/install-system-deps.sh ${s.group}`;
    });
}

/** Throws one line per missing part; call at the top of a test file that needs them. */
export function requireSystem(...parts: SystemPart[]): void {
  const missing = missingSystemParts(...parts);
  if (missing.length) throw new Error(missing.join('\n'));
}
