// What a prediction is asked: the kernel (profile, driver catalog, .config), its command line, the modules
// userspace loads, and the what-if overrides an engineer sets (a driver missing/built-in/module, a device's
// probe outcome, a node's status, IOMMU policy and contexts). Plain data so it crosses IPC unchanged.
// Rules: docs/kernel-model.md §Modules, §Outcomes (assumed outcomes, what-if policy).
import type { DriverCatalog, KernelConfig } from './catalog';
import type { PciFunctionSpec } from './populate';
import type { KernelProfile } from './profile';

/** What the device's own driver probe returns (the driver is the part the model cannot see). */
export type AssumedOutcome =
  | { kind: 'ok' }
  /**
   * The hardware is not there: probe returns -ENODEV ("rejects match"). An AMBA cell whose ID the tree
   * does not give never gets that far: its ID registers read nothing, so it stays deferred (amba.ts).
   */
  | { kind: 'absent' }
  /** The driver returns -EPROBE_DEFER this many times (Infinity: always), then probes fine. */
  | { kind: 'defer'; times: number }
  | { kind: 'fail'; errno: number };

export interface Assumption {
  /** DT path (`/soc/gpio@1000`) or kernel device name (`1000.gpio`). */
  target: string;
  outcome: AssumedOutcome;
}

export type DriverOverride = 'missing' | 'builtin' | 'module';

/** 'kernel': what the kernel does; 'optional': a failed/absent IOMMU never holds the master; 'mandatory': the master fails without it. */
export type IommuPolicy = 'kernel' | 'optional' | 'mandatory';

export interface ModuleLoad {
  /** Module name as modprobe takes it (`-` and `_` are the same). */
  name: string;
  /** Kernel time it is loaded at; default: userspace start plus its position. */
  at?: number;
  /** Load once no device is left on the deferred list, waiting at most this many seconds after /init starts. */
  afterSettle?: number;
}

export interface PredictOptions {
  /** '2015-rfc' | '4.12' | '5.4' | '5.10' | '6.1' | '6.6' | '6.12' | 'latest' (default '6.1'); ignored when `profile` is set. */
  kernel?: string;
  profile?: KernelProfile;
  /** The driver catalog (decodeCatalog of resources/kernel/<v>/drivers.json). Without one, no device has a driver. */
  catalog?: DriverCatalog | null;
  /** A parsed `.config`; null/absent: every catalog driver is built in. */
  config?: KernelConfig | null;
  cmdline?: string;
  modulesLoaded?: (string | ModuleLoad)[];
  assume?: Assumption[];
  /** Driver name, module name or CONFIG symbol → forced availability. */
  drivers?: Record<string, DriverOverride>;
  /** DT path or device name → status override. */
  nodeStatus?: Record<string, 'okay' | 'disabled'>;
  /** Master (DT path or device name, or '*') → IOMMU policy. */
  iommuPolicy?: Record<string, IommuPolicy>;
  /** IOMMU (DT path or device name) → contexts it can hand out. */
  iommuContexts?: Record<string, number>;
  /** PCI functions behind a host bridge, as the user or a live log names them. */
  pciFunctions?: PciFunctionSpec[];
  /**
   * What the boot path left in screen_info, which sysfb_init() names its framebuffer device from
   * (init-devices.ts sysfbDevice). 'none' (the default): a non-EFI DT boot, screen_info as the kernel
   * image holds it. 'efi': the EFI stub found a GOP framebuffer and handed it over (orig_video_isVGA =
   * VIDEO_TYPE_EFI), in a pixel format SIMPLEFB_FORMATS knows and not inside a PCI display BAR.
   */
  screenInfo?: 'none' | 'efi';
}

/** Parses `ok`, `absent`, `defer`, `defer:3`, `fail:-22`, `fail:-EINVAL`. */
export function parseAssumedOutcome(text: string): AssumedOutcome | null {
  const t = text.trim();
  if (t === 'ok') return { kind: 'ok' };
  if (t === 'absent') return { kind: 'absent' };
  const d = /^defer(?:[: ](\d+))?$/.exec(t);
  if (d) return { kind: 'defer', times: d[1] ? Number(d[1]) : Number.POSITIVE_INFINITY };
  const f = /^fail(?::\s*(-?\d+|-?E[A-Z0-9]+))?$/.exec(t);
  if (f) {
    const v = f[1] ?? '-EIO';
    const n = /^-?\d+$/.test(v) ? -Math.abs(Number(v)) : errnoFromName(v.replace(/^-/, ''));
    return n === null ? null : { kind: 'fail', errno: n };
  }
  return null;
}

const ERRNO: Record<string, number> = {
  EPERM: 1, ENOENT: 2, EIO: 5, ENXIO: 6, E2BIG: 7, ENOMEM: 12, EBUSY: 16, EEXIST: 17, ENODEV: 19, EINVAL: 22,
  ENOSPC: 28, ERANGE: 34, ENOSYS: 38, ENODATA: 61, ETIMEDOUT: 110, EPROBE_DEFER: 517, EOPNOTSUPP: 95,
};

export function errnoFromName(name: string): number | null {
  const n = ERRNO[name.toUpperCase()];
  return n === undefined ? null : -n;
}

export function errnoName(errno: number): string {
  const abs = Math.abs(errno);
  for (const [k, v] of Object.entries(ERRNO)) if (v === abs) return `-${k}`;
  return String(errno);
}
