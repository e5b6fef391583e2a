// __TIMESTAMP__ against GNU cpp: the modification time of the file being read, in asctime's form
// ("Tue Mar  5 07:08:09 2024", the day padded with a space), local time. The engine reads no clock
// and no file: the host's reader hands it each file's mtime. The fixture is an overlay in the
// BeagleBoard form, copied to a temporary folder whose files get known modification times.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasErrors } from '../../../../engine/common';
import { loadDeviceTree, writeDtb, type FileContents } from '../../../../engine/devicetree';
import { preprocess } from '../../../../engine/devicetree/preprocess';
import { command as dtCommand } from '../../../../cli/commands/dt';
import { compileBoard } from '../../../../electron/services/board';
import { processIo, type CliIo } from '../../../../cli/io';
import { dtc, fixtures, kbuildCpp } from '../../../support/dtc';
import { firstDifference, rows } from '../../../support/cpp-compare';
import { requireSystem } from '../../../../scripts/lib/system';

requireSystem('cpp');

const dir = mkdtempSync(join(tmpdir(), 'timestamp-'));
for (const name of ['overlay.dts', 'stamp.dtsi']) copyFileSync(join(fixtures, 'preprocess', 'timestamp', name), join(dir, name));
const overlay = join(dir, 'overlay.dts');
// A day below 10 (asctime pads it with a space) for the overlay, another year for its header.
utimesSync(overlay, new Date(2024, 2, 5, 7, 8, 9), new Date(2024, 2, 5, 7, 8, 9));
utimesSync(join(dir, 'stamp.dtsi'), new Date(1999, 11, 31, 23, 59, 58), new Date(1999, 11, 31, 23, 59, 58));

/** What a host (the CLI, the app's board service) hands the engine: bytes and mtime. */
function readWithTime(path: string): FileContents | undefined {
  try {
    return { bytes: new Uint8Array(readFileSync(path)), mtime: statSync(path).mtime };
  } catch {
    return undefined;
  }
}

describe('__TIMESTAMP__ as cpp expands it', () => {
  it('each file\'s own modification time, also through a macro defined in another file', () => {
    const ours = preprocess(overlay, { includeDirs: [], readFile: readWithTime });
    expect(ours.diagnostics).toEqual([]);
    const cppText = kbuildCpp(overlay, []);
    expect(firstDifference(rows(cppText), rows(ours.value))).toBeNull();
    // rows() folds whitespace, in strings too: the stamps themselves are compared as written.
    const literals = (text: string) => [...text.matchAll(/= (".*");$/gm)].map((m) => m[1]!);
    const stamps = literals(cppText);
    expect(literals(ours.value)).toEqual(stamps);
    expect(stamps).toHaveLength(3);
    for (const s of stamps) expect(s).toMatch(/^"(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d \d{4}"$/);
    // The overlay's day is 5: the padded form is the one compared.
    expect(stamps.filter((s) => s.includes('Mar  5'))).toHaveLength(2);
  });

  it('the same DTB as cpp | dtc', () => {
    const r = loadDeviceTree(overlay, { readFile: readWithTime, checks: false });
    expect(hasErrors(r.diagnostics)).toBe(false);
    const ref = dtc(['-q', '-I', 'dts', '-O', 'dtb', '-'], kbuildCpp(overlay, []));
    expect(ref.status).toBe(0);
    expect(Buffer.from(writeDtb(r.value)).equals(ref.out)).toBe(true);
  });

  it('`bringup dt` supplies the modification time from its own reads', async () => {
    let out = '';
    const io: CliIo = { ...processIo(), stdout: (t) => void (out += t), stderr: () => undefined };
    expect(await dtCommand.run([overlay, '-q'], io)).toBe(0);
    const ref = execFileSync('dtc', ['-q', '-I', 'dts', '-O', 'dts', '-'], { input: kbuildCpp(overlay, []) }).toString();
    const kernel = (dts: string) => /BB-TEST-00A0\.kernel = (".*");/.exec(dts)?.[1];
    expect(kernel(out)).toBe(kernel(ref));
    expect(kernel(out)).toContain('Mar  5');
  });

  it('the app\'s board service supplies it too: the same DTB as cpp | dtc', () => {
    const r = compileBoard({ path: overlay, includeDirs: [], defines: {}, kernel: '6.1', watch: false });
    expect(hasErrors(r.diagnostics)).toBe(false);
    const ref = dtc(['-q', '-I', 'dts', '-O', 'dtb', '-'], kbuildCpp(overlay, []));
    expect(Buffer.from(r.dtb).equals(ref.out)).toBe(true);
  });

  it('a host that gives no time gets what cpp prints when it cannot stat the file', () => {
    const bytesOnly = (p: string) => readWithTime(p)?.bytes;
    const r = preprocess(overlay, { includeDirs: [], readFile: bytesOnly });
    expect(r.value).toContain('BB-TEST-00A0.kernel = "??? ??? ?? ??:??:?? ????";');
  });

  it('`bringup dt` expands __DATE__ and __TIME__ with the clock, as cpp does when it runs', async () => {
    const src = join(dir, 'clock.dts');
    writeFileSync(src, '/dts-v1/;\n/ { date = __DATE__; time = __TIME__; };\n');
    const before = execFileSync('dtc', ['-q', '-I', 'dts', '-O', 'dts', '-'], { input: kbuildCpp(src, []) }).toString();
    let out = '';
    const io: CliIo = { ...processIo(), stdout: (t) => void (out += t), stderr: () => undefined };
    expect(await dtCommand.run([src, '-q'], io)).toBe(0);
    const after = execFileSync('dtc', ['-q', '-I', 'dts', '-O', 'dts', '-'], { input: kbuildCpp(src, []) }).toString();
    const date = (dts: string) => /date = (".*");/.exec(dts)?.[1];
    const time = (dts: string) => /time = "(\d\d):(\d\d):(\d\d)";/.exec(dts)!.slice(1).map(Number).reduce((a, b) => a * 60 + b);
    // Ours ran between two cpp runs: the same day (unless midnight fell in between), a time between theirs.
    if (date(before) === date(after)) expect(date(out)).toBe(date(before));
    expect(date(out)).toMatch(/^"[A-Z][a-z]{2} [ 1-3]\d \d{4}"$/);
    if (time(after) >= time(before)) {
      expect(time(out)).toBeGreaterThanOrEqual(time(before));
      expect(time(out)).toBeLessThanOrEqual(time(after));
    }
  });
});
