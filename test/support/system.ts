// Where the tests find the real parts scripts/install-system-deps.sh installed: Debian's arm64 kernel
// package (vmlinuz, modules, DTBs), the kernel's DTS sources, and host tools.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export const cacheDir = process.env.BRINGUP_CACHE ?? join(homedir(), '.cache', 'bringup-workbench');
export const kernelSourceDir = join(cacheDir, 'linux-source-6.1');
export const arm64Root = join(cacheDir, 'arm64', 'root');

export function kernelPackage(): string {
  return readFileSync(join(cacheDir, 'arm64', 'kernel-package'), 'utf8').trim();
}

/** Debian's DTB folder: usr/lib/linux-image-<version>/ */
export function debianDtbDir(): string {
  const lib = join(arm64Root, 'usr', 'lib');
  const d = readdirSync(lib).find((n) => n.startsWith('linux-image-'));
  if (!d) throw new Error(`no linux-image-* folder under ${lib}: run scripts/install-system-deps.sh`);
  return join(lib, d);
}

export function kernelImage(): string {
  const boot = join(arm64Root, 'boot');
  const f = readdirSync(boot).find((n) => n.startsWith('vmlinuz-'));
  if (!f) throw new Error(`no vmlinuz-* under ${boot}: run scripts/install-system-deps.sh`);
  return join(boot, f);
}

export function kernelConfig(): string {
  const boot = join(arm64Root, 'boot');
  const f = readdirSync(boot).find((n) => n.startsWith('config-'));
  if (!f) throw new Error(`no config-* under ${boot}`);
  return join(boot, f);
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
    what: `the kernel's DTS tree in ${kernelSourceDir}`,
    package: 'linux-source-6.1',
    group: 'dt',
    present: () => existsSync(join(kernelSourceDir, 'scripts', 'dtc', 'include-prefixes')),
  },
  'kernel-arm64': {
    what: `Debian's arm64 kernel package unpacked in ${arm64Root}`,
    package: 'the linux-image-*-arm64:arm64 package linux-image-arm64:arm64 depends on',
    group: 'lab',
    present: () => existsSync(join(cacheDir, 'arm64', '.complete')),
  },
  'busybox-arm64': { what: 'busybox for the lab initramfs', package: 'busybox-static:arm64', group: 'lab', present: () => existsSync(join(arm64Root, 'bin', 'busybox')) },
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
