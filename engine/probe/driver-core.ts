// The driver core as a deterministic simulation: initcalls in level and link order (init/main.c),
// device_add()/driver_register() matching (drivers/base/bus.c, dd.c __device_attach / __driver_attach),
// really_probe() with its gates (fw_devlink supplier check in core.c, pinctrl, bus dma_configure →
// of_dma_configure → of_iommu_configure), the deferred-probe lists and the timeout (dd.c).
//
// The state machine, as dd.c runs it. A device is added (of_platform_populate) and tried against every
// registered driver of its bus in registration order; a driver is registered and tried against every
// device of its bus in registration order. A try walks really_probe's gates: fw_devlink first (a fwnode
// link to a supplier with no device yet → "wait for supplier", a device link to an unbound supplier →
// "supplier X not ready"), then pinctrl, then DMA configuration, where of_iommu_xlate() asks whether the
// master's IOMMU has registered; if not, driver_deferred_probe_check_state() says defer, or (after
// initcalls_done / the timeout) "ignoring dependency" and the master goes on without the IOMMU. Then the
// driver's own probe (the one thing we cannot see: its outcome is an assumption, ok by default, and it
// defers while a resource it asks for - clock, GPIO, regulator, IRQ - has no bound provider). Any
// -EPROBE_DEFER appends the device to the pending list. Every successful bind triggers: the pending list
// moves to the active list and the deferred work retries it in FIFO order, until nothing is left - but
// triggers do nothing before deferred_probe_initcall() (late_initcall) sets driver_deferred_probe_enable,
// so during initcalls a deferred device is only retried when a matching driver registers. At
// late_initcall: pass 1, initcalls_done, pass 2, then (CONFIG_MODULES) the timeout work is armed;
// each driver registration re-arms it; when it fires it relaxes fw_devlink links to suppliers no driver
// ever matched, makes check_state give up, retries everything and reports what is still pending.
// Rules: docs/kernel-model.md, every section (§Population to §Outcomes): the state machine itself.
import { findNodeByPath, getProperty, nodePath, phandleIndex, stringListProp, walk, type DtNode, type DtProperty, type DtTree } from '../devicetree/index';
import type { Diagnostic } from '../common';
import type { WhyStep } from '../common';
import { availabilityFromConfig, CatalogIndex, INITCALL_LEVELS, normalizeModuleName, type Availability, type CatalogDriver, type KernelConfig } from './catalog';
import { parseCmdline, type CmdlineKnobs } from './cmdline';
import type { ProbeEvent, ProbeEventKind } from './events';
import { contextBudget, dmaReach, GroupIds, groupingRuleFor, isDmaCoherent, ramTop, type GroupingRule } from './iommu';
import { errnoName, type AssumedOutcome, type IommuPolicy, type ModuleLoad, type PredictOptions } from './options';
import { deviceName, mapId, nodeAvailable, pciDevice, populateChildren, populateDevices, type PlatformDevice, type PopulateOptions } from './populate';
import { linkedPopulateRoots, mfdAddDevices, newHandMadeDeviceState } from './probe-created';
import { IOMMU_OF_DECLARED_412, type KernelProfile } from './profile';
import { handMadeDevices } from './hand-made';
import { armMachineFor } from './machine';
import { powerOffHolderAtBoot } from './power-off';
import { probeDeferReason } from './probe-errors';
import { isAncestorOrSelf, OPTIONAL_BINDINGS, probeResources, supplierRefs, type SupplierRef } from './suppliers';
import { cells, stringProp, u32Prop } from '../devicetree/index';
import { ambaReadPeriphid, isAmbaStubDriver } from './amba';

const EPROBE_DEFER = 517;
const ENODEV = 19;
const ENOSPC = 28;
const ETIMEDOUT = 110;

/** A driver as the model registers it: a catalog entry with its availability in this kernel. */
export interface ModelDriver {
  cat: CatalogDriver;
  availability: Availability;
  /** Lives in drivers/iommu: its bind registers an IOMMU instance (iommu_device_register). */
  isIommu: boolean;
  registered: boolean;
  /** Registration sequence on its bus (klist_drivers order). */
  seq: number;
}

/** What one really_probe() try came to; classified in one switch (classifyProbe), as call_driver_probe() does. */
export type ProbeOutcome =
  | { kind: 'bound' }
  /** device_links_check_suppliers(): -EPROBE_DEFER before "probing driver" is printed. */
  | { kind: 'links-defer'; reason: string; supplier: DtNode; supplierDevice: DeviceState | null; binding: string; property: DtProperty }
  /** pinctrl_bind_pins(): the pin controller has not bound. */
  | { kind: 'pinctrl-defer'; supplier: DtNode; supplierDevice: DeviceState | null; property: DtProperty }
  /** of_iommu_xlate(): the IOMMU has no registered instance and check_state says wait. */
  | { kind: 'iommu-defer'; iommu: DtNode; property: DtProperty | null }
  /** A mandatory IOMMU (what-if policy) is missing or out of contexts: the master's probe fails. */
  | { kind: 'iommu-fail'; errno: number; iommu: DtNode }
  /**
   * The driver's probe returned -EPROBE_DEFER: a resource's provider is not bound, or assumed. `message`:
   * what its dev_err_probe() recorded as the devices_deferred reason (probeDeferReason), if anything.
   */
  | { kind: 'driver-defer'; resource: SupplierRef | null; supplierDevice: DeviceState | null; message?: string | null }
  /**
   * amba_match() could not read the primecell ID (amba.ts): a PM domain, apb_pclk or reset provider has not
   * registered (`resource`), or the read can never succeed (`never`: no apb_pclk clock, or no component ID
   * behind the address). dd.c "Device match requests probe deferral", before any driver is tried.
   */
  | { kind: 'match-defer'; resource: SupplierRef | null; supplierDevice: DeviceState | null; never: 'no-pclk' | 'no-id' | null }
  /** -ENODEV / -ENXIO: "probe of X rejects match". */
  | { kind: 'rejected'; errno: number; assumed: boolean }
  | { kind: 'failed'; errno: number };

export type DmaMode = 'iommu' | 'iommu-passthrough' | 'direct';

/** Everything the model tracks per device (struct device + device_private, the parts that matter). */
export interface DeviceState {
  dev: PlatformDevice;
  /** Position in the bus's klist: device registration order. */
  regIndex: number;
  driver: ModelDriver | null;
  /** A matching driver tried to probe it (dev->can_match). */
  canMatch: boolean;
  attempted: boolean;
  onDeferredList: boolean;
  deferrals: number;
  /** devices_deferred reason (dev_err_probe text), or null when the kernel records none. */
  reason: string | null;
  lastDefer: ProbeOutcome | null;
  failure: { errno: number; driver: string; kind: 'rejected' | 'failed'; assumed: boolean } | null;
  iommuGroup: number | null;
  iommuNode: DtNode | null;
  /** check_state gave up on the IOMMU (or the policy released it): configured without it for good. */
  iommuGaveUp: { text: string; iommu: DtNode } | null;
  iommuExhausted: boolean;
  /** The IOMMU driver refused the master (arm-smmu-v3 duplicate stream ID): direct DMA. */
  iommuRefused: string | null;
  dma: DmaMode | null;
  flags: string[];
  assumed: AssumedOutcome;
  assumedDefersLeft: number;
  bindIndex: number | null;
  bindTime: number | null;
  addedAfterDriversDone: boolean;
  addedAt: number;
  /** AMBA: amba_read_periphid() succeeded (or the tree gave arm,primecell-periphid): no more match deferrals. */
  periphidRead: boolean;
}

interface IommuInstance {
  node: DtNode;
  device: DeviceState;
  contexts: number;
  contextNote: string;
  used: number;
  grouping: GroupingRule;
  coherent: boolean;
  /** arm-smmu-v3's stream table: stream ID → master (duplicates are refused). */
  streams: Map<number, DeviceState> | null;
}

interface GroupEntry {
  id: number;
  members: DeviceState[];
  instance: IommuInstance;
}

interface TimerState {
  armed: boolean;
  at: number;
}

const WORK_LIMIT = 2_000_000;

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

export interface SimulationResult {
  devices: DeviceState[];
  events: ProbeEvent[];
  diagnostics: Diagnostic[];
  drivers: ModelDriver[];
  /** Nodes that reached populate but are disabled: reported, never devices. */
  disabled: { node: DtNode; name: string }[];
  /** Nodes an early OF_DECLARE initialised (no device). */
  early: DtNode[];
  knobs: CmdlineKnobs;
  modules: boolean;
  systemRunningAt: number;
  lateInitcallAt: number;
  timeoutFiredAt: number | null;
  blacklisted: Set<string>;
  missingModules: string[];
}

export function simulate(tree: DtTree, profile: KernelProfile, opts: PredictOptions): SimulationResult {
  return new DriverCore(tree, profile, opts).run();
}

