// Classifies one kernel message (prefixes already stripped) into a probe event, per era: the
// driver-core sentences of drivers/base/dd.c and core.c (≤6.9 pr_debug forms and the 6.10+ dev_dbg
// forms), initcall_debug from init/main.c, IOMMU core/driver lines (drivers/iommu/iommu.c,
// arm-smmu*), fw_devlink lines. Cheap string tests dispatch first; regexes run only on candidates.
import type { BootEvent, BootEventBase, EndOfProbeProof } from './events';

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
  forceDefer: /^Driver (\S+) force probe deferral$/,
  // serial_core.c uart_report_port(): "%s%s%s at %s (irq = %d, base_baud = %d) is a %s" (3.x: no base_baud).
  uartPort: /^(\S+): (tty\S+) at (?:MMIO|I\/O|\*unknown\*)\b.*\(irq = -?\d+(?:, base_baud = \d+)?\) is a (.+)$/,
  // sdhci.c __sdhci_add_host(): "%s: SDHCI controller on %s [%s] using %s".
  sdhciHost: /^(mmc\d+): SDHCI controller on (.*?) \[([^\]\s]+)\] using (.+)$/,
  // drm_drv.c drm_dev_register(): "Initialized %s %d.%d.%d %s for %s on minor %d" under "[drm] ".
  drmInitialized: /^\[drm\] Initialized (\S+) .*? for (\S+) on minor (\d+)$/,
  rtcRegistered: /^(?:registered as|rtc core: registered \S+ as) (rtc\d+)$/,
  pca954x: /^registered \d+ multiplexed busses for I2C (?:switch|mux) \S+$/,
  omapI2c: /^bus -?\d+ rev\d+\.\d+ at \d+ kHz$/,
  at24: /^\d+ (?:byte|KiB) \S+ EEPROM, (?:writable|read-only)/,
  pl330: /^Loaded driver for PL330 DMAC-[0-9a-fx]+$/,
  sunxiMmc: /^initialized, max\. request size: \d+ KB/,
  hubPorts: /^\d+ ports? detected$/,
  pl061: /^PL061 GPIO chip (?:@\S+ )?registered$/,
  // dev_err_probe(): "error %pe: %pV"; with -ENODEV/-ENXIO the driver declines and dd.c stays silent.
  errProbeDecline: /^error (-ENODEV|-ENXIO|-19|-6): /,
  // A driver's own message that ends with the errno it returns: ": -19", "= -6", "error -19", "(-19)".
  endsDecline: /(?:[:=]\s*|\berror\s+|\bret(?:urned)?\s+|\()(-19|-6|-ENODEV|-ENXIO)\)?\.?$/,
  // A driver's own words for -EPROBE_DEFER: the number, the name, or "deferring probe" (4.x/5.x
  // pinctrl "could not find pctldev for node %pOF, deferring probe", and drivers that copy it).
  deferWords: /(?:^|[\s(=:])-517\b|\bEPROBE_DEFER\b|\bdeferring probe\b|\bprobe deferral\b/,
};

/**
 * Class names a `dev_*()` message can carry for a class device (drivers/base/class.c devices: no bus,
 * never probed). Such a line is not about a bus device; where its name or text names the parent
 * (`phy-<parent>.<n>` from phy_create(), remoteproc's "<parent> is available"), the parent is meant.
 */
const CLASS_NAMES = new Set([
  'thermal', 'hwmon', 'remoteproc', 'spi_master', 'spi_slave', 'spi_controller', 'phy', 'mmc_host', 'bluetooth', 'rtc',
  'leds', 'power_supply', 'watchdog', 'drm', 'backlight', 'devfreq', 'devfreq-event', 'extcon', 'misc', 'sound', 'block',
  'bdi', 'ptp', 'pps', 'udc', 'tpm', 'tpmrm', 'video4linux', 'media', 'mtd', 'ubi', 'hidraw', 'i2c-dev', 'spidev', 'ieee80211',
  'pwm', 'dma_heap', 'remoteproc_class', 'cooling_device', 'thermal_zone', 'nvme', 'scsi_host', 'scsi_disk', 'firmware',
]);

