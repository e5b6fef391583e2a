// Kernel profiles: what differs between the kernel versions the model supports, as data. Each field cites
// the kernel code it stands for (drivers/base/dd.c, core.c, drivers/of/property.c, platform.c,
// drivers/iommu/of_iommu.c, iommu.c); the values follow ../shared/kernel-semantics.md §1-§8, and for 6.1 the
// Debian 6.1 stable source on disk where it disagrees (stable backported the fw_devlink cycle rework and `panel`).
// Rules: docs/kernel-model.md, the profile list and the "versions" column of every section.

export type KernelVersion = '2015-rfc' | '4.12' | '5.4' | '5.10' | '6.1' | '6.6' | '6.12' | 'latest';
export const KERNEL_VERSIONS: readonly KernelVersion[] = ['2015-rfc', '4.12', '5.4', '5.10', '6.1', '6.6', '6.12', 'latest'];

export type FwDevlinkMode = 'off' | 'permissive' | 'on' | 'rpm';

/**
 * How of_iommu_xlate() answers "the IOMMU node is available but no IOMMU instance is registered":
 * - 'none': pre-4.12 / 2015: ops looked up at device creation; missing ops → no IOMMU, never a deferral
 * - 'declared-until-running': v4.12-v4.18 of_iommu_driver_present(): defer only for a built-in IOMMU_OF_DECLARE driver, until SYSTEM_RUNNING
 * - 'check-state': v4.19+ driver_deferred_probe_check_state() (its own per-version answer, see DeferredTimeoutRule)
 */
export type IommuMissingRule = 'none' | 'declared-until-running' | 'check-state';

/**
 * driver_deferred_probe_check_state() after initcalls_done:
 * - 'enodev': "ignoring dependency for device, assuming no driver" (v4.19-v5.6 with timeout -1; MODULES=n everywhere)
 * - 'timeout': with CONFIG_MODULES, -ETIMEDOUT "deferred probe timeout, ignoring dependency" once the timeout is 0
 */
export interface DeferredTimeoutRule {
  /** deferred_probe_timeout default with CONFIG_MODULES=y, seconds; -1 = never (v4.19-v5.6), 0 = give up at initcalls_done. */
  defaultWithModules: number;
  /** v5.19+: driver_register() re-arms a pending timeout (deferred_probe_extend_timeout). */
  extendOnDriverRegistration: boolean;
  /** v4.19-v5.6 printed the timeout line with dev_WARN (a WARNING splat). */
  warnSplat: boolean;
}

/**
 * What the master sees when creating its DMA domain runs out of IOMMU contexts (§6.2):
 * - '2015': "Failed to set up IOMMU for device %s; retaining platform DMA ops"
 * - 'failed-to-add': v4.12-v5.7 "Failed to add to iommu group N: -28"
 * - 'add-remove': v5.8-v6.4 "Adding to iommu group N" then "Removing from iommu group N"
 * - 'add-only': v6.5+ "Adding to iommu group N", no removal line
 */
export type ExhaustionLog = '2015' | 'failed-to-add' | 'add-remove' | 'add-only';

