// The simulation's shared state: what the driver core keeps per device (struct device + device_private), per
// driver and per IOMMU instance, the deferred-probe lists, the timeout and the clock (drivers/base/base.h and the
// globals of dd.c and core.c), with the queries every part asks of them: bus match, the device that stands for a
// node, early-initialised providers, driver_deferred_probe_check_state(). devlink.ts and dma-configure.ts import
// only this; dd.ts calls them; initcalls.ts calls dd.ts. Rules: docs/kernel-model.md.
import { findNodeByPath, nodePath, phandleIndex, stringListProp, walk, type DtNode, type DtProperty, type DtTree } from '../devicetree/index';
import type { Diagnostic } from '../common';
import { availabilityFromConfig, CatalogIndex, type Availability, type CatalogDriver, type KernelConfig } from './catalog';
import { parseCmdline, type CmdlineKnobs } from './cmdline';
import type { ProbeEvent, ProbeEventKind } from './events';
import { GroupIds, ramTop, type GroupingRule } from './iommu';
import type { AssumedOutcome, PredictOptions } from './options';
import { deviceName, type PlatformDevice, type PopulateOptions } from './populate';
import { newHandMadeDeviceState } from './probe-created';
import type { KernelProfile } from './profile';
import type { SupplierRef } from './suppliers';

/** The errnos the model returns (include/uapi/asm-generic/errno-base.h; EPROBE_DEFER: include/linux/errno.h). */
export const EPROBE_DEFER = 517;
export const ENODEV = 19;
export const ENOSPC = 28;
export const ETIMEDOUT = 110;

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
  | { kind: 'links-defer'; reason: string; supplier: DtNode; supplierDevice: SimDevice | null; binding: string; property: DtProperty }
  /** pinctrl_bind_pins(): the pin controller has not bound. */
  | { kind: 'pinctrl-defer'; supplier: DtNode; supplierDevice: SimDevice | null; property: DtProperty }
  /** of_iommu_xlate(): the IOMMU has no registered instance and check_state says wait. */
  | { kind: 'iommu-defer'; iommu: DtNode; property: DtProperty | null }
  /** A mandatory IOMMU (what-if policy) is missing or out of contexts: the master's probe fails. */
  | { kind: 'iommu-fail'; errno: number; iommu: DtNode }
  /**
   * The driver's probe returned -EPROBE_DEFER: a resource's provider is not bound, or assumed. `message`:
   * what its dev_err_probe() recorded as the devices_deferred reason (probeDeferReason), if anything.
   */
  | { kind: 'driver-defer'; resource: SupplierRef | null; supplierDevice: SimDevice | null; message?: string | null }
  /**
   * amba_match() could not read the primecell ID (amba.ts): a PM domain, apb_pclk or reset provider has not
   * registered (`resource`), or the read can never succeed (`never`: no apb_pclk clock, or no component ID
   * behind the address). dd.c "Device match requests probe deferral", before any driver is tried.
   */
  | { kind: 'match-defer'; resource: SupplierRef | null; supplierDevice: SimDevice | null; never: 'no-pclk' | 'no-id' | null }
  /** -ENODEV / -ENXIO: "probe of X rejects match". */
  | { kind: 'rejected'; errno: number; assumed: boolean }
  | { kind: 'failed'; errno: number };

export type DmaMode = 'iommu' | 'iommu-passthrough' | 'direct';