const END_OF_PROBE: readonly [RegExp, EndOfProbeProof][] = [
  [RE.rtcRegistered, 'rtc_register_device'],
  [RE.pca954x, 'pca954x_probe'],
  [RE.omapI2c, 'omap_i2c_probe'],
  [RE.at24, 'at24_probe'],
  [RE.pl330, 'pl330_probe'],
  [RE.sunxiMmc, 'sunxi_mmc_probe'],
  [RE.hubPorts, 'hub_configure'],
  [RE.pl061, 'pl061_probe'],
];
// First characters of END_OF_PROBE's messages (and of "[drm]"): only these lines run the table.
const END_OF_PROBE_FIRST = new Set([114 /* r */, 98 /* b */, 76 /* L */, 105 /* i */, 80 /* P */, 91 /* [ */, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57]);

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

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * initcall_debug's "initcall %pS returned %d after %lld usecs" (init/main.c) read by hand: thousands
 * per boot. Null when the line is not that simple shape; RE.initcallReturned then has the last word.
 */
function initcallReturned(text: string): Recognised | null {
  const fnEnd = text.indexOf(' ', 9);
  if (fnEnd <= 9 || !text.startsWith(' returned ', fnEnd)) return null;
  for (let i = 9; i < fnEnd; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c >= 127) return null;
  }
  const resultStart = fnEnd + 10;
  let at = resultStart;
  if (text.charCodeAt(at) === 45 /* - */) at++;
  const resultDigits = at;
  while (isDigit(text.charCodeAt(at))) at++;
  if (at === resultDigits || !text.startsWith(' after ', at)) return null;
  const resultEnd = at;
  const usecsStart = at + 7;
  at = usecsStart;
  while (isDigit(text.charCodeAt(at))) at++;
  if (at === usecsStart || at + 6 !== text.length || !text.startsWith(' usecs', at)) return null;
  return { kind: 'initcall', fn: text.slice(9, fnEnd), phase: 'return', result: Number(text.slice(resultStart, resultEnd)), usecs: Number(text.slice(usecsStart, at)) };
}

/** The function of "initcall %s blacklisted" (init/main.c) when it is plain ASCII, else null (the regex decides). */
function initcallBlacklisted(text: string): string | null {
  const fnEnd = text.length - 12;
  if (fnEnd <= 9) return null;
  for (let i = 9; i < fnEnd; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c >= 127) return null;
  }
  return text.slice(9, fnEnd);
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
      {
        // "bus: '%s': %s: <verb> ...": the verb sits after the first ": " past the quoted bus name (the
        // function name is \w+), so one character picks the only sentence that can match.
        const quote = text.indexOf("'", 6);
        const fnColon = quote > 6 && text.startsWith("': ", quote) ? text.indexOf(': ', quote + 3) : -1;
        const verb = fnColon > 0 ? text.charCodeAt(fnColon + 2) : 0;
        if (verb === 112 /* p */ && (m = RE.probing.exec(text)) && m[3]) return { kind: 'probe-attempt', bus: m[1]!, driver: m[2]!, device: m[3] };
        if (verb === 109 /* m */ && (m = RE.matched.exec(text)) && m[2]) return { kind: 'match', bus: m[1]!, device: m[2], driver: m[3]! };
        if (verb === 98 /* b */ && (m = RE.busBound.exec(text)) && m[2]) return { kind: 'bound', bus: m[1]!, device: m[2], driver: m[3]!, via: 'bus-bound' };
      }
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
        // The two sentences end differently: the ending says which one can match.
        if (text.endsWith(' usecs')) {
          const returned = initcallReturned(text);
          if (returned) return returned;
          if ((m = RE.initcallReturned.exec(text))) return { kind: 'initcall', fn: m[1]!, phase: 'return', result: Number(m[2]), usecs: Number(m[3]) };
        } else if (text.endsWith(' blacklisted')) {
          const fn = initcallBlacklisted(text);
          if (fn !== null) return { kind: 'initcall', fn, phase: 'blacklisted' };
          if ((m = RE.initcallBlacklisted.exec(text))) return { kind: 'initcall', fn: m[1]!, phase: 'blacklisted' };
        }
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
    const next = text.charCodeAt(colon + 2);
    if (next === 112 /* p */ && text.startsWith(': probe of ', colon) && (m = RE.oldFailRejects.exec(text))) {
      const error = Number(m[4]);
      return m[3] === 'rejects match'
        ? { kind: 'probe-rejected', driver: m[1]!, device: m[2]!, error }
        : { kind: 'probe-failed', driver: m[1]!, device: m[2]!, error };
    }
    if (next === 70 /* F */ && text.startsWith(': Fixed dependency cycle(s) with ', colon) && (m = RE.nodeCycle.exec(text))) {
      return { kind: 'devlink', device: m[1]!, link: 'cycle-fixed', other: m[2]! };
    }
  }
  const space = (firstSpace = text.indexOf(' '));
  const afterSpace = space > 0 ? text.charCodeAt(space + 1) : 0;
  if (((afterSpace === 76 /* L */ && text.startsWith(' Linked as a fwnode ', space)) || (afterSpace === 68 /* D */ && text.startsWith(' Dropping the fwnode ', space))) && (m = RE.fwnodeLink.exec(text))) {
    return { kind: 'devlink', device: m[1]!, link: m[2] === 'Dropping the fwnode link to' ? 'dropped' : 'fwnode-consumer', other: m[3]! };
  }
  if (text.charCodeAt(text.length - 2) === 58 || text.charCodeAt(text.length - 1) === 58) {
    if (RE.login.test(text)) return { kind: 'login-prompt' };
  }
  // busybox getty-less consoles; it prints a trailing space.
  if (c0 === 80 /* P */ && text.startsWith('Please press Enter to activate this console.')) return { kind: 'login-prompt' };
  return null;
}

