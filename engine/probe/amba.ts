// The AMBA bus's lazy primecell ID read, as drivers/amba/bus.c does it in 6.1 and 6.12 alike: a device made
// without `arm,primecell-periphid` has periphid 0; amba_device_add() tries amba_read_periphid() once and adds
// the device anyway, and amba_match() tries again on every match until the read succeeds, mapping any failure
// to -EPROBE_DEFER ("Returning any error other than -EPROBE_DEFER from bus match can cause driver registration
// failure"). This file says what one read comes to; dd.ts puts the device on the deferred list.
import { getProperty, stringListProp, type DtNode } from '../devicetree/index';
import type { CatalogDriver } from './catalog';
import { supplierRefs, type SupplierRef } from './suppliers';

/** What one amba_read_periphid() comes to. */
export type PeriphidRead =
  /** The ID registers were read: amba_match() goes on to amba_lookup(). */
  | { kind: 'read' }
  /** dev_pm_domain_attach(), clk_get("apb_pclk") or the reset lookup returned -EPROBE_DEFER: its provider has not registered. */
  | { kind: 'provider-missing'; resource: SupplierRef }
  /** clk_get(dev, "apb_pclk") finds no clock of that name (-ENOENT): the read can never succeed. */
  | { kind: 'no-pclk' }
  /** The registers hold no AMBA or CoreSight component ID (nothing behind the address): periphid stays 0, -ENODEV. */
  | { kind: 'no-id' };

/**
 * amba_read_periphid(), in its order: dev_pm_domain_attach() (genpd_dev_pm_attach() attaches only a device
 * with exactly one `power-domains` entry), amba_get_enable_pclk() (clk_get(dev, "apb_pclk")), then
 * of_reset_control_array_get_optional_shared() (every `resets` entry; none is fine), then the ID registers at
 * the end of the first `reg` window. `registered` says whether a provider node has registered its
 * domains/clocks/resets; `hardwarePresent` whether a component answers at the address (the model cannot see
 * that: it is the user's assumption, present unless stated absent).
 */
export function ambaReadPeriphid(
  node: DtNode,
  phandles: Map<number, DtNode>,
  registered: (provider: DtNode) => boolean,
  hardwarePresent: boolean,
): PeriphidRead {
  const domains = supplierRefs(node, ['power-domains'], phandles);
  if (domains.length === 1 && !registered(domains[0]!.supplier)) return { kind: 'provider-missing', resource: domains[0]! };
  const pclk = apbPclk(node, phandles);
  if (!pclk) return { kind: 'no-pclk' };
  if (!registered(pclk.supplier)) return { kind: 'provider-missing', resource: pclk };
  for (const reset of supplierRefs(node, ['resets'], phandles)) if (!registered(reset.supplier)) return { kind: 'provider-missing', resource: reset };
  return hardwarePresent ? { kind: 'read' } : { kind: 'no-id' };
}

/**
 * The clock clk_get(dev, "apb_pclk") resolves to: drivers/clk/clk.c of_parse_clkspec() takes the `clocks`
 * entry at the index of "apb_pclk" in `clock-names`, and only when the node has no such name walks up to a
 * parent that has `clock-ranges`. With no match of_clk_get_hw() fails with an error other than
 * -EPROBE_DEFER and clk_get() falls back to clkdev lookups (drivers/clk/clkdev.c), which DT boards do not
 * register for "apb_pclk" (arch/arm/mach-ep93xx and ACPI's dummy clock do).
 */
function apbPclk(node: DtNode, phandles: Map<number, DtNode>): SupplierRef | null {
  for (let n: DtNode | null = node; n; n = n.parent) {
    const index = stringListProp(n, 'clock-names').indexOf('apb_pclk');
    if (index >= 0) return supplierRefs(n, ['clocks'], phandles)[index] ?? null;
    if (!n.parent || !getProperty(n.parent, 'clock-ranges')) return null;
  }
  return null;
}

/**
 * amba_stub_drv_init() (late_initcall_sync) registers "amba-proxy", whose empty amba_id table matches no
 * device, so that amba_match() runs, and an ID is read, even when every AMBA driver is a module; it does
 * so only with CONFIG_MODULES.
 */
export function isAmbaStubDriver(d: CatalogDriver): boolean {
  return d.bus === 'amba' && d.initcall === 'amba_stub_drv_init';
}
