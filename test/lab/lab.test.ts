// Boots every lab scenario on the real QEMU board (Debian's 6.1 arm64 kernel) and holds it to its
// committed golden truth (test/fixtures/bootlog/lab/<name>.truth.json) and signature lines, so a
// change in the kernel package, QEMU or a scenario shows up here before it silently skews the
// probe-model and boot-log tests that read those goldens. Re-record with scripts/lab/boot.ts --record.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertLabReady, bootScenario, kernelRelease, labDir, type BootResult } from './board';
import { formatDifference, judgeBoot, truthOfGolden } from './judge';
import { scenarios } from './scenarios/index';
import { requireSystem } from '../support/system';

requireSystem('kernel-arm64', 'busybox-arm64', 'qemu', 'dtc', 'cpio');

const goldenDir = join(labDir, '..', 'fixtures', 'bootlog', 'lab');
const jobs = Math.max(1, Number(process.env.BRINGUP_LAB_JOBS ?? 2));
const results = new Map<string, Promise<BootResult>>();
const started = Date.now();

/** Boots all scenarios, `jobs` at a time, in list order; each test awaits its own. */
function bootAll(): void {
  const queue = [...scenarios];
  const waiting = new Map<string, { resolve: (r: BootResult) => void; reject: (e: unknown) => void }>();
  for (const s of scenarios) {
    results.set(s.name, new Promise<BootResult>((resolve, reject) => waiting.set(s.name, { resolve, reject })));
    results.get(s.name)!.catch(() => {});
  }
  const worker = async (): Promise<void> => {
    for (let s = queue.shift(); s; s = queue.shift()) {
      const w = waiting.get(s.name)!;
      try {
        w.resolve(await bootScenario(s));
      } catch (e) {
        w.reject(e);
      }
    }
  };
  for (let i = 0; i < jobs; i++) void worker();
}

describe('lab: Debian 6.1 arm64 on QEMU (behaviour against the goldens; the release is information)', () => {
  beforeAll(() => {
    // Fails every test below with the fix when QEMU, dtc, the kernel or busybox is missing.
    assertLabReady();
    bootAll();
  });
  afterAll(() => {
    console.log(`lab: ${scenarios.length} boots of kernel ${kernelRelease()} in ${((Date.now() - started) / 1000).toFixed(0)} s (${jobs} at a time)`);
  });

  for (const s of scenarios) {
    it(`${s.name}: ${s.title}`, async () => {
      const golden = join(goldenDir, `${s.name}.truth.json`);
      expect(existsSync(golden), `no golden ${golden}: run npx tsx scripts/lab/boot.ts ${s.name} --record`).toBe(true);
      const r = await results.get(s.name)!;
      const log = r.console.toString('latin1');
      expect(r.timedOut, `${s.name} hit its ${s.timeoutSeconds ?? 90} s limit; tail:\n${log.slice(-2000)}`).toBe(false);
      expect(r.truth, `${s.name} printed no truth block; tail:\n${log.slice(-2000)}`).not.toBeNull();
      expect(log).toContain('Booting Linux on physical CPU');
      for (const sig of s.signatures) expect(log, `signature of ${s.name}`).toMatch(new RegExp(sig));
      for (const sig of s.absentSignatures ?? []) expect(log, `line ${s.name} must not print`).not.toMatch(new RegExp(sig));
      // Behaviour only: the golden's kernelRelease is the build it was recorded on, not an assertion.
      const want = truthOfGolden(JSON.parse(readFileSync(golden, 'utf8')));
      expect(judgeBoot(s.name, want, r.truth!.truth).map(formatDifference)).toEqual([]);
    }, 240_000);
  }
});
