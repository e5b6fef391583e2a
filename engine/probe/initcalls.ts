// Boot order: the catalog's drivers with their availability, the early *_OF_DECLARE providers, the
// initcalls in level and link order (driver registration, the default populate, of_iommu_init,
// customize_machine), then kernel_init() and the modules /init loads. Models init/main.c (do_initcalls,
// initcall_blacklisted, kernel_init), drivers/of/platform.c (of_platform_default_populate_init),
// drivers/clk/clk.c of_clk_init, drivers/of/irq.c of_irq_init and kernel/module/main.c load_module.
// Rules: docs/kernel-model.md §Population, §Initcalls and driver registration, §Modules.
import { getProperty, nodePath, stringListProp, walk, type DtNode } from '../devicetree/index';
import { availabilityFromConfig, INITCALL_LEVELS, normalizeModuleName, type Availability, type CatalogDriver, type KernelConfig } from './catalog';
import type { ModuleLoad } from './options';
import { deviceName, nodeAvailable, populateDevices, type PlatformDevice } from './populate';
import { IOMMU_OF_DECLARED_412 } from './profile';
import { armMachineFor } from './machine';
import { isAmbaStubDriver } from './amba';
import { type CoreState, type ModelDriver } from './core-state';
import { deviceAdd, driverRegister, registerSerialBaseDrivers, runAsyncProbes, deferredProbeInitcall, deferredProbeTimeoutWorkFunc } from './dd';
import { iommuSubsysInit } from './dma-configure';
import { SERIAL_BASE_DRIVERS, serialCoreRegisterPort } from './serial-base';
import { initRegisteredDevices, REG_DUMMY_DRIVER, sysfbDevice, type InitDevice, type InitDevices } from './init-devices';

/**
 * The modelled clock: kernel time at which each initcall level starts, as Debian's 6.1 arm64 kernel
 * reached them booting the lab's QEMU virt board (test/fixtures/bootlog/lab: populate ≈0.3 s, the first
 * device initcalls ≈0.55 s, deferred_probe_initcall ≈1.36 s, /init ≈1.5 s). A real board differs; the
 * order and the timeout offsets do not.
 */
const LEVEL_FLOOR: Partial<Record<string, number>> = {
  pure: 0.01, core: 0.02, core_sync: 0.1, postcore: 0.12, postcore_sync: 0.2, arch: 0.22, arch_sync: 0.29,
  subsys: 0.33, subsys_sync: 0.42, fs: 0.45, fs_sync: 0.5, rootfs: 0.52, device: 0.55, device_sync: 1.3,
  late: 1.33, late_sync: 1.45,
};
const USERSPACE_FLOOR = 1.52;

const NO_CONFIG = {};
const availabilityCache = new WeakMap<object, WeakMap<object, Availability[]>>();

/**
 * do_initcalls(): every built-in driver's registration, the default populate and deferred_probe_initcall,
 * in level then link order, each followed by the async probes it scheduled.
 */
