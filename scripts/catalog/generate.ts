// Generates the probe model's driver catalog from a whole kernel source tree (the top-level Kbuild's link
// order, arch/arm and arch/arm64 with their machine directories included): every platform, AMBA and PCI
// driver with its of_device_id / amba_id tables, the name the log prints (drv->name), its initcall level
// and link order (scripts/Makefile.build), its Kconfig gates and module name, the devices its probe creates
// by hand (MFD cells, nodes populated by compatible) and its id_table names, plus the early *_OF_DECLARE
// initialisers (of_clk_init, of_irq_init, timer_probe, reserved-mem). Usage:
// npx tsx scripts/catalog/generate.ts <linux-source-dir> <out.json> [version]   (resources/kernel/<v>/drivers.json)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { linkRoots, scanMakefiles, type LinkedObject } from './makefiles';
import { scanSource, stripComments, type ScannedFile } from './c-scan';
import { uartPortEntryPoints } from './uart-ports';

export interface GenerateResult {
  json: string;
  stats: { files: number; drivers: number; compatibles: number; declares: number };
}

/** Files whose initcalls (not their drivers') the model schedules itself. */
const INITCALL_FILES = new Set(['drivers/base/dd.c', 'drivers/of/platform.c', 'arch/arm/kernel/setup.c', 'drivers/firmware/sysfb.c']);

export function generateCatalog(srcDir: string, version: string): GenerateResult {
  const objects: LinkedObject[] = [];
  const visited = new Set<string>();
  for (const root of linkRoots(srcDir)) scanMakefiles(srcDir, root.dir, root.gates, objects, visited);
  const drivers: unknown[] = [];
  const declares: unknown[] = [];
  const initcalls: unknown[] = [];
  const machines: unknown[] = [];
  let compatibles = 0;
  let order = 0;
  const seenFile = new Set<string>();
  const uartPortCalls = uartPortEntryPoints(srcDir, stripComments);
  for (const obj of objects) {
    if (seenFile.has(obj.file)) continue;
    seenFile.add(obj.file);
    const path = join(srcDir, obj.file);
    if (!existsSync(path)) continue;
    let scanned: ScannedFile;
    try {
      scanned = scanSource(readFileSync(path, 'latin1'), (inc) => {
        const p = inc.startsWith('<') ? join(srcDir, 'include', inc.slice(1, -1)) : join(dirname(path), inc);
        return existsSync(p) ? readFileSync(p, 'latin1') : undefined;
      }, obj.module, uartPortCalls);
    } catch {
      continue;
    }
    const fileOrder = order++;
    for (const d of scanned.drivers) {
      compatibles += d.compatible.length;
      // compact keys: n name, b bus, l level, o link order, i initcall fn, k kconfig gates, m module, c compatibles, a amba ids, f file, e probe lookups, h hand-made children
      const entry: Record<string, unknown> = { n: d.name, b: d.bus, l: d.level, o: fileOrder * 1000 + d.rank, k: obj.gates, m: obj.module, f: obj.file };
      if (d.initcall) entry.i = d.initcall;
      if (d.compatible.length) entry.c = d.compatible;
      if (d.amba.length) entry.a = d.amba;
      if (d.async) entry.y = 1;
      if (d.populates) entry.p = 1;
      // t id_table names (platform_match), x mfd_add_devices cells {i devid, c [{n name, d id, o of_compatible, r of_reg}]},
      // g nodes populated by compatible [{c compatible, p phandle property, w whose node it must point at}]
      if (d.platformIds) entry.t = d.platformIds;
      if (d.mfdCells) {
        entry.x = {
          i: d.mfdCells.devid,
          c: d.mfdCells.cells.map((c) => ({ n: c.name, ...(c.id ? { d: c.id } : {}), ...(c.ofCompatible !== undefined ? { o: c.ofCompatible } : {}), ...(c.ofReg !== undefined ? { r: c.ofReg } : {}) })),
        };
      }
      if (d.linkedPopulates.length) entry.g = d.linkedPopulates.map((g) => ({ c: g.compatible, ...(g.phandle ? { p: g.phandle, w: g.of } : {}) }));
      // e: probe lookups in code order, [kind, con_id (string, null for NULL, 0 unknown), dev_err_probe message or null]
      if (d.lookups.length) entry.e = d.lookups.map((x) => [x.kind, x.con === undefined ? 0 : x.con, x.message]);
      // h: hand-made child devices [under, name, id ('reg' | 'none' | n), fwnode 0/1, available only 0/1]
      if (d.children.length) entry.h = d.children.map((c) => [c.under, c.name, c.id, c.fwnode ? 1 : 0, c.availableOnly ? 1 : 0]);
      // w: pm_power_off use, 1 refuses when taken (-EBUSY), 2 claims it, 3 both
      const w = (d.powerOff.refuses ? 1 : 0) | (d.powerOff.claims ? 2 : 0);
      if (w) entry.w = w;
      // u: its probe registers a UART port with the serial core (uart_add_one_port or an exported wrapper)
      if (d.uartPort) entry.u = 1;
      // r: its probe makes its device wakeup-capable, then registers an RTC with alarm ops (rtc-wakeup.ts)
      if (d.rtcWakeup) entry.r = 1;
      drivers.push(entry);
    }
    for (const x of scanned.declares) declares.push({ t: x.kind, c: x.compatible, k: obj.gates, f: obj.file });
    // The driver core's own initcalls the model schedules (dd.c deferred_probe_initcall, of/platform.c populate),
    // arm's customize_machine() (arch/arm/kernel/setup.c), which runs the machine's init_machine, and
    // sysfb_init() (drivers/firmware/sysfb.c), which registers the firmware framebuffer device.
    if (INITCALL_FILES.has(obj.file)) {
      for (const ic of scanned.initcalls) initcalls.push({ n: ic.fn, l: ic.level, o: fileOrder * 1000 + ic.rank, k: obj.gates, f: obj.file });
    }
    // machines: c dt_compat, i init_machine set, p it populates the tree, k gates, f file (link order = of_flat_dt_match_machine's)
    for (const mach of scanned.machines) machines.push({ c: mach.compatible, i: mach.initMachine ? 1 : 0, p: mach.populates ? 1 : 0, k: obj.gates, f: obj.file });
  }
  const catalog = { format: 1, version, generatedFrom: 'kernel source: top-level Kbuild link order (arch/arm, arch/arm64 and their machine dirs, drivers/, sound/, ...), Makefiles and C tables', drivers, declares, initcalls, machines };
  return { json: JSON.stringify(catalog), stats: { files: seenFile.size, drivers: drivers.length, compatibles, declares: declares.length } };
}

function main(): void {
  const [srcDir, out, version = '6.1'] = process.argv.slice(2);
  if (!srcDir || !out) {
    process.stderr.write('usage: tsx scripts/catalog/generate.ts <linux-source-dir> <out.json> [version]\n');
    process.exitCode = 2;
    return;
  }
  const { json, stats } = generateCatalog(srcDir, version);
  writeFileSync(out, json + '\n');
  process.stdout.write(`${out}: ${stats.drivers} drivers, ${stats.compatibles} compatibles, ${stats.declares} OF_DECLAREs from ${stats.files} linked files\n`);
}

if (process.argv[1] && posix.basename(process.argv[1].replace(/\\/g, '/')).startsWith('generate')) main();
