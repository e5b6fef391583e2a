// Who holds the legacy pm_power_off hook (include/linux/pm.h) before any driver probes: PSCI firmware
// v0.2+ installs psci_sys_poweroff in psci_0_2_set_functions() (drivers/firmware/psci/psci.c, from
// psci_dt_init() in setup_arch, when the DT has an available arm,psci-0.2 / arm,psci-1.0 node). A poweroff
// driver whose probe refuses a taken hook (6.1 drivers/power/reset/syscon-poweroff.c: "pm_power_off already
// claimed for %ps", -EBUSY) then fails; one that takes it (CatalogDriver.powerOff.claims) holds it after.
import { isAvailable, stringListProp, walk, type DtTree } from '../devicetree/index';
import { availabilityFromConfig, type KernelConfig } from './catalog';

const PSCI_0_2 = ['arm,psci-0.2', 'arm,psci-1.0'];

/** The handler in pm_power_off when initcalls start, or null. */
export function powerOffHolderAtBoot(tree: DtTree, config: KernelConfig | null): string | null {
  if (availabilityFromConfig(['ARM_PSCI_FW'], config) !== 'builtin') return null;
  for (const n of walk(tree.root)) {
    if (n.parent && isAvailable(n) && stringListProp(n, 'compatible').some((c) => PSCI_0_2.includes(c))) return 'psci_sys_poweroff';
  }
  return null;
}
