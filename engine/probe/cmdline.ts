// The kernel command-line knobs the probe model reads (Documentation/admin-guide/kernel-parameters.txt):
// deferred_probe_timeout= (dd.c), fw_devlink= / fw_devlink.strict= (core.c), initcall_blacklist=
// (init/main.c), iommu.passthrough= / iommu.strict= (drivers/iommu/iommu.c), driver_async_probe=.
// Rules: docs/kernel-model.md §Initcalls and driver registration, §Suppliers and fw_devlink, §Deferral and the timeout.
import type { FwDevlinkMode } from './profile';

export interface CmdlineKnobs {
  deferredProbeTimeout: number | null;
  fwDevlink: FwDevlinkMode | null;
  fwDevlinkStrict: boolean | null;
  initcallBlacklist: string[];
  iommuPassthrough: boolean | null;
  iommuStrict: boolean | null;
  driverAsyncProbe: string[];
  /** Everything else, as written (key → value or true). */
  other: Map<string, string | true>;
}

function bool(v: string): boolean | null {
  if (/^(1|y|yes|on|true)$/i.test(v)) return true;
  if (/^(0|n|no|off|false)$/i.test(v)) return false;
  return null;
}

/** Splits like the kernel's next_arg(): spaces separate, double quotes group (dyndbg="..."). */
export function splitCmdline(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let any = false;
  for (const ch of text) {
    if (ch === '"') {
      quoted = !quoted;
      any = true;
      continue;
    }
    if (!quoted && /\s/.test(ch)) {
      if (any) out.push(cur);
      cur = '';
      any = false;
      continue;
    }
    cur += ch;
    any = true;
  }
  if (any) out.push(cur);
  return out;
}

export function parseCmdline(text: string): CmdlineKnobs {
  const knobs: CmdlineKnobs = {
    deferredProbeTimeout: null, fwDevlink: null, fwDevlinkStrict: null, initcallBlacklist: [],
    iommuPassthrough: null, iommuStrict: null, driverAsyncProbe: [], other: new Map(),
  };
  for (const arg of splitCmdline(text)) {
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg : arg.slice(0, eq);
    const value = eq < 0 ? '' : arg.slice(eq + 1);
    switch (key.replace(/-/g, '_')) {
      case 'deferred_probe_timeout': {
        const n = Number.parseInt(value, 10);
        if (Number.isFinite(n)) knobs.deferredProbeTimeout = n;
        break;
      }
      case 'fw_devlink':
        if (value === 'off' || value === 'permissive' || value === 'on' || value === 'rpm') knobs.fwDevlink = value;
        break;
      case 'fw_devlink.strict':
        knobs.fwDevlinkStrict = bool(value);
        break;
      case 'initcall_blacklist':
        knobs.initcallBlacklist.push(...value.split(',').filter(Boolean));
        break;
      case 'iommu.passthrough':
        knobs.iommuPassthrough = bool(value);
        break;
      case 'iommu.strict':
        knobs.iommuStrict = bool(value);
        break;
      case 'driver_async_probe':
        knobs.driverAsyncProbe.push(...value.split(',').filter(Boolean));
        break;
      default:
        knobs.other.set(key, eq < 0 ? true : value);
    }
  }
  return knobs;
}
