// Bind-order statistics of engine/compare against brute force: the merge-sort inversion count equals the
// O(n²) pair count, Spearman's rho equals the Pearson correlation of the two rank vectors, and the listed
// inversions are real, neighbouring in the predicted order, capped, and empty only when nothing is inverted.
import { describe, expect, it } from 'vitest';
import type { DeviceReport } from '../../../engine/common';
import { compareDevices, countInversions } from '../../../engine/compare';

/** mulberry32: a seeded generator, so a failure names the permutation that caused it. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(n: number, random: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** A permutation a few local swaps away from sorted: what a nearly right prediction looks like. */
function nearlySorted(n: number, swaps: number, random: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let s = 0; s < swaps; s++) {
    const i = Math.floor(random() * n);
    const j = Math.min(n - 1, i + 1 + Math.floor(random() * 4));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

function bruteForceInversions(a: readonly number[]): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) for (let j = i + 1; j < a.length; j++) if (a[i]! > a[j]!) count++;
  return count;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

function device(name: string, bindIndex: number): DeviceReport {
  return { name, node: `/soc/${name}`, state: 'bound', driver: 'drv', iommuGroup: null, deferrals: 0, bindIndex, why: [] };
}

/**
 * Device i binds i-th in the prediction and actualOrder[i]-th in the log. Bind indexes are spread out
 * (not 0..n-1) and the lists shuffled, so ranks must come from sorting, not from the indexes themselves.
 */
function reports(actualOrder: readonly number[], random: () => number): { predicted: DeviceReport[]; actual: DeviceReport[] } {
  const predicted = actualOrder.map((_, i) => device(`d${i}`, 3 * i + 1));
  const actual = actualOrder.map((r, i) => device(`d${i}`, 5 * r + 2));
  const order = shuffled(actualOrder.length, random);
  return { predicted: order.map((i) => predicted[i]!), actual: shuffled(actualOrder.length, random).map((i) => actual[i]!) };
}

describe('countInversions', () => {
  it('equals the brute-force pair count on random permutations of every size up to 64', () => {
    const random = rng(1);
    for (let n = 0; n <= 64; n++) {
      for (let k = 0; k < 5; k++) {
        const p = shuffled(n, random);
        expect(countInversions(p), `n=${n} ${p.join(',')}`).toBe(bruteForceInversions(p));
      }
    }
  });

  it('equals the brute-force count on large random and nearly sorted permutations', () => {
    const random = rng(2);
    for (const n of [500, 1023, 1024, 1025, 3000]) {
      const p = shuffled(n, random);
      expect(countInversions(p)).toBe(bruteForceInversions(p));
      const q = nearlySorted(n, 20, random);
      expect(countInversions(q)).toBe(bruteForceInversions(q));
    }
  });

  it('counts repeated values as not inverted, and leaves its input alone', () => {
    const a = [3, 1, 3, 2, 1, 3];
    const copy = a.slice();
    expect(countInversions(a)).toBe(bruteForceInversions(a));
    expect(a).toEqual(copy);
  });

  it('a reversed board of 9,000 bound devices: n(n-1)/2', () => {
    const n = 9000;
    const p = Array.from({ length: n }, (_, i) => n - 1 - i);
    expect(countInversions(p)).toBe((n * (n - 1)) / 2);
  });
});

describe('compareDevices bind order', () => {
  it('count, Spearman and the listed pairs agree with brute force on random orders', () => {
    const random = rng(3);
    for (let round = 0; round < 60; round++) {
      const n = 2 + Math.floor(random() * 300);
      const order = round % 2 ? shuffled(n, random) : nearlySorted(n, 1 + Math.floor(random() * 10), random);
      const { predicted, actual } = reports(order, random);
      const maxInversions = 1 + Math.floor(random() * 40);
      const b = compareDevices(predicted, actual, { maxInversions }).bindOrder;
      const count = bruteForceInversions(order);
      expect(b.compared).toBe(n);
      expect(b.inversionCount).toBe(count);
      expect(b.spearman!).toBeCloseTo(pearson(order.map((_, i) => i), order), 12);
      expect(b.inversions.length).toBe(Math.min(maxInversions, order.slice(1).filter((r, i) => order[i]! > r).length));
      expect(b.inversions.length === 0).toBe(count === 0);
      for (const inv of b.inversions) {
        const i = Number(inv.first.slice(1));
        const j = Number(inv.second.slice(1));
        // neighbours in the prediction, bound the other way round in the log, with their real bind indexes
        expect(j).toBe(i + 1);
        expect(order[i]!).toBeGreaterThan(order[j]!);
        expect(inv.predicted).toEqual([3 * i + 1, 3 * j + 1]);
        expect(inv.actual).toEqual([5 * order[i]! + 2, 5 * order[j]! + 2]);
      }
      // biggest jump in the log's order first
      const jumps = b.inversions.map((inv) => (inv.actual[0] - inv.actual[1]) / 5);
      expect(jumps).toEqual(jumps.slice().sort((x, y) => y - x));
    }
  });

  it('one device bound far later than predicted is named by the pair that breaks the order', () => {
    // predicted 0..9; the log bound device d2 last
    const order = [0, 1, 9, 2, 3, 4, 5, 6, 7, 8];
    const { predicted, actual } = reports(order, rng(4));
    const b = compareDevices(predicted, actual).bindOrder;
    expect(b.inversionCount).toBe(7);
    expect(b.inversions.map((x) => [x.first, x.second])).toEqual([['d2', 'd3']]);
  });

  it('devices not bound on both sides stay out of the statistics', () => {
    const order = [1, 0, 2, 3];
    const { predicted, actual } = reports(order, rng(5));
    const d3 = actual.find((d) => d.name === 'd3')!;
    d3.state = 'deferred';
    d3.bindIndex = null;
    const b = compareDevices(predicted, actual).bindOrder;
    expect(b.compared).toBe(3);
    expect(b.inversionCount).toBe(1);
    expect(b.inversions.map((x) => [x.first, x.second])).toEqual([['d0', 'd1']]);
    expect(compareDevices(predicted.slice(0, 1), actual).bindOrder).toMatchObject({ compared: 1, spearman: null, inversionCount: 0, inversions: [] });
  });
});
