// Generates the probe model's driver catalog from a kernel source tree: every platform, AMBA and PCI
// driver with its of_device_id / amba_id tables, the name the log prints (drv->name), its initcall level
// and link order (Kbuild Makefiles, scripts/Makefile.build), its Kconfig gates and module name, plus the
// early OF_DECLARE initialisers (CLK_OF_DECLARE, IRQCHIP_DECLARE, TIMER_OF_DECLARE) that never get a device.
// Usage: npx tsx scripts/catalog/generate.ts <linux-source-dir> <out.json> [version]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { scanMakefiles, type LinkedObject } from './makefiles';
import { scanSource, type ScannedFile } from './c-scan';

export interface GenerateResult {
  json: string;
  stats: { files: number; drivers: number; compatibles: number; declares: number };
}

/** Top-level link order of the trees that hold drivers (the top-level Kbuild: arch/$(SRCARCH)/ ... drivers/ sound/). */
const ROOT_DIRS = ['arch/arm64/kernel', 'drivers', 'sound'];

export function generateCatalog(srcDir: string, version: string): GenerateResult {
  const objects: LinkedObject[] = [];
  for (const dir of ROOT_DIRS) if (existsSync(join(srcDir, dir, 'Makefile'))) scanMakefiles(srcDir, dir, [], objects);
  const drivers: unknown[] = [];
  const declares: unknown[] = [];
  const initcalls: unknown[] = [];
  let compatibles = 0;
  let order = 0;
  const seenFile = new Set<string>();
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
      }, obj.module);
    } catch {
      continue;
    }
    const fileOrder = order++;
    for (const d of scanned.drivers) {
      compatibles += d.compatible.length;
      // compact keys: n name, b bus, l level, o link order, i initcall fn, k kconfig gates, m module, c compatibles, a amba ids, f file
      const entry: Record<string, unknown> = { n: d.name, b: d.bus, l: d.level, o: fileOrder * 1000 + d.rank, k: obj.gates, m: obj.module, f: obj.file };
      if (d.initcall) entry.i = d.initcall;
      if (d.compatible.length) entry.c = d.compatible;
      if (d.amba.length) entry.a = d.amba;
      if (d.async) entry.y = 1;
      if (d.populates) entry.p = 1;
      drivers.push(entry);
    }
    for (const x of scanned.declares) declares.push({ t: x.kind, c: x.compatible, k: obj.gates, f: obj.file });
    // The driver core's own initcalls the model schedules (dd.c deferred_probe_initcall, of/platform.c populate).
    if (obj.file === 'drivers/base/dd.c' || obj.file === 'drivers/of/platform.c') {
      for (const ic of scanned.initcalls) initcalls.push({ n: ic.fn, l: ic.level, o: fileOrder * 1000 + ic.rank, f: obj.file });
    }
  }
  const catalog = { format: 1, version, generatedFrom: 'kernel source: drivers/, sound/ Makefiles and C tables', drivers, declares, initcalls };
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