/** Tags an event with its device and the message prefix (a bus name, else the driver's name); `driver` overrides the prefix when the message names the driver itself. */
function tag<T extends Recognised>(ev: T, device: string, prefix: string, isBus: boolean, driver?: string): T {
  ev.device = device;
  if (isBus) ev.bus = prefix;
  else ev.driver = prefix;
  if (driver !== undefined) ev.driver = driver;
  return ev;
}

/** text[from..to) matches DEVICE_NAME (`[\w.:@,+-]+`), checked in place. */
function isDeviceNameAt(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 ? c > 122 : c >= 65 ? c > 90 && c !== 95 : c >= 48 ? c > 58 && c !== 64 : c !== 46 && c !== 44 && c !== 43 && c !== 45) return false;
  }
  return true;
}

/** text[from..to) holds one of `.:@` or a digit: the mark of a unit address, index or parent. */
function hasAddressMarkAt(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 48 && c <= 58) || c === 46 || c === 64) return true;
  }
  return false;
}

/** text[from..to) holds "mmu" in any case: the only prefixes the IOMMU-driver test below can match. */
function mayNameIommu(text: string, from: number, to: number): boolean {
  for (let i = from; i + 2 < to; i++) {
    if ((text.charCodeAt(i) | 32) === 109 && (text.charCodeAt(i + 1) | 32) === 109 && (text.charCodeAt(i + 2) | 32) === 117) return true;
  }
  return false;
}

/**
 * Recognises the message of a device message `<prefix> <device>: <msg>` laid out in `text` with the
 * prefix ending at `sp` and the message starting at `sep + 2`. Strings are cut only for what is kept:
 * most such lines ("Machine model: ...", "NET: Registered ...") are not device messages at all.
 */
