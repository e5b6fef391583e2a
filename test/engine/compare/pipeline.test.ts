// The one comparison pipeline (engine/compare compareBoot) on the demo board and its real recorded boot:
// the log re-anchors the prediction (command line, module load times), and while the boot streams a
// device the kernel has not reached yet is `pending`, never a mismatch that later turns into a match.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBootLog, type BootEvent } from '../../../engine/bootlog';
import { compareBoot, LogFacts, type Verdict } from '../../../engine/compare';
import { loadDeviceTree } from '../../../engine/devicetree';
import { decodeCatalog, parseKernelConfig, type PredictOptions } from '../../../engine/probe';

const demo = join(__dirname, '../../../resources/demo');
const readFile = (p: string) => {
  try {
    return new Uint8Array(readFileSync(p));
  } catch {
    return undefined;
  }
};
const tree = loadDeviceTree(join(demo, 'board.dts'), { readFile }).value;
const catalog = decodeCatalog(JSON.parse(readFileSync(join(demo, '../kernel/6.1/drivers.json'), 'utf8')));
const config = parseKernelConfig(readFileSync(join(demo, 'config-6.1.0-57-arm64'), 'utf8'));
const events: BootEvent[] = parseBootLog(new Uint8Array(readFileSync(join(demo, 'boot.typescript'))), { emitText: true }).events;
const base: PredictOptions = { kernel: '6.1', catalog, config, modulesLoaded: ['qemu_fw_cfg', 'gpio_keys'] };
const liveBoundAt = (device: string) => events.find((e) => e.kind === 'bound' && e.device === device)!.kernelTime!;

describe('compareBoot on the demo boot', () => {
  it('takes the command line and the module load times from the log, and predicts the timeout where the kernel fired it', () => {
    const run = compareBoot({ tree, events, options: { kernel: '6.1', catalog, config } });
    expect(run.cmdlineFromLog).toBe(true);
    expect(run.cmdline).toContain('deferred_probe_timeout=6');
    expect(run.anchoredModules.map((m) => m.split('@')[0])).toEqual(['qemu_fw_cfg', 'gpio_keys']);
    const fwcfg = run.prediction.devices.find((d) => d.name === '9020000.fw-cfg')!;
    expect(Math.abs(fwcfg.bindTime! - liveBoundAt('9020000.fw-cfg'))).toBeLessThan(0.1);
    expect(run.comparison.summary.mismatch).toBe(0);
    // A module's load is timed by the first line naming its driver after /init (the load prints nothing).
    const firstNamed = events.find((e) => 'driver' in e && e.driver === 'fw_cfg')!.kernelTime!;
    expect(run.anchoredModules[0]).toBe(`qemu_fw_cfg@${firstNamed}`);
    // Loaded later than the log says, the module moves the predicted timeout with it: the anchor is what places it.
    const late = compareBoot({ tree, events, options: { ...base, modulesLoaded: [{ name: 'qemu_fw_cfg', at: firstNamed + 3 }, 'gpio_keys'] } });
    expect(late.prediction.devices.find((d) => d.name === '9020000.fw-cfg')!.bindTime! - fwcfg.bindTime!).toBeGreaterThan(2.5);
  });

  it('while the boot streams, a row shown as a mismatch is never a match at the end', () => {
    const final = new Map(compareBoot({ tree, events, options: base }).comparison.devices.map((d) => [d.name, d.verdict]));
    const seen = new Map<string, Set<Verdict>>();
    let pendingFwCfg = 0;
    const facts = new LogFacts();
    for (let n = 1; n <= events.length; n += 3) {
      const prefix = events.slice(0, n);
      facts.apply(events.slice(Math.max(0, n - 3), n));
      const run = compareBoot({ tree, events: prefix, options: base, clock: { kernelTime: facts.kernelTime, ended: facts.ended !== null } });
      for (const d of run.comparison.devices) {
        if (!seen.has(d.name)) seen.set(d.name, new Set());
        seen.get(d.name)!.add(d.verdict);
        if (d.name === '9020000.fw-cfg' && d.verdict === 'pending' && d.actual?.state === 'deferred') pendingFwCfg++;
      }
    }
    for (const [name, verdicts] of seen) if (verdicts.has('mismatch')) expect(final.get(name), name).toBe('mismatch');
    // The case that flashed red: fw-cfg deferred live while its predicted bind (the timeout) was ahead.
    expect(pendingFwCfg).toBeGreaterThan(0);
  });

  it('a wrong prediction becomes a mismatch once its moment is due, or once the boot has ended', () => {
    const wrong: PredictOptions = { ...base, assume: [{ target: '9010000.pl031', outcome: { kind: 'fail', errno: -22 } }] };
    const upTo = (t: number) => events.filter((e) => e.kernelTime === null || e.kernelTime <= t);
    const verdictAt = (t: number, ended = false) => compareBoot({ tree, events: upTo(t), options: wrong, clock: { kernelTime: t, ended } }).comparison.devices.find((d) => d.name === '9010000.pl031')!.verdict;
    expect(verdictAt(0.3)).toBe('pending');
    // The log shows it bound (final) while the model said failed: no need to wait.
    expect(verdictAt(2.5)).toBe('mismatch');
    // A device the model puts late (fw-cfg: the timeout) and the log has not shown yet: pending until due, then a mismatch.
    const absent: PredictOptions = { ...base, drivers: { fw_cfg: 'builtin' } };
    const fw = (t: number, ended = false) => compareBoot({ tree, events: upTo(t), options: absent, clock: { kernelTime: t, ended } }).comparison.devices.find((d) => d.name === '9020000.fw-cfg')!;
    expect(fw(1.0).verdict).toBe('pending');
    expect(fw(1.0, true).verdict).toBe('mismatch');
  });
});