/** Everything the model tracks per device (struct device + device_private, the parts that matter). */
export interface SimDevice {
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

export interface IommuInstance {
  node: DtNode;
  device: SimDevice;
  contexts: number;
  contextNote: string;
  used: number;
  grouping: GroupingRule;
  coherent: boolean;
  /** arm-smmu-v3's stream table: stream ID → master (duplicates are refused). */
  streams: Map<number, SimDevice> | null;
}

export interface GroupEntry {
  id: number;
  members: SimDevice[];
  instance: IommuInstance;
}

export interface TimerState {
  armed: boolean;
  at: number;
}

const WORK_LIMIT = 2_000_000;

export interface SimulationResult {
  devices: SimDevice[];
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

/**
 * One prediction's state. Fields are what the kernel keeps (klists, deferred lists, the timeout work,
 * fw_devlink's flags) and caches the model keeps so a large board does not parse a node twice.
 */
export class CoreState {
  readonly events: ProbeEvent[] = [];
  readonly diagnostics: Diagnostic[] = [];
  step = 0;
  time = 0;
  readonly knobs: CmdlineKnobs;
  readonly modules: boolean;
  readonly config: KernelConfig | null;
  readonly index: CatalogIndex | null;
  readonly phandles: Map<number, DtNode>;
  readonly popOpts: PopulateOptions;
  readonly devices: SimDevice[] = [];
  /** Devices by their fwnode (what fw_devlink sees): a device given only dev.of_node is not here. */
  readonly byNode = new Map<DtNode, SimDevice>();
  /** Devices by dev.of_node, fwnode or not: whose driver registers the providers a probe looks up by node. */
  readonly byOfNode = new Map<DtNode, SimDevice>();
  readonly drivers: ModelDriver[] = [];
  /** bus → drivers in registration order (the bus's klist_drivers). */
  readonly busDrivers = new Map<string, ModelDriver[]>();
  /** deferred_probe_pending_list / deferred_probe_active_list */
  pending: SimDevice[] = [];
  active: SimDevice[] = [];
  deferredProbeEnable = false;
  initcallsDone = false;
  systemRunning = false;
  driversDone = false;
  readonly relaxedSuppliers = new Set<SimDevice>();
  timeoutSeconds: number;
  readonly timer: TimerState = { armed: false, at: 0 };
  timeoutFiredAt: number | null = null;
  workRunning = false;
  workBudget = WORK_LIMIT;
  bindCount = 0;
  readonly iommus = new Map<DtNode, IommuInstance>();
  readonly groups = new Map<string, GroupEntry>();
  readonly groupIds = new GroupIds();
  readonly early: DtNode[] = [];
  readonly earlySet = new Set<DtNode>();
  readonly disabled: { node: DtNode; name: string }[] = [];
  readonly fwMode: 'none' | 'off' | 'permissive' | 'on' | 'rpm';
  readonly fwStrict: boolean;
  readonly cycleNodes = new Map<DtNode, Set<DtNode>>();
  readonly blacklisted = new Set<string>();
  readonly missingModules: string[] = [];
  readonly ramTop: bigint;
  lateInitcallAt = 0;
  systemRunningAt = 0;
  readonly knownNodes = new Set<DtNode>();
  readonly modelOf = new Map<CatalogDriver, ModelDriver>();
  readonly refsCache = new Map<DtNode, SupplierRef[]>();
  readonly pinctrlCache = new Map<DtNode, SupplierRef[]>();
  /** nodePath() once per node: the trace names supplier paths tens of thousands of times on a large board. */
  readonly paths = new Map<DtNode, string>();
  readonly resourcesCache = new Map<DtNode, SupplierRef[]>();
  readonly iommuDrivers: ModelDriver[] = [];
  /** Devices by compatible, AMBA and PCI devices: the candidates a registering driver walks. */
  readonly devicesByCompat = new Map<string, SimDevice[]>();
  /** Devices registered by name (MFD cells) by their pdev->name: what an id_table or drv->name matches. */
  readonly devicesByPdevName = new Map<string, SimDevice[]>();
  /** platform_devid_ida and mfd_of_node_list. */
  readonly handMade = newHandMadeDeviceState();
  readonly ambaDevices: SimDevice[] = [];
  readonly pciDevices: SimDevice[] = [];
  registrations = 0;
  /** Nodes of_iommu_init() already turned into devices (OF_POPULATED before the default populate). */
  readonly earlyDevices = new Set<DtNode>();
  /** The handler in pm_power_off (power-off.ts): PSCI's from boot, or the first poweroff driver's that takes it. */
  powerOffHolder: string | null = null;
  readonly hasDriverOverrides: boolean;
  readonly declaredCache = new Map<DtNode, Set<string>>();
  treeCompatibles: Set<string> | null = null;
  readonly relevance = new Map<ModelDriver, boolean>();
  cellNamesOfTree: Set<string> | null = null;
  /** of_match_table hits per device: every retry of a deferred device asks again. */
  readonly platformMatches = new Map<SimDevice, CatalogDriver[]>();
  readonly asyncQueue: { d: ModelDriver; ds: SimDevice }[] = [];
  stdout: DtNode | null | undefined;
  /** The what-if panel sends `{'*': policy}` almost always: only other keys need a per-master lookup. */
  readonly perMasterPolicy: boolean;
  triggerCount = 0;
  /** Head of the active list (a queue: shift() would be quadratic). */
  activeHead = 0;
  workQueued = false;

