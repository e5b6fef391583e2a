// Reads one kernel C file the way the catalog needs it: `struct of_device_id` / `struct amba_id` tables,
// `struct platform_driver|amba_driver|pci_driver` definitions (drv->name as printed by dev_driver_string),
// how each is registered (module_platform_driver(), module_driver(), *_initcall(fn) bodies; include/linux/
// init.h, platform_device.h, amba/bus.h, device/driver.h) and early OF_DECLARE initialisers.
// A text scanner, not a C parser: it follows the kernel's own idioms and skips what it cannot read.
// The devices a probe creates by hand (MFD cells, nodes found by compatible) are read by c-created-devices.ts.
import { matchBracket, scanLinkedPopulates, scanMfdCells, scanPlatformIdTables, type ScannedLinkedPopulate, type ScannedMfdCells } from './c-created-devices';
import { scanMachines, type ScannedMachine } from './machines';
import { probeChildren, type HandMadeChildren } from './probe-children';
import { probeRegistersWakeupRtc } from './rtc-wakeup';
import { functionBodies, powerOffUse, probeLookups, type ProbeLookup } from './probe-lookups';
import { probeRegistersUartPort } from './uart-ports';

export type InitcallLevel =
  | 'pure' | 'core' | 'core_sync' | 'postcore' | 'postcore_sync' | 'arch' | 'arch_sync' | 'subsys' | 'subsys_sync'
  | 'fs' | 'fs_sync' | 'rootfs' | 'device' | 'device_sync' | 'late' | 'late_sync';

export interface ScannedDriver {
  name: string;
  bus: 'platform' | 'amba' | 'pci';
  level: InitcallLevel;
  /** Registration rank within the file: initcall position * 100 + position inside the init function. */
  rank: number;
  initcall: string | null;
  compatible: string[];
  amba: [number, number][];
  async: boolean;
  /** The probe creates devices for its node's children (of_platform_populate / devm_of_platform_populate). */
  populates: boolean;
  /** Platform: the names in its id_table, or null without one (platform_match() then compares drv->name). */
  platformIds: string[] | null;
  /** Platform: the MFD cells its probe adds (mfd_add_devices), when the file says so for certain. */
  mfdCells: ScannedMfdCells | null;
  /** Platform: of_platform_populate() on nodes it finds by compatible, not on its own node. */
  linkedPopulates: ScannedLinkedPopulate[];
  /** The supplier lookups its probe makes, in code order, with their dev_err_probe() messages. */
  lookups: ProbeLookup[];
  /** Platform devices its probe creates by hand for child nodes (platform_device_alloc + dev.of_node). */
  children: HandMadeChildren[];
  /** Its probe fails with -EBUSY while pm_power_off is taken / installs its handler there. */
  powerOff: { refuses: boolean; claims: boolean };
  /** Its probe registers a UART port with the serial core (uart-ports.ts). */
  uartPort: boolean;
  /** Its probe makes its device wakeup-capable, then registers an RTC with alarm ops (rtc-wakeup.ts). */
  rtcWakeup: boolean;
}

export interface ScannedFile {
  drivers: ScannedDriver[];
  declares: { kind: string; compatible: string }[];
  initcalls: { fn: string; level: InitcallLevel; rank: number }[];
  /** ARM DT machine descriptors (DT_MACHINE_START). */
  machines: ScannedMachine[];
}

export function stripComments(src: string): string {
  let out = '';
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let j = i; j < stop; j++) if (src[j] === '\n') out += '\n';
      out += ' ';
      i = stop;
    } else if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function bodyAfter(src: string, index: number): string | null {
  const open = src.indexOf('{', index);
  if (open < 0) return null;
  return src.slice(open, matchBracket(src, open));
}

const LEVEL_MACROS: Record<string, InitcallLevel> = {
  pure_initcall: 'pure', core_initcall: 'core', core_initcall_sync: 'core_sync', postcore_initcall: 'postcore',
  postcore_initcall_sync: 'postcore_sync', arch_initcall: 'arch', arch_initcall_sync: 'arch_sync', subsys_initcall: 'subsys',
  subsys_initcall_sync: 'subsys_sync', fs_initcall: 'fs', fs_initcall_sync: 'fs_sync', rootfs_initcall: 'rootfs',
  device_initcall: 'device', device_initcall_sync: 'device_sync', late_initcall: 'late', late_initcall_sync: 'late_sync',
  module_init: 'device', __initcall: 'device',
};

