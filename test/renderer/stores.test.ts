// The renderer's stores and the worker's comparison seam on real parts: the lab board's DTB (dtc), the
// shipped 6.1 driver catalog, the probe model and a real QEMU boot log. Checks that the what-if panel's
// settings reach the prediction, that incremental per-device rows agree with the full comparison, that
// the probe store patches in place, re-queries only when it must, and caps its event window.
// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { createBootLogParser, LiveState, nodeIndexFromDevices } from '../../engine/bootlog';
import { LogFacts } from '../../engine/compare';
import { readDtb } from '../../engine/devicetree';
import { decodeCatalog } from '../../engine/probe';
import { queryRows, summarize } from '../../renderer/src/lib/rows';
import { useProbeStore } from '../../renderer/src/stores/probe';
import { buildRows, pairIndex, rowsForLive, runPredict, type LiveContext } from '../../renderer/src/worker/engine-adapter';
import { freshBootInfo } from '../../renderer/src/worker/live-timeline';
import { DEFAULT_WHAT_IF, LIVE_MARK_CAP, type DeviceRow, type TimelineMark, type WhatIfOptions } from '../../renderer/src/worker/protocol';
import { compileDts } from '../../scripts/lib/lab/board';
import { requireSystem, kernelConfig } from '../../scripts/lib/system';

requireSystem('dtc');

const root = join(import.meta.dirname, '..', '..');
const catalog = decodeCatalog(JSON.parse(readFileSync(join(root, 'resources/kernel/6.1/drivers.json'), 'utf8')));
const config = readFileSync(kernelConfig(), 'utf8');
const tree = readDtb(new Uint8Array(readFileSync(compileDts('virt-gpio-iommu.dts')))).value;
const log = new Uint8Array(readFileSync(join(root, 'test/fixtures/bootlog/lab/no-iommu-driver.log')));

function whatIf(patch: Partial<WhatIfOptions['knobs']> = {}): WhatIfOptions {
  const o = JSON.parse(JSON.stringify(DEFAULT_WHAT_IF)) as WhatIfOptions;
  Object.assign(o.knobs, patch);
  return o;
}

function liveFrom(bytes: Uint8Array, index?: Map<string, string> | ReturnType<typeof nodeIndexFromDevices>) {
  const parser = createBootLogParser({ emitText: true });
  const live = new LiveState(index);
  live.apply(parser.feed(bytes, 0));
  live.apply(parser.finish(0));
  return live;
}

describe('the comparison seam (engine/probe + engine/compare → board rows)', () => {
  it('the what-if command line reaches the prediction: the blacklisted SMMU driver ends the mismatch', () => {
    const plain = runPredict(tree, whatIf(), catalog, config, new LogFacts(), []);
    const blacklisted = runPredict(tree, whatIf({ initcallBlacklist: ['arm_smmu_driver_init'] }), catalog, config, new LogFacts(), []);
    const gpio = (p: typeof plain) => p.devices.find((d) => d.name === '9030000.pl061')!;
    expect(gpio(plain).iommuGroup).not.toBeNull();
    expect(gpio(blacklisted).iommuGroup).toBeNull();
    expect(plain.iommus).toEqual(['/smmuv3@9050000']);

    const live = liveFrom(log, nodeIndexFromDevices(plain.devices));
    const ctx: LiveContext = { coverage: live.coverage(), clock: { kernelTime: null, ended: true }, facts: new LogFacts() };
    const before = buildRows(plain, live.devices(), ctx).rows.find((r) => r.name === '9030000.pl061')!;
    expect(before.verdict).toBe('mismatch');
    expect(before.differs).toContain('iommuGroup');
    const after = buildRows(blacklisted, live.devices(), ctx).rows.find((r) => r.name === '9030000.pl061')!;
    expect(after.differs).not.toContain('iommuGroup');
  });

  it('rows built per changed device while streaming agree with the full comparison at the end', () => {
    const prediction = runPredict(tree, whatIf(), catalog, config, new LogFacts(), []);
    const index = nodeIndexFromDevices(prediction.devices);
    const parser = createBootLogParser({ emitText: true });
    const live = new LiveState(index);
    const pairs = pairIndex(prediction);
    const rows = new Map<string, DeviceRow>(buildRows(prediction, [], { coverage: live.coverage(), clock: { kernelTime: null, ended: false }, facts: new LogFacts() }).rows.map((r) => [r.key, r]));
    for (let i = 0; i < log.length; i += 997) {
      const events = parser.feed(log.subarray(i, i + 997), i);
      live.apply(events);
      const names = new Set(events.flatMap((e) => ('device' in e && typeof e.device === 'string' ? [e.device] : [])));
      const ctx: LiveContext = { coverage: live.coverage(), clock: { kernelTime: null, ended: false }, facts: new LogFacts() };
      for (const r of rowsForLive(prediction, live.devices().filter((d) => names.has(d.name)), ctx, new Set(), pairs)) rows.set(r.key, r);
    }
    const ctx: LiveContext = { coverage: live.coverage(), clock: { kernelTime: null, ended: false }, facts: new LogFacts() };
    const full = buildRows(prediction, live.devices(), ctx);
    for (const r of full.rows) {
      const inc = rows.get(r.key);
      expect(inc, r.key).toBeDefined();
      expect([inc!.verdict, inc!.differs], r.key).toEqual([r.verdict, r.differs]);
      expect(inc!.live).toEqual(r.live);
    }
    expect(rows.size).toBe(full.rows.length);
  });
});