  constructor(readonly tree: DtTree, readonly profile: KernelProfile, readonly opts: PredictOptions) {
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

  emit(kind: ProbeEventKind, fields: Omit<ProbeEvent, 'kind' | 'step' | 'time'> = {}): void {
    this.events.push({ kind, step: this.step++, time: round6(this.time), ...fields });
  }

  diag(severity: Diagnostic['severity'], code: string, message: string, node?: DtNode): void {
    const d: Diagnostic = { severity, code, message };
    if (node) {
      d.nodePath = nodePath(node);
      if (node.span) d.span = node.span;
    }
    this.diagnostics.push(d);
  }

  pathOf(node: DtNode): string {
    let p = this.paths.get(node);
    if (p === undefined) this.paths.set(node, (p = nodePath(node)));
    return p;
  }

  tick(seconds: number): void {
    this.time += seconds;
  }

  resolveNode(target: string): DtNode | undefined {
    if (target.startsWith('/')) return findNodeByPath(this.tree, target);
    for (const n of walk(this.tree.root)) {
      if (!n.parent) continue;
      if (n.labels.includes(target)) return n;
    }
    for (const n of walk(this.tree.root)) if (n.parent && deviceName(n, this.profile) === target) return n;
    return undefined;
  }

  /** The kinds of built-in OF_DECLARE initialisers whose compatible the node carries, looked up once per node. */
  declaredKinds(node: DtNode): Set<string> {
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

  /** FWNODE_FLAG_INITIALIZED without a device: an early clk or irqchip provider (OF_POPULATED). */
  initializedWithoutDevice(node: DtNode): boolean {
    return this.earlySet.has(node);
  }

  /**
   * A CLK_OF_DECLARE_DRIVER node, or an IRQCHIP_DECLARE node whose init clears OF_POPULATED again
   * (arch/arm/mach-imx/gpc.c imx_gpc_init): its provider is registered early (INITIALIZED: of_clk_add_provider,
   * __irq_domain_add → fwnode_dev_initialized), and it still gets a device. fw_devlink_create_devlink()
   * (core.c) does not link to a supplier device with no driver that is INITIALIZED ("Not linking %pfwf -
   * dev might never probe"): consumers never wait for it.
   */
  clkDriverDeclared(node: DtNode): boolean {
    const kinds = this.declaredKinds(node);
    return kinds.has('clk-driver') || kinds.has('irqchip-driver');
  }

  /** A driver that could match something on this board (a compatible in the tree, an AMBA cell, a named PCI driver). */
  relevant(d: ModelDriver): boolean {
    let r = this.relevance.get(d);
    if (r === undefined) this.relevance.set(d, (r = this.computeRelevant(d)));
    return r;
  }

  computeRelevant(d: ModelDriver): boolean {
    if (!this.treeCompatibles) {
      this.treeCompatibles = new Set();
      for (const n of walk(this.tree.root)) for (const c of stringListProp(n, 'compatible')) this.treeCompatibles.add(c);
    }
    if (d.cat.bus === 'amba') return this.treeCompatibles.has('arm,primecell');
    if (d.cat.bus === 'pci') return (this.opts.pciFunctions ?? []).some((p) => p.driver === d.cat.name);
    // the serial core's drivers matter when a UART driver this board can use registers ports
    if (d.cat.bus === 'serial-base') return this.drivers.some((x) => x.cat.registersUartPort && this.relevant(x));
    return d.cat.compatible.some((c) => this.treeCompatibles!.has(c)) || (d.cat.platformIds ?? [d.cat.name]).some((n) => this.cellNames().has(n));
  }

  /** The names of the MFD cells the drivers matching this tree can add: the devices matched by name. */
  cellNames(): Set<string> {
    if (this.cellNamesOfTree) return this.cellNamesOfTree;
    this.cellNamesOfTree = new Set();
    for (const d of this.drivers) {
      if (!d.cat.mfdCells || !d.cat.compatible.some((c) => this.treeCompatibles!.has(c))) continue;
      for (const cell of d.cat.mfdCells.cells) this.cellNamesOfTree.add(cell.name);
    }
    return this.cellNamesOfTree;
  }

  matches(d: ModelDriver, ds: SimDevice): boolean {
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
      case 'serial-base':
        // serial_base_match(): the device's type (ctrl or port) against the driver's name
        return dev.serialBase === d.cat.name;
    }
  }

  /** device_add() links fw_devlink through dev->fwnode; a probe may set dev.of_node alone (gpcv2.c). */
  hasFwnode(dev: PlatformDevice): boolean {
    return !dev.withoutFwnode;
  }

  /** The device that stands for a supplier node in fw_devlink: its own, or the nearest ancestor's. */
  deviceFor(node: DtNode): SimDevice | null {
    return nearestIn(this.byNode, node);
  }

  /**
   * The device whose driver registers the provider a probe finds under `node` (of_genpd_add_provider_simple(),
   * of_clk_add_provider(), ... take dev->of_node): the node's own device, fwnode or not, else the nearest
   * ancestor's. A pgc power domain that gpcv2.c creates with dev.of_node alone registers its genpd when it
   * binds, not when its gpc parent does.
   */
  providerDeviceFor(node: DtNode): SimDevice | null {
    return nearestIn(this.byOfNode, node);
  }

  /** driver_deferred_probe_check_state() per version. */
  driverDeferredProbeCheckState(): 'defer' | 'enodev' | 'etimedout' {
    if (this.profile.deferredTimeout.warnSplat) {
      // v4.19-v5.6: give up at initcalls_done; -ETIMEDOUT only once the timeout work zeroed the timeout
      if (!this.initcallsDone) return 'defer';
      return this.timeoutSeconds === 0 ? 'etimedout' : 'enodev';
    }
    if (!this.modules && this.initcallsDone) return 'enodev';
    if (this.timeoutSeconds === 0 && this.initcallsDone) return 'etimedout';
    return 'defer';
  }
}

/** A node's ancestors, nearest first, without the root. */
export function ancestors(node: DtNode): DtNode[] {
  const out: DtNode[] = [];
  for (let n = node.parent; n && n.parent; n = n.parent) out.push(n);
  return out;
}

/** One line saying why a deferral happened, for the trace and the report. */
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

/** Kernel times are printed to the microsecond. */
function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** The device `devices` holds for `node` or, failing that, for its nearest ancestor below the root. */
function nearestIn(devices: ReadonlyMap<DtNode, SimDevice>, node: DtNode): SimDevice | null {
  for (let n: DtNode | null = node; n && n.parent; n = n.parent) {
    const ds = devices.get(n);
    if (ds) return ds;
  }
  return null;
}
