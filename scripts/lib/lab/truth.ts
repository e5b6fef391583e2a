// The lab's own ground-truth block: what /init prints between its marker lines after the boot has
// settled (debugfs devices_deferred, /sys/kernel/iommu_groups, each bus device's bound driver and
// of_node). Deliberately separate from the product's boot-log parser (engine/bootlog), which is what
// these truths are used to judge.

export const TRUTH_BEGIN = '@@LAB-TRUTH-BEGIN@@';
export const TRUTH_END = '@@LAB-TRUTH-END@@';

export interface TruthDevice {
  /** Kernel device name as sysfs lists it: `9030000.pl061`, `0000:00:01.0`. */
  name: string;
  bus: string;
  /** DT path from the device's of_node link, or null. */
  node: string | null;
  /** Driver name from the `driver` link, or null when unbound. */
  driver: string | null;
  iommuGroup: number | null;
  /** Listed in /sys/kernel/debug/devices_deferred at the end. */
  deferred: boolean;
  /** The reason devices_deferred gave ("" when the kernel recorded none), null when not deferred. */
  deferReason: string | null;
}

export interface Truth {
  kernelRelease: string;
  devices: TruthDevice[];
  /** Every devices_deferred line, including devices on buses the listing does not walk. */
  deferred: { name: string; reason: string }[];
  /** IOMMU group number -> member device names (sorted). */
  groups: Record<string, string[]>;
  /**
   * Devices in the order the kernel bound them, from dd.c's `driver_bound` debug lines; null when the
   * boot ran without `dyndbg="file drivers/base/dd.c +p"` (the kernel prints no bind order then).
   */
  bindOrder: string[] | null;
}

/** Uptime at which the block was printed; kept apart from Truth because it varies run to run. */
export interface TruthBlock {
  truth: Truth;
  uptimeSeconds: number | null;
}

function stripOfNodePath(link: string): string | null {
  if (link === '-') return null;
  const i = link.indexOf('devicetree/base');
  if (i < 0) return link;
  const p = link.slice(i + 'devicetree/base'.length);
  return p === '' ? '/' : p;
}

/**
 * Finds the last complete block in a console capture (a reset may have printed an earlier one).
 * Lines the kernel interleaved are skipped: every block line carries the `LAB:` prefix.
 */
export function parseTruthBlock(consoleText: string): TruthBlock | null {
  const end = consoleText.lastIndexOf(TRUTH_END);
  if (end < 0) return null;
  const begin = consoleText.lastIndexOf(TRUTH_BEGIN, end);
  if (begin < 0) return null;
  const body = consoleText.slice(begin + TRUTH_BEGIN.length, end);
  let kernelRelease = '';
  let uptimeSeconds: number | null = null;
  const deferred: { name: string; reason: string }[] = [];
  const groupOf = new Map<string, number>();
  const groups: Record<string, string[]> = {};
  const devs: { bus: string; name: string; driver: string | null; node: string | null }[] = [];
  for (const raw of body.split('\n')) {
    // Printed through /dev/kmsg the lines carry printk's timestamp prefix.
    const line = raw.replace(/\r$/, '').replace(/^\[\s*\d+\.\d+\] /, '');
    if (!line.startsWith('LAB:')) continue;
    const rest = line.slice(4);
    const sp = rest.indexOf(' ');
    const tag = sp < 0 ? rest : rest.slice(0, sp);
    const arg = sp < 0 ? '' : rest.slice(sp + 1);
    switch (tag) {
      case 'release':
        kernelRelease = arg.trim();
        break;
      case 'uptime':
        uptimeSeconds = Number.parseFloat(arg);
        break;
      case 'deferred': {
        const tab = arg.indexOf('\t');
        const name = tab < 0 ? arg.trim() : arg.slice(0, tab);
        const reason = tab < 0 ? '' : arg.slice(tab + 1).replace(/\s+$/, '');
        if (name) deferred.push({ name, reason });
        break;
      }
      case 'group': {
        const [n, dev] = arg.split(' ');
        if (n === undefined || dev === undefined) break;
        groupOf.set(dev, Number(n));
        (groups[n] ??= []).push(dev);
        break;
      }
      case 'dev': {
        const [bus, name, driver, node] = arg.split(' ');
        if (!bus || !name) break;
        devs.push({ bus, name, driver: !driver || driver === '-' ? null : driver, node: stripOfNodePath(node ?? '-') });
        break;
      }
    }
  }
  for (const k of Object.keys(groups)) groups[k]!.sort();
  const deferredBy = new Map(deferred.map((d) => [d.name, d.reason]));
  const devices: TruthDevice[] = devs
    .map((d) => ({
      name: d.name,
      bus: d.bus,
      node: d.node,
      driver: d.driver,
      iommuGroup: groupOf.get(d.name) ?? null,
      deferred: deferredBy.has(d.name),
      deferReason: deferredBy.get(d.name) ?? null,
    }))
    .sort((a, b) => (a.bus === b.bus ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.bus < b.bus ? -1 : 1));
  return { truth: { kernelRelease, devices, deferred, groups, bindOrder: bindOrderFromLog(consoleText.slice(0, begin)) }, uptimeSeconds };
}

/**
 * dd.c's driver_bound() prints one debug line per bind under dyndbg, in two forms:
 *   6.1:  `driver: '<drv>': driver_bound: bound to device '<dev>'`            (pr_debug)
 *   6.12: `<drv> <dev>: driver: '<drv>': driver_bound: bound to device`      (dev_dbg, device prefix)
 * Both are read; null when neither appears (the boot ran without dd.c debug).
 */
export function bindOrderFromLog(consoleText: string): string[] | null {
  const re = /driver: '[^']*': driver_bound: bound to device '([^']+)'|(?:^|[\s\]])\S+ (\S+): driver: '[^']*': driver_bound: bound to device[ \t]*\r?$/gm;
  const out: string[] = [];
  for (let m = re.exec(consoleText); m; m = re.exec(consoleText)) out.push((m[1] ?? m[2])!);
  return out.length ? out : null;
}
