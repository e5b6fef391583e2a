// The driver catalog: which driver matches which compatible (or AMBA primecell ID), the name the log prints
// (drv->name), its bus, initcall level, link order, Kconfig gates and module. Generated from a kernel tree
// by scripts/catalog/generate.ts (of_device_id / amba_id tables, Kbuild Makefiles); a kernel `.config`
// (scripts/kconfig's output format) then says built-in, module or absent for each driver.
// Rules: docs/kernel-model.md §Initcalls and driver registration, §Matching, §Modules.

import { addTo } from '../common';

export type InitcallLevel =
  | 'pure' | 'core' | 'core_sync' | 'postcore' | 'postcore_sync' | 'arch' | 'arch_sync' | 'subsys' | 'subsys_sync'
  | 'fs' | 'fs_sync' | 'rootfs' | 'device' | 'device_sync' | 'late' | 'late_sync';

/** include/linux/init.h order of the initcall sections. */
export const INITCALL_LEVELS: readonly InitcallLevel[] = [
  'pure', 'core', 'core_sync', 'postcore', 'postcore_sync', 'arch', 'arch_sync', 'subsys', 'subsys_sync',
  'fs', 'fs_sync', 'rootfs', 'device', 'device_sync', 'late', 'late_sync',
];

/** 'serial-base': the serial core's own bus (serial-base.ts), whose two drivers are not in the catalog. */
export type DriverBus = 'platform' | 'amba' | 'pci' | 'serial-base';

export interface CatalogDriver {
  /** drv->name, the log's prefix for a bound device: `pl061_gpio`, `arm-smmu-v3`. */
  name: string;
  bus: DriverBus;
  level: InitcallLevel;
  /** Link order (file position * 1000 + registration rank inside the file). */
  order: number;
  /** The initcall function (what `initcall_blacklist=` names), e.g. `arm_smmu_driver_init`. */
  initcall: string | null;
  /** CONFIG_ symbols (without prefix) that must be y/m. */
  kconfig: string[];
  /** KBUILD_MODNAME: the `.ko` name with '_' (what `modprobe` and `--modules-loaded` name). */
  module: string;
  compatible: string[];
  /** amba_id entries: [id, mask]. */
  amba: [number, number][];
  asyncProbe: boolean;
  /** Its probe calls of_platform_populate() on its node: children become devices when it binds. */
  populatesChildren: boolean;
  /**
   * Platform: the names of its id_table, or null without one. platform_match() (drivers/base/platform.c)
   * compares a device's pdev->name with them, or with drv->name when there is no table.
   */
  platformIds: string[] | null;
  /** Platform: the cells its probe adds with mfd_add_devices() (drivers/mfd/mfd-core.c), or null. */
  mfdCells: MfdCells | null;
  /** Platform: of_platform_populate() on nodes it finds by compatible elsewhere in the tree. */
  linkedPopulates: LinkedPopulate[];
  /** The supplier lookups its probe makes, in code order, with their dev_err_probe() messages. */
  probeLookups: ProbeLookup[];
  /** Platform devices its probe creates by hand for child nodes (scripts/catalog/probe-children.ts). */
  childDevices: HandMadeChildren[];
  /** Its probe fails with -EBUSY while pm_power_off is taken (refuses) / installs its handler there (claims). */
  powerOff: { refuses: boolean; claims: boolean };
  /** Its probe registers a UART port with the serial core (uart_add_one_port or an exported wrapper; scripts/catalog/uart-ports.ts). */
  registersUartPort: boolean;
  /**
   * Its probe calls device_init_wakeup(dev, true) on every path, then registers an RTC whose ops set
   * alarms (scripts/catalog/rtc-wakeup.ts): alarmtimer_rtc_add_device() takes that RTC.
   */
  registersWakeupRtc: boolean;
  file: string;
}

/** One mfd_add_devices(parent, devid, cells, ...) call. */
export interface MfdCells {
  /** PLATFORM_DEVID_AUTO (-2), PLATFORM_DEVID_NONE (-1) or a base the cells' ids are added to. */
  devid: number;
  cells: MfdCell[];
}