export function doInitcalls(core: CoreState): void {
  type Item = { level: number; order: number; run: () => void; name: string };
  const items: Item[] = [];
  const levelOf = (l: string): number => INITCALL_LEVELS.indexOf(l as never);
  const byInitcall = new Map<string, ModelDriver[]>();
  for (const d of core.drivers) {
    if (d.availability !== 'builtin') continue;
    const level = levelOf(d.cat.level);
    // ≤v4.18: of_iommu_init() creates and probes IOMMU_OF_DECLARE'd IOMMUs at postcore_initcall_sync
    if (earlyIommuInit(core) && d.isIommu && d.cat.compatible.some((c) => IOMMU_OF_DECLARED_412.includes(c))) {
      items.push({ level: levelOf('postcore_sync'), order: d.cat.order, name: 'of_iommu_init', run: () => ofIommuInit(core, d) });
      continue;
    }
    const key = `${d.cat.initcall ?? d.cat.name}@${d.cat.order - (d.cat.order % 1000)}`;
    const list = byInitcall.get(key);
    if (list) list.push(d);
    else {
      byInitcall.set(key, [d]);
      items.push({ level, order: d.cat.order, name: d.cat.initcall ?? d.cat.name, run: () => runDriverInitcall(core, byInitcall.get(key)!) });
    }
  }
  const ic = core.index?.catalog.initcalls ?? [];
  const populate = ic.find((x) => x.name === 'of_platform_default_populate_init');
  const deferredInit = ic.find((x) => x.name === 'deferred_probe_initcall');
  items.push({ level: levelOf(populate?.level ?? 'arch_sync'), order: populate?.order ?? 0, name: 'of_platform_default_populate_init', run: () => ofPlatformDefaultPopulateInit(core) });
  // arm: customize_machine() runs the machine's init_machine, which may populate the tree itself (machine.ts)
  const customize = ic.find((x) => x.name === 'customize_machine');
  if (customize && core.index && availabilityFromConfig(customize.kconfig, core.config) === 'builtin' && armMachineFor(core.tree.root, core.index.catalog, core.config)?.populates) {
    items.push({ level: levelOf(customize.level), order: customize.order, name: 'customize_machine', run: () => customizeMachine(core) });
  }
  // sysfb_init() (drivers/firmware/sysfb.c): the firmware framebuffer device, no driver of its own (init-devices.ts)
  const sysfb = ic.find((x) => x.name === 'sysfb_init');
  if (sysfb && availabilityFromConfig(sysfb.kconfig, core.config) === 'builtin') {
    items.push({ level: levelOf(sysfb.level), order: sysfb.order, name: 'sysfb_init', run: () => sysfbInit(core) });
  }
  items.push({ level: levelOf(deferredInit?.level ?? 'late'), order: deferredInit?.order ?? 0, name: 'deferred_probe_initcall', run: () => deferredProbeInitcall(core) });
  // iommu_subsys_init() (subsys_initcall, drivers/iommu/iommu.c): the default domain type line
  items.push({ level: levelOf('subsys'), order: -1, name: 'iommu_subsys_init', run: () => iommuSubsysInit(core) });
  const reversed = initcallsReversedInFile(core.config);
  items.sort((a, b) => a.level - b.level || linkOrderCompare(a.order, b.order, reversed));
  for (const item of items) {
    core.tick(0.0005);
    core.time = Math.max(core.time, LEVEL_FLOOR[INITCALL_LEVELS[Math.max(0, Math.floor(item.level))]!] ?? 0);
    item.run();
    runAsyncProbes(core);
  }
}

/**
 * Whether the initcalls of one object file at one level run in reverse source order. Without
 * CONFIG_HAVE_ARCH_PREL32_RELOCATIONS, include/linux/init.h ____define_initcall() makes each initcall a
 * `static initcall_t` variable in the level's section, and GCC emits a unit's variables last-defined
 * first, so the linker lays them out (and do_initcall_level() runs them) in reverse; with PREL32
 * relocations (arm64) the entry is a top-level asm statement, which GCC emits in source order, and
 * CONFIG_LTO_CLANG orders them by __COUNTER__ (scripts/generate_initcall_order.pl), also source order.
 * Without a .config the compiler is unknown: source order.
 */
export function initcallsReversedInFile(config: KernelConfig | null): boolean {
  if (!config) return false;
  return config.get('CC_IS_GCC') === 'y' && config.get('HAVE_ARCH_PREL32_RELOCATIONS') !== 'y' && config.get('LTO_CLANG') !== 'y';
}

/**
 * Link order of two catalog orders (file position * 1000 + initcall position * 100 + rank inside the
 * init function): by file, then by initcall (reversed when `reversed`), then by rank inside it (the
 * drivers one init function registers keep their call order).
 */
export function linkOrderCompare(a: number, b: number, reversed: boolean): number {
  const fa = Math.floor(a / 1000);
  const fb = Math.floor(b / 1000);
  if (!reversed || fa !== fb || a < 0 || b < 0) return a - b;
  const ia = Math.floor((a % 1000) / 100);
  const ib = Math.floor((b % 1000) / 100);
  return ib - ia || a - b;
}

/** kernel_init(): free_initmem, SYSTEM_RUNNING, then userspace (/init) loads modules. */
export function kernelInit(core: CoreState): void {
  core.tick(0.05);
  core.time = Math.max(core.time, USERSPACE_FLOOR);
  core.systemRunning = true;
  core.systemRunningAt = core.time;
  core.emit('userspace', { text: 'Run /init as init process' });
  userspace(core);
}