describe('useProbeStore', () => {
  beforeEach(() => setActivePinia(createPinia()));

  function initialRows(): DeviceRow[] {
    const prediction = runPredict(tree, whatIf(), catalog, config, new LogFacts(), []);
    return buildRows(prediction, [], { coverage: liveFrom(new Uint8Array()).coverage(), clock: { kernelTime: null, ended: false }, facts: new LogFacts() }).rows;
  }

  it('replaces rows on a prediction and patches them in place on live messages', () => {
    const probe = useProbeStore();
    const rows = initialRows();
    probe.apply({ type: 'prediction', tab: 1, rows, events: [], diagnostics: [], summary: summarize(rows), ms: 1, drivers: [], iommus: [], anchoring: { cmdline: null, cmdlineFromLog: false, modules: [] }, boot: freshBootInfo() }, 0);
    expect(probe.display.length).toBe(rows.length);
    const shown = probe.display;
    const target = rows.find((r) => r.name === '9030000.pl061')!;
    const patched: DeviceRow = { ...target, verdict: 'mismatch', differs: ['iommuGroup'] };
    const v = probe.version;
    probe.apply({ type: 'live', tab: 1, rows: [patched], events: [], restart: false, boot: null as never, summary: summarize(rows), lastHostTime: 5 }, 100);
    expect(probe.version).toBe(v + 1);
    expect(probe.rows.find((r) => r.key === target.key)!.verdict).toBe('mismatch');
    expect(probe.rows.find((r) => r.key === target.key)!.changedAt).toBe(100);
    // Probe order does not read the live side: the display list is not recomputed for the patch.
    expect(probe.display).toBe(shown);
    probe.query.verdict = 'mismatch';
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        expect(probe.display.map((i) => probe.rows[i]!.name)).toEqual(['9030000.pl061']);
        resolve();
      }, 10),
    );
  });

  it('under a text filter, re-queries for a patch that moves a row in or out, not for one that leaves the list as it is', async () => {
    const probe = useProbeStore();
    const rows = initialRows();
    probe.apply({ type: 'prediction', tab: 1, rows, events: [], diagnostics: [], summary: summarize(rows), ms: 1, drivers: [], iommus: [], anchoring: { cmdline: null, cmdlineFromLog: false, modules: [] }, boot: freshBootInfo() }, 0);
    const target = rows.find((r) => r.name === '9030000.pl061')!;
    probe.query.text = 'pl061';
    await Promise.resolve();
    const shown = probe.display;
    expect(shown.map((i) => probe.rows[i]!.name)).toContain('9030000.pl061');
    const settle = () => new Promise((r) => setTimeout(r, 200)); // past the store's re-query throttle
    // A new verdict for a row the text filter keeps, in probe order: the display list stays exact.
    const bound: DeviceRow = { ...target, verdict: 'match', live: { ...target.predicted!, state: 'bound' } };
    probe.apply({ type: 'live', tab: 1, rows: [bound], events: [], restart: false, boot: null as never, summary: summarize(rows), lastHostTime: 0 }, 1);
    await settle();
    expect(probe.display).toBe(shown);
    // The live driver's name makes another row match the filter: it must appear.
    const other = rows.find((r) => r.name !== target.name && !r.name.includes('pl061') && r.predicted && !(r.predicted.driver ?? '').includes('pl061'))!;
    const renamed: DeviceRow = { ...other, live: { ...other.predicted!, state: 'bound', driver: 'pl061_gpio' } };
    probe.apply({ type: 'live', tab: 1, rows: [renamed], events: [], restart: false, boot: null as never, summary: summarize(rows), lastHostTime: 0 }, 2);
    await settle();
    expect(probe.display).not.toBe(shown);
    expect(probe.display.map((i) => probe.rows[i]!.name)).toContain(other.name);
    expect(probe.display.map((i) => probe.rows[i]!.name)).toEqual(queryRows(probe.rowsNow(), probe.query).map((i) => probe.rows[i]!.name));
  });

  it('keeps at most LIVE_MARK_CAP live timeline events, newest last, and starts over on restart', () => {
    const probe = useProbeStore();
    const batch = (from: number, n: number): TimelineMark[] =>
      Array.from({ length: n }, (_, i) => ({ side: 'live', device: `d${from + i}`, kind: 'bind', t: from + i, seq: from + i, text: '' }));
    const s = summarize([]);
    for (let k = 0; k < 5; k++) probe.apply({ type: 'live', tab: 1, rows: [], events: batch(k * 6000, 6000), restart: false, boot: null as never, summary: s, lastHostTime: 0 });
    expect(probe.liveEvents.length).toBe(LIVE_MARK_CAP);
    expect(probe.liveEvents[probe.liveEvents.length - 1]!.seq).toBe(29_999);
    expect(probe.liveEvents[0]!.seq).toBe(30_000 - LIVE_MARK_CAP);
    probe.apply({ type: 'live', tab: 1, rows: [], events: batch(0, 3), restart: true, boot: null as never, summary: s, lastHostTime: 0 });
    expect(probe.liveEvents.map((e) => e.seq)).toEqual([0, 1, 2]);
  });
});
