// Golden tests over the lab's real QEMU boots (test/fixtures/bootlog/lab/<scenario>.log): the parser's
// per-device live state must agree with what the kernel itself reported in sysfs/debugfs at the end of
// the boot (<scenario>.truth.json, written by the lab helper from its own block, not by this parser).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBootLogParser, liveDevices, type BootEvent, type LiveDeviceReport } from '../../../engine/bootlog';
import type { Truth, TruthDevice } from '../../../scripts/lib/lab/truth';

const LAB = join(__dirname, '../../fixtures/bootlog/lab');

/** The kernel's console only: the lab's own truth block (`LAB:` lines) is what we are judged against. */
export function kernelOnly(log: string): string {
  return log
    .split('\n')
    .filter((l) => !l.startsWith('LAB:') && !l.startsWith('@@LAB-'))
    .join('\n');
}

function parseAll(bytes: Uint8Array): BootEvent[] {
  const p = createBootLogParser();
  return [...p.feed(bytes, 0), ...p.finish(0)];
}

/** Every recorded boot: the 6.1 arm64 ones at the top of the folder, each other kernel's in a folder of its own. */
const scenarios = ['', ...readdirSync(LAB, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `${e.name}/`)]
  .flatMap((dir) =>
    readdirSync(join(LAB, dir))
      .filter((f) => f.endsWith('.log'))
      .map((f) => `${dir}${f.slice(0, -4)}`),
  )
  .filter((s) => existsSync(join(LAB, `${s}.truth.json`)))
  .sort();

describe('lab golden logs', () => {
  it('has lab logs to check', () => {
    expect(scenarios.length).toBeGreaterThan(0);
  });

  for (const scenario of scenarios) {
    it(`${scenario}: every device agrees with the kernel's own sysfs/debugfs report`, () => {
      const log = kernelOnly(readFileSync(join(LAB, `${scenario}.log`), 'utf8'));
      const truth = JSON.parse(readFileSync(join(LAB, `${scenario}.truth.json`), 'utf8')) as Truth;
      const events = parseAll(new TextEncoder().encode(log));
      const live = new Map(liveDevices(events).map((d) => [d.name, d]));
      const dyndbg = truth.bindOrder !== null;
      const problems: string[] = [];
      for (const t of truth.devices) {
        const d = live.get(t.name);
        if (!d) {
          // Absent is right only when the kernel printed nothing about the device: a dev_printk line,
          // "<bus or driver> <device>: " (a subsystem's "clocksource: timer: " is not one).
          const mentioned = new RegExp(`^\\[[^\\]]*\\] [^\\s:]+ ${t.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `, 'm').test(log);
          if (mentioned) problems.push(`${t.name}: the log names it but the parser lost it`);
          if (dyndbg && t.driver) problems.push(`${t.name}: bound (${t.driver}) but not reported`);
          if (t.iommuGroup !== null) problems.push(`${t.name}: in iommu group ${t.iommuGroup} but not reported`);
          if (t.deferred) problems.push(`${t.name}: deferred but not reported`);
          continue;
        }
        problems.push(...disagreements(t, d, log));
      }
      for (const [name, g] of Object.entries(truth.groups)) {
        for (const dev of g) if (live.get(dev)?.iommuGroup !== Number(name)) problems.push(`${dev}: group ${name} missing`);
      }
      if (truth.bindOrder) {
        const order = [...live.values()].filter((d) => d.bindIndex !== null).sort((a, b) => a.bindIndex! - b.bindIndex!).map((d) => d.name);
        expect(order).toEqual(truth.bindOrder);
      }
      expect(problems).toEqual([]);
    });
  }
});

function disagreements(t: TruthDevice, d: LiveDeviceReport, log: string): string[] {
  const out: string[] = [];
  if (t.driver) {
    if (d.state !== 'bound') out.push(`${t.name}: kernel bound it to ${t.driver}, parser says ${d.state}`);
    // A quiet log may never name the driver (6.12's PL011 prints only the serial core's "ttyAMA0 at MMIO").
    if (d.driver !== t.driver && (d.driver !== null || log.includes(`${t.driver} `))) out.push(`${t.name}: driver ${t.driver} vs ${d.driver}`);
  } else if (t.deferred) {
    if (d.state !== 'deferred') out.push(`${t.name}: kernel lists it deferred, parser says ${d.state}`);
  } else if (d.state === 'bound' || d.state === 'deferred') {
    out.push(`${t.name}: kernel has no driver on it and no deferral, parser says ${d.state}`);
  }
  if (d.iommuGroup !== t.iommuGroup) out.push(`${t.name}: iommu group ${t.iommuGroup} vs ${d.iommuGroup}`);
  // Deferral count, against dd.c's own "Added to deferred list" (one per deferral under dyndbg).
  const added = log.split('\n').filter((l) => l.endsWith(` ${t.name}: Added to deferred list`) || l.endsWith(` ${t.name}: Added to deferred list\r`)).length;
  if (added > 0 && d.deferrals !== added) out.push(`${t.name}: ${added} deferrals printed, parser counted ${d.deferrals}`);
  if (t.deferred && d.deferrals < 1) out.push(`${t.name}: deferred at the end but no deferral counted`);
  return out;
}
