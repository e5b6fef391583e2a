// Classifies one kernel message (prefixes already stripped) into a probe event, per era: the
// driver-core sentences of drivers/base/dd.c and core.c (≤6.9 pr_debug forms and the 6.10+ dev_dbg
// forms), initcall_debug from init/main.c, IOMMU core/driver lines (drivers/iommu/iommu.c,
// arm-smmu*), fw_devlink lines. Cheap string tests dispatch first; regexes run only on candidates.
import type { BootEvent, BootEventBase } from './events';

/** An event without the per-line fields the parser adds. */
export type Recognised = DistributiveOmit<BootEvent, keyof BootEventBase> & { device?: string; driver?: string; bus?: string };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Bus and class names that a device message can carry in place of a driver name. */
const BUS_NAMES = new Set([
  'platform', 'amba', 'pci', 'usb', 'i2c', 'spi', 'virtio', 'cpu', 'serio', 'mdio_bus', 'nvmem', 'scsi',
  'mmc', 'sdio', 'spmi', 'soundwire', 'auxiliary', 'cpufreq', 'cpuidle', 'serial', 'serial-base', 'tty', 'gpio',
  'regulator', 'typec', 'ulpi', 'hid', 'mipi-dsi', 'rpmsg', 'fsl-mc', 'cdx', 'workqueue', 'memory', 'clockevents',
  'clocksource', 'event_source', 'container', 'node', 'machinecheck', 'iommu', 'dma', 'net', 'input', 'graphics',
]);

const DEVICE_NAME = /^[\w.:@,+-]+$/;

const RE = {
  probing: /^bus: '([^']+)': \w+: probing driver (\S+) with device(?: (\S+))?$/,
  matched: /^bus: '([^']+)': \w+: matched device(?: (\S+))? with driver (\S+)$/,
  busBound: /^bus: '([^']+)': \w+: bound device(?: (\S+))? to driver (\S+)$/,
  driverBound: /^driver: '([^']+)': \w+: bound to device(?: '([^']+)')?$/,
  oldFailRejects: /^(\S+): probe of (\S+) (rejects match|failed with error) (-?\d+)$/,
  newFailRejects: /^probe with driver (\S+) (rejects match|failed with error) (-?\d+)$/,
  probeReturned: /^probe of (\S+) returned (-?\d+) after (\d+) usecs$/,
  initcallReturned: /^initcall (\S+) returned (-?\d+) after (\d+) usecs$/,
  initcallBlacklisted: /^initcall (\S+) blacklisted$/,
  extended: /^Extended deferred probe timeout by (\d+) secs$/,
  linuxVersion: /^Linux version (\S+)/,
  defaultDomain: /^iommu: Default domain type: (\w+)\s*(\(set via kernel command line\))?/,
  tlbPolicy: /^iommu: DMA domain TLB invalidation policy: (\w+) mode/,
  oldGroup: /^(?:iommu: )?Adding device (\S+) to group (\d+)$/,
  retainOps: /^Failed to set up IOMMU for device (\S+); retaining platform DMA ops$/,
  fwnodeLink: /^(\S+) (Linked as a fwnode consumer to|Dropping the fwnode link to) (\S+)$/,
  nodeCycle: /^(\/\S*|\S+): Fixed dependency cycle\(s\) with (\S+)$/,
  supplier: /^(?:error (?:-EPROBE_DEFER|-517): |probe deferral - )(wait for supplier|supplier) (\S+?)(?: not ready)?$/,
  errProbeDefer: /^error (?:-EPROBE_DEFER|-517): (.*)$/,
  pending: /^deferred probe pending(?:: (.*))?$/,
  requests: /^Driver (\S+) requests probe deferral$/,
  groupAdd: /^Adding to iommu group (\d+)$/,
  groupRemove: /^Removing from iommu group (\d+)$/,
  groupFail: /^Failed to add to iommu group (\d+): (-?\d+)$/,
  iommuAddFail: /^Adding to IOMMU failed: (-?\w+)$/,
  iommuConfigFail: /^iommu configuration for device failed with (\S+)$/,
  contextBanks: /^\s*(\d+) context banks/,
  devlink: /^(Linked as a consumer to|Linked as a sync state only consumer to|Dropping the link to|Relaxing link with|Fixing up cyclic dependency with|Fixed dependency cycle\(s\) with|Not linking|Failed to create device link \(0x[0-9a-f]+\) with) (.+)$/,
  login: /(?:^|\s)login: ?$/,
};