export interface KernelProfile {
  version: KernelVersion;
  label: string;
  /** of_dma_configure() at device creation (pre-4.12): the IOMMU decision can never defer. */
  dmaConfigureAtCreation: boolean;
  iommuMissing: IommuMissingRule;
  deferredTimeout: DeferredTimeoutRule;
  /** `deferred_probe_initcall` exists (v3.4+, always for us); the timeout work exists from v4.19. */
  hasCheckState: boolean;
  /** fw_devlink default mode; 'none' = the mechanism does not exist (≤5.2), 'off' = opt-in only. */
  fwDevlinkDefault: FwDevlinkMode | 'none';
  /** `iommus`, `iommu-map`, `dmas` are optional bindings (skipped unless fw_devlink.strict=1): ≈v5.12+. */
  optionalIommuBindings: boolean;
  /** of_supplier_bindings[] in drivers/of/property.c, in table order. */
  supplierBindings: readonly string[];
  /** Cycle handling message: 'fixing-up' (5.13-6.2 "Fixing up cyclic dependency with"), 'fixed' (6.3+, 6.1 stable). */
  cycleLog: 'none' | 'fixing-up' | 'fixed';
  /** fw_devlink deferral reasons recorded by dev_err_probe ("wait for supplier", "supplier X not ready"). */
  fwDevlinkReasons: boolean;
  /**
   * dev_err_probe() records its message as the devices_deferred reason (drivers/base/core.c, dd.c
   * device_set_deferred_probe_reason; v5.9+): a driver's own deferral shows "<driver>: <message>".
   */
  probeErrorReasons: boolean;
  /** fw_devlink_drivers_done() exists (v5.13+): links to suppliers no driver matched are relaxed. */
  hasDriversDone: boolean;
  /** `<hex>.<bit>.<name>` device names when the node has a `mask` property (≈v5.15+). */
  maskInDeviceName: boolean;
  /** simple-pm-bus also binds plain simple-bus / simple-mfd nodes (≈v5.16+). */
  simplePmBusBindsSimpleBus: boolean;
  /** Group created when the IOMMU registers (bus_iommu_probe, v6.15+), not at the master's probe. */
  groupAtIommuRegistration: boolean;
  exhaustionLog: ExhaustionLog;
  /** ≈v6.8-v6.10 dev_err "iommu configuration for device failed with %pe". */
  iommuConfigFailedErr: boolean;
  /** "deferred probe pending" carries ": <reason>" (≈v6.9+). */
  pendingWithReason: boolean;
  /** v5.14+: really_probe returns the driver's error positive; "returned 517" vs "-517". */
  driverErrorsPositive: boolean;
  /**
   * How dd.c prints its probe lines: 'pr_debug' (6.1: "bus: 'platform': really_probe: probing driver X with
   * device Y", "driver: 'X': driver_bound: bound to device 'Y'", "X: probe of Y rejects match -19") or
   * 'dev_dbg' (6.12 drivers/base/dd.c driver_bound(), really_probe(), call_driver_probe(): the device is the
   * prefix, "<bus|driver> Y: driver: 'X': driver_bound: bound to device", "probe with driver X rejects match").
   */
  ddLogForm: 'pr_debug' | 'dev_dbg';
  /**
   * v6.5+: the serial core adds a `serial-base` controller and port device for each port a UART driver
   * registers (drivers/tty/serial/serial_base_bus.c serial_base_ctrl_add, serial_base_port_add).
   */
  serialBaseBus: boolean;
  /**
   * v6.9+: sysfb_init() (drivers/firmware/sysfb.c) looks up the framebuffer's PCI parent first
   * (sysfb_parent_dev → screen_info_pci_dev, drivers/video/screen_info_pci.c) and returns that lookup's
   * error, which is -EINVAL for a screen_info of no known video type (screen_info_resources). Before, it
   * registered a device whatever screen_info held.
   */
  sysfbParentLookup: boolean;
}

// property.c of_supplier_bindings[] per era; the 6.1 list is the Debian 6.1 stable table on disk.
const BINDINGS_510 = ['clocks', 'interconnects', 'iommus', 'iommu-map', 'mboxes', 'io-channels', 'interrupt-parent', 'dmas', 'power-domains', 'hwlocks', 'extcon', 'nvmem-cells', 'phys', 'wakeup-parent', 'pinctrl-0', 'pinctrl-1', 'pinctrl-2', 'pinctrl-3', 'pinctrl-4', 'pinctrl-5', 'pinctrl-6', 'pinctrl-7', 'pinctrl-8', '*-supply', 'gpio', 'gpios'];
const BINDINGS_61 = ['clocks', 'interconnects', 'iommus', 'iommu-map', 'mboxes', 'io-channels', 'interrupt-parent', 'dmas', 'power-domains', 'hwlocks', 'extcon', 'nvmem-cells', 'phys', 'wakeup-parent', 'pinctrl-0', 'pinctrl-1', 'pinctrl-2', 'pinctrl-3', 'pinctrl-4', 'pinctrl-5', 'pinctrl-6', 'pinctrl-7', 'pinctrl-8', 'remote-endpoint', 'pwms', 'resets', 'leds', 'backlight', 'panel', 'gpio-compat', 'interrupts', '*-supply', '*-gpio', '*-gpios'];
const BINDINGS_66 = [...BINDINGS_61.slice(0, BINDINGS_61.indexOf('gpio-compat')), 'msi-parent', ...BINDINGS_61.slice(BINDINGS_61.indexOf('gpio-compat'))];
const BINDINGS_LATEST = [...BINDINGS_66, 'post-init-providers', 'io-backends', 'access-controllers'];
// linux-source-6.12 drivers/of/property.c of_supplier_bindings[], in table order: io-backends after io-channels,
// no interrupt-parent entry any more (parse_interrupts resolves the parent), pses and power-supplies after
// msi-parent, interrupt-map and access-controllers after interrupts, post-init-providers last.
const BINDINGS_612 = ['clocks', 'interconnects', 'iommus', 'iommu-map', 'mboxes', 'io-channels', 'io-backends', 'dmas', 'power-domains', 'hwlocks', 'extcon', 'nvmem-cells', 'phys', 'wakeup-parent', 'pinctrl-0', 'pinctrl-1', 'pinctrl-2', 'pinctrl-3', 'pinctrl-4', 'pinctrl-5', 'pinctrl-6', 'pinctrl-7', 'pinctrl-8', 'remote-endpoint', 'pwms', 'resets', 'leds', 'backlight', 'panel', 'msi-parent', 'pses', 'power-supplies', 'gpio-compat', 'interrupts', 'interrupt-map', 'access-controllers', '*-supply', '*-gpio', '*-gpios', 'post-init-providers'];