class DriverCore {
  private readonly events: ProbeEvent[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private step = 0;
  private time = 0;
  private readonly knobs: CmdlineKnobs;
  private readonly modules: boolean;
  private readonly config: KernelConfig | null;
  private readonly index: CatalogIndex | null;
  private readonly phandles: Map<number, DtNode>;
  private readonly popOpts: PopulateOptions;
  private readonly devices: DeviceState[] = [];
  private readonly byNode = new Map<DtNode, DeviceState>();
  private readonly drivers: ModelDriver[] = [];
  /** bus → drivers in registration order (the bus's klist_drivers). */
  private readonly busDrivers = new Map<string, ModelDriver[]>();
  /** deferred_probe_pending_list / deferred_probe_active_list */
  private pending: DeviceState[] = [];
  private active: DeviceState[] = [];
  private deferredProbeEnable = false;
  private initcallsDone = false;
  private systemRunning = false;
  private driversDone = false;
  private readonly relaxedSuppliers = new Set<DeviceState>();
  private timeoutSeconds: number;
  private readonly timer: TimerState = { armed: false, at: 0 };
  private timeoutFiredAt: number | null = null;
  private workRunning = false;
  private workBudget = WORK_LIMIT;
  private bindCount = 0;
  private readonly iommus = new Map<DtNode, IommuInstance>();
  private readonly groups = new Map<string, GroupEntry>();
  private readonly groupIds = new GroupIds();
  private readonly early: DtNode[] = [];
  private readonly earlySet = new Set<DtNode>();
  private readonly disabled: { node: DtNode; name: string }[] = [];
  private readonly fwMode: 'none' | 'off' | 'permissive' | 'on' | 'rpm';
  private readonly fwStrict: boolean;
  private readonly cycleNodes = new Map<DtNode, Set<DtNode>>();
  private readonly blacklisted = new Set<string>();
  private readonly missingModules: string[] = [];
  private readonly ramTop: bigint;
  private lateInitcallAt = 0;
  private systemRunningAt = 0;
  private readonly knownNodes = new Set<DtNode>();
  private readonly modelOf = new Map<CatalogDriver, ModelDriver>();
  private readonly refsCache = new Map<DtNode, SupplierRef[]>();
  private readonly pinctrlCache = new Map<DtNode, SupplierRef[]>();
  /** nodePath() once per node: the trace names supplier paths tens of thousands of times on a large board. */
  private readonly paths = new Map<DtNode, string>();
  private readonly resourcesCache = new Map<DtNode, SupplierRef[]>();
  private readonly iommuDrivers: ModelDriver[] = [];
  /** Devices by compatible, AMBA and PCI devices: the candidates a registering driver walks. */
  private readonly devicesByCompat = new Map<string, DeviceState[]>();
  /** Devices registered by name (MFD cells) by their pdev->name: what an id_table or drv->name matches. */
  private readonly devicesByPdevName = new Map<string, DeviceState[]>();
  /** platform_devid_ida and mfd_of_node_list. */
  private readonly handMade = newHandMadeDeviceState();
  private readonly ambaDevices: DeviceState[] = [];
  private readonly pciDevices: DeviceState[] = [];
  private registrations = 0;
  /** Nodes of_iommu_init() already turned into devices (OF_POPULATED before the default populate). */
  private readonly earlyDevices = new Set<DtNode>();
  /** The handler in pm_power_off (power-off.ts): PSCI's from boot, or the first poweroff driver's that takes it. */
  private powerOffHolder: string | null = null;

  constructor(private readonly tree: DtTree, private readonly profile: KernelProfile, private readonly opts: PredictOptions) {
    this.knobs = parseCmdline(opts.cmdline ?? '');
    this.perMasterPolicy = Object.keys(opts.iommuPolicy ?? {}).some((k) => k !== '*');
    this.hasDriverOverrides = Object.keys(opts.drivers ?? {}).length > 0;
    this.config = opts.config ?? null;
    this.modules = this.config ? this.config.get('MODULES') !== 'n' : true;
    this.index = opts.catalog ? CatalogIndex.for(opts.catalog) : null;
    this.phandles = phandleIndex(tree);
    const statusOverride = new Map<DtNode, boolean>();
    for (const [target, status] of Object.entries(opts.nodeStatus ?? {})) {
      const node = this.resolveNode(target);
      if (node) statusOverride.set(node, status === 'okay');
      else this.diag('warning', 'unknown_target', `--status target "${target}" matches no node or device name`);
    }
    this.popOpts = { statusOverride, isPrePopulated: (n) => this.earlySet.has(n) || this.earlyDevices.has(n) };
    const defaultTimeout = this.modules ? profile.deferredTimeout.defaultWithModules : profile.hasCheckState ? 0 : -1;
    this.timeoutSeconds = this.knobs.deferredProbeTimeout ?? defaultTimeout;
    this.fwMode = profile.fwDevlinkDefault === 'none' ? 'none' : (this.knobs.fwDevlink ?? profile.fwDevlinkDefault);
    this.fwStrict = (this.fwMode === 'on' || this.fwMode === 'rpm') && this.knobs.fwDevlinkStrict === true;
    for (const b of this.knobs.initcallBlacklist) this.blacklisted.add(b);
    this.ramTop = ramTop(tree.root);
  }

  // ---- trace ----------------------------------------------------------------------------------

  private emit(kind: ProbeEventKind, fields: Omit<ProbeEvent, 'kind' | 'step' | 'time'> = {}): void {
    this.events.push({ kind, step: this.step++, time: round6(this.time), ...fields });
  }

  private diag(severity: Diagnostic['severity'], code: string, message: string, node?: DtNode): void {
    const d: Diagnostic = { severity, code, message };
    if (node) {
      d.nodePath = nodePath(node);
      if (node.span) d.span = node.span;
    }
    this.diagnostics.push(d);
  }

  private pathOf(node: DtNode): string {
    let p = this.paths.get(node);
    if (p === undefined) this.paths.set(node, (p = nodePath(node)));
    return p;
  }

  private tick(seconds: number): void {
    this.time += seconds;
  }

  // ---- setup ----------------------------------------------------------------------------------

  resolveNode(target: string): DtNode | undefined {
    if (target.startsWith('/')) return findNodeByPath(this.tree, target);
    for (const n of walk(this.tree.root)) {
      if (!n.parent) continue;
      if (n.labels.includes(target)) return n;
    }
    for (const n of walk(this.tree.root)) if (n.parent && deviceName(n, this.profile) === target) return n;
    return undefined;
  }

  private readonly hasDriverOverrides: boolean;

  private availability(d: CatalogDriver): Availability {
    const o = this.opts.drivers;
    if (!o || !this.hasDriverOverrides) return availabilityFromConfig(d.kconfig, this.config);
    let forced = o[d.name] ?? o[d.module] ?? o[d.module.replace(/_/g, '-')];
    for (const k of d.kconfig) forced ??= o[k] ?? o[`CONFIG_${k}`];
    if (forced === 'missing') return 'absent';
    if (forced === 'builtin') return 'builtin';
    if (forced === 'module') return 'module';
    return availabilityFromConfig(d.kconfig, this.config);
  }

  private buildDrivers(): void {
    if (!this.index) return;
    // The y/m/n split of a catalog under one .config is the same for every prediction: cache it.
    const plain = !this.hasDriverOverrides;
    const cacheKey = this.config ?? NO_CONFIG;
    let perConfig = availabilityCache.get(this.index.catalog);
    if (!perConfig) availabilityCache.set(this.index.catalog, (perConfig = new WeakMap()));
    let avail = plain ? perConfig.get(cacheKey) : undefined;
    if (!avail) {
      avail = this.index.catalog.drivers.map((cat) => this.availability(cat));
      if (plain) perConfig.set(cacheKey, avail);
    }
    const cats = this.index.catalog.drivers;
    for (let i = 0; i < cats.length; i++) {
      const availability = avail[i]!;
      if (availability === 'absent') continue;
      const cat = cats[i]!;
      // amba_stub_drv_init() returns before registering when !IS_ENABLED(CONFIG_MODULES)
      if (!this.modules && isAmbaStubDriver(cat)) continue;
      const m: ModelDriver = { cat, availability, isIommu: cat.file.startsWith('drivers/iommu/'), registered: false, seq: -1 };
      this.drivers.push(m);
      this.modelOf.set(cat, m);
      if (m.isIommu) this.iommuDrivers.push(m);
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
  private runEarlyDeclares(): void {
    if (!this.index) return;
    for (const n of walk(this.tree.root)) {
      if (!n.parent || !nodeAvailable(n, this.popOpts)) continue;
      const kinds = this.declaredKinds(n);
      if (kinds.has('clk') || (kinds.has('irqchip') && getProperty(n, 'interrupt-controller'))) {
        this.early.push(n);
        this.earlySet.add(n);
      }
    }
  }

  /** The kinds of built-in OF_DECLARE initialisers whose compatible the node carries, looked up once per node. */
  private declaredKinds(node: DtNode): Set<string> {
    let kinds = this.declaredCache.get(node);
    if (kinds) return kinds;
    kinds = new Set();
    if (this.index) {
      for (const c of stringListProp(node, 'compatible')) {
        for (const x of this.index.declares.get(c) ?? []) if (availabilityFromConfig(x.kconfig, this.config) === 'builtin') kinds.add(x.kind);
      }
    }
    this.declaredCache.set(node, kinds);
    return kinds;
  }

  private readonly declaredCache = new Map<DtNode, Set<string>>();

  /** FWNODE_FLAG_INITIALIZED without a device: an early clk or irqchip provider (OF_POPULATED). */
  private initializedWithoutDevice(node: DtNode): boolean {
    return this.earlySet.has(node);
  }

  /**
   * A CLK_OF_DECLARE_DRIVER node, or an IRQCHIP_DECLARE node whose init clears OF_POPULATED again
   * (arch/arm/mach-imx/gpc.c imx_gpc_init): its provider is registered early (INITIALIZED: of_clk_add_provider,
   * __irq_domain_add → fwnode_dev_initialized), and it still gets a device. fw_devlink_create_devlink()
   * (core.c) does not link to a supplier device with no driver that is INITIALIZED ("Not linking %pfwf -
   * dev might never probe"): consumers never wait for it.
   */
  private clkDriverDeclared(node: DtNode): boolean {
    const kinds = this.declaredKinds(node);
    return kinds.has('clk-driver') || kinds.has('irqchip-driver');
  }

  // ---- run ------------------------------------------------------------------------------------

  run(): SimulationResult {
    if (!this.index) this.diag('warning', 'no_catalog', 'no driver catalog given: no device can bind');
    this.buildDrivers();
    this.runEarlyDeclares();
    this.powerOffHolder = powerOffHolderAtBoot(this.tree, this.config);
    this.computeCycles();
    this.time = 0.05;
    // Initcalls: every built-in driver's registration, the default populate and deferred_probe_initcall,
    // in level then link order.
    type Item = { level: number; order: number; run: () => void; name: string };
    const items: Item[] = [];
    const levelOf = (l: string): number => INITCALL_LEVELS.indexOf(l as never);
    const byInitcall = new Map<string, ModelDriver[]>();
    for (const d of this.drivers) {
      if (d.availability !== 'builtin') continue;
      const level = levelOf(d.cat.level);
      // ≤v4.18: of_iommu_init() creates and probes IOMMU_OF_DECLARE'd IOMMUs at postcore_initcall_sync
      if (this.earlyIommuInit() && d.isIommu && d.cat.compatible.some((c) => IOMMU_OF_DECLARED_412.includes(c))) {
        items.push({ level: levelOf('postcore_sync'), order: d.cat.order, name: 'of_iommu_init', run: () => this.ofIommuInit(d) });
        continue;
      }
      const key = `${d.cat.initcall ?? d.cat.name}@${d.cat.order - (d.cat.order % 1000)}`;
      const list = byInitcall.get(key);
      if (list) list.push(d);
      else {
        byInitcall.set(key, [d]);
        items.push({ level, order: d.cat.order, name: d.cat.initcall ?? d.cat.name, run: () => this.runDriverInitcall(byInitcall.get(key)!) });
      }
    }
    const ic = this.index?.catalog.initcalls ?? [];
    const populate = ic.find((x) => x.name === 'of_platform_default_populate_init');
    const deferredInit = ic.find((x) => x.name === 'deferred_probe_initcall');
    items.push({ level: levelOf(populate?.level ?? 'arch_sync'), order: populate?.order ?? 0, name: 'of_platform_default_populate_init', run: () => this.ofPlatformDefaultPopulateInit() });
    // arm: customize_machine() runs the machine's init_machine, which may populate the tree itself (machine.ts)
    const customize = ic.find((x) => x.name === 'customize_machine');
    if (customize && this.index && availabilityFromConfig(customize.kconfig, this.config) === 'builtin' && armMachineFor(this.tree.root, this.index.catalog, this.config)?.populates) {
      items.push({ level: levelOf(customize.level), order: customize.order, name: 'customize_machine', run: () => this.customizeMachine() });
    }
    items.push({ level: levelOf(deferredInit?.level ?? 'late'), order: deferredInit?.order ?? 0, name: 'deferred_probe_initcall', run: () => this.deferredProbeInitcall() });
    // iommu_subsys_init() (subsys_initcall, drivers/iommu/iommu.c): the default domain type line
    items.push({ level: levelOf('subsys'), order: -1, name: 'iommu_subsys_init', run: () => this.iommuSubsysInit() });
    items.sort((a, b) => a.level - b.level || a.order - b.order);
    for (const item of items) {
      this.tick(0.0005);
      this.time = Math.max(this.time, LEVEL_FLOOR[INITCALL_LEVELS[Math.max(0, Math.floor(item.level))]!] ?? 0);
      item.run();
      this.runAsyncProbes();
    }
    // kernel_init: free_initmem, SYSTEM_RUNNING, then userspace (/init) loads modules.
    this.tick(0.05);
    this.time = Math.max(this.time, USERSPACE_FLOOR);
    this.systemRunning = true;
    this.systemRunningAt = this.time;
    this.emit('userspace', { text: 'Run /init as init process' });
    this.userspace();
    this.finish();
    return {
      devices: this.devices, events: this.events, diagnostics: this.diagnostics, drivers: this.drivers, disabled: this.disabled,
      early: this.early, knobs: this.knobs, modules: this.modules, systemRunningAt: this.systemRunningAt, lateInitcallAt: this.lateInitcallAt,
      timeoutFiredAt: this.timeoutFiredAt, blacklisted: this.blacklisted, missingModules: this.missingModules,
    };
  }

  private iommuSubsysInit(): void {
    if (this.profile.version === '2015-rfc' || this.profile.version === '4.12') return;
    const cmd = this.knobs.iommuPassthrough;
    const passthrough = cmd ?? this.config?.get('IOMMU_DEFAULT_PASSTHROUGH') === 'y';
    // "%s%s" after the 2022-23 whitespace fix; "%s %s" (trailing space) before it
    const sep = this.profile.version === '6.6' || this.profile.version === 'latest' ? '' : ' ';
    const via = cmd !== null ? `${sep === '' ? ' ' : sep}(set via kernel command line)` : sep;
    this.emit('initcall', { name: 'iommu_subsys_init', text: `iommu: Default domain type: ${passthrough ? 'Passthrough' : 'Translated'}${via}` });
  }

  private earlyIommuInit(): boolean {
    return this.profile.iommuMissing === 'declared-until-running' || this.profile.dmaConfigureAtCreation;
  }

  /** of_iommu_init(): the declared IOMMU's init creates its platform device and registers its driver. */
  private ofIommuInit(d: ModelDriver): void {
    if (d.cat.initcall && this.blacklisted.has(d.cat.initcall)) {
      this.emit('initcall-blacklisted', { name: d.cat.initcall, text: `initcall ${d.cat.initcall} blacklisted` });
      return;
    }
    this.emit('initcall', { name: 'of_iommu_init', text: `calling  of_iommu_init+0x0/0x0 @ 1` });
    this.driverRegister(d);
    for (const n of walk(this.tree.root)) {
      if (!n.parent || !nodeAvailable(n, this.popOpts) || this.knownNodes.has(n)) continue;
      const compat = stringListProp(n, 'compatible');
      if (!compat.some((c) => d.cat.compatible.includes(c))) continue;
      this.knownNodes.add(n);
      this.earlyDevices.add(n);
      this.deviceAdd({ name: deviceName(n, this.profile), node: n, path: nodePath(n), bus: 'platform', compatible: compat, parent: null, createdBy: 'populate' });
    }
  }

  private runDriverInitcall(drivers: ModelDriver[]): void {
    const name = drivers[0]!.cat.initcall ?? drivers[0]!.cat.name;
    if (this.blacklisted.has(name)) {
      this.emit('initcall-blacklisted', { name, text: `initcall ${name} blacklisted` });
      return;
    }
    // The trace keeps the initcalls of drivers this board can use; the other thousand register silently.
    if (drivers.some((d) => this.relevant(d))) this.emit('initcall', { name, text: `calling  ${name}+0x0/0x0 @ 1` });
    for (const d of drivers) this.driverRegister(d);
  }

  private treeCompatibles: Set<string> | null = null;

  /** A driver that could match something on this board (a compatible in the tree, an AMBA cell, a named PCI driver). */
  private relevant(d: ModelDriver): boolean {
    let r = this.relevance.get(d);
    if (r === undefined) this.relevance.set(d, (r = this.computeRelevant(d)));
    return r;
  }

  private readonly relevance = new Map<ModelDriver, boolean>();

  private computeRelevant(d: ModelDriver): boolean {
    if (!this.treeCompatibles) {
      this.treeCompatibles = new Set();
      for (const n of walk(this.tree.root)) for (const c of stringListProp(n, 'compatible')) this.treeCompatibles.add(c);
    }
    if (d.cat.bus === 'amba') return this.treeCompatibles.has('arm,primecell');
    if (d.cat.bus === 'pci') return (this.opts.pciFunctions ?? []).some((p) => p.driver === d.cat.name);
    return d.cat.compatible.some((c) => this.treeCompatibles!.has(c)) || (d.cat.platformIds ?? [d.cat.name]).some((n) => this.cellNames().has(n));
  }

  private cellNamesOfTree: Set<string> | null = null;

  /** The names of the MFD cells the drivers matching this tree can add: the devices matched by name. */
  private cellNames(): Set<string> {
    if (this.cellNamesOfTree) return this.cellNamesOfTree;
    this.cellNamesOfTree = new Set();
    for (const d of this.drivers) {
      if (!d.cat.mfdCells || !d.cat.compatible.some((c) => this.treeCompatibles!.has(c))) continue;
      for (const cell of d.cat.mfdCells.cells) this.cellNamesOfTree.add(cell.name);
    }
    return this.cellNamesOfTree;
  }

  private ofPlatformDefaultPopulateInit(): void {
    this.emit('initcall', { name: 'of_platform_default_populate_init', text: 'calling  of_platform_default_populate_init+0x0/0x0 @ 1' });
    const devs = populateDevices(this.tree, this.profile, this.popOpts);
    for (const n of walk(this.tree.root)) {
      if (n.parent && !nodeAvailable(n, this.popOpts) && getProperty(n, 'compatible') && this.reachableByPopulate(n)) this.disabled.push({ node: n, name: deviceName(n, this.profile) });
    }
    this.addPopulated(devs);
  }

  /** customize_machine() → init_machine → of_platform_default_populate(NULL, NULL, NULL): the tree part only. */
  private customizeMachine(): void {
    this.emit('initcall', { name: 'customize_machine', text: 'calling  customize_machine+0x0/0x0 @ 1' });
    this.addPopulated(populateDevices(this.tree, this.profile, this.popOpts, 'tree'));
  }

  /** device_add() each new device; a node populated before (OF_POPULATED) is skipped by a later populate. */
  private addPopulated(devs: PlatformDevice[]): void {
    for (const d of devs) {
      if (d.node && this.knownNodes.has(d.node)) continue;
      if (d.node) this.knownNodes.add(d.node);
      this.deviceAdd(d);
    }
  }

  /** A node the default populate would visit (root child or child of a bus node that was created). */
  private reachableByPopulate(n: DtNode): boolean {
    for (let p = n.parent; p; p = p.parent) {
      if (!p.parent) return true;
      if (!nodeAvailable(p, this.popOpts)) return false;
      const c = stringListProp(p, 'compatible');
      if (!c.some((x) => ['simple-bus', 'simple-mfd', 'isa', 'arm,amba-bus'].includes(x))) return false;
    }
    return true;
  }

  /** /init: modules in the user's order; the timeout work fires in between when its time comes. */
  private userspace(): void {
    const loads: ModuleLoad[] = (this.opts.modulesLoaded ?? []).map((m) => (typeof m === 'string' ? parseModuleLoad(m) : m));
    const userStart = this.time;
    let next = this.time + 0.3;
    const fireTimerUntil = (t: number): void => {
      while (this.timer.armed && this.timer.at <= t) {
        this.time = Math.max(this.time, this.timer.at);
        this.timer.armed = false;
        this.deferredProbeTimeoutWorkFunc();
      }
    };
    for (const load of loads) {
      let at = Math.max(next, load.at ?? next);
      if (load.afterSettle !== undefined) {
        // wait until devices_deferred drains, at most afterSettle seconds after /init started
        const deadline = userStart + load.afterSettle;
        fireTimerUntil(deadline);
        at = Math.max(at, this.pending.length ? deadline : this.time);
      }
      fireTimerUntil(at);
      this.time = Math.max(this.time, at);
      this.loadModule(load);
      this.runAsyncProbes();
      next = this.time + 0.15;
    }
    fireTimerUntil(Number.POSITIVE_INFINITY);
  }

  private loadModule(load: ModuleLoad): void {
    const name = normalizeModuleName(load.name);
    const inModule = this.index?.byModule.get(name) ?? [];
    const drivers: ModelDriver[] = [];
    for (const cat of inModule) {
      const m = this.modelOf.get(cat);
      if (m) drivers.push(m);
    }
    const inCatalog = inModule.length > 0;
    if (drivers.length === 0) {
      if (!inCatalog) this.missingModules.push(load.name);
      this.emit('module-loaded', { name: load.name });
      return;
    }
    this.emit('module-loaded', { name: load.name });
    for (const d of drivers) {
      if (d.availability !== 'module') continue;
      if (d.registered) continue;
      this.driverRegister(d);
    }
  }

  private finish(): void {
    for (const ds of this.devices) {
      if (!ds.driver && !ds.canMatch && !ds.onDeferredList && !ds.failure) this.emit('no-driver', { device: ds.dev.name });
    }
  }

  // ---- devices and drivers --------------------------------------------------------------------

  private deviceAdd(dev: PlatformDevice): DeviceState {
    const ds: DeviceState = {
      dev, regIndex: this.devices.length, driver: null, canMatch: false, attempted: false, onDeferredList: false, deferrals: 0, reason: null,
      lastDefer: null, failure: null, iommuGroup: null, iommuNode: null, iommuGaveUp: null, iommuExhausted: false, iommuRefused: null, dma: null, flags: [],
      assumed: { kind: 'ok' }, assumedDefersLeft: 0, bindIndex: null, bindTime: null, addedAfterDriversDone: this.driversDone, addedAt: this.time,
      periphidRead: dev.bus !== 'amba' || (dev.periphid !== null && dev.periphid !== undefined && !dev.periphidDerived),
    };
    const assumption = this.assumptionFor(dev);
    if (assumption) {
      ds.assumed = assumption;
      if (assumption.kind === 'defer') ds.assumedDefersLeft = assumption.times;
    }
    this.devices.push(ds);
    // get_dev_from_fwnode(): a device given only dev.of_node is never its node's fwnode->dev
    if (dev.node && dev.bus !== 'pci' && this.hasFwnode(dev)) this.byNode.set(dev.node, ds);
    if (dev.bus === 'amba') this.ambaDevices.push(ds);
    else if (dev.bus === 'pci') this.pciDevices.push(ds);
    else {
      for (const c of new Set(dev.compatible)) {
        const l = this.devicesByCompat.get(c);
        if (l) l.push(ds);
        else this.devicesByCompat.set(c, [ds]);
      }
      if (dev.pdevName) {
        const l = this.devicesByPdevName.get(dev.pdevName);
        if (l) l.push(ds);
        else this.devicesByPdevName.set(dev.pdevName, [ds]);
      }
    }
    this.emit('device-added', { device: dev.name, text: `bus: '${dev.bus}': add device ${dev.name}` });
    if (dev.node && dev.bus !== 'pci') this.reportCycles(ds);
    if (dev.node && dev.bus !== 'pci' && this.hasFwnode(dev) && (this.fwMode === 'on' || this.fwMode === 'rpm' || this.fwMode === 'permissive')) {
      for (const ref of this.linkRefs(dev.node)) this.emit('fwnode-link', { device: dev.name, text: `${this.pathOf(dev.node)} Linked as a fwnode consumer to ${this.pathOf(ref.supplier)}` });
    }
    // pre-4.12: of_dma_configure() ran at device creation; whatever the IOMMU state is now, it stays
    if (this.profile.dmaConfigureAtCreation && dev.bus !== 'pci') this.dmaConfigureAtCreation(ds);
    // v6.15+: the IOMMU bus notifier (BUS_NOTIFY_ADD_DEVICE) configures a master added after its IOMMU registered
    if (this.profile.groupAtIommuRegistration) {
      const spec = this.iommuSpec(ds);
      const inst = spec && spec !== 'none' ? this.iommus.get(spec.node) : undefined;
      if (spec && spec !== 'none' && inst) {
        ds.iommuNode = spec.node;
        this.iommuAttach({ cat: { name: dev.bus } } as ModelDriver, ds, inst, spec.ids);
      }
    }
    // bus_probe_device → __device_attach: drivers of the bus in registration order
    this.deviceAttach(ds);
    return ds;
  }

  private assumptionFor(dev: PlatformDevice): AssumedOutcome | null {
    for (const a of this.opts.assume ?? []) {
      if (a.target === dev.name || (dev.node && dev.bus !== 'pci' && (a.target === this.pathOf(dev.node) || dev.node.labels.includes(a.target)))) return a.outcome;
    }
    return null;
  }

  /** The devices a registering driver can match, in device registration order. */
  private candidateDevices(d: ModelDriver): DeviceState[] {
    if (d.cat.bus === 'amba') return this.ambaDevices.slice();
    if (d.cat.bus === 'pci') return this.pciDevices.slice();
    const byName = (d.cat.platformIds ?? [d.cat.name]).map((n) => this.devicesByPdevName.get(n));
    const lists = [...d.cat.compatible.map((c) => this.devicesByCompat.get(c)), ...byName].filter((l): l is DeviceState[] => !!l);
    if (lists.length === 0) return [];
    if (lists.length === 1) return lists[0]!.slice();
    return [...new Set(lists.flat())].sort((a, b) => a.regIndex - b.regIndex);
  }

  /** of_match_table hits per device: every retry of a deferred device asks again. */
  private readonly platformMatches = new Map<DeviceState, CatalogDriver[]>();

  /** The registered drivers a device can match, in driver registration order. */
  private candidateDrivers(ds: DeviceState): ModelDriver[] {
    const dev = ds.dev;
    if (dev.bus !== 'platform' || !this.index) return (this.busDrivers.get(dev.bus) ?? []).slice();
    const out: ModelDriver[] = [];
    let cats = this.platformMatches.get(ds);
    if (!cats) this.platformMatches.set(ds, (cats = this.index.platformDriversFor(dev.compatible, dev.pdevName)));
    for (const cat of cats) {
      const m = this.modelOf.get(cat);
      if (m && m.registered) out.push(m);
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  private driverRegister(d: ModelDriver): void {
    d.registered = true;
    d.seq = this.registrations++;
    const list = this.busDrivers.get(d.cat.bus) ?? [];
    list.push(d);
    this.busDrivers.set(d.cat.bus, list);
    if (this.relevant(d)) this.emit('driver-registered', { driver: d.cat.name, text: `bus: '${d.cat.bus}': add driver ${d.cat.name}` });
    // driver_attach(): every device of the bus in registration order (async drivers: scheduled)
    const async = this.allowsAsync(d);
    for (const ds of this.candidateDevices(d)) {
      if (ds.driver) continue;
      // __driver_attach(): a match that asks for deferral puts the device on the list and goes on
      if (this.ambaMatchDefers(ds)) continue;
      if (!this.matches(d, ds)) continue;
      if (async) this.asyncQueue.push({ d, ds });
      else this.driverProbeDevice(d, ds);
    }
    // driver_register() → deferred_probe_extend_timeout()
    if (this.profile.deferredTimeout.extendOnDriverRegistration && this.timer.armed) {
      this.timer.at = this.time + this.timeoutSeconds;
      this.emit('timeout-extended', { driver: d.cat.name, text: `Extended deferred probe timeout by ${this.timeoutSeconds} secs` });
    }
    this.runDeferredWorkIfQueued();
  }

  private matches(d: ModelDriver, ds: DeviceState): boolean {
    const dev = ds.dev;
    switch (dev.bus) {
      case 'platform':
        // platform_match(): of_match_table, then the id_table (or drv->name) against pdev->name
        return d.cat.compatible.some((c) => dev.compatible.includes(c)) || (!!dev.pdevName && (d.cat.platformIds ?? [d.cat.name]).includes(dev.pdevName));
      case 'amba':
        if (dev.periphid === null || dev.periphid === undefined) return this.index!.ambaDriversByModel(dev.compatible).includes(d.cat);
        return this.index!.ambaDriversFor(dev.periphid, dev.periphidDerived).includes(d.cat);
      case 'pci':
        return dev.pci?.driver === d.cat.name;
    }
  }

  private deviceAttach(ds: DeviceState): void {
    for (const d of this.candidateDrivers(ds)) {
      if (ds.driver) break;
      // __device_attach_driver(): "Device can't match with a driver right now": no other driver is tried
      if (this.ambaMatchDefers(ds)) break;
      if (!this.matches(d, ds)) continue;
      // __device_attach(): an async-capable match is left to an async worker
      if (this.allowsAsync(d)) {
        this.asyncQueue.push({ d, ds });
        break;
      }
      const ret = this.driverProbeDevice(d, ds);
      // __device_attach_driver: a core-level error (negative) or a bind stops the walk; driver errors go on
      if (ret <= 0) break;
    }
    this.runDeferredWorkIfQueued();
  }

  /**
   * drivers/amba/bus.c amba_match() (6.1 and 6.12 alike): a device created without a periphid reads it on
   * each match until one read succeeds (amba.ts); any failure is mapped to -EPROBE_DEFER, and dd.c
   * __device_attach_driver / __driver_attach put the device on the deferred list ("Device match requests
   * probe deferral"), whichever driver asked: amba-proxy too, so a device no driver matches is deferred all
   * the same. The ID is read once; later matches use it. A read that can never succeed (no component ID
   * behind the address, no apb_pclk) keeps the device on the list for good with no reason recorded (no
   * dev_err_probe() runs), and it never reaches a driver's probe.
   */
  private ambaMatchDefers(ds: DeviceState): boolean {
    if (ds.periphidRead || !ds.dev.node) return false;
    const read = ambaReadPeriphid(ds.dev.node, this.phandles, (n) => this.providerRegistered(n), ds.assumed.kind !== 'absent');
    if (read.kind === 'read') {
      ds.periphidRead = true;
      return false;
    }
    ds.canMatch = true;
    const outcome: ProbeOutcome = read.kind === 'provider-missing'
      ? { kind: 'match-defer', resource: read.resource, supplierDevice: this.deviceFor(read.resource.supplier), never: null }
      : { kind: 'match-defer', resource: null, supplierDevice: null, never: read.kind };
    ds.lastDefer = outcome;
    ds.reason = null;
    this.emit('defer-reason', { device: ds.dev.name, reason: deferText(outcome), text: `${ds.dev.bus} ${ds.dev.name}: Device match requests probe deferral` });
    this.deferredProbeAdd(ds);
    return true;
  }

  /**
   * A provider node's clocks/resets/domains are registered: an early *_OF_DECLARE initialised it, or the
   * device that stands for it (its own, or the nearest ancestor's) is bound.
   */
  private providerRegistered(node: DtNode): boolean {
    if (this.initializedWithoutDevice(node) || this.clkDriverDeclared(node)) return true;
    return !!this.deviceFor(node)?.driver;
  }

  private readonly asyncQueue: { d: ModelDriver; ds: DeviceState }[] = [];

  /** driver_allows_async_probing(): PROBE_PREFER_ASYNCHRONOUS, or named by driver_async_probe= ("*" for all). */
  private allowsAsync(d: ModelDriver): boolean {
    const list = this.knobs.driverAsyncProbe;
    return d.cat.asyncProbe || list.includes(d.cat.name) || list.includes('*');
  }

  /**
   * The async workers: probes scheduled during an initcall (or a module load, or the deferred work)
   * finish right after it, in the order they were scheduled (async_schedule_dev).
   */
  private runAsyncProbes(): void {
    while (this.asyncQueue.length) {
      const { d, ds } = this.asyncQueue.shift()!;
      if (ds.driver) continue;
      this.driverProbeDevice(d, ds);
      this.runDeferredWorkIfQueued();
    }
  }

  /** driver_probe_device(): returns 0 bound, <0 core-level error, >0 driver error (5.14+ convention). */
  private driverProbeDevice(d: ModelDriver, ds: DeviceState): number {
    ds.canMatch = true;
    const triggerBefore = this.triggerCount;
    const outcome = this.reallyProbe(d, ds);
    const ret = this.classifyProbe(d, ds, outcome);
    if (ret === -EPROBE_DEFER || ret === EPROBE_DEFER) {
      this.deferredProbeAdd(ds);
      if (triggerBefore !== this.triggerCount) this.driverDeferredProbeTrigger();
    }
    return ret;
  }

  // ---- really_probe ---------------------------------------------------------------------------

  private reallyProbe(d: ModelDriver, ds: DeviceState): ProbeOutcome {
    this.tick(0.0002);
    const links = this.deviceLinksCheckSuppliers(ds);
    if (links) return links;
    ds.attempted = true;
    this.emit('probe-attempt', { device: ds.dev.name, driver: d.cat.name, text: this.profile.ddLogForm === 'dev_dbg' ? `${ds.dev.bus} ${ds.dev.name}: bus: '${d.cat.bus}': really_probe: probing driver ${d.cat.name} with device` : `bus: '${d.cat.bus}': really_probe: probing driver ${d.cat.name} with device ${ds.dev.name}` });
    const pin = this.pinctrlBindPins(ds);
    if (pin) return pin;
    const dma = this.ofDmaConfigure(d, ds);
    if (dma) return dma;
    return this.callDriverProbe(d, ds);
  }

  /** The one place a probe outcome becomes log lines, list moves and state (dd.c call_driver_probe + really_probe exits). */
  private classifyProbe(d: ModelDriver, ds: DeviceState, outcome: ProbeOutcome): number {
    const prefix = (bound: boolean): string => (bound ? d.cat.name : ds.dev.bus);
    switch (outcome.kind) {
      case 'bound':
        // children a probe creates (PCI enumeration, of_platform_populate) are added before driver_bound()
        this.probeCreates(d, ds);
        this.driverBound(d, ds);
        return 0;
      case 'links-defer':
        ds.lastDefer = outcome;
        ds.reason = this.profile.fwDevlinkReasons ? `${ds.dev.bus}: ${outcome.reason}` : null;
        if (this.profile.fwDevlinkReasons) this.emit('defer-reason', { device: ds.dev.name, driver: d.cat.name, reason: outcome.reason, text: `${ds.dev.bus} ${ds.dev.name}: error -EPROBE_DEFER: ${outcome.reason}` });
        return -EPROBE_DEFER;
      case 'pinctrl-defer':
      case 'iommu-defer':
      case 'match-defer':
        ds.lastDefer = outcome;
        ds.reason = null;
        return -EPROBE_DEFER;
      case 'iommu-fail':
        ds.failure = { errno: outcome.errno, driver: d.cat.name, kind: 'failed', assumed: false };
        this.emit('failed', { device: ds.dev.name, driver: d.cat.name, error: outcome.errno, text: `${prefix(false)} ${ds.dev.name}: IOMMU mandatory for this master: ${errnoName(outcome.errno)}` });
        return -outcome.errno > 0 ? outcome.errno : -outcome.errno;
      case 'driver-defer':
        ds.lastDefer = outcome;
        ds.reason = this.profile.probeErrorReasons ? (outcome.message ?? null) : null;
        this.emit('defer-reason', { device: ds.dev.name, driver: d.cat.name, reason: outcome.resource ? `waits for ${outcome.resource.property.name} provider ${this.pathOf(outcome.resource.supplier)}` : 'driver requested deferral', text: `${d.cat.name} ${ds.dev.name}: Driver ${d.cat.name} requests probe deferral` });
        return this.profile.driverErrorsPositive ? EPROBE_DEFER : -EPROBE_DEFER;
      case 'rejected':
        ds.failure = { errno: outcome.errno, driver: d.cat.name, kind: 'rejected', assumed: outcome.assumed };
        this.emit('rejected', { device: ds.dev.name, driver: d.cat.name, error: outcome.errno, text: this.profile.ddLogForm === 'dev_dbg' ? `${ds.dev.bus} ${ds.dev.name}: probe with driver ${d.cat.name} rejects match ${outcome.errno}` : `${d.cat.name}: probe of ${ds.dev.name} rejects match ${outcome.errno}` });
        return -outcome.errno;
      case 'failed':
        ds.failure = { errno: outcome.errno, driver: d.cat.name, kind: 'failed', assumed: true };
        this.emit('failed', { device: ds.dev.name, driver: d.cat.name, error: outcome.errno, text: this.profile.ddLogForm === 'dev_dbg' ? `${ds.dev.bus} ${ds.dev.name}: probe with driver ${d.cat.name} failed with error ${outcome.errno}` : `${d.cat.name}: probe of ${ds.dev.name} failed with error ${outcome.errno}` });
        return -outcome.errno;
    }
  }

  private driverBound(d: ModelDriver, ds: DeviceState): void {
    this.tick(0.0003);
    ds.driver = d;
    ds.failure = null;
    ds.reason = null;
    ds.bindIndex = this.bindCount++;
    ds.bindTime = this.time;
    // driver_deferred_probe_del(): the list entries are dropped lazily (bound devices are skipped)
    ds.onDeferredList = false;
    this.emit('bound', { device: ds.dev.name, driver: d.cat.name, text: this.profile.ddLogForm === 'dev_dbg' ? `${d.cat.name} ${ds.dev.name}: driver: '${d.cat.name}': driver_bound: bound to device` : `driver: '${d.cat.name}': driver_bound: bound to device '${ds.dev.name}'` });
    if (d.isIommu && ds.dev.node) this.iommuDeviceRegister(ds);
    if (d.cat.powerOff.claims) this.powerOffHolder = d.cat.name;
    // driver_bound() → driver_deferred_probe_trigger()
    this.driverDeferredProbeTrigger();
  }

  /**
   * What a probing driver creates: simple-pm-bus populates its children, an MFD adds its cells, a driver
   * populates the nodes it finds by compatible (probe-created.ts); a PCI host bridge enumerates.
   */
  private probeCreates(d: ModelDriver, ds: DeviceState): void {
    if ((d.cat.name === 'simple-pm-bus' && ds.dev.compatible.includes('simple-pm-bus')) || (d.cat.populatesChildren && d.cat.name !== 'simple-pm-bus')) {
      for (const child of populateChildren(ds.dev, this.profile, this.knownNodes, this.popOpts)) this.deviceAdd(child);
    }
    if (d.cat.mfdCells) {
      for (const cell of mfdAddDevices(ds.dev, d.cat.mfdCells, this.handMade, this.popOpts)) {
        // device_add() refuses a second device of one name (-EEXIST) and mfd_add_devices() then fails the
        // parent's probe; the model only leaves the duplicate out (two instances of a PLATFORM_DEVID_NONE MFD)
        if (!this.devices.some((x) => x.dev.name === cell.name)) this.deviceAdd(cell);
      }
    }
    for (const link of d.cat.linkedPopulates) {
      for (const np of linkedPopulateRoots(this.tree, link, ds.dev, this.phandles)) {
        for (const child of populateChildren(ds.dev, this.profile, this.knownNodes, this.popOpts, np)) this.deviceAdd(child);
      }
    }
    for (const spec of d.cat.childDevices) for (const child of handMadeDevices(ds.dev, spec, this.knownNodes)) this.deviceAdd(child);
    if (ds.dev.bus === 'platform' && ds.dev.node && isPciHost(ds.dev.node)) {
      const specs = (this.opts.pciFunctions ?? []).filter((s) => this.pciHostMatches(s.host, ds));
      const sorted = specs.slice().sort((a, b) => a.bdf.localeCompare(b.bdf));
      for (const spec of sorted) {
        const pdev = pciDevice(spec, ds.dev);
        if (!pdev) {
          this.diag('warning', 'bad_bdf', `PCI function "${spec.bdf}" is not a bus:device.function`);
          continue;
        }
        this.deviceAdd(pdev);
      }
    }
  }

  private pciHostMatches(host: string | undefined, ds: DeviceState): boolean {
    if (!host) return this.devices.find((x) => x.dev.node && x.dev.bus === 'platform' && isPciHost(x.dev.node)) === ds;
    return host === ds.dev.name || host === ds.dev.path;
  }

  // ---- fw_devlink -----------------------------------------------------------------------------

  /** The supplier references fw_devlink makes links for (property.c; optional ones only when strict). */
  private linkRefs(node: DtNode): SupplierRef[] {
    if (this.fwMode === 'none' || this.fwMode === 'off') return [];
    const out: SupplierRef[] = [];
    for (const ref of this.refsOf(node)) {
      if (this.profile.optionalIommuBindings && OPTIONAL_BINDINGS.has(ref.binding) && !this.fwStrict) continue;
      if (isAncestorOrSelf(ref.supplier, node)) continue;
      // of_link_to_phandle(): no link to an unavailable supplier or one below an unavailable ancestor
      let ok = true;
      for (let n: DtNode | null = ref.supplier; n && n.parent; n = n.parent) {
        if (this.byNode.has(n)) break;
        if (!nodeAvailable(n, this.popOpts)) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      // fw_devlink_create_devlink(): "Not linking ... might never become dev"
      if (this.initializedWithoutDevice(ref.supplier) || ancestors(ref.supplier).some((a) => this.initializedWithoutDevice(a) && !this.byNode.has(a))) continue;
      const supDev = this.byNode.get(ref.supplier);
      if (this.clkDriverDeclared(ref.supplier) && (!supDev || !supDev.driver)) continue;
      out.push(ref);
    }
    return out;
  }

  /** supplierRefs() of a node with this profile's bindings, parsed once per prediction. */
  private refsOf(node: DtNode): SupplierRef[] {
    let refs = this.refsCache.get(node);
    if (!refs) this.refsCache.set(node, (refs = supplierRefs(node, this.profile.supplierBindings, this.phandles)));
    return refs;
  }

  /** device_links_check_suppliers() */
  private deviceLinksCheckSuppliers(ds: DeviceState): ProbeOutcome | null {
    const node = ds.dev.node;
    if (!node || ds.dev.bus === 'pci' || !this.hasFwnode(ds.dev)) return null;
    if (this.fwMode !== 'on' && this.fwMode !== 'rpm') return null;
    const refs = this.linkRefs(node);
    const cyc = this.cycleNodes.get(node);
    // The stdout-path console is "best effort" (FWNODE_FLAG_BEST_EFFORT, 6.0+): it does not wait for
    // suppliers that have no device or that no driver ever matched (-EAGAIN in core.c).
    const bestEffort = this.profile.hasDriversDone && node === this.stdoutNode();
    // fwnode links first: a supplier node with no device (and no bound ancestor device to pick it up)
    for (const ref of refs) {
      if (cyc?.has(ref.supplier)) continue;
      const sup = this.deviceFor(ref.supplier);
      if (sup && this.isSelfOrAncestorDevice(sup, node)) continue;
      if (sup && (sup.dev.node === ref.supplier || sup.driver)) continue;
      if (bestEffort) continue;
      // %pfwP (node name) in 6.1, %pfwf (full path) from 6.3
      const name = this.profile.version === '6.1' ? ref.supplier.name : this.pathOf(ref.supplier);
      return { kind: 'links-defer', reason: `wait for supplier ${name}`, supplier: ref.supplier, supplierDevice: sup, binding: ref.binding, property: ref.property };
    }
    for (const ref of refs) {
      if (cyc?.has(ref.supplier)) continue;
      const sup = this.deviceFor(ref.supplier);
      if (!sup || sup === ds || sup.driver || this.isSelfOrAncestorDevice(sup, node)) continue;
      if (this.relaxedSuppliers.has(sup) || (this.driversDone && sup.addedAfterDriversDone && !sup.canMatch)) continue;
      if (bestEffort && !sup.canMatch) continue;
      return { kind: 'links-defer', reason: `supplier ${sup.dev.name} not ready`, supplier: ref.supplier, supplierDevice: sup, binding: ref.binding, property: ref.property };
    }
    return null;
  }

  /** device_add() links fw_devlink through dev->fwnode; a probe may set dev.of_node alone (gpcv2.c). */
  private hasFwnode(dev: PlatformDevice): boolean {
    return !dev.withoutFwnode;
  }

  private stdout: DtNode | null | undefined;

  /** of_stdout: /chosen stdout-path (or linux,stdout-path), through /aliases, options after ':' dropped. */
  private stdoutNode(): DtNode | null {
    if (this.stdout !== undefined) return this.stdout;
    const chosen = findNodeByPath(this.tree, '/chosen');
    const raw = chosen ? (stringProp(chosen, 'stdout-path') ?? stringProp(chosen, 'linux,stdout-path')) : undefined;
    this.stdout = null;
    if (!raw) return null;
    const path = raw.split(':')[0]!;
    if (path.startsWith('/')) this.stdout = findNodeByPath(this.tree, path) ?? null;
    else {
      const slash = path.indexOf('/');
      const alias = slash < 0 ? path : path.slice(0, slash);
      const aliases = findNodeByPath(this.tree, '/aliases');
      const target = aliases ? stringProp(aliases, alias) : undefined;
      if (target) this.stdout = findNodeByPath(this.tree, target + (slash < 0 ? '' : path.slice(slash))) ?? null;
    }
    return this.stdout;
  }

  /**
   * A supplier node whose nearest device is the consumer itself or one of its ancestors: a pin controller's
   * own hog group, a node below the consumer. core.c fw_devlink_create_devlink() resolves a NOT_DEVICE
   * supplier to fwnode_get_next_parent_dev() and never links a device to itself (`con != sup_dev`), and
   * __fw_devlink_relax_cycles() sees "child of" the consumer as a cycle: the link never holds the probe.
   */
  private isSelfOrAncestorDevice(sup: DeviceState, consumer: DtNode): boolean {
    return !!sup.dev.node && sup.dev.bus !== 'pci' && isAncestorOrSelf(sup.dev.node, consumer);
  }

  /** The device that stands for a supplier node: its own, or the nearest ancestor's. */
  private deviceFor(node: DtNode): DeviceState | null {
    for (let n: DtNode | null = node; n && n.parent; n = n.parent) {
      const ds = this.byNode.get(n);
      if (ds) return ds;
    }
    return null;
  }

  /** Strongly connected groups of the node-level supplier graph: links inside one are cycle links. */
  private computeCycles(): void {
    if (this.fwMode === 'none' || this.fwMode === 'off') return;
    const nodes: DtNode[] = [];
    for (const n of walk(this.tree.root)) if (n.parent && getProperty(n, 'compatible')) nodes.push(n);
    const deviceOf = (n: DtNode): DtNode | null => {
      for (let p: DtNode | null = n; p && p.parent; p = p.parent) if (getProperty(p, 'compatible')) return p;
      return null;
    };
    const edges = new Map<DtNode, DtNode[]>();
    for (const n of nodes) {
      const out: DtNode[] = [];
      for (const ref of this.refsOf(n)) {
        if (this.profile.optionalIommuBindings && OPTIONAL_BINDINGS.has(ref.binding) && !this.fwStrict) continue;
        const s = deviceOf(ref.supplier);
        if (s && s !== n && !isAncestorOrSelf(s, n)) out.push(s);
      }
      // a parent depends on its children's suppliers only via its children; children depend on parents implicitly
      edges.set(n, out);
    }
    // Tarjan, iterative
    let idx = 0;
    const index = new Map<DtNode, number>();
    const low = new Map<DtNode, number>();
    const onStack = new Set<DtNode>();
    const stack: DtNode[] = [];
    for (const start of nodes) {
      if (index.has(start)) continue;
      const work: { n: DtNode; i: number }[] = [{ n: start, i: 0 }];
      index.set(start, idx);
      low.set(start, idx++);
      stack.push(start);
      onStack.add(start);
      while (work.length) {
        const top = work[work.length - 1]!;
        const succ = edges.get(top.n) ?? [];
        if (top.i < succ.length) {
          const w = succ[top.i++]!;
          if (!index.has(w)) {
            index.set(w, idx);
            low.set(w, idx++);
            stack.push(w);
            onStack.add(w);
            work.push({ n: w, i: 0 });
          } else if (onStack.has(w)) low.set(top.n, Math.min(low.get(top.n)!, index.get(w)!));
        } else {
          work.pop();
          if (work.length) {
            const parent = work[work.length - 1]!.n;
            low.set(parent, Math.min(low.get(parent)!, low.get(top.n)!));
          }
          if (low.get(top.n) === index.get(top.n)) {
            const comp: DtNode[] = [];
            let w: DtNode;
            do {
              w = stack.pop()!;
              onStack.delete(w);
              comp.push(w);
            } while (w !== top.n);
            if (comp.length > 1) {
              const set = new Set(comp);
              for (const c of comp) {
                // every supplier node inside the component (and its sub-nodes) is a cycle supplier for c
                const sups = new Set<DtNode>();
                for (const ref of supplierRefs(c, this.profile.supplierBindings, this.phandles)) {
                  const s = deviceOf(ref.supplier);
                  if (s && set.has(s)) sups.add(ref.supplier);
                }
                this.cycleNodes.set(c, sups);
              }
            }
          }
        }
      }
    }
  }

  private reportCycles(ds: DeviceState): void {
    const sups = ds.dev.node ? this.cycleNodes.get(ds.dev.node) : undefined;
    if (!sups || !ds.dev.node) return;
    for (const s of sups) {
      const text = this.profile.cycleLog === 'fixed'
        ? `${this.pathOf(ds.dev.node)}: Fixed dependency cycle(s) with ${this.pathOf(s)}`
        : `${ds.dev.bus} ${ds.dev.name}: Fixing up cyclic dependency with ${s.name}`;
      if (this.profile.cycleLog !== 'none') this.emit('cycle', { device: ds.dev.name, text });
    }
  }

  // ---- pinctrl, DMA / IOMMU, the driver's probe -----------------------------------------------

  private pinctrlBindPins(ds: DeviceState): ProbeOutcome | null {
    const node = ds.dev.node;
    if (!node || ds.dev.bus === 'pci') return null;
    const p = getProperty(node, 'pinctrl-0');
    if (!p) return null;
    let refs = this.pinctrlCache.get(node);
    if (!refs) this.pinctrlCache.set(node, (refs = supplierRefs(node, PINCTRL_DEFAULT, this.phandles)));
    for (const ref of refs) {
      const sup = this.deviceFor(ref.supplier);
      if (this.initializedWithoutDevice(ref.supplier)) continue;
      if (sup && sup.driver) continue;
      if (sup === ds) continue;
      return { kind: 'pinctrl-defer', supplier: ref.supplier, supplierDevice: sup, property: p };
    }
    return null;
  }

  /** The what-if panel sends `{'*': policy}` almost always: only other keys need a per-master lookup. */
  private readonly perMasterPolicy: boolean;

  private policyFor(ds: DeviceState): IommuPolicy {
    const p = this.opts.iommuPolicy ?? {};
    if (!this.perMasterPolicy) return p['*'] ?? 'kernel';
    const node = ds.dev.node;
    return p[ds.dev.name] ?? (node && ds.dev.bus !== 'pci' ? (p[this.pathOf(node)] ?? node.labels.map((l) => p[l]).find(Boolean)) : undefined) ?? p['*'] ?? 'kernel';
  }

  /** The master's IOMMU specifier: `iommus` (platform, AMBA) or the host bridge's `iommu-map` for a PCI RID. */
  private iommuSpec(ds: DeviceState): { node: DtNode; property: DtProperty | null; ids: number[] } | null | 'none' {
    const dev = ds.dev;
    if (dev.bus === 'pci' && dev.pci) {
      const host = dev.pci.host.node;
      if (!host) return 'none';
      const m = mapId(host, 'iommu-map', dev.pci.rid);
      switch (m.kind) {
        case 'absent':
          return 'none';
        case 'no-translation':
          this.emit('iommu-none', { device: dev.name, text: `OF: ${nodePath(host)}: no iommu-map translation for id 0x${dev.pci.rid.toString(16)} on (null)` });
          return 'none';
        case 'bad-length':
        case 'bad-mask':
          return 'none';
        case 'mapped': {
          const target = this.phandles.get(m.target!);
          return target ? { node: target, property: getProperty(host, 'iommu-map') ?? null, ids: [m.id!] } : 'none';
        }
      }
    }
    const node = dev.node;
    if (!node) return 'none';
    const prop = getProperty(node, 'iommus');
    if (!prop) return 'none';
    const c = cells(prop);
    const target = this.phandles.get(c[0] ?? 0);
    if (!target) return 'none';
    const n = u32Prop(target, '#iommu-cells') ?? 1;
    return { node: target, property: prop, ids: c.slice(1, 1 + n) };
  }

  /** bus->dma_configure → of_dma_configure → of_iommu_configure, per version (kernel-semantics §1, §8). */
  private ofDmaConfigure(d: ModelDriver, ds: DeviceState): ProbeOutcome | null {
    if (ds.dma) return null; // fwspec with ops from an earlier try (or set at creation): reuse
    if (ds.iommuGaveUp || ds.iommuExhausted || ds.iommuRefused) {
      ds.dma = 'direct';
      return null;
    }
    const spec = this.iommuSpec(ds);
    if (spec === 'none' || spec === null) {
      ds.dma = 'direct';
      return null;
    }
    ds.iommuNode = spec.node;
    if (!nodeAvailable(spec.node, this.popOpts)) {
      ds.dma = 'direct';
      return null;
    }
    const inst = this.iommus.get(spec.node);
    if (inst) return this.iommuAttach(d, ds, inst, spec.ids);
    const policy = this.policyFor(ds);
    const iommuDev = this.byNode.get(spec.node) ?? null;
    const iommuHopeless = !iommuDev || !!iommuDev.failure || !this.iommuDrivers.some((x) => this.matches(x, iommuDev));
    if (policy === 'optional' && iommuHopeless) {
      ds.iommuGaveUp = { text: 'IOMMU optional for this master (what-if policy): configured without it', iommu: spec.node };
      ds.dma = 'direct';
      this.noteDirect(ds);
      return null;
    }
    let verdict: 'defer' | 'enodev' | 'etimedout';
    switch (this.profile.iommuMissing) {
      case 'none':
        verdict = 'enodev';
        break;
      case 'declared-until-running': {
        const declared = stringListProp(spec.node, 'compatible').some((c) => IOMMU_OF_DECLARED_412.includes(c) && this.iommuDrivers.some((x) => x.availability === 'builtin' && x.cat.compatible.includes(c)));
        verdict = declared && !this.systemRunning ? 'defer' : 'enodev';
        break;
      }
      case 'check-state':
        verdict = this.driverDeferredProbeCheckState();
        break;
    }
    if (verdict === 'defer') return { kind: 'iommu-defer', iommu: spec.node, property: spec.property };
    if (policy === 'mandatory') return { kind: 'iommu-fail', errno: verdict === 'etimedout' ? -ETIMEDOUT : -ENODEV, iommu: spec.node };
    if (this.profile.iommuMissing === 'check-state') {
      const text = verdict === 'etimedout' ? 'deferred probe timeout, ignoring dependency' : 'ignoring dependency for device, assuming no driver';
      ds.iommuGaveUp = { text, iommu: spec.node };
      this.emit('ignoring-dependency', { device: ds.dev.name, driver: d.cat.name, reason: text, text: `${d.cat.name} ${ds.dev.name}: ${text}` });
    } else {
      ds.iommuGaveUp = { text: 'no IOMMU driver registered: configured without IOMMU', iommu: spec.node };
    }
    ds.dma = 'direct';
    this.noteDirect(ds);
    return null;
  }

  /** v4.1-v4.11: ops looked up when the device is created; missing ops mean no IOMMU for life. */
  private dmaConfigureAtCreation(ds: DeviceState): void {
    const spec = this.iommuSpec(ds);
    if (spec === 'none' || spec === null || !nodeAvailable(spec.node, this.popOpts)) return;
    ds.iommuNode = spec.node;
    const inst = this.iommus.get(spec.node);
    if (inst) {
      const drv = { cat: { name: ds.dev.bus } } as ModelDriver;
      this.iommuAttach(drv, ds, inst, spec.ids);
      return;
    }
    const iommuDev = this.byNode.get(spec.node);
    if (iommuDev?.failure) this.emit('iommu-exhausted', { device: ds.dev.name, text: `Failed to set up IOMMU for device ${ds.dev.name}; retaining platform DMA ops` });
    ds.iommuGaveUp = { text: 'no IOMMU ops registered when the device was created: platform DMA ops for good', iommu: spec.node };
    ds.dma = 'direct';
    this.noteDirect(ds);
  }

  /** driver_deferred_probe_check_state() per version. */
  private driverDeferredProbeCheckState(): 'defer' | 'enodev' | 'etimedout' {
    if (this.profile.deferredTimeout.warnSplat) {
      // v4.19-v5.6: give up at initcalls_done; -ETIMEDOUT only once the timeout work zeroed the timeout
      if (!this.initcallsDone) return 'defer';
      return this.timeoutSeconds === 0 ? 'etimedout' : 'enodev';
    }
    if (!this.modules && this.initcallsDone) return 'enodev';
    if (this.timeoutSeconds === 0 && this.initcallsDone) return 'etimedout';
    return 'defer';
  }

  private iommuAttach(d: ModelDriver, ds: DeviceState, inst: IommuInstance, ids: number[]): ProbeOutcome | null {
    const passthrough = this.knobs.iommuPassthrough ?? (this.config?.get('IOMMU_DEFAULT_PASSTHROUGH') === 'y');
    const key = this.groupKey(ds, inst, ids);
    const prefix = this.profile.groupAtIommuRegistration && !ds.driver ? ds.dev.bus : d.cat.name;
    const existing = this.groups.get(key);
    if (existing) {
      existing.members.push(ds);
      ds.iommuGroup = existing.id;
      ds.dma = passthrough ? 'iommu-passthrough' : 'iommu';
      this.emit('iommu-attach', { device: ds.dev.name, driver: d.cat.name, group: existing.id, text: `${prefix} ${ds.dev.name}: Adding to iommu group ${existing.id}` });
      return null;
    }
    // arm_smmu_insert_master(): a stream ID already claimed by another master fails probe_device
    if (inst.streams) {
      for (const sid of ids) {
        const owner = inst.streams.get(sid);
        if (owner && owner !== ds) {
          this.emit('iommu-exhausted', { device: ds.dev.name, driver: d.cat.name, error: -22, text: `${prefix} ${ds.dev.name}: stream ${sid} already in tree from dev ${owner.dev.name}` });
          ds.iommuRefused = `stream ID ${sid} already belongs to ${owner.dev.name}`;
          ds.dma = 'direct';
          this.noteDirect(ds);
          return null;
        }
      }
      for (const sid of ids) inst.streams.set(sid, ds);
    }
    const id = this.groupIds.alloc();
    if (!passthrough && inst.used >= inst.contexts) {
      this.groupIds.free(id);
      ds.iommuExhausted = true;
      const policy = this.policyFor(ds);
      switch (this.profile.exhaustionLog) {
        case '2015':
          this.emit('iommu-exhausted', { device: ds.dev.name, driver: d.cat.name, error: -ENOSPC, text: `Failed to set up IOMMU for device ${ds.dev.name}; retaining platform DMA ops` });
          break;
        case 'failed-to-add':
          this.emit('iommu-exhausted', { device: ds.dev.name, driver: d.cat.name, group: id, error: -ENOSPC, text: `${prefix} ${ds.dev.name}: Failed to add to iommu group ${id}: -28` });
          break;
        case 'add-remove':
          this.emit('iommu-attach', { device: ds.dev.name, driver: d.cat.name, group: id, text: `${prefix} ${ds.dev.name}: Adding to iommu group ${id}` });
          this.emit('iommu-detach', { device: ds.dev.name, driver: d.cat.name, group: id, text: `${prefix} ${ds.dev.name}: Removing from iommu group ${id}` });
          this.emit('iommu-exhausted', { device: ds.dev.name, driver: d.cat.name, error: -ENOSPC, text: `${prefix} ${ds.dev.name}: Adding to IOMMU failed: -28` });
          break;
        case 'add-only':
          this.emit('iommu-attach', { device: ds.dev.name, driver: d.cat.name, group: id, text: `${prefix} ${ds.dev.name}: Adding to iommu group ${id}` });
          this.emit('iommu-exhausted', { device: ds.dev.name, driver: d.cat.name, error: -ENOSPC, text: `${prefix} ${ds.dev.name}: Adding to IOMMU failed: -28` });
          break;
      }
      if (policy === 'mandatory') return { kind: 'iommu-fail', errno: -ENOSPC, iommu: inst.node };
      ds.dma = 'direct';
      this.noteDirect(ds);
      return null;
    }
    if (!passthrough) inst.used++;
    this.groups.set(key, { id, members: [ds], instance: inst });
    ds.iommuGroup = id;
    ds.dma = passthrough ? 'iommu-passthrough' : 'iommu';
    this.emit('iommu-attach', { device: ds.dev.name, driver: d.cat.name, group: id, text: `${prefix} ${ds.dev.name}: Adding to iommu group ${id}` });
    const mc = isDmaCoherent(ds.dev.bus === 'pci' ? (ds.dev.pci?.host.node ?? null) : ds.dev.node);
    if (mc !== inst.coherent) ds.flags.push(`dma-coherent differs: master ${mc ? 'coherent' : 'non-coherent'}, IOMMU ${inst.coherent ? 'coherent' : 'non-coherent'} (${this.pathOf(inst.node)})`);
    return null;
  }

  private groupKey(ds: DeviceState, inst: IommuInstance, ids: number[]): string {
    if (ds.dev.bus === 'pci' && ds.dev.pci) {
      const rid = ds.dev.pci.rid;
      // functions of one multi-function device without ACS share a group (pci_device_group)
      const siblings = (this.opts.pciFunctions ?? []).filter((s) => s.bdf.replace(/\.\d$/, '') === ds.dev.pci!.bdf.replace(/\.\d$/, '') || s.bdf.replace(/\.\d$/, '').endsWith(ds.dev.pci!.bdf.replace(/\.\d$/, '').slice(5)));
      return siblings.length > 1 ? `pci:${this.pathOf(inst.node)}:${rid >> 3}` : `pci:${this.pathOf(inst.node)}:${rid}`;
    }
    switch (inst.grouping) {
      case 'per-instance':
        return `inst:${this.pathOf(inst.node)}`;
      case 'by-stream-id':
        return `sid:${this.pathOf(inst.node)}:${ids.join(',')}`;
      case 'per-device':
        return `dev:${ds.dev.name}`;
    }
  }

  /** Consequences of a master running without its IOMMU (kernel-semantics §6.3). */
  private noteDirect(ds: DeviceState): void {
    const node = ds.dev.bus === 'pci' ? (ds.dev.pci?.host.node ?? null) : ds.dev.node;
    const coherent = isDmaCoherent(node);
    if (!coherent) ds.flags.push('non-coherent master without IOMMU: every DMA buffer needs cache maintenance');
    const reach = dmaReach(node);
    if (this.ramTop > reach.limit) ds.flags.push(`DMA reach 0x${reach.limit.toString(16)} (${reach.from}) is below the top of RAM 0x${this.ramTop.toString(16)}: buffers above it are bounced through swiotlb`);
    const inst = ds.iommuNode ? this.iommus.get(ds.iommuNode) : undefined;
    const iommuCoherent = ds.iommuNode ? isDmaCoherent(ds.iommuNode) : coherent;
    if (inst && coherent && !iommuCoherent) ds.flags.push('master marked dma-coherent while its IOMMU is not: coherency was only guaranteed through the IOMMU');
  }

  /** call_driver_probe(): the driver's own probe, as assumed, deferring on unbound resources it asks for. */
  private callDriverProbe(d: ModelDriver, ds: DeviceState): ProbeOutcome {
    const node = ds.dev.node;
    // simple-pm-bus binds a plain simple-bus/simple-mfd only when that is its first compatible (6.1 probe)
    if (d.cat.name === 'simple-pm-bus' && !ds.dev.compatible.includes('simple-pm-bus')) {
      const first = ds.dev.compatible[0] ?? '';
      if (!this.profile.simplePmBusBindsSimpleBus || !['simple-bus', 'simple-mfd', 'isa', 'arm,amba-bus'].includes(first)) return { kind: 'rejected', errno: -ENODEV, assumed: false };
    }
    if (node && ds.dev.bus !== 'pci') {
      const check = this.driverChecks(d, ds);
      if (check) return check;
      let cached = this.resourcesCache.get(node);
      if (!cached) this.resourcesCache.set(node, (cached = probeResources(node, this.profile.supplierBindings.length ? this.profile.supplierBindings : RESOURCE_BINDINGS, this.phandles)));
      const resources = cached.slice();
      // platform_probe() → dev_pm_domain_attach(): a single power domain whose provider is missing asks
      // check_state (genpd_dev_pm_attach), so the timeout turns it into a probe failure, not a wait
      const domains = resources.filter((r) => r.binding === 'power-domains');
      if (ds.dev.bus === 'platform' && domains.length === 1 && !this.resourceReady(domains[0]!, ds)) {
        const v = this.driverDeferredProbeCheckState();
        if (v === 'defer') return { kind: 'driver-defer', resource: domains[0]!, supplierDevice: this.deviceFor(domains[0]!.supplier) };
        const text = v === 'etimedout' ? 'deferred probe timeout, ignoring dependency' : 'ignoring dependency for device, assuming no driver';
        this.emit('ignoring-dependency', { device: ds.dev.name, driver: d.cat.name, reason: text, text: `${d.cat.name} ${ds.dev.name}: ${text}` });
        return { kind: 'failed', errno: v === 'etimedout' ? -ETIMEDOUT : -ENODEV };
      }
      resources.push(...this.driverDataResources(d, ds));
      const unready = resources.filter((ref) => ref.binding !== 'power-domains' && !this.resourceReady(ref, ds));
      if (unready.length) {
        const ref = unready[0]!;
        return { kind: 'driver-defer', resource: ref, supplierDevice: this.deviceFor(ref.supplier), message: probeDeferReason(d.cat, unready) };
      }
    }
    if (d.cat.powerOff.refuses && this.powerOffHolder) {
      this.emit('failed', { device: ds.dev.name, driver: d.cat.name, text: `${d.cat.name} ${ds.dev.name}: pm_power_off already claimed for ${this.powerOffHolder}` });
      return { kind: 'failed', errno: -16 };
    }
    const a = ds.assumed;
    switch (a.kind) {
      case 'ok':
        return { kind: 'bound' };
      case 'absent':
        return { kind: 'rejected', errno: -ENODEV, assumed: true };
      case 'defer':
        if (ds.assumedDefersLeft > 0) {
          ds.assumedDefersLeft--;
          return { kind: 'driver-defer', resource: null, supplierDevice: null };
        }
        return { kind: 'bound' };
      case 'fail':
        return a.errno === -ENODEV || a.errno === -6 ? { kind: 'rejected', errno: a.errno, assumed: true } : { kind: 'failed', errno: a.errno };
    }
  }

  /**
   * Providers a driver reaches through its parent or a plain phandle rather than a supplier binding:
   * a child of an MFD (`simple-mfd` with its own driver) whose probe asks the parent's driver for its data
   * (a 'parent' lookup in the catalog: dev_get_regmap(dev->parent), of_get_parent() → rpi_firmware_get()),
   * unless it takes the parent as a syscon (syscon_node_to_regmap(): drivers/mfd/syscon.c makes that
   * regmap from the node, driver or not); a `firmware = <&fw>` phandle names the firmware driver.
   */
  private driverDataResources(d: ModelDriver, ds: DeviceState): SupplierRef[] {
    const node = ds.dev.node!;
    const out: SupplierRef[] = [];
    const parent = node.parent;
    const parentCompat = parent ? stringListProp(parent, 'compatible') : [];
    const asksParent = d.cat.probeLookups.some((l) => l.kind === 'parent') && !d.cat.probeLookups.some((l) => l.kind === 'syscon');
    if (parent && parentCompat.includes('simple-mfd') && this.index && asksParent) {
      const own = this.index.platformDriversFor(parentCompat).filter((x) => x.name !== 'simple-pm-bus' && this.modelOf.has(x));
      const prop = getProperty(parent, 'compatible');
      if (own.length && prop) out.push({ binding: 'parent-mfd', property: prop, supplier: parent });
    }
    const fw = getProperty(node, 'firmware');
    if (fw && fw.value.length === 4) {
      const target = this.phandles.get(cells(fw)[0]!);
      if (target) out.push({ binding: 'firmware', property: fw, supplier: target });
    }
    return out;
  }

  /** A provider the driver asks for is there: bound, or set up early without a device. */
  private resourceReady(ref: SupplierRef, ds: DeviceState): boolean {
    if (this.initializedWithoutDevice(ref.supplier)) return true;
    // of_clk_init() / of_irq_init() registered a *_DECLARE_DRIVER node's clocks or irq domain before any
    // device: clk_get() and platform_get_irq() find them while the node's own device has yet to bind
    const kinds = this.declaredKinds(ref.supplier);
    if ((ref.binding === 'clocks' && kinds.has('clk-driver')) || (ref.binding === 'interrupts' && kinds.has('irqchip-driver'))) return true;
    if (ancestors(ref.supplier).some((a) => this.initializedWithoutDevice(a) && !this.byNode.has(a))) return true;
    const sup = this.deviceFor(ref.supplier);
    return sup === ds || !!(sup && sup.driver);
  }

  /**
   * Checks a driver makes of its own node before anything else, when the kernel source says so:
   * arm-smmu-v3 refuses a register window smaller than its two 64K pages ("MMIO region too small").
   */
  private driverChecks(d: ModelDriver, ds: DeviceState): ProbeOutcome | null {
    const node = ds.dev.node!;
    if (d.cat.name === 'arm-smmu-v3') {
      const size = firstRegSize(node);
      const need = stringListProp(node, 'compatible').includes('cavium,cn9900') ? 0x10000 : 0x20000;
      if (size !== null && size < need) {
        this.emit('failed', { device: ds.dev.name, driver: d.cat.name, text: `${d.cat.name} ${ds.dev.name}: MMIO region too small (reg size 0x${size.toString(16)}, needs 0x${need.toString(16)})` });
        return { kind: 'failed', errno: -22 };
      }
    }
    return null;
  }

  // ---- IOMMU registration ---------------------------------------------------------------------

  private iommuDeviceRegister(ds: DeviceState): void {
    const node = ds.dev.node!;
    const userSet = this.lookupNumber(this.opts.iommuContexts ?? {}, ds);
    const budget = contextBudget(node, userSet);
    const compat = stringListProp(node, 'compatible');
    const inst: IommuInstance = { node, device: ds, contexts: budget.contexts, contextNote: budget.note, used: 0, grouping: groupingRuleFor(compat), coherent: isDmaCoherent(node), streams: compat.includes('arm,smmu-v3') ? new Map() : null };
    this.iommus.set(node, inst);
    if (!this.profile.groupAtIommuRegistration) return;
    // v6.15+: bus_iommu_probe() configures every present master without a driver right away
    for (const m of this.devices) {
      if (m.driver || m.iommuGaveUp || m === ds) continue;
      const spec = this.iommuSpec(m);
      if (!spec || spec === 'none' || spec.node !== node) continue;
      m.iommuNode = node;
      const drv = { cat: { name: m.dev.bus } } as ModelDriver;
      this.iommuAttach(drv, m, inst, spec.ids);
    }
  }

  private lookupNumber(map: Record<string, number>, ds: DeviceState): number | undefined {
    const node = ds.dev.node;
    return map[ds.dev.name] ?? (node ? (map[this.pathOf(node)] ?? node.labels.map((l) => map[l]).find((x) => x !== undefined)) : undefined);
  }

  // ---- the deferred list ----------------------------------------------------------------------

  private triggerCount = 0;
  /** Head of the active list (a queue: shift() would be quadratic). */
  private activeHead = 0;
  private workQueued = false;

  /** driver_deferred_probe_add() */
  private deferredProbeAdd(ds: DeviceState): void {
    ds.deferrals++;
    if (!ds.onDeferredList) {
      ds.onDeferredList = true;
      this.pending.push(ds);
    }
    const why = ds.lastDefer ? deferText(ds.lastDefer) : undefined;
    this.emit('deferred', { device: ds.dev.name, reason: ds.reason ?? why, text: `${ds.dev.bus} ${ds.dev.name}: Added to deferred list` });
  }

  /** driver_deferred_probe_trigger(): nothing before late_initcall enables it. */
  private driverDeferredProbeTrigger(): void {
    if (!this.deferredProbeEnable) return;
    this.triggerCount++;
    for (const ds of this.pending) if (ds.onDeferredList && !ds.driver) this.active.push(ds);
    this.pending = [];
    this.workQueued = true;
  }

  private runDeferredWorkIfQueued(): void {
    if (this.workQueued && !this.workRunning) this.deferredProbeWorkFunc();
  }

  /** deferred_probe_work_func(): FIFO over the active list until it is empty. */
  private deferredProbeWorkFunc(): void {
    this.workRunning = true;
    this.workQueued = false;
    while (this.activeHead < this.active.length) {
      if (--this.workBudget <= 0) {
        this.diag('error', 'probe_livelock', 'the deferred-probe work did not settle (work limit reached)');
        this.active = [];
        this.activeHead = 0;
        break;
      }
      const ds = this.active[this.activeHead++]!;
      if (this.activeHead > 4096 && this.activeHead * 2 > this.active.length) {
        this.active = this.active.slice(this.activeHead);
        this.activeHead = 0;
      }
      if (ds.driver) continue;
      // the device stays on the deferred list bookkeeping-wise until it binds or defers again
      ds.onDeferredList = false;
      ds.reason = null;
      this.emit('retry', { device: ds.dev.name, text: `${ds.dev.bus} ${ds.dev.name}: Retrying from deferred list` });
      this.deviceAttachFromWork(ds);
      // a device that did not defer again and did not bind (driver error) leaves the lists
    }
    this.active = [];
    this.activeHead = 0;
    this.workRunning = false;
    this.workQueued = false;
    if (this.asyncQueue.length) this.runAsyncProbes();
  }

  /** deferred_probe_work_func() → bus_probe_device() → __device_attach(): the bus's match runs again too. */
  private deviceAttachFromWork(ds: DeviceState): void {
    for (const d of this.candidateDrivers(ds)) {
      if (ds.driver) break;
      if (this.ambaMatchDefers(ds)) break;
      if (!this.matches(d, ds)) continue;
      const ret = this.driverProbeDevice(d, ds);
      if (ret <= 0) break;
    }
  }

  /** deferred_probe_initcall() */
  private deferredProbeInitcall(): void {
    this.lateInitcallAt = this.time;
    this.emit('late-initcall', { name: 'deferred_probe_initcall', text: 'calling  deferred_probe_initcall+0x0/0x0 @ 1' });
    this.deferredProbeEnable = true;
    this.driverDeferredProbeTrigger();
    this.deferredProbeWorkFunc();
    if (!this.profile.hasCheckState) return;
    this.initcallsDone = true;
    if (!this.modules) this.fwDevlinkDriversDone();
    this.driverDeferredProbeTrigger();
    this.deferredProbeWorkFunc();
    if (this.timeoutSeconds > 0) {
      this.timer.armed = true;
      this.timer.at = this.time + this.timeoutSeconds;
    }
  }

  /** fw_devlink_drivers_done(): relax links whose supplier no driver ever matched. */
  private fwDevlinkDriversDone(): void {
    if (this.fwMode === 'none' || !this.profile.hasDriversDone) return;
    this.driversDone = true;
    for (const ds of this.devices) {
      if (ds.canMatch) continue;
      this.relaxedSuppliers.add(ds);
    }
    for (const ds of this.devices) {
      if (ds.driver || !ds.dev.node || ds.dev.bus === 'pci') continue;
      for (const ref of this.linkRefs(ds.dev.node)) {
        const sup = this.deviceFor(ref.supplier);
        if (sup && this.relaxedSuppliers.has(sup) && sup.dev.node === ref.supplier) this.emit('devlink-relaxed', { device: ds.dev.name, text: `${ds.dev.bus} ${ds.dev.name}: Relaxing link with ${sup.dev.name}` });
      }
    }
  }

  /** deferred_probe_timeout_work_func() */
  private deferredProbeTimeoutWorkFunc(): void {
    this.timeoutFiredAt = this.time;
    this.emit('timeout', { name: 'deferred_probe_timeout_work_func' });
    this.fwDevlinkDriversDone();
    this.timeoutSeconds = 0;
    this.driverDeferredProbeTrigger();
    this.deferredProbeWorkFunc();
    for (const ds of this.pending) {
      if (!ds.onDeferredList || ds.driver) continue;
      const reason = this.profile.pendingWithReason ? `: ${ds.reason ?? '(reason unknown)'}` : '';
      this.emit('pending', { device: ds.dev.name, reason: ds.reason ?? undefined, text: `${ds.dev.bus} ${ds.dev.name}: deferred probe pending${reason}` });
    }
  }
}

// Bindings a driver's probe asks for in eras without fw_devlink tables (≤5.2).
const PINCTRL_DEFAULT = ['pinctrl-0'];
const RESOURCE_BINDINGS = ['clocks', 'power-domains', 'resets', 'phys', 'pwms', 'mboxes', 'interrupts', '*-supply', 'gpio-compat', '*-gpios', '*-gpio'];

/** Size of the first `reg` entry, or null. */
function firstRegSize(node: DtNode): number | null {
  const reg = getProperty(node, 'reg');
  if (!reg || !node.parent) return null;
  const na = u32Prop(node.parent, '#address-cells') ?? 2;
  const ns = u32Prop(node.parent, '#size-cells') ?? 1;
  const c = cells(reg);
  if (ns === 0 || c.length < na + ns) return null;
  let size = 0;
  for (let i = 0; i < ns; i++) size = size * 2 ** 32 + c[na + i]!;
  return size;
}

function ancestors(node: DtNode): DtNode[] {
  const out: DtNode[] = [];
  for (let n = node.parent; n && n.parent; n = n.parent) out.push(n);
  return out;
}

export function isPciHost(node: DtNode): boolean {
  if (stringProp(node, 'device_type') === 'pci') return true;
  return stringListProp(node, 'compatible').some((c) => /pci(e)?-host|pcie?$|-pcie\b|,pcie/.test(c));
}

export function deferText(o: ProbeOutcome): string {
  switch (o.kind) {
    case 'links-defer':
      return o.reason;
    case 'pinctrl-defer':
      return `pinctrl: pin controller ${nodePath(o.supplier)} not bound`;
    case 'iommu-defer':
      return `IOMMU ${nodePath(o.iommu)} not registered yet`;
    case 'driver-defer':
      return o.resource ? `driver waits for ${o.resource.property.name} provider ${nodePath(o.resource.supplier)}` : 'driver requested deferral';
    case 'match-defer':
      if (o.resource) return `amba: primecell ID unreadable until ${o.resource.property.name} provider ${nodePath(o.resource.supplier)} registers`;
      return o.never === 'no-pclk'
        ? 'amba: no "apb_pclk" in clock-names: clk_get() fails, so the primecell ID is never read'
        : 'amba: the ID registers hold no primecell ID (hardware assumed absent): amba_read_periphid() -ENODEV on every match';
    default:
      return o.kind;
  }
}

function parseModuleLoad(text: string): ModuleLoad {
  const at = text.lastIndexOf('@');
  if (at > 0) {
    const t = Number(text.slice(at + 1));
    if (Number.isFinite(t)) return { name: text.slice(0, at), at: t };
  }
  return { name: text };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export type { WhyStep };
