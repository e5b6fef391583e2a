// The probe board's row pipeline on real QEMU boot logs: the worker's boot-summary fold and timeline
// marks, the row query (filter/sort/verdict) and the virtual window, checked against what the log
// itself says (independent regexes over the raw text), fed in random chunk sizes as a serial line does.
// @vitest-environment happy-dom
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBootLogParser, LiveState } from '../../engine/bootlog';
import { LogFacts } from '../../engine/compare';
import { queryRows, summarize, virtualWindow } from '../../renderer/src/lib/rows';
import { buildRows } from '../../renderer/src/worker/engine-adapter';
import { foldEvents, freshFoldState } from '../../renderer/src/worker/live-timeline';
import type { TimelineMark } from '../../renderer/src/worker/protocol';

const labDir = join(import.meta.dirname, '..', 'fixtures', 'bootlog', 'lab');
const logs = readdirSync(labDir).filter((f) => f.endsWith('.log'));

function stream(bytes: Uint8Array, seed: number) {
  const parser = createBootLogParser({ emitText: true });
  const fold = freshFoldState();
  const live = new LiveState();
  const marks: TimelineMark[] = [];
  let s = seed;
  for (let i = 0; i < bytes.length; ) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (s % 700);
    const events = parser.feed(bytes.subarray(i, i + n), 1000 + i);
    marks.push(...foldEvents(events, fold));
    live.apply(events);
    i += n;
  }
  const tail = parser.finish(1e9);
  marks.push(...foldEvents(tail, fold));
  live.apply(tail);
  return { fold, marks, live: live.devices() };
}

describe('live rows from the lab logs', () => {
  it('has lab logs to read', () => {
    expect(logs.length).toBeGreaterThan(0);
  });

  for (const file of logs) {
    const bytes = new Uint8Array(readFileSync(join(labDir, file)));
    const text = new TextDecoder().decode(bytes);

    it(`${file}: boot summary and timeline marks agree with the raw log`, () => {
      const { fold, marks } = stream(bytes, 7);
      const version = /Linux version (\S+)/.exec(text)?.[1];
      expect(fold.bootInfo.kernelVersion).toBe(version);
      const stamps = [...text.matchAll(/^\[\s*(\d+\.\d+)\]/gm)].map((m) => Number(m[1]));
      expect(fold.bootInfo.lastKernelTime).toBe(stamps[stamps.length - 1]);
      // One bind mark per device bound: at least every one dd.c says it bound (driver_bound or
      // really_probe line), and only devices the kernel's own truth block lists with a driver (a
      // driver's end-of-probe line proves a bind without dd.c debug).
      const ddBound = new Set([
        ...[...text.matchAll(/driver_bound: bound to device '([^']+)'/g)].map((m) => m[1]),
        ...[...text.matchAll(/really_probe: bound device (\S+) to driver/g)].map((m) => m[1]),
      ]);
      const truthBound = new Set([...text.matchAll(/^LAB:dev \S+ (\S+) (\S+) /gm)].filter((m) => m[2] !== '-').map((m) => m[1]));
      const bindMarks = marks.filter((m) => m.kind === 'bind').map((m) => m.device);
      for (const d of ddBound) expect(bindMarks, `dd.c bound ${d}`).toContain(d);
      for (const d of bindMarks) expect(truthBound.has(d) || ddBound.has(d), `bind mark for ${d}, which the kernel did not bind`).toBe(true);
      expect(bindMarks.length).toBe(new Set(bindMarks).size);
      const groups = [...text.matchAll(/ (\S+): Adding to iommu group (\d+)/g)].map((m) => m[1]);
      expect(marks.filter((m) => m.kind === 'iommu').map((m) => m.device)).toEqual(groups);
      // Marks are in stream order and carry the kernel time of their line.
      for (let i = 1; i < marks.length; i++) expect(marks[i]!.seq).toBeGreaterThan(marks[i - 1]!.seq);
      // (the parser's seconds may carry float noise in the last bit: 1.133482 → 1.1334819999999999)
      expect(marks.filter((m) => m.t !== null && !stamps.some((s) => Math.abs(s - m.t!) < 1e-9))).toEqual([]);
    });

    it(`${file}: chunking does not change the fold`, () => {
      const a = stream(bytes, 1);
      const b = stream(bytes, 99);
      expect(b.marks.map((m) => [m.kind, m.device, m.t])).toEqual(a.marks.map((m) => [m.kind, m.device, m.t]));
      expect(b.live).toEqual(a.live);
    });

    it(`${file}: rows filter, sort and window`, () => {
      const { live } = stream(bytes, 3);
      const coverage = { driverCoreDebug: true, initcallDebug: false, deferredListing: false, iommuGroupListing: false, driverListing: false, timeoutReport: false };
      const { rows } = buildRows(null, live, { coverage, clock: { kernelTime: null, ended: true }, facts: new LogFacts() });
      expect(rows.length).toBe(live.length);
      // No board: every live row is in the log only (the engine's one vocabulary).
      expect(summarize(rows).liveOnly).toBe(rows.length);
      const all = queryRows(rows, { text: '', verdict: 'all', sort: 'name', descending: false });
      const names = all.map((i) => rows[i]!.name);
      expect(names).toEqual([...names].sort());
      const desc = queryRows(rows, { text: '', verdict: 'all', sort: 'name', descending: true }).map((i) => rows[i]!.name);
      expect(desc).toEqual([...names].reverse());
      const needle = rows.find((r) => r.name.includes('.'))!.name.split('.')[1]!;
      const hits = queryRows(rows, { text: needle.toUpperCase(), verdict: 'all', sort: 'order', descending: false });
      const expected = rows.filter((r) => [r.name, r.node ?? '', r.live?.driver ?? ''].some((s) => s.toLowerCase().includes(needle.toLowerCase())));
      expect(hits.length).toBe(expected.length);
      const bound = queryRows(rows, { text: '', verdict: 'all', sort: 'live-order', descending: false })
        .map((i) => rows[i]!.live!.bindIndex)
        .filter((x) => x !== null);
      expect(bound).toEqual([...bound].sort((x, y) => x! - y!));
      expect(queryRows(rows, { text: '', verdict: 'mismatch', sort: 'order', descending: false })).toEqual([]);
    });
  }

  it('virtual window covers the viewport and no more than the overscan', () => {
    for (const [count, top, vp] of [
      [10_000, 0, 600],
      [10_000, 123_457, 600],
      [10_000, 10_000 * 22, 600],
      [5, 0, 600],
      [0, 0, 600],
    ] as const) {
      const w = virtualWindow(count, 22, top, vp, 8);
      expect(w.height).toBe(count * 22);
      expect(w.offset).toBe(w.start * 22);
      const firstVisible = Math.min(count, Math.floor(top / 22));
      const lastVisible = Math.min(count, Math.ceil((top + vp) / 22));
      expect(w.start).toBeLessThanOrEqual(firstVisible);
      expect(w.end).toBeGreaterThanOrEqual(lastVisible);
      expect(w.end - w.start).toBeLessThanOrEqual(Math.ceil(vp / 22) + 1 + 16);
    }
  });
});
