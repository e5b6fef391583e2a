// The probe model judged against the real kernel on every recorded lab boot (each virt scenario on
// Debian's arm64 6.1 and 6.12, each vendor board on its kernels): scripts/lib/lab/predict-judge.ts predicts
// from the tree QEMU handed the kernel and compares every device the kernel created from the tree.
// Boots the model gets right must stay right; the rest are listed device by device in KNOWN_WRONG
// (known-wrong.ts), which can only shrink. The score table is printed and kept in test/lab/README.md.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDtb, type DtTree } from '../../engine/devicetree/index';
import { requireSystem } from '../../scripts/lib/system';
import { bootLabel, goldenBase, labDir, scenarioKernels, type LabBoot } from '../../scripts/lib/lab/board';
import { hardwareOf, KERNEL_STATE_FAILURES, kernelStateFailure, MACHINE_HARDWARE, machineKey, SCENARIO_HARDWARE, type HardwareAssumption } from '../../scripts/lib/lab/hardware';
import { KNOWN_WRONG } from './known-wrong';
import { isJudged, judgePrediction, README_BEGIN, README_END, recordedBoots, scoreTable, type PredictionVerdict } from '../../scripts/lib/lab/predict-judge';
import { scenarios } from '../../scripts/lib/lab/scenarios/index';
import type { Truth } from '../../scripts/lib/lab/truth';

/** The tree QEMU handed the kernel in that boot (its golden's .dtb). */
function treeOf(b: LabBoot): DtTree {
  const path = `${goldenBase(b)}.dtb`;
  return readDtb(new Uint8Array(readFileSync(path)), path).value;
}

// The kernels' own .config files (the judging needs no QEMU: the trees are the committed dumps).
requireSystem('kernel-arm64', 'kernel-arm64-6.12', 'kernel-armhf');

const boots = recordedBoots();
const verdicts = new Map<string, PredictionVerdict>();
const labels = new Set(boots.map(bootLabel));