export interface MfdCell {
  /** cell->name: the device's pdev->name. */
  name: string;
  /** cell->id */
  id: number;
  /** cell->of_compatible: a child of the parent's node with it becomes the cell's of_node. */
  ofCompatible: string | null;
  /** cell->of_reg (when use_of_reg): that child's first address. */
  ofReg: number | null;
}

/**
 * for_each_compatible_node(np, NULL, compatible) of_platform_populate(np, ...): the children of every such
 * node become devices, of only those whose `phandle` property points at the probing device's own node
 * (`self`) or its parent's (`parent`) when set (drivers/bus/vexpress-config.c vexpress_syscfg_probe).
 */
export interface LinkedPopulate {
  compatible: string;
  phandle: string | null;
  of: 'self' | 'parent' | null;
}

/** platform_device_alloc(name, id) per child node of `under` (a child of the driver's node, '' for the node itself). */
export interface HandMadeChildren {
  under: string;
  name: string;
  /** The child's `reg` cell, a fixed number, or 'none' (PLATFORM_DEVID_NONE: the bare name). */
  id: 'reg' | 'none' | number;
  /** dev.fwnode set: fw_devlink links it; with dev.of_node alone it has none. */
  fwnode: boolean;
  /** Only available children get a device. */
  availableOnly: boolean;
}

/** A provider class a probe asks for (gpiod_get, clk_get, regulator_get, ...): what a supplier binding maps onto. */
export type LookupKind = 'gpio' | 'clock' | 'supply' | 'reset' | 'phy' | 'pwm' | 'mbox' | 'irq' | 'parent' | 'syscon';

/** One supplier lookup of a driver's probe (scripts/catalog/probe-lookups.ts). */
export interface ProbeLookup {
  kind: LookupKind;
  /** con_id / supply name given as a literal; null for NULL (`gpios` / `gpio`); undefined when unknown. */
  con?: string | null;
  /** dev_err_probe() message on its error path (no trailing newline), or null when it returns the error silently. */
  message: string | null;
}

export interface CatalogDeclare {
  /** clk, clk-driver, irqchip, timer, of-declare, reserved-mem */
  kind: string;
  compatible: string;
  kconfig: string[];
  file: string;
}

export interface CatalogInitcall {
  name: string;
  level: InitcallLevel;
  order: number;
  /** CONFIG_ symbols its file needs (arch/arm/kernel/setup.c: ARM). */
  kconfig: string[];
  file: string;
}

export interface DriverCatalog {
  version: string;
  drivers: CatalogDriver[];
  declares: CatalogDeclare[];
  initcalls: CatalogInitcall[];
  /** ARM DT machine descriptors, in link order (scripts/catalog/machines.ts). */
  machines: CatalogMachine[];
}

/** One DT_MACHINE_START descriptor: what selects it and what its init_machine does. */
export interface CatalogMachine {
  /** .dt_compat */
  compatible: string[];
  /** .init_machine populates the tree (of_platform_default_populate(NULL, ...)) from customize_machine(). */
  populates: boolean;
  kconfig: string[];
  file: string;
}

interface RawDriver {
  n: string; b: DriverBus; l: InitcallLevel; o: number; i?: string; k: string[]; m: string; c?: string[]; a?: [number, number][]; y?: number; p?: number; f: string;
  t?: string[]; x?: { i: number; c: { n: string; d?: number; o?: string; r?: number }[] }; g?: { c: string; p?: string; w?: 'self' | 'parent' }[];
  e?: [LookupKind, string | null | 0, string | null][]; h?: [string, string, 'reg' | 'none' | number, number, number][]; w?: number; u?: number; r?: number;
}
interface RawCatalog { format: number; version: string; drivers: RawDriver[]; declares: { t: string; c: string; k: string[]; f: string }[]; initcalls: { n: string; l: InitcallLevel; o: number; k?: string[]; f: string }[]; machines?: { c: string[]; i: number; p: number; k: string[]; f: string }[] }

