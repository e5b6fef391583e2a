// Where the tests find the real parts scripts/install-system-deps.sh installed: Debian's arm64 kernel
// package (vmlinuz, modules, DTBs), the kernel's DTS sources, and host tools.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

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

export function haveTool(path: string): boolean {
  return existsSync(path);
}
