// Compiling runs in a worker with a memory limit and a timeout. A hostile DTS whose macros
// double 23 times (8 M tokens: a minute and 2.3 GB when compiled in the services' own thread), or one
// property of 16 M cells (four minutes and 4.3 GB), must end with one error naming the file, while the
// services' event loop keeps turning; an ordinary board still compiles through the same worker.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BoardService } from '../../electron/services/board';
import { EventHub } from '../../electron/services/events';
import { RecorderProbe } from '../support/recorder-probe';
import { tempDir } from '../support/electron';

const services: BoardService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.dispose();
});

function service(compileLimits: { heapMb?: number; timeoutMs?: number }): BoardService {
  const s = new BoardService({ events: new EventHub(), recorder: new RecorderProbe(), compileLimits });
  services.push(s);
  return s;
}

/** `#define A<i> A<i-1> A<i-1>`, 23 times: 2^23 cells in one property. */
function runawayMacro(): string {
  const lines = ['/dts-v1/;', '#define A0 1'];
  for (let i = 1; i <= 23; i++) lines.push(`#define A${i} A${i - 1} A${i - 1}`);
  lines.push('/ {', '\tp = <A23>;', '};');
  const dts = join(tempDir('bringup-runaway-'), 'runaway.dts');
  writeFileSync(dts, `${lines.join('\n')}\n`);
  return dts;
}

/** Runs `work` while timing the event loop: the longest gap between 50 ms ticks. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ value: T; stallMs: number; ms: number }> {
  let last = Date.now();
  let stallMs = 0;
  const tick = setInterval(() => {
    const now = Date.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 50);
  const t0 = Date.now();
  try {
    const value = await work();
    return { value, stallMs, ms: Date.now() - t0 };
  } finally {
    clearInterval(tick);
  }
}

const request = (path: string) => ({ path, includeDirs: [], defines: {}, kernel: '6.1', watch: false });

/** One property of 8 × 2 M cells, /include/d from a 4 MiB file (each file is read once, lexed 8 times). */
function hugeProperty(): string {
  const dir = tempDir('bringup-huge-');
  writeFileSync(join(dir, 'cells.dtsi'), '1 '.repeat(2 * 1024 * 1024 - 8));
  writeFileSync(join(dir, 'huge.dts'), `/dts-v1/;\n/ {\n\tp = <${Array(8).fill('/include/ "cells.dtsi"').join(' ')}>;\n};\n`);
  return join(dir, 'huge.dts');
}

describe('a board compile runs in a worker with a memory limit and a timeout', () => {
  it('stops a runaway macro at its deadline with an error naming the file, the event loop free', async () => {
    const dts = runawayMacro();
    const { value, stallMs, ms } = await longestStall(() => service({ timeoutMs: 3000 }).open(request(dts)));
    const errors = value.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.code)).toEqual(['compile_limit']);
    expect(errors[0]!.message).toBe(`${dts}: compiling took longer than 3 s; stopped (a runaway macro or include?)`);
    expect(value.dtb.length).toBe(0);
    expect(value.files.map((f) => f.path)).toEqual([dts]);
    expect(ms).toBeLessThan(20_000);
    // In the services' own thread this compile held the loop for about a minute.
    expect(stallMs).toBeLessThan(3000);
  }, 60_000);

  it('stops a compile at its memory limit with an error naming the file', async () => {
    const dts = hugeProperty();
    // In the services' own thread: 4.3 GB and four minutes. V8 gives up near its limit only after
    // several full collections, hence the long deadline here; the message says which limit it was.
    const { value, stallMs } = await longestStall(() => service({ heapMb: 32, timeoutMs: 100_000 }).open(request(dts)));
    const errors = value.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.message)).toEqual([`${dts}: compiling needed more than its 32 MiB of memory; stopped (a runaway macro or include?)`]);
    expect(stallMs).toBeLessThan(3000);
  }, 120_000);

  it('compiles an ordinary board through the worker (within the same 32 MiB), DTB and include set intact', async () => {
    const dir = tempDir('bringup-ok-');
    writeFileSync(join(dir, 'soc.dtsi'), '/ { soc { compatible = "simple-bus"; }; };\n');
    writeFileSync(join(dir, 'board.dts'), '/dts-v1/;\n#include "soc.dtsi"\n/ { model = "ok"; };\n');
    const loaded = await service({ heapMb: 32 }).open(request(join(dir, 'board.dts')));
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(loaded.dtb.length).toBeGreaterThan(40);
    expect(loaded.files.map((f) => f.path).sort()).toEqual([join(dir, 'board.dts'), join(dir, 'soc.dtsi')]);
    expect((loaded.sources ?? []).map((s) => s.text).join('')).toContain('simple-bus');
  }, 60_000);
});