/**
 * Which shipped catalog a kernel version predicts with: its own, else the newest shipped one not newer
 * than it (drivers are added more than removed), else the oldest shipped; `latest` takes the newest.
 * Versions are compared as major.minor ("6.12" is newer than "6.6").
 */
export function catalogVersionFor(kernel: string, shipped: readonly string[]): string | null {
  const parse = (v: string): [number, number] | null => {
    const m = /^v?(\d+)\.(\d+)/.exec(v);
    return m ? [Number(m[1]), Number(m[2])] : null;
  };
  const byAge = shipped.filter((v) => parse(v)).sort((a, b) => {
    const [x, y] = [parse(a)!, parse(b)!];
    return x[0] - y[0] || x[1] - y[1];
  });
  if (byAge.length === 0) return null;
  if (shipped.includes(kernel)) return kernel;
  const want = parse(kernel);
  if (!want) return byAge[byAge.length - 1]!;
  const older = byAge.filter((v) => {
    const [a, b] = parse(v)!;
    return a < want[0] || (a === want[0] && b <= want[1]);
  });
  return older.length ? older[older.length - 1]! : byAge[0]!;
}

// The parts of a driver most drivers lack, decoded by functions made once rather than by closures
// made per driver: a catalog holds thousands, decoded at every start of `bringup predict`.
type RawMfdCell = NonNullable<RawDriver['x']>['c'][number];
const decodeMfdCell = (c: RawMfdCell) => ({ name: c.n, id: c.d ?? 0, ofCompatible: c.o ?? null, ofReg: c.r ?? null });
const decodeLinkedPopulate = (g: NonNullable<RawDriver['g']>[number]) => ({ compatible: g.c, phandle: g.p ?? null, of: g.w ?? null });
const decodeLookup = ([kind, con, message]: NonNullable<RawDriver['e']>[number]) => (con === 0 ? { kind, message } : { kind, con, message });
const decodeChild = ([under, name, id, fwnode, available]: NonNullable<RawDriver['h']>[number]) =>
  ({ under, name, id, fwnode: fwnode === 1, availableOnly: available === 1 });

function decodeDriver(d: RawDriver): CatalogDriver {
  return {
    name: d.n, bus: d.b, level: d.l, order: d.o, initcall: d.i ?? null, kconfig: d.k, module: d.m,
    compatible: d.c ?? [], amba: d.a ?? [], asyncProbe: d.y === 1, populatesChildren: d.p === 1,
    platformIds: d.t ?? null,
    mfdCells: d.x ? { devid: d.x.i, cells: d.x.c.map(decodeMfdCell) } : null,
    linkedPopulates: d.g ? d.g.map(decodeLinkedPopulate) : [],
    probeLookups: d.e ? d.e.map(decodeLookup) : [],
    childDevices: d.h ? d.h.map(decodeChild) : [],
    powerOff: { refuses: ((d.w ?? 0) & 1) !== 0, claims: ((d.w ?? 0) & 2) !== 0 },
    registersUartPort: d.u === 1,
    registersWakeupRtc: d.r === 1,
    file: d.f,
  };
}

/** Decodes the compact JSON written by scripts/catalog/generate.ts. */
export function decodeCatalog(json: unknown): DriverCatalog {
  const raw = json as RawCatalog;
  if (!raw || typeof raw !== 'object' || !Array.isArray(raw.drivers)) throw new TypeError('not a driver catalog (expected {format, drivers, ...})');
  const drivers: CatalogDriver[] = [];
  for (let i = 0; i < raw.drivers.length; i++) drivers.push(decodeDriver(raw.drivers[i]!));
  return {
    version: raw.version,
    drivers,
    declares: raw.declares.map((x) => ({ kind: x.t, compatible: x.c, kconfig: x.k, file: x.f })),
    initcalls: raw.initcalls.map((x) => ({ name: x.n, level: x.l, order: x.o, kconfig: x.k ?? [], file: x.f })),
    machines: (raw.machines ?? []).map((x) => ({ compatible: x.c, populates: x.p === 1, kconfig: x.k, file: x.f })),
  };
}

