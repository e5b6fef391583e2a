// The `bringup predict` flags, shared with `bringup compare`: how a command line becomes PredictOptions
// (kernel profile, the shipped driver catalog, a .config, the kernel command line, module plan, what-if
// overrides). Node-only: reads the catalog and config files through the CLI's io.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, type FlagSpec } from './args';
import type { CliIo } from './io';
import {
  catalogVersionFor,
  decodeCatalog, KERNEL_VERSIONS, parseAssumedOutcome, parseKernelConfig,
  type Assumption, type DriverCatalog, type DriverOverride, type IommuPolicy, type PciFunctionSpec, type PredictOptions,
} from '../engine/probe/index';

export const PREDICT_FLAGS: FlagSpec[] = [
  { names: ['--kernel', '-k'], key: 'kernel', kind: 'string' },
  { names: ['--config'], key: 'config', kind: 'string' },
  { names: ['--catalog'], key: 'catalog', kind: 'string' },
  { names: ['--cmdline'], key: 'cmdline', kind: 'string' },
  { names: ['--modules-loaded'], key: 'modules', kind: 'list' },
  { names: ['--assume'], key: 'assume', kind: 'list' },
  { names: ['--driver'], key: 'driver', kind: 'list' },
  { names: ['--status'], key: 'status', kind: 'list' },
  { names: ['--iommu-policy'], key: 'iommuPolicy', kind: 'list' },
  { names: ['--iommu-contexts'], key: 'iommuContexts', kind: 'list' },
  { names: ['--pci'], key: 'pci', kind: 'list' },
];

export const PREDICT_USAGE = `predict options:
  --kernel V               kernel profile: ${KERNEL_VERSIONS.join(' | ')} (default 6.1)
  --config FILE            kernel .config (built-in / module / absent per driver); default: every driver built in
  --catalog FILE           driver catalog JSON (default: the shipped resources/kernel/<V>/drivers.json for
                           --kernel, else the newest shipped one not newer than it)
  --cmdline "..."          kernel command line (fw_devlink=, fw_devlink.strict=, deferred_probe_timeout=,
                           initcall_blacklist=, iommu.passthrough=, ...)
  --modules-loaded a,b@12  modules userspace loads, in order (name@SECONDS loads it at that kernel time)
  --assume NODE=OUTCOME    a device's own probe outcome: ok | absent | defer[:N] | fail:-ERRNO (repeatable;
                           NODE is a DT path, a label or a kernel device name)
  --driver NAME=STATE      driver (or module, or CONFIG_ symbol) forced to missing | builtin | module
  --status NODE=okay|disabled   override a node's status
  --iommu-policy NODE=kernel|optional|mandatory   IOMMU policy per master ('*' for all)
  --iommu-contexts NODE=N  contexts an IOMMU instance can hand out
  --pci BDF[=DRIVER][@HOST]  a PCI function behind a host bridge (e.g. 0000:00:01.0=virtio-pci)
`;

function splitKv(text: string, flag: string): [string, string] {
  const eq = text.lastIndexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} takes NAME=VALUE (got "${text}")`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** resources/kernel/<version>/drivers.json next to the CLI bundle or the source tree. */
export function shippedCatalogPath(version = '6.1'): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here, i = 0; i < 6; i++, dir = dirname(dir)) {
    const p = join(dir, 'resources', 'kernel', version, 'drivers.json');
    if (existsSync(p)) return p;
  }
  return null;
}

export function shippedCatalogVersions(): string[] {
  const p = shippedCatalogPath();
  if (!p) return [];
  return readdirSync(dirname(dirname(p)));
}

const catalogCache = new Map<string, DriverCatalog>();

export function loadCatalog(path: string, io: CliIo): DriverCatalog {
  const cached = catalogCache.get(path);
  if (cached) return cached;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(io.readFile(path)));
  } catch (e) {
    throw new UsageError(`cannot read driver catalog ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const c = decodeCatalog(json);
  catalogCache.set(path, c);
  return c;
}