describe('prediction vs the real kernel (every lab golden, both generations)', () => {
  afterAll(() => {
    const done = boots.map((b) => verdicts.get(bootLabel(b))).filter((v): v is PredictionVerdict => v !== undefined);
    if (done.length) console.log(`prediction vs kernel, per boot:\n${scoreTable(done)}`);
  });

  it('judges a golden of every scenario on every kernel of its machine', () => {
    const want = scenarios.flatMap((scenario) => scenarioKernels(scenario).map((kernel) => bootLabel({ scenario, kernel })));
    expect(want.filter((l) => !labels.has(l))).toEqual([]);
  });

  it('lists known-wrong devices and hardware assumptions only for boots that exist', () => {
    expect(Object.keys(KNOWN_WRONG).filter((l) => !labels.has(l))).toEqual([]);
    expect(Object.keys(SCENARIO_HARDWARE).filter((l) => !labels.has(l))).toEqual([]);
    const machines = new Set(boots.map(machineKey));
    expect(Object.keys(MACHINE_HARDWARE).filter((m) => !machines.has(m))).toEqual([]);
    expect(Object.keys(KERNEL_STATE_FAILURES).filter((k) => !machines.has(k) && !labels.has(k))).toEqual([]);
  });

  // A scenario's assumption is cited by its boot. A machine's is cited by every boot where it played out: the
  // device's driver failed (a `fail`), or the kernel still held the cell (an `absent` primecell). On a tree
  // that leaves the block out, or where the driver waits on a supplier the board never gives (sabresd's
  // PCIe regulator), it did not, and what the kernel did is the model's alone to predict.
  it("states each hardware assumption with the kernel's own line from that boot's log", () => {
    const missing: string[] = [];
    let cited = 0;
    for (const b of boots) {
      const base = goldenBase(b);
      const log = readFileSync(`${base}.log`, 'latin1');
      const devices = new Map((JSON.parse(readFileSync(`${base}.truth.json`, 'utf8')) as Truth).devices.map((d) => [d.name, d]));
      const playedOut = (a: HardwareAssumption): boolean => {
        const d = devices.get(a.target);
        return d !== undefined && !d.driver && (a.outcome.kind === 'absent' ? d.deferred : !d.deferred);
      };
      const entries = [...(MACHINE_HARDWARE[machineKey(b)] ?? []).filter(playedOut), ...(SCENARIO_HARDWARE[bootLabel(b)] ?? [])];
      for (const a of entries) {
        if (log.includes(a.evidence)) cited++;
        else missing.push(`${bootLabel(b)}: ${a.target}: "${a.evidence}" is not in the log`);
      }
    }
    expect(missing).toEqual([]);
    expect(cited).toBeGreaterThan(0);
  });

  it("states as a hardware assumption every vendor-board device whose driver's own probe failed", () => {
    const unstated: string[] = [];
    for (const b of boots.filter((x) => x.scenario.machine !== 'virt')) {
      const base = goldenBase(b);
      const log = readFileSync(`${base}.log`, 'latin1');
      const judged = new Set((JSON.parse(readFileSync(`${base}.truth.json`, 'utf8')) as Truth).devices.filter(isJudged).map((d) => d.name));
      const entries = hardwareOf(b, treeOf(b));
      // dd.c's call_driver_probe(): 6.1 `D: probe of X failed with error N`, 6.12 `D X: probe with driver D failed with error N`.
      const re = /(?:^|\s)\S+: probe of (\S+) failed with error (-\d+)|(?:^|\s)\S+ (\S+): probe with driver \S+ failed with error (-\d+)/gm;
      for (const m of log.matchAll(re)) {
        const device = (m[1] ?? m[3])!;
        const errno = Number(m[2] ?? m[4]);
        if (!judged.has(device)) continue;
        const stated = entries.some((a) => a.target === device && a.outcome.kind === 'fail' && a.outcome.errno === errno);
        const kernelState = kernelStateFailure(b, device) === m[0].trim();
        if (!stated && !kernelState) unstated.push(`${bootLabel(b)}: ${m[0].trim()}`);
      }
    }
    expect(unstated).toEqual([]);
  });

  // On these boots each such cell is one QEMU leaves out; a cell held for a PM domain or apb_pclk provider
  // that never came would look the same in the log, and would be the model's to predict, not an assumption.
  it('states as absent every primecell the kernel still held at the bus match when it gave up (its ID never read)', () => {
    const unstated: string[] = [];
    for (const b of boots.filter((x) => x.scenario.machine !== 'virt')) {
      const base = goldenBase(b);
      const truth = JSON.parse(readFileSync(`${base}.truth.json`, 'utf8')) as Truth;
      if (truth.bindOrder === null) continue;
      const log = readFileSync(`${base}.log`, 'latin1');
      const entries = hardwareOf(b, treeOf(b));
      for (const d of truth.devices.filter((x) => x.bus === 'amba' && x.deferred && isJudged(x))) {
        // dd.c's last word on the device: amba_match() deferred it again after its last retry
        const lines = log.split('\n').filter((l) => l.includes(`amba ${d.name}: `));
        let lastRetry = -1;
        lines.forEach((l, i) => {
          if (l.includes('Retrying from deferred list')) lastRetry = i;
        });
        const heldAtMatch = lastRetry >= 0 && lines.slice(lastRetry).some((l) => l.includes('Device match requests probe deferral'));
        if (heldAtMatch && !entries.some((a) => a.target === d.name && a.outcome.kind === 'absent')) unstated.push(`${bootLabel(b)}: ${d.name}`);
      }
    }
    expect(unstated).toEqual([]);
  });

  for (const b of boots) {
    const label = bootLabel(b);
    it(`${label}: every device the kernel created from the tree is predicted right, or listed in KNOWN_WRONG`, () => {
      const v = judgePrediction(b);
      verdicts.set(label, v);
      const known = KNOWN_WRONG[label] ?? {};
      const newlyWrong = [...v.wrong].filter(([d]) => !(d in known)).map(([d, why]) => `${d}: ${why}`);
      const nowRight = Object.keys(known).filter((d) => !v.wrong.has(d)).map((d) => `${d}: now right, remove it from KNOWN_WRONG["${label}"]`);
      expect({ newlyWrong, nowRight }).toEqual({ newlyWrong: [], nowRight: [] });
      expect(v.judged).toBeGreaterThan(0);
    });
  }

  it('keeps the score table in test/lab/README.md current (npx tsx scripts/lab/score.ts --write)', () => {
    const all = boots.map((b) => verdicts.get(bootLabel(b)) ?? judgePrediction(b));
    const readme = readFileSync(join(labDir, 'README.md'), 'utf8');
    const a = readme.indexOf(README_BEGIN);
    const e = readme.indexOf(README_END);
    expect(a >= 0 && e > a, `README has the ${README_BEGIN} section`).toBe(true);
    expect(readme.slice(a + README_BEGIN.length, e).trim()).toBe(scoreTable(all));
  });
});
