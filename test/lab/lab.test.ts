// Boots lab scenarios on the real QEMU boards (Debian's arm64 6.1 and 6.12, armhf armmp 6.1) and holds
// each to its committed golden truth (test/fixtures/bootlog/lab[/<kernel>]/<name>.truth.json) and
// signature lines, so a change in a kernel package, QEMU or a scenario shows up here before it silently
// skews the probe-model and boot-log tests that read those goldens. Re-record with scripts/lab/boot.ts --record.
// `npm test` boots every arm64-6.1 boot and a rotating share of the others (by UTC day); `npm run test:lab`
// (BRINGUP_LAB_ALL=1) boots them all. Every golden is judged without QEMU by board.test.ts and predict-vs-kernel.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertLabReady, bootLabel, bootScenario, goldenBase, kernelRelease, labParts, scenarioKernels, type BootResult, type DebianKernel, type LabBoot } from '../../scripts/lib/lab/board';
import { formatDifference, judgeBoot, truthOfGolden } from '../support/lab-judge';
import { scenarios } from '../../scripts/lib/lab/scenarios/index';
import { requireSystem } from '../../scripts/lib/system';

const allBoots: LabBoot[] = scenarios.flatMap((scenario) => scenarioKernels(scenario).map((kernel) => ({ scenario, kernel })));
const kernels = [...new Set(allBoots.map((b) => b.kernel))];
requireSystem(...new Set(kernels.flatMap((k) => labParts(k))));

/** How many boots beyond arm64-6.1's one `npm test` run makes: the CI budget, whatever the lab's size. */
const OTHER_BOOTS_PER_RUN = 16;

/**
 * The boots this run makes. All with BRINGUP_LAB_ALL=1; otherwise every arm64-6.1 boot (the goldens the
 * boot-log and end-to-end tests read) and a rotating share of the others: the lab's other boots are dealt
 * into as many shares of at most OTHER_BOOTS_PER_RUN as they need, and the UTC day picks one, so that many
 * consecutive days boot everything and one run stays within the CI budget as boards are added.
 */
function chosenBoots(): LabBoot[] {
  if (process.env.BRINGUP_LAB_ALL === '1') return allBoots;
  const day = Math.floor(Date.now() / 86_400_000);
  const others = allBoots.filter((b) => b.kernel !== 'arm64-6.1');
  const shares = Math.max(1, Math.ceil(others.length / OTHER_BOOTS_PER_RUN));
  return allBoots.filter((b) => b.kernel === 'arm64-6.1' || others.indexOf(b) % shares === day % shares);
}

const boots = chosenBoots();
const jobs = Math.max(1, Number(process.env.BRINGUP_LAB_JOBS ?? 2));
const results = new Map<string, Promise<BootResult>>();
const started = Date.now();
/** Host wall-clock limit of one boot (s): the scenario's own, generous for a loaded 2-core machine. */
const limitOf = (b: LabBoot): number => b.scenario.timeoutSeconds ?? 180;

/** Boots the chosen boots, `jobs` at a time, in list order; each test awaits its own. */
function bootAll(): void {
  const queue = [...boots];
  const waiting = new Map<string, { resolve: (r: BootResult) => void; reject: (e: unknown) => void }>();
  for (const b of boots) {
    const label = bootLabel(b);
    results.set(label, new Promise<BootResult>((resolve, reject) => waiting.set(label, { resolve, reject })));
    results.get(label)!.catch(() => {});
  }
  const worker = async (): Promise<void> => {
    for (let b = queue.shift(); b; b = queue.shift()) {
      const w = waiting.get(bootLabel(b))!;
      try {
        w.resolve(await bootScenario(b.scenario, { kernel: b.kernel, timeoutSeconds: limitOf(b) }));
      } catch (e) {
        w.reject(e);
      }
    }
  };
  for (let i = 0; i < jobs; i++) void worker();
}

describe('lab: Debian kernels on QEMU (behaviour against the goldens; the release is information)', () => {
  beforeAll(() => {
    // Fails every test below with the fix when QEMU, dtc, a kernel or busybox is missing.
    for (const k of kernels) assertLabReady(k);
    bootAll();
  });
  afterAll(() => {
    const releases = kernels.map((k: DebianKernel) => kernelRelease(k)).join(', ');
    console.log(`lab: ${boots.length} of ${allBoots.length} boots (kernels ${releases}) in ${((Date.now() - started) / 1000).toFixed(0)} s (${jobs} at a time)`);
  });

  for (const b of boots) {
    const s = b.scenario;
    const label = bootLabel(b);
    it(`${label}: ${s.title}`, async () => {
      const golden = `${goldenBase(b)}.truth.json`;
      expect(existsSync(golden), `no golden ${golden}: run npx tsx scripts/lab/boot.ts ${s.name} --kernel ${b.kernel} --record`).toBe(true);
      const r = await results.get(label)!;
      const log = r.console.toString('latin1');
      expect(r.timedOut, `${label} hit its ${limitOf(b)} s limit; tail:\n${log.slice(-2000)}`).toBe(false);
      expect(r.truth, `${label} printed no truth block; tail:\n${log.slice(-2000)}`).not.toBeNull();
      expect(log).toContain('Booting Linux on physical CPU');
      for (const sig of s.signatures) expect(log, `signature of ${label}`).toMatch(new RegExp(sig, 'm'));
      for (const sig of s.absentSignatures ?? []) expect(log, `line ${label} must not print`).not.toMatch(new RegExp(sig, 'm'));
      // Behaviour only: the golden's kernelRelease is the build it was recorded on, not an assertion.
      const want = truthOfGolden(JSON.parse(readFileSync(golden, 'utf8')));
      expect(judgeBoot(label, want, r.truth!.truth).map(formatDifference)).toEqual([]);
    }, (limitOf(b) + 60) * 1000);
  }
});