/** Flags (from parseArgs with PREDICT_FLAGS) → PredictOptions. Throws UsageError on bad values. */
export function predictOptionsFromFlags(flags: Record<string, string | boolean | string[] | undefined>, io: CliIo): PredictOptions {
  const opts: PredictOptions = {};
  const kernel = (flags.kernel as string | undefined) ?? '6.1';
  if (!KERNEL_VERSIONS.includes(kernel as never) && !/^v?\d+\.\d+/.test(kernel)) throw new UsageError(`--kernel takes one of ${KERNEL_VERSIONS.join(', ')} or a version number (got "${kernel}")`);
  opts.kernel = kernel;
  const shippedVersion = catalogVersionFor(kernel, shippedCatalogVersions());
  const catalogPath = (flags.catalog as string | undefined) ?? (shippedVersion ? shippedCatalogPath(shippedVersion) : null);
  if (catalogPath) opts.catalog = loadCatalog(catalogPath, io);
  if (typeof flags.config === 'string') {
    let text: string;
    try {
      text = new TextDecoder().decode(io.readFile(flags.config));
    } catch (e) {
      throw new UsageError(`cannot read --config ${flags.config}: ${e instanceof Error ? e.message : String(e)}`);
    }
    opts.config = parseKernelConfig(text);
  }
  if (typeof flags.cmdline === 'string') opts.cmdline = flags.cmdline;
  const mods = (flags.modules as string[] | undefined) ?? [];
  opts.modulesLoaded = mods.flatMap((m) => m.split(',')).map((m) => m.trim()).filter(Boolean);
  const assume: Assumption[] = [];
  for (const a of (flags.assume as string[] | undefined) ?? []) {
    const [target, value] = splitKv(a, '--assume');
    const outcome = parseAssumedOutcome(value);
    if (!outcome) throw new UsageError(`--assume ${a}: outcome must be ok, absent, defer[:N] or fail:-ERRNO`);
    assume.push({ target, outcome });
  }
  opts.assume = assume;
  const drivers: Record<string, DriverOverride> = {};
  for (const d of (flags.driver as string[] | undefined) ?? []) {
    const [name, v] = splitKv(d, '--driver');
    if (v !== 'missing' && v !== 'builtin' && v !== 'module') throw new UsageError(`--driver ${d}: state must be missing, builtin or module`);
    drivers[name] = v;
  }
  opts.drivers = drivers;
  const status: Record<string, 'okay' | 'disabled'> = {};
  for (const s of (flags.status as string[] | undefined) ?? []) {
    const [node, v] = splitKv(s, '--status');
    if (v !== 'okay' && v !== 'disabled') throw new UsageError(`--status ${s}: must be okay or disabled`);
    status[node] = v;
  }
  opts.nodeStatus = status;
  const policy: Record<string, IommuPolicy> = {};
  for (const s of (flags.iommuPolicy as string[] | undefined) ?? []) {
    const [node, v] = splitKv(s, '--iommu-policy');
    if (v !== 'kernel' && v !== 'optional' && v !== 'mandatory') throw new UsageError(`--iommu-policy ${s}: must be kernel, optional or mandatory`);
    policy[node] = v;
  }
  opts.iommuPolicy = policy;
  const contexts: Record<string, number> = {};
  for (const s of (flags.iommuContexts as string[] | undefined) ?? []) {
    const [node, v] = splitKv(s, '--iommu-contexts');
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--iommu-contexts ${s}: N must be a non-negative integer`);
    contexts[node] = n;
  }
  opts.iommuContexts = contexts;
  const pci: PciFunctionSpec[] = [];
  for (const p of (flags.pci as string[] | undefined) ?? []) {
    const m = /^([0-9a-fA-F:.]+)(?:=([^@]*))?(?:@(.+))?$/.exec(p);
    if (!m) throw new UsageError(`--pci ${p}: expected BDF[=DRIVER][@HOST]`);
    const spec: PciFunctionSpec = { bdf: m[1]!, driver: m[2] ? m[2] : null };
    if (m[3]) spec.host = m[3];
    pci.push(spec);
  }
  opts.pciFunctions = pci;
  return opts;
}
