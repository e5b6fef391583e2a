// Platform devices the kernel's own init code registers by name, with no node in the tree, right before
// it registers the driver that binds them (platform_device_alloc(name, id) + platform_device_add(), then
// platform_driver_register(), drivers/base/platform.c):
// - regulator_init() (drivers/regulator/core.c, core_initcall) → regulator_dummy_init()
//   (drivers/regulator/dummy.c): "reg-dummy" (PLATFORM_DEVID_NONE), then its driver "reg-dummy". The
//   driver is registered from that function, not from an initcall of its own, so the catalog does not see
//   it: REG_DUMMY_DRIVER stands for it.
// - serial8250_init() (drivers/tty/serial/8250/8250_core.c ≤6.9, 8250_platform.c later; module_init):
//   returns -ENODEV when nr_uarts (CONFIG_SERIAL_8250_RUNTIME_UARTS) is 0; otherwise the legacy
//   "serial8250" device (PLAT8250_DEV_LEGACY = PLATFORM_DEVID_NONE), serial8250_register_ports() adds
//   its nr_uarts ports with the serial core (v6.5+: one serial-base controller and nr_uarts port
//   devices under it, serial-base.ts), then the "serial8250" driver (serial8250_isa_driver) binds it.
// And one registered right after its driver (platform_device_register_simple()):
// - psci_idle_init() (drivers/cpuidle/cpuidle-psci.c, device_initcall): the "psci-cpuidle" driver, then
//   the "psci-cpuidle" device, whose probe (psci_cpuidle_probe) fails with -ENODEV unless every CPU
//   node boots by PSCI and has idle states in the tree (psciCpuidleProbe).
// And one an initcall without a driver registers (sysfbDevice):
// - sysfb_init() (drivers/firmware/sysfb.c, device_initcall): the firmware framebuffer device, named from
//   screen_info, with id 0.
// And one the rtc class interface registers inside an RTC driver's probe (alarmtimerRtcAddDevice):
// - alarmtimer_rtc_add_device() (kernel/time/alarmtimer.c): "alarmtimer" with PLATFORM_DEVID_AUTO for the
//   first RTC with alarms whose parent may wake the system.
// Rules: docs/kernel-model.md §Population.
import { cells, getProperty, stringListProp, stringProp, type DtNode, type DtTree } from '../devicetree/index';
import type { CatalogDriver, KernelConfig } from './catalog';
import { nodeAvailable, type PlatformDevice, type PopulateOptions } from './populate';
import { PLATFORM_DEVID_AUTO, platformDeviceName, type HandMadeDeviceState } from './probe-created';
import type { KernelProfile } from './profile';

/** drivers/regulator/dummy.c dummy_regulator_driver, registered by regulator_init() (built in: CONFIG_REGULATOR is bool). */
export const REG_DUMMY_DRIVER: CatalogDriver = {
  name: 'reg-dummy', bus: 'platform', level: 'core',
  // Its place among the other core initcalls is not known to the catalog; no device exists before the
  // tree is populated at arch_initcall, so it only decides where the trace shows it: first.
  order: -2000,
  initcall: 'regulator_init', kconfig: ['REGULATOR'], module: 'regulator',
  compatible: [], amba: [], asyncProbe: false, populatesChildren: false, platformIds: null, mfdCells: null, linkedPopulates: [],
  probeLookups: [], childDevices: [], powerOff: { refuses: false, claims: false }, registersUartPort: false, registersWakeupRtc: false,
  file: 'drivers/regulator/dummy.c',
};

/**
 * What an init function registers by hand before its drivers and after them, or `abort` when it returns
 * before registering anything.
 */
export type InitDevices = { kind: 'devices'; before: InitDevice[]; after: InitDevice[] } | { kind: 'abort'; why: string };

export interface InitDevice {
  device: PlatformDevice;
  /** v6.5+: serial ports registered on it (serial8250_register_ports): port ids 0..uartPorts-1 under controller 0. */
  uartPorts: number;
}

/** A platform device registered by name with PLATFORM_DEVID_NONE: dev_name() is the bare name. */
function namedDevice(name: string): PlatformDevice {
  return { name, node: null, path: `/${name}`, bus: 'platform', compatible: [], parent: null, createdBy: 'kernel', pdevName: name };
}