function recogniseDeviceMessage(text: string, sp: number, sep: number): Recognised | null {
  const from = sep + 2;
  const m0 = text.charCodeAt(from);
  const p0 = text.charCodeAt(0);
  // Only the switch's phrases, "driver: '", the devlink sentences, an IOMMU driver's banner and a
  // device message (lower-case prefix, a device-like name) can produce an event.
  if (m0 !== 65 && m0 !== 68 && m0 !== 82 && m0 !== 100 && m0 !== 105 && m0 !== 101 && m0 !== 112 && m0 !== 98 && m0 !== 70 && m0 !== 76 && m0 !== 78) {
    const upperPrefix = p0 >= 65 && p0 <= 90;
    if (upperPrefix && !mayNameIommu(text, 0, sp)) return null;
  }
  const prefix = text.slice(0, sp);
  const device = text.slice(sp + 1, sep);
  const isBus = BUS_NAMES.has(prefix);
  let m: RegExpExecArray | null;
  let msg: string;
  switch (m0) {
    case 65 /* A */:
      msg = text.slice(from);
      if (msg === 'Added to deferred list') return tag({ kind: 'deferred', via: 'added-to-list' }, device, prefix, isBus);
      if ((m = RE.groupAdd.exec(msg))) return tag({ kind: 'iommu-group', group: Number(m[1]), action: 'add' }, device, prefix, isBus);
      if ((m = RE.iommuAddFail.exec(msg))) return tag({ kind: 'iommu-driver', detail: { what: 'config-failed', error: m[1]! } }, device, prefix, isBus);
      break;
    case 68 /* D */:
      msg = text.slice(from);
      if ((m = RE.requests.exec(msg))) return tag({ kind: 'deferred', via: 'driver-request' }, device, prefix, isBus, m[1]!);
      if ((m = RE.forceDefer.exec(msg))) return tag({ kind: 'deferred', via: 'force-request' }, device, prefix, isBus, m[1]!);
      if (msg === 'Device match requests probe deferral') return tag({ kind: 'deferred', via: 'match-request' }, device, prefix, isBus);
      break;
    case 82 /* R */:
      msg = text.slice(from);
      if (msg === 'Retrying from deferred list') return tag({ kind: 'retry' }, device, prefix, isBus);
      if (msg === 'Removed from deferred list') return tag({ kind: 'removed-from-deferred' }, device, prefix, isBus);
      if ((m = RE.groupRemove.exec(msg))) return tag({ kind: 'iommu-group', group: Number(m[1]), action: 'remove' }, device, prefix, isBus);
      break;
    case 100 /* d */:
      if (text.startsWith('deferred probe ', from)) {
        msg = text.slice(from);
        if ((m = RE.pending.exec(msg))) {
          const reason = m[1] === undefined || m[1] === '(reason unknown)' ? undefined : m[1];
          return reason === undefined ? tag({ kind: 'defer-pending' }, device, prefix, isBus) : tag({ kind: 'defer-pending', reason }, device, prefix, isBus);
        }
        if (msg === 'deferred probe timeout, ignoring dependency') return tag({ kind: 'defer-timeout', assumeNoDriver: false }, device, prefix, isBus);
      }
      if (text.length - from === 29 && text.startsWith('device is not behind an iommu', from)) return tag({ kind: 'iommu-driver', detail: { what: 'not-behind' } }, device, prefix, isBus);
      break;
    case 105 /* i */:
      msg = text.slice(from);
      if (msg === 'ignoring dependency for device, assuming no driver') return tag({ kind: 'defer-timeout', assumeNoDriver: true }, device, prefix, isBus);
      if ((m = RE.iommuConfigFail.exec(msg))) return tag({ kind: 'iommu-driver', detail: { what: 'config-failed', error: m[1]! } }, device, prefix, isBus);
      break;
    case 101 /* e */:
    case 112 /* p */:
      msg = text.slice(from);
      if ((m = RE.supplier.exec(msg))) return tag({ kind: 'supplier-not-ready', supplier: m[2]!, waitForNode: m[1] === 'wait for supplier' }, device, prefix, isBus);
      if ((m = RE.errProbeDefer.exec(msg))) return tag({ kind: 'deferred', via: 'err-probe', reason: m[1]! }, device, prefix, isBus);
      if ((m = RE.newFailRejects.exec(msg))) {
        const error = Number(m[3]);
        return m[2] === 'rejects match'
          ? tag({ kind: 'probe-rejected', error }, device, prefix, isBus, m[1]!)
          : tag({ kind: 'probe-failed', error }, device, prefix, isBus, m[1]!);
      }
      break;
    case 98 /* b */:
      if (text.startsWith('bus: ', from)) {
        msg = text.slice(from);
        if ((m = RE.probing.exec(msg))) return { kind: 'probe-attempt', device, bus: m[1]!, driver: m[2]! };
        if ((m = RE.matched.exec(msg))) return { kind: 'match', device, bus: m[1]!, driver: m[3]! };
        if ((m = RE.busBound.exec(msg))) return { kind: 'bound', via: 'bus-bound', device, bus: m[1]!, driver: m[3]! };
      }
      break;
    case 70 /* F */:
      msg = text.slice(from);
      if ((m = RE.groupFail.exec(msg))) return tag({ kind: 'iommu-group', group: Number(m[1]), action: 'add-failed', error: Number(m[2]) }, device, prefix, isBus);
      break;
  }
  if (m0 === 100 && text.startsWith("driver: '", from) && (m = RE.driverBound.exec(text.slice(from)))) return tag({ kind: 'bound', via: 'driver-bound' }, device, prefix, isBus, m[1]!);
  if ((m0 === 76 || m0 === 68 || m0 === 82 || m0 === 70 || m0 === 78) && (m = RE.devlink.exec(text.slice(from)))) {
    const link = DEVLINK_KIND[m[1]!] ?? 'link-failed';
    return tag({ kind: 'devlink', link, other: m[2]!.replace(/ - .*$/, '') }, device, prefix, isBus);
  }
  if (mayNameIommu(text, 0, sp) && /smmu|iommu|ipmmu/i.test(prefix)) {
    msg = text.slice(from);
    if ((m = RE.contextBanks.exec(msg))) return tag({ kind: 'iommu-driver', detail: { what: 'context-banks', count: Number(m[1]) } }, device, prefix, isBus);
    return tag({ kind: 'iommu-driver', detail: { what: 'smmu-banner', text: msg } }, device, prefix, isBus);
  }
  if (p0 >= 65 && p0 <= 90) return null;
  if (CLASS_NAMES.has(prefix)) return classDeviceMessage(text, prefix, device, from);
  const names = isDeviceNameAt(text, sp + 1, sep) && isDeviceNameAt(text, 0, sp);
  // An end-of-probe message names what it is about by its very words: no address mark needed
  // ("rtc_cmos rtc_cmos: registered as rtc0").
  if (names && END_OF_PROBE_FIRST.has(m0)) {
    msg = text.slice(from);
    if (m0 === 91 && (m = RE.drmInitialized.exec(msg))) return tag({ kind: 'bound', via: 'end-of-probe', proof: 'drm_dev_register' }, m[2]!, prefix, isBus);
    for (const [re, proof] of END_OF_PROBE) if (re.test(msg)) return tag({ kind: 'bound', via: 'end-of-probe', proof }, device, prefix, isBus);
  }
  // "Machine model: ...", "CPU features: ...", "hw perfevents: ..." have the same shape: a device name
  // carries an address, unit, index or parent ("9030000.pl061", "virtio0", "soc:foo") unless a bus names it.
  if ((isBus || hasAddressMarkAt(text, sp + 1, sep)) && prefix !== 'pci_bus' && names) {
    return driverWords(text, from, device, prefix, isBus) ?? tag({ kind: 'device-message' }, device, prefix, isBus);
  }
  return null;
}