/** A driver's y/m/n from the .config, or what a what-if override forces. */
function availability(core: CoreState, d: CatalogDriver): Availability {
  const o = core.opts.drivers;
  if (!o || !core.hasDriverOverrides) return availabilityFromConfig(d.kconfig, core.config);
  let forced = o[d.name] ?? o[d.module] ?? o[d.module.replace(/_/g, '-')];
  for (const k of d.kconfig) forced ??= o[k] ?? o[`CONFIG_${k}`];
  if (forced === 'missing') return 'absent';
  if (forced === 'builtin') return 'builtin';
  if (forced === 'module') return 'module';
  return availabilityFromConfig(d.kconfig, core.config);
}

/** The catalog's drivers this kernel has (built in or modular), in catalog order. */
export function buildDrivers(core: CoreState): void {
  if (!core.index) return;
  // The y/m/n split of a catalog under one .config is the same for every prediction: cache it.
  const plain = !core.hasDriverOverrides;
  const cacheKey = core.config ?? NO_CONFIG;
  let perConfig = availabilityCache.get(core.index.catalog);
  if (!perConfig) availabilityCache.set(core.index.catalog, (perConfig = new WeakMap()));
  let avail = plain ? perConfig.get(cacheKey) : undefined;
  if (!avail) {
    avail = core.index.catalog.drivers.map((cat) => availability(core, cat));
    if (plain) perConfig.set(cacheKey, avail);
  }
  const cats = core.index.catalog.drivers;
  for (let i = 0; i < cats.length; i++) {
    const availability = avail[i]!;
    if (availability === 'absent') continue;
    const cat = cats[i]!;
    // amba_stub_drv_init() returns before registering when !IS_ENABLED(CONFIG_MODULES)
    if (!core.modules && isAmbaStubDriver(cat)) continue;
    const m: ModelDriver = { cat, availability, isIommu: cat.file.startsWith('drivers/iommu/'), registered: false, seq: -1 };
    core.drivers.push(m);
    core.modelOf.set(cat, m);
    if (m.isIommu) core.iommuDrivers.push(m);
  }
  // regulator_init() → regulator_dummy_init() registers the reg-dummy driver (init-devices.ts)
  if (availabilityFromConfig(REG_DUMMY_DRIVER.kconfig, core.config) === 'builtin') {
    const m: ModelDriver = { cat: REG_DUMMY_DRIVER, availability: 'builtin', isIommu: false, registered: false, seq: -1 };
    core.drivers.push(m);
    core.modelOf.set(REG_DUMMY_DRIVER, m);
  }
  // v6.5+: serial_base_init() (drivers/tty/serial/serial_base_bus.c) registers the serial-base bus's ctrl and port drivers
  if (core.profile.serialBaseBus) {
    const availability = availabilityFromConfig(['SERIAL_CORE'], core.config);
    if (availability !== 'absent') {
      for (const cat of SERIAL_BASE_DRIVERS) {
        const m: ModelDriver = { cat, availability, isIommu: false, registered: false, seq: -1 };
        core.drivers.push(m);
        core.modelOf.set(cat, m);
      }
    }
  }
}

/**
 * The providers set up before any driver runs, from the built-in *_OF_DECLARE tables:
 * - of_clk_init() (drivers/clk/clk.c) sets OF_POPULATED on a CLK_OF_DECLARE node before its init, so no
 *   platform device is ever created for it; CLK_OF_DECLARE_DRIVER's wrapper (include/linux/clk-provider.h)
 *   clears OF_POPULATED again, so that node still becomes a device a platform driver may bind.
 * - of_irq_init() (drivers/of/irq.c) sets OF_POPULATED on each available IRQCHIP_DECLARE node that has
 *   `interrupt-controller`.
 * Both register their provider at once (of_clk_add_provider / __irq_domain_add call
 * fwnode_dev_initialized()), so fw_devlink sees FWNODE_FLAG_INITIALIZED. timer_probe() and the
 * reserved-mem initialisers set neither flag: their nodes are ordinary nodes.
 */
export function runEarlyDeclares(core: CoreState): void {
  if (!core.index) return;
  for (const n of walk(core.tree.root)) {
    if (!n.parent || !nodeAvailable(n, core.popOpts)) continue;
    const kinds = core.declaredKinds(n);
    if (kinds.has('clk') || (kinds.has('irqchip') && getProperty(n, 'interrupt-controller'))) {
      core.early.push(n);
      core.earlySet.add(n);
    }
  }
}