/** nr_uarts: CONFIG_SERIAL_8250_RUNTIME_UARTS (Kconfig default 4), capped at UART_NR (CONFIG_SERIAL_8250_NR_UARTS). */
export function serial8250NrUarts(config: KernelConfig | null): number {
  const read = (sym: string, dflt: number): number => {
    const v = config?.values.get(sym);
    const n = v === undefined ? NaN : Number(v);
    return Number.isFinite(n) ? n : dflt;
  };
  return Math.max(0, Math.min(read('SERIAL_8250_RUNTIME_UARTS', 4), read('SERIAL_8250_NR_UARTS', 4)));
}

/** The devices init function `initcall` registers before its drivers (none for every other init function). */
export function initRegisteredDevices(initcall: string, config: KernelConfig | null): InitDevices {
  switch (initcall) {
    case 'regulator_init':
      return { kind: 'devices', before: [{ device: namedDevice('reg-dummy'), uartPorts: 0 }], after: [] };
    case 'serial8250_init': {
      const nrUarts = serial8250NrUarts(config);
      if (nrUarts === 0) return { kind: 'abort', why: 'nr_uarts is 0 (CONFIG_SERIAL_8250_RUNTIME_UARTS): serial8250_init returns -ENODEV' };
      return { kind: 'devices', before: [{ device: namedDevice('serial8250'), uartPorts: nrUarts }], after: [] };
    }
    case 'psci_idle_init':
      return { kind: 'devices', before: [], after: [{ device: namedDevice('psci-cpuidle'), uartPorts: 0 }] };
    default:
      return { kind: 'devices', before: [], after: [] };
  }
}

/** The CPU nodes: /cpus children with device_type = "cpu" (the possible CPUs of a DT boot). */
function cpuNodes(tree: DtTree): DtNode[] {
  const cpus = tree.root.children.find((c) => c.name === 'cpus');
  return cpus ? cpus.children.filter((c) => stringProp(c, 'device_type') === 'cpu') : [];
}

/** The node `prop`'s index-th phandle points at (of_parse_phandle with no cells), or null. */
function phandleAt(node: DtNode, prop: string, index: number, phandles: Map<number, DtNode>): DtNode | null {
  const p = getProperty(node, prop);
  if (!p) return null;
  const v = cells(p)[index];
  return v === undefined ? null : (phandles.get(v) ?? null);
}

/**
 * of_get_cpu_state_node() (drivers/of/cpu.c): the index-th idle state of a CPU, from its power domain's
 * `domain-idle-states` when it has a `power-domains` domain that lists one, else its `cpu-idle-states`.
 */
function cpuStateNode(cpu: DtNode, index: number, phandles: Map<number, DtNode>): DtNode | null {
  const domain = phandleAt(cpu, 'power-domains', 0, phandles);
  const fromDomain = domain ? phandleAt(domain, 'domain-idle-states', index, phandles) : null;
  return fromDomain ?? phandleAt(cpu, 'cpu-idle-states', index, phandles);
}

/**
 * dt_init_idle_driver() (drivers/cpuidle/dt_idle_states.c) for one CPU with psci_idle_state_match
 * ("arm,idle-state"): the number of available states, or -ENODEV at the first state of another kind.
 */
function dtIdleStates(cpu: DtNode, phandles: Map<number, DtNode>, opts: PopulateOptions | undefined): number {
  let n = 0;
  for (let i = 0; ; i++) {
    const state = cpuStateNode(cpu, i, phandles);
    if (!state) break;
    if (!stringListProp(state, 'compatible').includes('arm,idle-state')) return -19;
    if (!nodeAvailable(state, opts)) continue;
    n++;
  }
  return n;
}

/**
 * psci_cpuidle_probe() → psci_idle_init_cpu() for each possible CPU: -ENODEV when a CPU has no node, its
 * `enable-method` is not "psci", or dt_init_idle_driver() finds no idle state (only WFI, which the
 * architecture's default idle already does) or one of another kind; 0 (bound) otherwise, taking the
 * firmware's PSCI suspend support for granted. Returns the errno, or 0.
 */