const BASE: Omit<KernelProfile, 'version' | 'label'> = {
  dmaConfigureAtCreation: false,
  iommuMissing: 'check-state',
  deferredTimeout: { defaultWithModules: 10, extendOnDriverRegistration: true, warnSplat: false },
  hasCheckState: true,
  fwDevlinkDefault: 'on',
  optionalIommuBindings: true,
  supplierBindings: BINDINGS_61,
  cycleLog: 'fixed',
  fwDevlinkReasons: true,
  probeErrorReasons: true,
  hasDriversDone: true,
  maskInDeviceName: true,
  simplePmBusBindsSimpleBus: true,
  groupAtIommuRegistration: false,
  exhaustionLog: 'add-remove',
  iommuConfigFailedErr: false,
  pendingWithReason: false,
  driverErrorsPositive: true,
  ddLogForm: 'pr_debug',
  serialBaseBus: false,
  sysfbParentLookup: false,
};

const PROFILES: Record<KernelVersion, KernelProfile> = {
  '2015-rfc': {
    ...BASE,
    version: '2015-rfc',
    label: 'v4.1-v4.11 mainline (2015 RFC baseline)',
    dmaConfigureAtCreation: true,
    iommuMissing: 'none',
    deferredTimeout: { defaultWithModules: -1, extendOnDriverRegistration: false, warnSplat: false },
    hasCheckState: false,
    fwDevlinkDefault: 'none',
    optionalIommuBindings: false,
    supplierBindings: [],
    cycleLog: 'none',
    fwDevlinkReasons: false,
    probeErrorReasons: false,
    hasDriversDone: false,
    maskInDeviceName: false,
    simplePmBusBindsSimpleBus: false,
    exhaustionLog: '2015',
    driverErrorsPositive: false,
  },
  '4.12': {
    ...BASE,
    version: '4.12',
    label: 'v4.12-v4.18',
    iommuMissing: 'declared-until-running',
    deferredTimeout: { defaultWithModules: -1, extendOnDriverRegistration: false, warnSplat: false },
    hasCheckState: false,
    fwDevlinkDefault: 'none',
    optionalIommuBindings: false,
    supplierBindings: [],
    cycleLog: 'none',
    fwDevlinkReasons: false,
    probeErrorReasons: false,
    hasDriversDone: false,
    maskInDeviceName: false,
    simplePmBusBindsSimpleBus: false,
    exhaustionLog: 'failed-to-add',
    driverErrorsPositive: false,
  },
  '5.4': {
    ...BASE,
    version: '5.4',
    label: 'v4.19-v5.6',
    deferredTimeout: { defaultWithModules: -1, extendOnDriverRegistration: false, warnSplat: true },
    fwDevlinkDefault: 'off',
    optionalIommuBindings: false,
    supplierBindings: BINDINGS_510.filter((b) => b !== 'gpio' && b !== 'gpios'),
    cycleLog: 'none',
    fwDevlinkReasons: false,
    probeErrorReasons: false,
    hasDriversDone: false,
    maskInDeviceName: false,
    simplePmBusBindsSimpleBus: false,
    exhaustionLog: 'failed-to-add',
    driverErrorsPositive: false,
  },
  '5.10': {
    ...BASE,
    version: '5.10',
    label: 'v5.7-v5.12',
    deferredTimeout: { defaultWithModules: 0, extendOnDriverRegistration: false, warnSplat: false },
    fwDevlinkDefault: 'permissive',
    optionalIommuBindings: false,
    supplierBindings: BINDINGS_510,
    cycleLog: 'fixing-up',
    fwDevlinkReasons: false,
    hasDriversDone: false,
    maskInDeviceName: false,
    simplePmBusBindsSimpleBus: false,
    exhaustionLog: 'add-remove',
    driverErrorsPositive: false,
  },
  '6.1': { ...BASE, version: '6.1', label: 'v6.1 (Debian 6.1 stable; v6.0-v6.4)' },
  '6.6': { ...BASE, version: '6.6', label: 'v6.6 (v6.5-v6.7)', supplierBindings: BINDINGS_66, exhaustionLog: 'add-only', serialBaseBus: true },
  // Debian 12's linux-source-6.12 (6.12.NN): as 6.6, plus
  //  - of_supplier_bindings[] as BINDINGS_612 (drivers/of/property.c);
  //  - dd.c's probe lines by dev_dbg/dev_err with the device as prefix (drivers/base/dd.c driver_bound,
  //    really_probe, call_driver_probe: "probe with driver %s rejects match %d");
  //  - deferred_probe_timeout_work_func() prints "deferred probe pending: %s" with the recorded reason or
  //    "(reason unknown)" (drivers/base/dd.c);
  //  - of_iommu_configure() returns int and of_dma_configure_id() treats every error but -EPROBE_DEFER as
  //    "no IOMMU" silently (drivers/of/device.c: "Take all other IOMMU errors to mean we'll just carry on
  //    without it"); the group is still created at the master's probe (iommu_probe_device from
  //    of_iommu_configure), not at IOMMU registration, which is 6.15's change.
  '6.12': {
    ...BASE,
    version: '6.12',
    label: 'v6.12 (Debian 12 linux-6.12; v6.11-v6.14)',
    supplierBindings: BINDINGS_612,
    exhaustionLog: 'add-only',
    pendingWithReason: true,
    ddLogForm: 'dev_dbg',
    serialBaseBus: true,
    sysfbParentLookup: true,
  },
  latest: {
    ...BASE,
    version: 'latest',
    label: 'v6.15+',
    supplierBindings: BINDINGS_LATEST,
    groupAtIommuRegistration: true,
    exhaustionLog: 'add-only',
    pendingWithReason: true,
    ddLogForm: 'dev_dbg',
    serialBaseBus: true,
    sysfbParentLookup: true,
  },
};

