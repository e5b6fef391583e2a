// Judges a fresh boot against its committed golden by what the kernel did, never by which package
// build it was: Debian's stable updates replace the kernel package (6.1.0-56 became 6.1.0-57) and the
// old one leaves the mirror, so the release is recorded beside the golden as information only. Each
// difference names the scenario, the device and the field, the way an engineer would report it.
import type { Truth, TruthDevice } from '../../scripts/lib/lab/truth';

/** One behavioural difference between the golden and the boot that just ran. */
export interface BootDifference {
  scenario: string;
  /** The device the difference is about, or null for a boot-wide field (bind order, a deferred line). */
  device: string | null;
  field: string;
  golden: unknown;
  observed: unknown;
}

const DEVICE_FIELDS = ['bus', 'node', 'driver', 'iommuGroup', 'deferred', 'deferReason'] as const satisfies readonly (keyof TruthDevice)[];

/**
 * Compares two truths field by field. `kernelRelease` is not behaviour and is never compared; the
 * deferred list and the groups are derived from the devices except for devices on buses the listing
 * does not walk, so those are compared by name too.
 */
export function judgeBoot(scenario: string, golden: Truth, observed: Truth): BootDifference[] {
  const out: BootDifference[] = [];
  const diff = (device: string | null, field: string, g: unknown, o: unknown): void => {
    if (JSON.stringify(g) !== JSON.stringify(o)) out.push({ scenario, device, field, golden: g, observed: o });
  };
  const observedBy = new Map(observed.devices.map((d) => [d.name, d]));
  const goldenBy = new Map(golden.devices.map((d) => [d.name, d]));
  for (const g of golden.devices) {
    const o = observedBy.get(g.name);
    if (!o) {
      out.push({ scenario, device: g.name, field: 'present', golden: true, observed: false });
      continue;
    }
    for (const f of DEVICE_FIELDS) diff(g.name, f, g[f], o[f]);
  }
  for (const o of observed.devices) {
    if (!goldenBy.has(o.name)) out.push({ scenario, device: o.name, field: 'present', golden: false, observed: true });
  }
  // devices_deferred lines for devices the listing does not walk (other buses), by name.
  const gDeferred = new Map(golden.deferred.map((d) => [d.name, d.reason]));
  const oDeferred = new Map(observed.deferred.map((d) => [d.name, d.reason]));
  for (const name of new Set([...gDeferred.keys(), ...oDeferred.keys()])) {
    if (goldenBy.has(name) || observedBy.has(name)) continue;
    diff(name, 'devices_deferred', gDeferred.get(name) ?? null, oDeferred.get(name) ?? null);
  }
  // Group numbers of devices outside the listing (the listing's own devices were compared above).
  const groupOf = (t: Truth): Map<string, string> => {
    const m = new Map<string, string>();
    for (const [n, devs] of Object.entries(t.groups)) for (const d of devs) m.set(d, n);
    return m;
  };
  const gGroups = groupOf(golden);
  const oGroups = groupOf(observed);
  for (const name of new Set([...gGroups.keys(), ...oGroups.keys()])) {
    if (goldenBy.has(name) || observedBy.has(name)) continue;
    diff(name, 'iommuGroup', gGroups.get(name) ?? null, oGroups.get(name) ?? null);
  }
  diff(null, 'bindOrder', golden.bindOrder, observed.bindOrder);
  return out;
}

export function formatDifference(d: BootDifference): string {
  const where = d.device === null ? `${d.scenario}` : `${d.scenario}: ${d.device}`;
  return `${where}: ${d.field}: golden ${JSON.stringify(d.golden)}, kernel ${JSON.stringify(d.observed)}`;
}

/** The golden as committed: `{ scenario, ...truth }`; the scenario key is the file's own. */
export function truthOfGolden(golden: { scenario?: string } & Truth): Truth {
  const { scenario: _scenario, ...truth } = golden;
  return truth;
}