/**
 * A driver's own words about its probe that dd.c does not repeat: a decline (-ENODEV/-ENXIO makes
 * really_probe() print nothing above debug level, so the driver's message is the only trace) and a
 * deferral said in the driver's words. Other errors are left to dd.c's "failed with error" line.
 */
function driverWords(text: string, from: number, device: string, prefix: string, isBus: boolean): Recognised | null {
  // Cheap gates first: every such line holds a '-' (an errno) or the word "defer".
  const dash = text.indexOf('-', from);
  const defer = dash < 0 ? text.indexOf('defer', from) : -1;
  if (dash < 0 && defer < 0) return null;
  let m: RegExpExecArray | null;
  if (dash >= 0) {
    if (text.startsWith('error -', from) && (m = RE.errProbeDecline.exec(text.slice(from)))) {
      return tag({ kind: 'probe-rejected', via: 'driver-message', error: errnoOf(m[1]!) }, device, prefix, isBus);
    }
    // A decline ends in a digit, 'V' or 'O' (…ENODEV, …ENXIO), or in ')' or '.'.
    const last = text.charCodeAt(text.length - 1);
    if ((last === 57 || last === 54 || last === 86 || last === 79 || last === 41 || last === 46) && (m = RE.endsDecline.exec(text))) {
      return tag({ kind: 'probe-rejected', via: 'driver-message', error: errnoOf(m[1]!) }, device, prefix, isBus);
    }
  }
  if ((defer >= 0 || text.indexOf('517', dash) >= 0 || text.indexOf('DEFER', dash) >= 0 || text.indexOf('defer', dash) >= 0) && RE.deferWords.test(text.slice(from))) {
    return tag({ kind: 'deferred', via: 'driver-message', reason: text.slice(from) }, device, prefix, isBus);
  }
  return null;
}

