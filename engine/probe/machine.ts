// The ARM machine descriptor a board boots with and whether it populates the tree early: setup_machine_fdt()
// (arch/arm/kernel/devtree.c) picks, by of_flat_dt_match_machine() (drivers/of/fdt.c), the descriptor whose
// .dt_compat names the earliest entry of the root `compatible` (the first such in link order on a tie);
// customize_machine() (arch/arm/kernel/setup.c, arch_initcall) then runs its init_machine, which on i.MX6
// (mach-imx6q.c imx6q_init_machine) calls of_platform_default_populate(NULL, NULL, NULL): the devices exist
// from that arch_initcall on, not from of_platform_default_populate_init() at arch_initcall_sync.
import { stringListProp, type DtNode } from '../devicetree/index';
import { availabilityFromConfig, type CatalogMachine, type DriverCatalog, type KernelConfig } from './catalog';

/** The built-in machine descriptor of_flat_dt_match_machine() selects for this root, or null (generic DT machine). */
export function armMachineFor(root: DtNode, catalog: DriverCatalog, config: KernelConfig | null): CatalogMachine | null {
  const rootCompat = stringListProp(root, 'compatible');
  let best: CatalogMachine | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const m of catalog.machines) {
    if (availabilityFromConfig(m.kconfig, config) !== 'builtin') continue;
    // of_fdt_is_compatible(): score = 1 + index of the matching root compatible; the machine's best entry counts
    let score = Number.POSITIVE_INFINITY;
    for (const c of m.compatible) {
      const i = rootCompat.indexOf(c);
      if (i >= 0) score = Math.min(score, i + 1);
    }
    if (score < bestScore) {
      best = m;
      bestScore = score;
    }
  }
  return best;
}