// ---- .config ------------------------------------------------------------------------------------

export type ConfigValue = 'y' | 'm' | 'n';

export interface KernelConfig {
  get(symbol: string): ConfigValue;
  /** The raw map (symbol without prefix → value as written). */
  values: Map<string, string>;
}

const CONFIG_LINE = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/gm;

/** Parses a kernel `.config` / `/proc/config.gz` text: `CONFIG_X=y|m|...`, `# CONFIG_X is not set`. */
export function parseKernelConfig(text: string): KernelConfig {
  const values = new Map<string, string>();
  // One scan of the whole text: a .config has thousands of lines, and a split and a match per line
  // is most of what reading one costs. `.` stops at a line end, so a CRLF line's value has no CR.
  for (const m of text.matchAll(CONFIG_LINE)) values.set(m[1]!, m[2]!);
  return {
    values,
    get(symbol: string): ConfigValue {
      const v = values.get(symbol);
      return v === 'y' || v === 'm' ? v : v === undefined ? 'n' : 'y';
    },
  };
}

export type Availability = 'builtin' | 'module' | 'absent';

/** Built-in when every gate is y, a module when every gate is y or m, else absent; no config → built-in. */
export function availabilityFromConfig(kconfig: readonly string[], config: KernelConfig | null): Availability {
  if (!config) return 'builtin';
  let module = false;
  for (const sym of kconfig) {
    const v = config.get(sym);
    if (v === 'n') return 'absent';
    if (v === 'm') module = true;
  }
  return module ? 'module' : 'builtin';
}

export function normalizeModuleName(name: string): string {
  // Most names (every catalog driver's module) are normal already: no regular expressions for those.
  if (name.indexOf('-') < 0 && name.indexOf('.ko') < 0) return name;
  return name.replace(/\.ko(\.xz|\.gz|\.zst)?$/, '').replace(/-/g, '_');
}

// ---- matching -----------------------------------------------------------------------------------

/** Lookup tables over a catalog: compatible → drivers, AMBA ids, names. */
export class CatalogIndex {
  private static readonly cache = new WeakMap<DriverCatalog, CatalogIndex>();
  /** One index per catalog object, built once. */
  static for(catalog: DriverCatalog): CatalogIndex {
    let idx = CatalogIndex.cache.get(catalog);
    if (!idx) CatalogIndex.cache.set(catalog, (idx = new CatalogIndex(catalog)));
    return idx;
  }

  readonly byCompatible = new Map<string, CatalogDriver[]>();
  readonly amba: CatalogDriver[] = [];
  readonly declares = new Map<string, CatalogDeclare[]>();
  // Built on first use: a prediction needs only some of them (module names only for a modprobe, device
  // names only for MFD cells), and each is thousands of entries to make at start-up.
  private names: Map<string, CatalogDriver[]> | undefined;
  private modules: Map<string, CatalogDriver[]> | undefined;
  private platformNames: Map<string, CatalogDriver[]> | undefined;

  constructor(readonly catalog: DriverCatalog) {
    // Indexed loops: built once per process over thousands of drivers, in a run too short for
    // optimised code, where an iterator per array is a few calls per element.
    const drivers = catalog.drivers;
    for (let i = 0; i < drivers.length; i++) {
      const d = drivers[i]!;
      const compatible = d.compatible;
      for (let k = 0; k < compatible.length; k++) addTo(this.byCompatible, compatible[k]!, d);
      if (d.bus === 'amba') this.amba.push(d);
    }
    const declares = catalog.declares;
    for (let i = 0; i < declares.length; i++) addTo(this.declares, declares[i]!.compatible, declares[i]!);
  }

