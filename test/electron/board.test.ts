// The board service on a real kernel board (arch/arm64/boot/dts/arm/foundation-v8.dts with its
// .dtsi chain and <dt-bindings/…> through scripts/dtc/include-prefixes, as Kbuild compiles it):
// the DTB matches dtc's, the include set carries sha256 hashes, and editing one included file on
// disk re-sends `boardChanged` with the new tree; a touch that changes nothing does not.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BoardLoaded } from '../../electron/common/contract';
import { BoardService } from '../../electron/services/board';
import { EventHub } from '../../electron/services/events';
import { requireSystem, kernelConfig, kernelSourceDir } from '../../scripts/lib/system';
import { RecorderProbe } from '../support/recorder-probe';
import { tempDir, waitFor } from '../support/electron';

requireSystem('dtc', 'cpp', 'linux-source-6.1');

const armDir = join(kernelSourceDir, 'arch/arm64/boot/dts/arm');
const prefixes = join(kernelSourceDir, 'scripts/dtc/include-prefixes');
const boardFiles = ['foundation-v8.dts', 'foundation-v8.dtsi', 'foundation-v8-gicv2.dtsi', 'foundation-v8-spin-table.dtsi'];

const services: BoardService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.dispose();
});

/** The reference: Kbuild's cmd_dtc, cpp then dtc, as the host tools run it. */
function dtcReference(dts: string, includeDirs: string[]): Buffer {
  const cpp = spawnSync('cpp', ['-nostdinc', ...includeDirs.flatMap((d) => ['-I', d]), '-undef', '-D__DTS__', '-x', 'assembler-with-cpp', '-P', dts], { encoding: 'buffer' });
  if (cpp.status !== 0) throw new Error(cpp.stderr.toString());
  const dtc = spawnSync('dtc', ['-q', '-I', 'dts', '-O', 'dts', '-'], { input: cpp.stdout, encoding: 'buffer' });
  if (dtc.status !== 0) throw new Error(dtc.stderr.toString());
  return dtc.stdout;
}

