// The devices_deferred reason a driver's own deferral leaves: drivers/base/core.c dev_err_probe() (6.1;
// __dev_probe_failed() in 6.12) calls dd.c device_set_deferred_probe_reason(), which stores
// "<dev_driver_string(dev)>: <message>" (drv->name while the driver probes). The probe returns at the
// first supplier lookup that fails, so the reason is that lookup's dev_err_probe() message, or none when
// the driver returns the error without one. Which lookups a probe makes, in which order, with which
// message, comes from the driver's source (CatalogDriver.probeLookups, scripts/catalog/probe-lookups.ts).
import type { CatalogDriver, LookupKind, ProbeLookup } from './catalog';
import type { SupplierRef } from './suppliers';

/** The lookup class a supplier binding is read by, and the con_id its property name stands for. */
function lookupOf(ref: SupplierRef): { kind: LookupKind; con: string | null } | null {
  const name = ref.property.name;
  switch (ref.binding) {
    case 'gpio':
    case 'gpios':
    case 'gpio-compat':
    case '*-gpio':
    case '*-gpios':
      // gpiod_find_and_request(): con_id NULL reads `gpios` / `gpio`, "foo" reads `foo-gpios` / `foo-gpio`
      return { kind: 'gpio', con: name === 'gpio' || name === 'gpios' ? null : name.replace(/-gpios?$/, '') };
    case '*-supply':
      return { kind: 'supply', con: name.replace(/-supply$/, '') };
    case 'clocks':
      return { kind: 'clock', con: null };
    case 'resets':
      return { kind: 'reset', con: null };
    case 'phys':
      return { kind: 'phy', con: null };
    case 'pwms':
      return { kind: 'pwm', con: null };
    case 'mboxes':
      return { kind: 'mbox', con: null };
    case 'interrupts':
      return { kind: 'irq', con: null };
    case 'parent-mfd':
      return { kind: 'parent', con: null };
    default:
      return null;
  }
}

function reads(lookup: ProbeLookup, ref: SupplierRef): boolean {
  const l = lookupOf(ref);
  if (!l || l.kind !== lookup.kind) return false;
  // clocks, resets, phys... are named through `*-names`, which the scanner does not follow: any entry
  if (lookup.con === undefined || (l.kind !== 'gpio' && l.kind !== 'supply')) return true;
  return lookup.con === l.con;
}

/**
 * The reason devices_deferred shows after the driver's probe deferred because the `unready` providers
 * are not registered: the message of the first lookup (in the probe's code order) that asks for one of
 * them. Null when the catalog does not know the driver's lookups, or that lookup has no dev_err_probe().
 */
export function probeDeferReason(driver: CatalogDriver, unready: readonly SupplierRef[]): string | null {
  for (const lookup of driver.probeLookups) {
    if (!unready.some((ref) => reads(lookup, ref))) continue;
    return lookup.message === null ? null : `${driver.name}: ${lookup.message}`;
  }
  return null;
}
