// The lab's scenarios: each a device tree, a kernel command line and a module load plan chosen to
// drive Debian's 6.1 kernel down one branch of ../../../../shared/kernel-semantics.md (§8.5 v6.1 table:
// IOMMU late, absent, disabled, failing; fw_devlink strict/off; the deferred-probe timeout; groups).
// Golden logs and truths for each live in test/fixtures/bootlog/lab/<name>.{log,truth.json}.
import type { Scenario } from '../board';

const DD = 'dyndbg="file drivers/base/dd.c +p"';
const DD_CORE = 'dyndbg="file drivers/base/dd.c +p; file drivers/base/core.c +p"';
// arm-smmu-v3.c and arm-smmu.c both name their initcall arm_smmu_driver_init; blacklisting the
// name keeps both from registering (do_one_initcall compares the symbol name).
const NO_SMMU = 'initcall_blacklist=arm_smmu_driver_init';

export const scenarios: Scenario[] = [
  {
    name: 'late-iommu',
    title: 'IOMMU driver registers after its master: deferred, retried at late_initcall, bound with a group',
    machine: 'virt',
    dts: 'virt-gpio-iommu.dts',
    cmdline: DD,
    steps: [],
    settleUntilUptime: 15,
    signatures: [
      "bus: 'amba': really_probe: probing driver pl061_gpio with device 9030000\\.pl061",
      'amba 9030000\\.pl061: Added to deferred list',
      'amba 9030000\\.pl061: Retrying from deferred list',
      'pl061_gpio 9030000\\.pl061: Adding to iommu group 0',
      "driver: 'pl061_gpio': driver_bound: bound to device '9030000\\.pl061'",
    ],
    expected: 'pl061 deferred at its first probe, retried at late_initcall, bound in iommu group 0',
  },
  {
    name: 'late-iommu-quiet',
    title: 'The same boot without driver-core debug: what a stock kernel prints',
    machine: 'virt',
    dts: 'virt-gpio-iommu.dts',
    cmdline: '',
    steps: [],
    settleUntilUptime: 15,
    signatures: ['pl061_gpio 9030000\\.pl061: Adding to iommu group 0'],
    expected: 'only the group line is printed; the deferral is visible only in the truth (none left)',
  },
  {
    name: 'no-iommu-driver',
    title: 'SMMU driver never registers (initcall_blacklist): masters wait for the 10 s deferred-probe timeout',
    machine: 'virt',
    dts: 'virt-gpio-iommu.dts',
    cmdline: `${DD} ${NO_SMMU}`,
    pciNet: true,
    steps: [
      { kind: 'insmod', module: 'virtio_pci' },
      { kind: 'insmod', module: 'virtio_net' },
    ],
    settleUntilUptime: 30,
    signatures: [
      'blacklisting initcall arm_smmu_driver_init',
      'amba 9030000\\.pl061: Added to deferred list',
      'pl061_gpio 9030000\\.pl061: deferred probe timeout, ignoring dependency',
      "driver: 'pl061_gpio': driver_bound: bound to device '9030000\\.pl061'",
    ],
    expected: 'pl061 and the PCI function deferred until the timeout, then bound with no IOMMU group',
  },
];

export function scenarioByName(name: string): Scenario {
  const s = scenarios.find((x) => x.name === name);
  if (!s) throw new Error(`no lab scenario ${name}`);
  return s;
}