/** Macros that register one driver from a generated `<drv>_init` function at device level. */
const DRIVER_MACROS = [
  'module_platform_driver', 'module_platform_driver_probe', 'builtin_platform_driver', 'builtin_platform_driver_probe',
  'module_amba_driver', 'builtin_amba_driver', 'module_pci_driver', 'builtin_pci_driver', 'module_driver', 'builtin_driver',
];

const REGISTER_CALLS = /\b(?:platform_driver_register|__platform_driver_register|platform_driver_probe|__platform_driver_probe|amba_driver_register|__amba_driver_register|pci_register_driver|__pci_register_driver)\s*\(\s*&\s*(\w+)|\bplatform_register_drivers\s*\(\s*(\w+)/g;

const DECLARE_MACROS: Record<string, string> = {
  CLK_OF_DECLARE: 'clk', CLK_OF_DECLARE_DRIVER: 'clk-driver', IRQCHIP_DECLARE: 'irqchip', TIMER_OF_DECLARE: 'timer',
  OF_DECLARE_1: 'of-declare', OF_DECLARE_1_RET: 'of-declare', OF_DECLARE_2: 'of-declare', RESERVEDMEM_OF_DECLARE: 'reserved-mem', IOMMU_OF_DECLARE: 'iommu',
};

/** of_node_clear_flag(<node>, OF_POPULATED) in an early init function. */
function clearsPopulated(body: string | undefined): boolean {
  return !!body && /\bof_node_clear_flag\s*\(\s*\w+\s*,\s*OF_POPULATED\s*\)/.test(body);
}

/** `uartPortCalls`: the serial core's port registration entry points (uart-ports.ts uartPortEntryPoints). */
export function scanSource(rawSrc: string, readInclude: (name: string) => string | undefined, modname: string, uartPortCalls: ReadonlySet<string> = new Set(['uart_add_one_port'])): ScannedFile {
  const src = stripComments(rawSrc);
  const result: ScannedFile = { drivers: [], declares: [], initcalls: [], machines: [] };

  // #define NAME "literal" (this file and its local headers) for `.name = DRIVER_NAME`.
  const defines = new Map<string, string>();
  const collectDefines = (text: string): void => {
    for (const m of text.matchAll(/^[ \t]*#\s*define\s+(\w+)\s+"([^"]*)"/gm)) if (!defines.has(m[1]!)) defines.set(m[1]!, m[2]!);
  };
  collectDefines(src);
  for (const m of src.matchAll(/^[ \t]*#\s*include\s+"([^"]+)"/gm)) {
    const text = readInclude(m[1]!);
    if (text) collectDefines(stripComments(text));
  }
  // <linux/...> headers only when a driver name is still unresolved (ARMV8_PMU_PDEV_NAME in linux/perf/arm_pmu.h).
  let systemHeadersRead = false;
  const resolveName = (ident: string): string | undefined => {
    if (!defines.has(ident) && !systemHeadersRead) {
      systemHeadersRead = true;
      for (const m of src.matchAll(/^[ \t]*#\s*include\s+<([^>]+)>/gm)) {
        const text = readInclude(`<${m[1]!}>`);
        if (text) collectDefines(stripComments(text));
      }
    }
    return defines.get(ident);
  };

  const ofTables = new Map<string, string[]>();
  for (const m of src.matchAll(/struct\s+of_device_id\s+(\w+)\s*\[[^\]]*\]\s*(?:__\w+\s*)*=/g)) {
    const body = bodyAfter(src, m.index! + m[0].length) ?? '';
    const list = [...body.matchAll(/\.compatible\s*=\s*"([^"]*)"/g)].map((x) => x[1]!).filter((c) => c.length > 0);
    ofTables.set(m[1]!, list);
  }
  const ambaTables = new Map<string, [number, number][]>();
  for (const m of src.matchAll(/struct\s+amba_id\s+(\w+)\s*\[[^\]]*\]\s*(?:__\w+\s*)*=/g)) {
    const body = bodyAfter(src, m.index! + m[0].length) ?? '';
    const ids: [number, number][] = [];
    for (const e of body.slice(1).matchAll(/\{([^{}]*)\}/g)) {
      const id = /\.id\s*=\s*(0x[0-9a-fA-F]+|\d+)/.exec(e[1]!);
      const mask = /\.mask\s*=\s*(0x[0-9a-fA-F]+|\d+)/.exec(e[1]!);
      if (id && mask) ids.push([Number(id[1]), Number(mask[1])]);
    }
    ambaTables.set(m[1]!, ids);
  }

  const platformIdTables = scanPlatformIdTables(src, resolveName, modname);

  interface Def { bus: ScannedDriver['bus']; name: string; compatible: string[]; amba: [number, number][]; async: boolean; platformIds: string[] | null; probe: string | null }
  const defs = new Map<string, Def>();
  for (const m of src.matchAll(/struct\s+(platform_driver|amba_driver|pci_driver)\s+(\w+)\s*(?:__\w+(?:\([^)]*\))?\s*)*=\s*\{/g)) {
    const body = bodyAfter(src, m.index! + m[0].length - 1) ?? '';
    const bus = m[1] === 'platform_driver' ? 'platform' : m[1] === 'amba_driver' ? 'amba' : 'pci';
    const nameM = /\.name\s*=\s*("(?:[^"\\]|\\.)*"|\w+)/.exec(body);
    let name: string | undefined;
    if (nameM) {
      const v = nameM[1]!;
      if (v.startsWith('"')) name = v.slice(1, -1);
      else if (v === 'KBUILD_MODNAME') name = modname;
      else name = resolveName(v);
    }
    if (!name) continue;
    const tableM = /\.of_match_table\s*=\s*(?:of_match_ptr\s*\(\s*)?(?:ACPI_PTR\s*\(\s*)?(\w+)/.exec(body);
    const idM = /\.id_table\s*=\s*(\w+)/.exec(body);
    const probeM = /\.probe\s*=\s*(\w+)/.exec(body);
    defs.set(m[2]!, {
      bus,
      name,
      compatible: tableM ? (ofTables.get(tableM[1]!) ?? []) : [],
      amba: bus === 'amba' && idM ? (ambaTables.get(idM[1]!) ?? []) : [],
      async: /PROBE_PREFER_ASYNCHRONOUS/.test(body),
      // an id_table this scanner cannot read matches nothing here rather than by drv->name
      platformIds: bus === 'platform' && idM ? (platformIdTables.get(idM[1]!) ?? []) : null,
      probe: probeM ? probeM[1]! : null,
    });
  }

  // include/linux/irqchip.h: IRQCHIP_PLATFORM_DRIVER_BEGIN(name) IRQCHIP_MATCH("compat", fn)...
  // IRQCHIP_PLATFORM_DRIVER_END(name) defines `name_driver` (.name = #name) and builtin_platform_driver()s it.
  for (const m of src.matchAll(/\bIRQCHIP_PLATFORM_DRIVER_BEGIN\s*\(\s*(\w+)\s*\)([\s\S]*?)\bIRQCHIP_PLATFORM_DRIVER_END\s*\(/g)) {
    const compatible = [...m[2]!.matchAll(/\bIRQCHIP_MATCH\s*\(\s*"([^"]+)"/g)].map((x) => x[1]!);
    defs.set(`${m[1]!}_driver`, { bus: 'platform', name: m[1]!, compatible, amba: [], async: false, platformIds: null, probe: null });
  }

  // Arrays handed to platform_register_drivers(): `static struct platform_driver * const drivers[] = { &a, &b };`
  const driverArrays = new Map<string, string[]>();
  for (const m of src.matchAll(/struct\s+platform_driver\s*\*\s*(?:const\s+)?(\w+)\s*\[[^\]]*\]\s*=/g)) {
    const body = bodyAfter(src, m.index! + m[0].length) ?? '';
    driverArrays.set(m[1]!, [...body.matchAll(/&\s*(\w+)/g)].map((x) => x[1]!));
  }

  // of_platform_populate() on nodes found by compatible (vexpress-config.c) is not a populate of the
  // driver's own node: only the calls outside those loops are.
  const linked = scanLinkedPopulates(src);
  const populates = [...src.matchAll(/\b(?:devm_)?of_platform_(?:default_)?populate\s*\(/g)].length > linked.callsInside;
  // What a probe creates is the file's to say only when the file has one platform driver to say it of.
  const platformDefs = [...defs.values()].filter((d) => d.bus === 'platform').length;
  const mfdCells = platformDefs === 1 ? scanMfdCells(src, resolveName, modname) : null;
  const linkedPopulates = platformDefs === 1 ? linked.populates : [];
  let bodies: Map<string, string> | null = null;
  const lookupsOf = (probe: string | null): ProbeLookup[] => (probe ? probeLookups(src, probe, (bodies ??= functionBodies(src))) : []);
  const registered = new Set<string>();
  let icIndex = 0;
  const add = (defName: string, level: InitcallLevel, rank: number, initcall: string | null): void => {
    const d = defs.get(defName);
    if (!d || registered.has(defName)) return;
    registered.add(defName);
    const platform = d.bus === 'platform';
    const children = d.probe ? probeChildren(d.probe, (bodies ??= functionBodies(src))) : [];
    const powerOff = d.probe ? powerOffUse(d.probe, (bodies ??= functionBodies(src))) : { refuses: false, claims: false };
    const uartPort = d.probe ? probeRegistersUartPort(d.probe, (bodies ??= functionBodies(src)), uartPortCalls) : false;
    const rtcWakeup = d.probe ? probeRegistersWakeupRtc(d.probe, (bodies ??= functionBodies(src)), src) : false;
    result.drivers.push({
      name: d.name, bus: d.bus, level, rank, initcall, compatible: d.compatible, amba: d.amba, async: d.async, populates,
      platformIds: d.platformIds, mfdCells: platform ? mfdCells : null, linkedPopulates: platform ? linkedPopulates : [],
      lookups: lookupsOf(d.probe), children, powerOff, uartPort, rtcWakeup,
    });
  };

  // Walk registration sites in source order (the rank); how the build lays out one file's initcalls (source
  // order, or reversed by GCC without PREL32 relocations) is the engine's to apply (initcalls.ts).
  const sites = /\b(module_platform_driver|module_platform_driver_probe|builtin_platform_driver|builtin_platform_driver_probe|module_amba_driver|builtin_amba_driver|module_pci_driver|builtin_pci_driver|module_driver|builtin_driver|pure_initcall|core_initcall_sync|core_initcall|postcore_initcall_sync|postcore_initcall|arch_initcall_sync|arch_initcall|subsys_initcall_sync|subsys_initcall|fs_initcall_sync|fs_initcall|rootfs_initcall|device_initcall_sync|device_initcall|late_initcall_sync|late_initcall|module_init|__initcall)\s*\(\s*(\w+)/g;
  const irqchipDrivers = [...src.matchAll(/\bIRQCHIP_PLATFORM_DRIVER_END\s*\(\s*(\w+)/g)];
  for (const m of src.matchAll(sites)) {
    const macro = m[1]!;
    const arg = m[2]!;
    // skip the macro definitions themselves (#define module_init(x) ...)
    const lineStart = src.lastIndexOf('\n', m.index!) + 1;
    if (/^\s*#/.test(src.slice(lineStart, m.index!))) continue;
    const rankBase = (icIndex++ + 1) * 100;
    if (DRIVER_MACROS.includes(macro)) {
      add(arg, 'device', rankBase, `${arg}_init`);
      continue;
    }
    const level = LEVEL_MACROS[macro]!;
    result.initcalls.push({ fn: arg, level, rank: rankBase });
    const fnM = new RegExp(`\\b${arg}\\s*\\(\\s*void\\s*\\)\\s*\\{`).exec(src);
    if (!fnM) continue;
    const body = bodyAfter(src, fnM.index + fnM[0].length - 1) ?? '';
    let k = 0;
    for (const r of body.matchAll(REGISTER_CALLS)) {
      if (r[1]) add(r[1], level, rankBase + k++, arg);
      else if (r[2]) for (const d of driverArrays.get(r[2]) ?? []) add(d, level, rankBase + k++, arg);
    }
  }

  for (const m of irqchipDrivers) add(`${m[1]!}_driver`, 'device', (icIndex++ + 1) * 100, `${m[1]!}_driver_init`);

  for (const m of src.matchAll(/\b(CLK_OF_DECLARE_DRIVER|CLK_OF_DECLARE|IRQCHIP_DECLARE|TIMER_OF_DECLARE|OF_DECLARE_1_RET|OF_DECLARE_1|OF_DECLARE_2|RESERVEDMEM_OF_DECLARE|IOMMU_OF_DECLARE)\s*\(\s*\w+\s*,\s*"([^"]+)"\s*(?:,\s*(\w+))?/g)) {
    const lineStart = src.lastIndexOf('\n', m.index!) + 1;
    if (/^\s*#/.test(src.slice(lineStart, m.index!))) continue;
    let kind = DECLARE_MACROS[m[1]!]!;
    // An IRQCHIP_DECLARE init that clears OF_POPULATED again (arch/arm/mach-imx/gpc.c imx_gpc_init,
    // drivers/irqchip/irq-imx-gpcv2.c) leaves the node to the default populate: it still becomes a device.
    if (kind === 'irqchip' && m[3] && clearsPopulated((bodies ??= functionBodies(src)).get(m[3]))) kind = 'irqchip-driver';
    result.declares.push({ kind, compatible: m[2]! });
  }
  if (/\bDT_MACHINE_START\s*\(/.test(src)) result.machines = scanMachines(src, (bodies ??= functionBodies(src)));
  return result;
}