/** ≤v4.18 (and pre-4.12): IOMMU_OF_DECLARE'd IOMMUs come up from of_iommu_init(), not their own initcall. */
function earlyIommuInit(core: CoreState): boolean {
  return core.profile.iommuMissing === 'declared-until-running' || core.profile.dmaConfigureAtCreation;
}

/** of_iommu_init(): the declared IOMMU's init creates its platform device and registers its driver. */
function ofIommuInit(core: CoreState, d: ModelDriver): void {
  if (d.cat.initcall && core.blacklisted.has(d.cat.initcall)) {
    core.emit('initcall-blacklisted', { name: d.cat.initcall, text: `initcall ${d.cat.initcall} blacklisted` });
    return;
  }
  core.emit('initcall', { name: 'of_iommu_init', text: `calling  of_iommu_init+0x0/0x0 @ 1` });
  driverRegister(core, d);
  for (const n of walk(core.tree.root)) {
    if (!n.parent || !nodeAvailable(n, core.popOpts) || core.knownNodes.has(n)) continue;
    const compat = stringListProp(n, 'compatible');
    if (!compat.some((c) => d.cat.compatible.includes(c))) continue;
    core.knownNodes.add(n);
    core.earlyDevices.add(n);
    deviceAdd(core, { name: deviceName(n, core.profile), node: n, path: nodePath(n), bus: 'platform', compatible: compat, parent: null, createdBy: 'populate' });
  }
}

/** One initcall that registers drivers (module_platform_driver() and friends: driver_register() each). */
function runDriverInitcall(core: CoreState, drivers: ModelDriver[]): void {
  const name = drivers[0]!.cat.initcall ?? drivers[0]!.cat.name;
  if (core.blacklisted.has(name)) {
    core.emit('initcall-blacklisted', { name, text: `initcall ${name} blacklisted` });
    return;
  }
  // The trace keeps the initcalls of drivers this board can use; the other thousand register silently.
  if (drivers.some((d) => core.relevant(d))) core.emit('initcall', { name, text: `calling  ${name}+0x0/0x0 @ 1` });
  const init = initRegisteredDevices(name, core.config);
  if (init.kind === 'abort') return;
  addInitRegisteredDevices(core, init.before);
  for (const d of drivers) driverRegister(core, d);
  addInitRegisteredDevices(core, init.after);
}

/** sysfb_init(): platform_device_add() of the device screen_info names, when it registers one. */
function sysfbInit(core: CoreState): void {
  if (core.blacklisted.has('sysfb_init')) {
    core.emit('initcall-blacklisted', { name: 'sysfb_init', text: 'initcall sysfb_init blacklisted' });
    return;
  }
  const dev = sysfbDevice(core.profile, core.config, core.opts.screenInfo);
  if (dev) deviceAdd(core, dev);
}

/** Devices an init function registers by name (init-devices.ts), with the serial ports it registers on them. */
function addInitRegisteredDevices(core: CoreState, devices: readonly InitDevice[]): void {
  const exists = (name: string): boolean => core.devices.some((x) => x.dev.name === name);
  for (const { device, uartPorts } of devices) {
    // a second load of the module finds its device registered already (the model registers it once)
    if (exists(device.name)) continue;
    deviceAdd(core, device);
    // v6.5+ serial8250_register_ports() → uart_add_one_port() → serial_core_register_port() per port
    if (core.profile.serialBaseBus && uartPorts > 0) {
      registerSerialBaseDrivers(core);
      for (const dev of serialCoreRegisterPort(device, exists, uartPorts)) deviceAdd(core, dev);
    }
  }
}

/** of_platform_default_populate_init(): the tree's devices, and the disabled nodes populate would have reached. */
function ofPlatformDefaultPopulateInit(core: CoreState): void {
  core.emit('initcall', { name: 'of_platform_default_populate_init', text: 'calling  of_platform_default_populate_init+0x0/0x0 @ 1' });
  const devs = populateDevices(core.tree, core.profile, core.popOpts);
  for (const n of walk(core.tree.root)) {
    if (n.parent && !nodeAvailable(n, core.popOpts) && getProperty(n, 'compatible') && reachableByPopulate(core, n)) core.disabled.push({ node: n, name: deviceName(n, core.profile) });
  }
  addPopulated(core, devs);
}