  /** A table over every driver, in catalog order: `file` puts each driver under its keys. */
  private indexDrivers(file: (map: Map<string, CatalogDriver[]>, d: CatalogDriver) => void): Map<string, CatalogDriver[]> {
    const map = new Map<string, CatalogDriver[]>();
    const drivers = this.catalog.drivers;
    for (let i = 0; i < drivers.length; i++) file(map, drivers[i]!);
    return map;
  }

  /** drv->name → its drivers, in catalog order. */
  get byName(): Map<string, CatalogDriver[]> {
    return (this.names ??= this.indexDrivers((map, d) => addTo(map, d.name, d)));
  }

  /** normalizeModuleName(module) → its drivers in catalog order: what a `modprobe` of that name registers. */
  get byModule(): Map<string, CatalogDriver[]> {
    return (this.modules ??= this.indexDrivers((map, d) => addTo(map, normalizeModuleName(d.module), d)));
  }

  /** pdev->name → the platform drivers platform_match() pairs with it by id_table (or drv->name without one). */
  get byPlatformName(): Map<string, CatalogDriver[]> {
    return (this.platformNames ??= this.indexDrivers((map, d) => {
      if (d.bus !== 'platform') return;
      const ids = d.platformIds;
      if (ids === null) addTo(map, d.name, d);
      // Each id once per driver, as an id_table may repeat a name.
      else for (let k = 0; k < ids.length; k++) if (ids.indexOf(ids[k]!) === k) addTo(map, ids[k]!, d);
    }));
  }

  /**
   * Platform drivers that match a device (platform_match): by of_match_table on its compatibles
   * (of_driver_match_device), else by its pdev->name in their id_table, or drv->name without one. A device
   * made from the tree has pdev->name "" (of_device_alloc), so only a device registered by name (an MFD
   * cell) ever matches by name.
   */
  platformDriversFor(compatibles: readonly string[], pdevName = ''): CatalogDriver[] {
    const out: CatalogDriver[] = [];
    for (const c of compatibles) for (const d of this.byCompatible.get(c) ?? []) if (d.bus === 'platform' && !out.includes(d)) out.push(d);
    if (pdevName) for (const d of this.byPlatformName.get(pdevName) ?? []) if (!out.includes(d)) out.push(d);
    return out;
  }

  /**
   * AMBA drivers for a cell whose ID the tree does not give: the driver named like the compatible's model
   * (`arm,coresight-etm4x` → coresight-etm4x, `arm,mhu` → mhu). The kernel reads the ID from the
   * hardware; for ARM's own cells the driver carries that model name.
   */
  ambaDriversByModel(compatibles: readonly string[]): CatalogDriver[] {
    const out: CatalogDriver[] = [];
    for (const c of compatibles) {
      if (c === 'arm,primecell') continue;
      const model = c.slice(c.indexOf(',') + 1);
      for (const d of this.byName.get(model) ?? []) if (d.bus === 'amba' && !out.includes(d)) out.push(d);
    }
    return out;
  }

  /** AMBA drivers whose amba_id table matches the periphid (amba_lookup: (id & mask) == (periphid & mask)). */
  ambaDriversFor(periphid: number, derived = false): CatalogDriver[] {
    // A derived ID knows only part number and designer: compare those bits alone.
    const only = derived ? 0x000fffff : 0xffffffff;
    return this.amba.filter((d) => d.amba.some(([id, mask]) => ((id & mask & only) >>> 0) === ((periphid & mask & only) >>> 0)));
  }
}

/**
 * The primecell ID an AMBA device would read from its hardware. Offline we take `arm,primecell-periphid`
 * when the DT gives it, else derive it from ARM's own compatibles (`arm,pl061` → part 0x061, designer 0x41),
 * which is what the ID registers of those cells hold (revision bits masked by every amba_id mask we use).
 */
export function periphidFromCompatible(compatibles: readonly string[], explicit: number | undefined): number | null {
  if (explicit !== undefined) return explicit;
  for (const c of compatibles) {
    const m = /^arm,(?:pl|sp)(\d{3})$/.exec(c);
    if (m) return (0x41 << 12) | parseInt(m[1]!, 16);
  }
  return null;
}