/** The profile for a version key; unknown keys fall back to the nearest supported one by number. */
export function kernelProfile(version: string): KernelProfile {
  const known = PROFILES[version as KernelVersion];
  if (known) return known;
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) return PROFILES['6.1'];
  const n = Number(m[1]) * 100 + Number(m[2]);
  if (n < 412) return PROFILES['2015-rfc'];
  if (n < 419) return PROFILES['4.12'];
  if (n < 507) return PROFILES['5.4'];
  if (n < 513) return PROFILES['5.10'];
  if (n < 605) return PROFILES['6.1'];
  if (n < 611) return PROFILES['6.6'];
  if (n < 615) return PROFILES['6.12'];
  return PROFILES.latest;
}

/**
 * IOMMU drivers that v4.12-v4.18 declared with IOMMU_OF_DECLARE (of_iommu_driver_present) [R: kernel-semantics §7];
 * only these made masters wait in that era.
 */
export const IOMMU_OF_DECLARED_412: readonly string[] = [
  'arm,smmu-v1', 'arm,smmu-v2', 'arm,mmu-400', 'arm,mmu-401', 'arm,mmu-500', 'cavium,smmu-v2', 'arm,smmu-v3',
  'samsung,exynos-sysmmu', 'qcom,apq8064-iommu', 'qcom,msm-iommu-v1', 'mediatek,mt8173-m4u', 'rockchip,iommu',
];