/** customize_machine() → init_machine → of_platform_default_populate(NULL, NULL, NULL): the tree part only. */
function customizeMachine(core: CoreState): void {
  core.emit('initcall', { name: 'customize_machine', text: 'calling  customize_machine+0x0/0x0 @ 1' });
  addPopulated(core, populateDevices(core.tree, core.profile, core.popOpts, 'tree'));
}

/** device_add() each new device; a node populated before (OF_POPULATED) is skipped by a later populate. */
function addPopulated(core: CoreState, devs: PlatformDevice[]): void {
  for (const d of devs) {
    if (d.node && core.knownNodes.has(d.node)) continue;
    if (d.node) core.knownNodes.add(d.node);
    deviceAdd(core, d);
  }
}

/** A node the default populate would visit (root child or child of a bus node that was created). */
function reachableByPopulate(core: CoreState, n: DtNode): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (!p.parent) return true;
    if (!nodeAvailable(p, core.popOpts)) return false;
    const c = stringListProp(p, 'compatible');
    if (!c.some((x) => ['simple-bus', 'simple-mfd', 'isa', 'arm,amba-bus'].includes(x))) return false;
  }
  return true;
}

/** /init: modules in the user's order; the timeout work fires in between when its time comes. */
function userspace(core: CoreState): void {
  const loads: ModuleLoad[] = (core.opts.modulesLoaded ?? []).map((m) => (typeof m === 'string' ? parseModuleLoad(m) : m));
  const userStart = core.time;
  let next = core.time + 0.3;
  const fireTimerUntil = (t: number): void => {
    while (core.timer.armed && core.timer.at <= t) {
      core.time = Math.max(core.time, core.timer.at);
      core.timer.armed = false;
      deferredProbeTimeoutWorkFunc(core);
    }
  };
  for (const load of loads) {
    let at = Math.max(next, load.at ?? next);
    if (load.afterSettle !== undefined) {
      // wait until devices_deferred drains, at most afterSettle seconds after /init started
      const deadline = userStart + load.afterSettle;
      fireTimerUntil(deadline);
      at = Math.max(at, core.pending.length ? deadline : core.time);
    }
    fireTimerUntil(at);
    core.time = Math.max(core.time, at);
    loadModule(core, load);
    runAsyncProbes(core);
    next = core.time + 0.15;
  }
  fireTimerUntil(Number.POSITIVE_INFINITY);
}

/** load_module() → do_init_module(): the module's drivers register. */
function loadModule(core: CoreState, load: ModuleLoad): void {
  const name = normalizeModuleName(load.name);
  const inModule = core.index?.byModule.get(name) ?? [];
  const drivers: ModelDriver[] = [];
  for (const cat of inModule) {
    const m = core.modelOf.get(cat);
    if (m) drivers.push(m);
  }
  const inCatalog = inModule.length > 0;
  if (drivers.length === 0) {
    if (!inCatalog) core.missingModules.push(load.name);
    core.emit('module-loaded', { name: load.name });
    return;
  }
  core.emit('module-loaded', { name: load.name });
  // do_init_module() runs the module's init function: the devices it registers by hand come before or
  // after its drivers, as in the function
  const inits = new Map<string, InitDevices>();
  for (const d of drivers) {
    if (d.availability === 'module' && !d.registered && d.cat.initcall && !inits.has(d.cat.initcall)) inits.set(d.cat.initcall, initRegisteredDevices(d.cat.initcall, core.config));
  }
  const initOf = (d: ModelDriver): InitDevices | undefined => (d.cat.initcall ? inits.get(d.cat.initcall) : undefined);
  for (const init of inits.values()) if (init.kind === 'devices') addInitRegisteredDevices(core, init.before);
  for (const d of drivers) {
    if (d.availability !== 'module') continue;
    if (d.registered || initOf(d)?.kind === 'abort') continue;
    driverRegister(core, d);
  }
  for (const init of inits.values()) if (init.kind === 'devices') addInitRegisteredDevices(core, init.after);
}

/** `name` or `name@SECONDS`. */
function parseModuleLoad(text: string): ModuleLoad {
  const at = text.lastIndexOf('@');
  if (at > 0) {
    const t = Number(text.slice(at + 1));
    if (Number.isFinite(t)) return { name: text.slice(0, at), at: t };
  }
  return { name: text };
}