function errnoOf(word: string): number {
  return word === '-ENODEV' || word === '-19' ? -19 : -6;
}

/** A class device's message: about its parent when the line names one, else about nothing we track. */
function classDeviceMessage(text: string, cls: string, name: string, from: number): Recognised | null {
  let parent: string | null = null;
  if (cls === 'phy') {
    // phy_create(): dev_set_name(&phy->dev, "phy-%s.%d", dev_name(dev), id).
    const m = /^phy-(.+)\.\d+$/.exec(name);
    if (m) parent = m[1]!;
  } else if (cls === 'remoteproc') {
    // rproc_add(): dev_info(dev, "%s is available\n", rproc->name), the name its parent gave it.
    const m = /^(\S+) is available$/.exec(text.slice(from));
    if (m && hasAddressMarkAt(m[1]!, 0, m[1]!.length)) parent = m[1]!;
  }
  if (parent === null || !isDeviceNameAt(parent, 0, parent.length)) return null;
  return { kind: 'device-message', device: parent, classDevice: name };
}

/**
 * End-of-probe messages printed without a `<driver> <device>: ` prefix: serial_core's port report,
 * sdhci's host banner, drm's "[drm] Initialized" (which names the device after " for ").
 */
function bareEndOfProbe(text: string, colon: number): Recognised | null {
  let m: RegExpExecArray | null;
  const c0 = text.charCodeAt(0);
  if (c0 === 91 /* [ */) {
    if (text.startsWith('[drm] Initialized ') && (m = RE.drmInitialized.exec(text))) return { kind: 'bound', via: 'end-of-probe', proof: 'drm_dev_register', device: m[2]! };
    return null;
  }
  if (colon <= 0) return null;
  if (text.startsWith('tty', colon + 2) && (m = RE.uartPort.exec(text)) && isDeviceNameAt(m[1]!, 0, m[1]!.length)) {
    return { kind: 'bound', via: 'end-of-probe', proof: 'uart_report_port', device: m[1]! };
  }
  if (c0 === 109 /* m */ && text.startsWith('SDHCI controller on ', colon + 2) && (m = RE.sdhciHost.exec(text))) {
    return { kind: 'bound', via: 'end-of-probe', proof: 'sdhci_add_host', device: m[3]! };
  }
  return null;
}

/**
 * Finds `<prefix> <device>: ` in front of a message and returns where the separating ": " is (-1 when
 * the line is not laid out so). Device names may hold ':' ("soc:foo", "c400000.spmi:pmic@0:rtc@6100"),
 * so the separator is the first ": " after the first space; `space` and `colon` are the first " " and
 * ": " of the line.
 */
function deviceMessageSeparator(text: string, space: number, colon: number): number {
  const sp = space;
  if (sp <= 0 || sp > 64) return -1;
  // A ": " before the first space means the prefix ends in ':' (not a device message).
  if (colon >= 0 && colon < sp) return -1;
  const sep = colon;
  if (sep < 0 || sep - sp > 128) return -1;
  // An empty device name, or one holding a space.
  if (sep === sp + 1) return -1;
  const blank = text.indexOf(' ', sp + 1);
  if (blank >= 0 && blank < sep) return -1;
  if (text.charCodeAt(sp - 1) === 58 /* : */) return -1;
  return sep;
}

/** Classifies a kernel message; null when it says nothing the workbench tracks. */
export function recogniseMessage(text: string): Recognised | null {
  const bare = recogniseBare(text);
  if (bare) return bare;
  // recogniseBare searched for the first space and ": " already when it reached its phrase checks.
  const space = firstSpace !== -2 ? firstSpace : text.indexOf(' ');
  const colon = firstColon !== -2 ? firstColon : text.indexOf(': ');
  const sep = deviceMessageSeparator(text, space, colon);
  if (sep < 0) return bareEndOfProbe(text, colon);
  return recogniseDeviceMessage(text, space, sep);
}