function decompile(dtb: Uint8Array): string {
  const r = spawnSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', '-'], { input: Buffer.from(dtb), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

function setup() {
  const dir = tempDir('bringup-board-');
  for (const f of boardFiles) copyFileSync(join(armDir, f), join(dir, f));
  const events = new EventHub();
  const recorder = new RecorderProbe();
  const changes: BoardLoaded[] = [];
  events.on('boardChanged', (b) => changes.push(b));
  const svc = new BoardService({ events, recorder, debounceMs: 50 });
  services.push(svc);
  return { dir, svc, changes, recorder };
}

describe('board service', () => {
  it('compiles a kernel board as dtc does and lists its include set with hashes', async () => {
    const { dir, svc, recorder } = setup();
    const b = await svc.open({ path: join(dir, 'foundation-v8.dts'), includeDirs: [prefixes], defines: {}, kernel: '6.1', watch: false });
    expect(b.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(decompile(b.dtb)).toBe(decompile(Buffer.from(spawnSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-'], { input: dtcReference(join(dir, 'foundation-v8.dts'), [dir, prefixes]) }).stdout)));
    const paths = b.files.map((f) => f.path);
    for (const f of boardFiles) expect(paths).toContain(join(dir, f));
    expect(paths).toContain(join(prefixes, 'dt-bindings/interrupt-controller/arm-gic.h'));
    for (const f of b.files) expect(f.sha256).toBe(createHash('sha256').update(readFileSync(f.path)).digest('hex'));
    expect(recorder.boards).toHaveLength(1);
    expect(b.treeJson).toBeTruthy();
  });

  it('re-sends boardChanged when an included file changes, not when it is only touched', async () => {
    const { dir, svc, changes, recorder } = setup();
    const dtsi = join(dir, 'foundation-v8.dtsi');
    const b = await svc.open({ path: join(dir, 'foundation-v8.dts'), includeDirs: [prefixes], defines: {}, kernel: '6.1', watch: true });
    const before = b.files.find((f) => f.path === dtsi)!.sha256;

    const now = new Date();
    utimesSync(dtsi, now, now);
    await new Promise((r) => setTimeout(r, 400));
    expect(changes).toHaveLength(0);

    appendFileSync(dtsi, '\n/ { workbench-test-marker = "edited"; };\n');
    const changed = await waitFor('boardChanged', () => changes[0], 15_000);
    expect(changed.boardId).toBe(b.boardId);
    expect(changed.files.find((f) => f.path === dtsi)!.sha256).not.toBe(before);
    expect(decompile(changed.dtb)).toContain('workbench-test-marker = "edited";');
    expect(recorder.boards).toHaveLength(2);

    // An editor's save: write a new file and rename it over the old one.
    const tmp = join(dir, '.foundation-v8.dtsi.swp');
    writeFileSync(tmp, readFileSync(dtsi, 'utf8').replace('"edited"', '"saved-by-rename"'));
    spawnSync('mv', [tmp, dtsi]);
    const renamed = await waitFor('boardChanged after rename', () => changes[1], 15_000);
    expect(decompile(renamed.dtb)).toContain('workbench-test-marker = "saved-by-rename";');

    await svc.close(b.boardId);
    appendFileSync(dtsi, '\n/ { after-close; };\n');
    await new Promise((r) => setTimeout(r, 400));
    expect(changes).toHaveLength(2);
  });

  it('reports a missing include with its position instead of throwing', async () => {
    const { dir, svc } = setup();
    writeFileSync(join(dir, 'broken.dts'), '/dts-v1/;\n#include "no-such-file.dtsi"\n/ { };\n');
    const b = await svc.open({ path: join(dir, 'broken.dts'), includeDirs: [], defines: {}, kernel: '6.1', watch: false });
    const err = b.diagnostics.find((d) => d.severity === 'error');
    expect(err).toBeTruthy();
    expect(err!.span?.file ?? err!.file).toContain('broken.dts');
    expect(b.dtb.length).toBe(0);
  });

  it('passes defines to the preprocessor and reads the kernel config (plain or /proc/config.gz), watching it too', async () => {
    const { dir, svc, changes } = setup();
    writeFileSync(join(dir, 'defs.dts'), '/dts-v1/;\n/ {\n#ifdef WB_FLAG\n  flag;\n#endif\n  value = <WB_VAL>;\n};\n');
    const config = join(dir, 'config');
    copyFileSync(kernelConfig(), config);
    const b = await svc.open({ path: join(dir, 'defs.dts'), includeDirs: [], defines: { WB_FLAG: '', WB_VAL: '0x2a' }, configPath: config, kernel: '6.1', watch: true });
    expect(b.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const text = decompile(b.dtb);
    expect(text).toContain('flag;');
    expect(text).toContain('value = <0x2a>;');
    expect(b.config).toBe(readFileSync(kernelConfig(), 'utf8'));
    expect(b.config).toMatch(/^CONFIG_ARM_SMMU_V3=/m);
    expect(b.files.map((f) => f.path)).toContain(config);

    appendFileSync(config, 'CONFIG_WORKBENCH_TEST=y\n');
    const changed = await waitFor('boardChanged on a config edit', () => changes[0], 15_000);
    expect(changed.config).toMatch(/^CONFIG_WORKBENCH_TEST=y$/m);

    const gz = join(dir, 'config.gz');
    writeFileSync(gz, gzipSync(readFileSync(kernelConfig())));
    const z = await svc.open({ path: join(dir, 'defs.dts'), includeDirs: [], defines: { WB_VAL: '1' }, configPath: gz, kernel: '6.1', watch: false });
    expect(z.config).toBe(readFileSync(kernelConfig(), 'utf8'));
    expect(decompile(z.dtb)).not.toContain('flag;');
  });

  it('reads a .dtb as is', async () => {
    const { dir, svc } = setup();
    const dtb = spawnSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-'], { input: dtcReference(join(dir, 'foundation-v8.dts'), [dir, prefixes]) }).stdout;
    writeFileSync(join(dir, 'board.dtb'), dtb);
    const b = await svc.open({ path: join(dir, 'board.dtb'), includeDirs: [], defines: {}, kernel: '6.1', watch: false });
    expect(b.diagnostics).toEqual([]);
    expect(Buffer.from(b.dtb)).toEqual(dtb);
    expect(b.files).toHaveLength(1);
  });
});