const DEVLINK_KIND: Record<string, Extract<Recognised, { kind: 'devlink' }>['link']> = {
  'Linked as a consumer to': 'consumer',
  'Linked as a sync state only consumer to': 'sync-state-consumer',
  'Dropping the link to': 'dropped',
  'Relaxing link with': 'relaxed',
  'Fixing up cyclic dependency with': 'cycle-fixed',
  'Fixed dependency cycle(s) with': 'cycle-fixed',
  'Not linking': 'not-linking',
};

/** text[from..] is one or more decimal digits and nothing else. */
function isDigits(text: string, from: number): boolean {
  if (from >= text.length) return false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function isBusName(name: string): boolean {
  return BUS_NAMES.has(name);
}

/** Set by recogniseBare for recogniseMessage: the first ": " and the first " " of the line, -2 when not searched. */
let firstColon = -2;
let firstSpace = -2;

/** Recognises a message that is not a device message (no `<prefix> <device>: ` in front). */
function recogniseBare(text: string): Recognised | null {
  firstColon = -2;
  firstSpace = -2;
  const c0 = text.charCodeAt(0);
  let m: RegExpExecArray | null;
  switch (c0) {
    case 98 /* b */:
      if (!text.startsWith('bus: ')) break;
      if ((m = RE.probing.exec(text)) && m[3]) return { kind: 'probe-attempt', bus: m[1]!, driver: m[2]!, device: m[3] };
      if ((m = RE.matched.exec(text)) && m[2]) return { kind: 'match', bus: m[1]!, device: m[2], driver: m[3]! };
      if ((m = RE.busBound.exec(text)) && m[2]) return { kind: 'bound', bus: m[1]!, device: m[2], driver: m[3]!, via: 'bus-bound' };
      break;
    case 100 /* d */:
      if (text.startsWith("driver: '") && (m = RE.driverBound.exec(text)) && m[2]) return { kind: 'bound', driver: m[1]!, device: m[2], via: 'driver-bound' };
      break;
    case 112 /* p */:
      if (text.startsWith('probe of ') && (m = RE.probeReturned.exec(text))) return { kind: 'probe-returned', device: m[1]!, result: Number(m[2]), usecs: Number(m[3]) };
      break;
    case 99 /* c */:
      if (text.startsWith('calling ')) {
        // "calling  %pS @ %i" by hand: initcall_debug prints thousands of these.
        let at = 8;
        if (text.charCodeAt(at) === 32) at++;
        const end = text.indexOf(' @ ', at);
        if (end > at && text.indexOf(' ', at) === end && isDigits(text, end + 3)) return { kind: 'initcall', fn: text.slice(at, end), phase: 'call' };
      }
      break;
    case 105 /* i */:
      if (text.startsWith('initcall ')) {
        if ((m = RE.initcallReturned.exec(text))) return { kind: 'initcall', fn: m[1]!, phase: 'return', result: Number(m[2]), usecs: Number(m[3]) };
        if ((m = RE.initcallBlacklisted.exec(text))) return { kind: 'initcall', fn: m[1]!, phase: 'blacklisted' };
      } else if (text.startsWith('iommu: ')) {
        if ((m = RE.defaultDomain.exec(text))) return { kind: 'iommu-driver', detail: { what: 'default-domain', type: m[1]!, cmdline: !!m[2] } };
        if ((m = RE.tlbPolicy.exec(text))) return { kind: 'iommu-driver', detail: { what: 'tlb-policy', mode: m[1]! } };
        if ((m = RE.oldGroup.exec(text))) return { kind: 'iommu-group', device: m[1]!, group: Number(m[2]), action: 'add' };
      }
      break;
    case 69 /* E */:
      if (text.startsWith('Extended ') && (m = RE.extended.exec(text))) return { kind: 'defer-timeout-extended', seconds: Number(m[1]) };
      break;
    case 75 /* K */:
      if (text.startsWith('Kernel command line: ')) return { kind: 'cmdline', cmdline: text.slice(21) };
      break;
    case 76 /* L */:
      if (text.startsWith('Linux version ') && (m = RE.linuxVersion.exec(text))) return { kind: 'kernel-start', version: m[1]! };
      break;
    case 66 /* B */:
      if (text.startsWith('Booting Linux on physical CPU')) return { kind: 'kernel-start' };
      break;
    case 65 /* A */:
      if (text.startsWith('Adding device ') && (m = RE.oldGroup.exec(text))) return { kind: 'iommu-group', device: m[1]!, group: Number(m[2]), action: 'add' };
      break;
    case 70 /* F */:
      if (text.startsWith('Failed to set up IOMMU ') && (m = RE.retainOps.exec(text))) return { kind: 'iommu-driver', device: m[1]!, detail: { what: 'config-failed', error: 'retaining platform DMA ops' } };
      break;
    case 79 /* O */:
      if (text.startsWith('OF: ') && text.includes(' translation for id ')) return { kind: 'iommu-driver', detail: { what: 'other', text } };
      break;
  }
  // Lines of the form "<word>: ..." or "<word> ..." where <word> is a driver name or a DT node: one
  // indexOf each, then anchored startsWith, instead of scanning the line once per phrase.
  const colon = (firstColon = text.indexOf(': '));
  if (colon > 0) {
    if (text.startsWith(': probe of ', colon) && (m = RE.oldFailRejects.exec(text))) {
      const error = Number(m[4]);
      return m[3] === 'rejects match'
        ? { kind: 'probe-rejected', driver: m[1]!, device: m[2]!, error }
        : { kind: 'probe-failed', driver: m[1]!, device: m[2]!, error };
    }
    if (text.startsWith(': Fixed dependency cycle(s) with ', colon) && (m = RE.nodeCycle.exec(text))) {
      return { kind: 'devlink', device: m[1]!, link: 'cycle-fixed', other: m[2]! };
    }
  }
  const space = (firstSpace = text.indexOf(' '));
  if (space > 0 && (text.startsWith(' Linked as a fwnode ', space) || text.startsWith(' Dropping the fwnode ', space)) && (m = RE.fwnodeLink.exec(text))) {
    return { kind: 'devlink', device: m[1]!, link: m[2] === 'Dropping the fwnode link to' ? 'dropped' : 'fwnode-consumer', other: m[3]! };
  }
  if (text.charCodeAt(text.length - 2) === 58 || text.charCodeAt(text.length - 1) === 58) {
    if (RE.login.test(text)) return { kind: 'login-prompt' };
  }
  // busybox getty-less consoles; it prints a trailing space.
  if (text.startsWith('Please press Enter to activate this console.')) return { kind: 'login-prompt' };
  return null;
}

/** Recognises `<msg>` of a device message `<prefix> <device>: <msg>`. */
function recogniseDeviceMessage(prefix: string, device: string, msg: string): Recognised | null {
  const isBus = BUS_NAMES.has(prefix);
  // Tags an event with the device and the prefix (a bus name or the driver's); assignment, not spread,
  // keeps this hot path cheap. `driver` overrides the prefix when the message names the driver itself.
  const at = <T extends Recognised>(ev: T, driver?: string): T => {
    ev.device = device;
    if (isBus) ev.bus = prefix;
    else ev.driver = prefix;
    if (driver !== undefined) ev.driver = driver;
    return ev;
  };
  let m: RegExpExecArray | null;
  switch (msg.charCodeAt(0)) {
    case 65 /* A */:
      if (msg === 'Added to deferred list') return at({ kind: 'deferred', via: 'added-to-list' });
      if ((m = RE.groupAdd.exec(msg))) return at({ kind: 'iommu-group', group: Number(m[1]), action: 'add' });
      if ((m = RE.iommuAddFail.exec(msg))) return at({ kind: 'iommu-driver', detail: { what: 'config-failed', error: m[1]! } });
      break;
    case 68 /* D */:
      if ((m = RE.requests.exec(msg))) return at({ kind: 'deferred', via: 'driver-request' }, m[1]!);
      if (msg === 'Device match requests probe deferral') return at({ kind: 'deferred', via: 'match-request' });
      break;
    case 82 /* R */:
      if (msg === 'Retrying from deferred list') return at({ kind: 'retry' });
      if (msg === 'Removed from deferred list') return at({ kind: 'removed-from-deferred' });
      if ((m = RE.groupRemove.exec(msg))) return at({ kind: 'iommu-group', group: Number(m[1]), action: 'remove' });
      break;
    case 100 /* d */:
      if (msg.startsWith('deferred probe ')) {
        if ((m = RE.pending.exec(msg))) {
          const reason = m[1] === undefined || m[1] === '(reason unknown)' ? undefined : m[1];
          return reason === undefined ? at({ kind: 'defer-pending' }) : at({ kind: 'defer-pending', reason });
        }
        if (msg === 'deferred probe timeout, ignoring dependency') return at({ kind: 'defer-timeout', assumeNoDriver: false });
      }
      if (msg === 'device is not behind an iommu') return at({ kind: 'iommu-driver', detail: { what: 'not-behind' } });
      break;
    case 105 /* i */:
      if (msg === 'ignoring dependency for device, assuming no driver') return at({ kind: 'defer-timeout', assumeNoDriver: true });
      if ((m = RE.iommuConfigFail.exec(msg))) return at({ kind: 'iommu-driver', detail: { what: 'config-failed', error: m[1]! } });
      break;
    case 101 /* e */:
    case 112 /* p */:
      if ((m = RE.supplier.exec(msg))) return at({ kind: 'supplier-not-ready', supplier: m[2]!, waitForNode: m[1] === 'wait for supplier' });
      if ((m = RE.errProbeDefer.exec(msg))) return at({ kind: 'deferred', via: 'err-probe', reason: m[1]! });
      if ((m = RE.newFailRejects.exec(msg))) {
        const error = Number(m[3]);
        return m[2] === 'rejects match'
          ? at({ kind: 'probe-rejected', error }, m[1]!)
          : at({ kind: 'probe-failed', error }, m[1]!);
      }
      break;
    case 98 /* b */:
      if ((m = RE.probing.exec(msg))) return { kind: 'probe-attempt', device, bus: m[1]!, driver: m[2]! };
      if ((m = RE.matched.exec(msg))) return { kind: 'match', device, bus: m[1]!, driver: m[3]! };
      if ((m = RE.busBound.exec(msg))) return { kind: 'bound', via: 'bus-bound', device, bus: m[1]!, driver: m[3]! };
      break;
    case 70 /* F */:
      if ((m = RE.groupFail.exec(msg))) return at({ kind: 'iommu-group', group: Number(m[1]), action: 'add-failed', error: Number(m[2]) });
      break;
  }
  if (msg.startsWith("driver: '") && (m = RE.driverBound.exec(msg))) return at({ kind: 'bound', via: 'driver-bound' }, m[1]!);
  const d0 = msg.charCodeAt(0);
  if ((d0 === 76 || d0 === 68 || d0 === 82 || d0 === 70 || d0 === 78) && (m = RE.devlink.exec(msg))) {
    const link = DEVLINK_KIND[m[1]!] ?? 'link-failed';
    return at({ kind: 'devlink', link, other: m[2]!.replace(/ - .*$/, '') });
  }
  if (/smmu|iommu|ipmmu/i.test(prefix)) {
    if ((m = RE.contextBanks.exec(msg))) return at({ kind: 'iommu-driver', detail: { what: 'context-banks', count: Number(m[1]) } });
    return at({ kind: 'iommu-driver', detail: { what: 'smmu-banner', text: msg } });
  }
  // "Machine model: ...", "CPU features: ...", "hw perfevents: ..." have the same shape: a device name
  // carries an address, unit, index or parent ("9030000.pl061", "virtio0", "soc:foo") unless a bus names it.
  if (DEVICE_NAME.test(device) && DEVICE_NAME.test(prefix) && prefix !== 'pci_bus' && (isBus || /[.:@\d]/.test(device))) {
    const p0 = prefix.charCodeAt(0);
    if (p0 < 65 || p0 > 90) return at({ kind: 'device-message' });
  }
  return null;
}

/**
 * Finds `<prefix> <device>: ` in front of a message. Device names may hold ':' ("soc:foo",
 * "c400000.spmi:pmic@0:rtc@6100"), so the separator is the first ": " after the first space.
 */
export function splitDeviceMessage(text: string, space = text.indexOf(' '), colon = text.indexOf(': ')): { prefix: string; device: string; msg: string } | null {
  const sp = space;
  if (sp <= 0 || sp > 64) return null;
  // The first ": " after the first space; a ": " before it means the prefix ends in ':' (not a device message).
  if (colon >= 0 && colon < sp) return null;
  const sep = colon;
  if (sep < 0 || sep - sp > 128) return null;
  const device = text.slice(sp + 1, sep);
  if (device.length === 0 || device.indexOf(' ') >= 0) return null;
  if (text.charCodeAt(sp - 1) === 58 /* : */) return null;
  return { prefix: text.slice(0, sp), device, msg: text.slice(sep + 2) };
}

/** Classifies a kernel message; null when it says nothing the workbench tracks. */
export function recogniseMessage(text: string): Recognised | null {
  const bare = recogniseBare(text);
  if (bare) return bare;
  // recogniseBare searched for the first space and ": " already when it reached its phrase checks.
  const dm = firstSpace !== -2 ? splitDeviceMessage(text, firstSpace, firstColon) : splitDeviceMessage(text);
  if (dm) return recogniseDeviceMessage(dm.prefix, dm.device, dm.msg);
  return null;
}