export function psciCpuidleProbe(tree: DtTree, phandles: Map<number, DtNode>, opts?: PopulateOptions): number {
  const cpus = cpuNodes(tree);
  if (cpus.length === 0) return -19;
  for (const cpu of cpus) {
    if (stringProp(cpu, 'enable-method') !== 'psci') return -19;
    const states = dtIdleStates(cpu, phandles, opts);
    if (states <= 0) return states || -19;
  }
  return 0;
}

/**
 * sysfb_init() (drivers/firmware/sysfb.c, device_initcall; built with CONFIG_SYSFB): the device it
 * registers, or null when it registers none.
 * - A non-EFI DT boot leaves screen_info as the image holds it: all zero on arm64 (arch/arm64/kernel/efi.c
 *   ≤6.6, drivers/firmware/efi/efi-init.c later), orig_video_isVGA = 1 on 6.1 arm (arch/arm/kernel/setup.c);
 *   neither is a VIDEO_TYPE_* constant. ≤v6.8 sysfb_parse_mode() (sysfb_simplefb.c) only takes VLFB and
 *   EFI, so sysfb_init() falls through to the legacy name chain and its last case: "platform-framebuffer".
 * - v6.9+ (profile.sysfbParentLookup) first asks sysfb_parent_dev(): with CONFIG_PCI,
 *   screen_info_pci_dev() → screen_info_resources() returns -EINVAL for video type 0
 *   (screen_info_video_type(): orig_video_isVGA is 0), and sysfb_init() returns that error with no
 *   device. Without CONFIG_PCI the lookup is a stub answering "no parent" and the device is registered.
 * - With screen_info from the EFI stub (`screenInfo: 'efi'`): "simple-framebuffer" when
 *   CONFIG_SYSFB_SIMPLEFB lets sysfb_create_simplefb() make one, else "efi-framebuffer".
 * platform_device_alloc(name, 0) makes dev_name() "<name>.0". No driver binds "platform-framebuffer";
 * efifb binds "efi-framebuffer" and simplefb/simpledrm "simple-framebuffer" by drv->name.
 * Not modelled: sysfb_disable() from a display driver that removed conflicting framebuffers
 * (drivers/video/aperture.c) before sysfb_init() ran, which leaves it registering nothing.
 */
export function sysfbDevice(profile: KernelProfile, config: KernelConfig | null, screenInfo: 'none' | 'efi' = 'none'): PlatformDevice | null {
  if (config && config.get('SYSFB') !== 'y') return null;
  let name: string;
  if (screenInfo === 'efi') name = config?.get('SYSFB_SIMPLEFB') === 'y' ? 'simple-framebuffer' : 'efi-framebuffer';
  else if (profile.sysfbParentLookup && config?.get('PCI') === 'y') return null;
  else name = 'platform-framebuffer';
  const dev = namedDevice(name);
  return { ...dev, name: `${name}.0`, path: `/${name}.0` };
}

/**
 * alarmtimer_rtc_add_device() (kernel/time/alarmtimer.c): the rtc class interface alarmtimer_init()
 * registers runs it from device_add() of every RTC, that is inside the probe that registers the RTC, before
 * that probe returns. The first RTC whose driver keeps RTC_FEATURE_ALARM and made its parent
 * wakeup-capable (catalog `registersWakeupRtc`) gets platform_device_register_data("alarmtimer",
 * PLATFORM_DEVID_AUTO): the next id of platform_devid_ida, shared with every other AUTO device; every
 * later RTC finds rtcdev set (-EBUSY). `rtc` is the RTC's parent device. Returns the device to add, or null.
 * Needs CONFIG_RTC_CLASS (the interface is built under it; an RTC driver needs it anyway). The caller
 * (dd.ts) asks only once the alarmtimer driver is registered: alarmtimer_init() is a device_initcall in
 * kernel/, which links before every RTC driver, so no RTC of the catalogs registers before the interface
 * (class_interface_register() would then add the device for it, before the alarmtimer driver).
 */
export function alarmtimerRtcAddDevice(state: HandMadeDeviceState, rtc: string, config: KernelConfig | null): PlatformDevice | null {
  if (state.rtcdev !== null) return null;
  if (config && config.get('RTC_CLASS') !== 'y') return null;
  state.rtcdev = rtc;
  const name = platformDeviceName('alarmtimer', PLATFORM_DEVID_AUTO, state);
  return { ...namedDevice('alarmtimer'), name, path: `/${name}` };
}
