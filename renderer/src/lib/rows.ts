// Filtering, sorting and summarising probe-board rows, and the virtual window over them. Pure
// functions over arrays of row indices, so 10,000 rows re-sort in a few milliseconds and the views
// render only the rows on screen.
import type { DeviceRow, RowSummary, Verdict } from '../worker/protocol';

export type SortKey = 'order' | 'name' | 'verdict' | 'state' | 'deferrals' | 'live-order';
export type VerdictFilter = 'all' | 'problems' | 'mismatch' | 'pending' | 'one-side' | 'live-only';

export interface RowQuery {
  text: string;
  verdict: VerdictFilter;
  sort: SortKey;
  descending: boolean;
}

export const DEFAULT_QUERY: RowQuery = { text: '', verdict: 'all', sort: 'order', descending: false };

const VERDICT_RANK: Record<Verdict, number> = { mismatch: 0, 'actual-only': 2, pending: 3, unobserved: 4, match: 6 };

/** A mismatch the log never named: predicted, and the boot went by without it. */
export function notSeen(r: DeviceRow): boolean {
  return r.verdict === 'mismatch' && !r.live;
}

function rank(r: DeviceRow): number {
  return notSeen(r) ? 1 : VERDICT_RANK[r.verdict];
}

export function summarize(rows: readonly DeviceRow[], order: { spearman: number | null; inversions: number } = { spearman: null, inversions: 0 }): RowSummary {
  const s: RowSummary = { devices: rows.length, match: 0, mismatch: 0, pending: 0, predictedOnly: 0, liveOnly: 0, unobserved: 0, ...order };
  for (const r of rows) countRow(s, r, 1);
  return s;
}

/** Adds (or with -1 removes) one row's verdict to the counts. */
export function countRow(s: RowSummary, r: DeviceRow, by: 1 | -1): void {
  switch (r.verdict) {
    case 'match':
      s.match += by;
      break;
    case 'mismatch':
      s.mismatch += by;
      if (!r.live) s.predictedOnly += by;
      break;
    case 'pending':
      s.pending += by;
      break;
    case 'unobserved':
      s.unobserved += by;
      break;
    case 'actual-only':
      s.liveOnly += by;
      break;
  }
}

function isProblem(r: DeviceRow): boolean {
  if (r.verdict === 'mismatch') return true;
  const st = r.live?.state ?? r.predicted?.state;
  return st === 'failed' || st === 'deferred' || (r.live?.deferrals ?? 0) > 0 || (r.predicted?.deferrals ?? 0) > 0;
}

function matchesVerdict(r: DeviceRow, f: VerdictFilter): boolean {
  switch (f) {
    case 'all':
      return true;
    case 'problems':
      return isProblem(r);
    case 'mismatch':
      return r.verdict === 'mismatch';
    case 'pending':
      return r.verdict === 'pending';
    case 'one-side':
      return notSeen(r);
    case 'live-only':
      return r.verdict === 'actual-only';
  }
}

/**
 * The lower-cased fields a text filter searches, once per row object: a filter typed while a log
 * streams re-queries every row several times a second, and a patched row is a new object.
 */
const searchable = new WeakMap<DeviceRow, readonly string[]>();

function searchFields(r: DeviceRow): readonly string[] {
  let f = searchable.get(r);
  if (!f) {
    const d = r.live?.driver ?? r.predicted?.driver;
    f = [r.name.toLowerCase(), r.node?.toLowerCase() ?? '', d?.toLowerCase() ?? ''];
    searchable.set(r, f);
  }
  return f;
}

function matchesText(r: DeviceRow, needle: string): boolean {
  if (!needle) return true;
  for (const f of searchFields(r)) if (f.includes(needle)) return true;
  const st = r.live?.state ?? r.predicted?.state;
  return st === needle;
}

const BIG = Number.MAX_SAFE_INTEGER;

function orderKey(r: DeviceRow): number {
  return r.predicted?.bindIndex ?? r.live?.bindIndex ?? BIG;
}

/** Whether patching rows' live sides in place can change the result of this query. */
export function dependsOnLive(q: RowQuery): boolean {
  return q.verdict !== 'all' || q.text.trim() !== '' || (q.sort !== 'order' && q.sort !== 'name');
}

function sortKey(r: DeviceRow, sort: SortKey): number | string {
  switch (sort) {
    case 'name':
      return r.name;
    case 'state':
      return r.live?.state ?? r.predicted?.state ?? '';
    case 'order':
      return orderKey(r);
    case 'live-order':
      return r.live?.bindIndex ?? BIG;
    case 'verdict':
      return rank(r);
    case 'deferrals':
      return -Math.max(r.live?.deferrals ?? 0, r.predicted?.deferrals ?? 0);
  }
}

/**
 * Whether replacing `before` by `after` at the same index can change what `queryRows` returns: it
 * passes the query where it did not (or the reverse), or its sort key moved. When no patched row
 * does, the displayed index list is still exact and re-querying every row would find it again.
 */
export function placementChanged(before: DeviceRow, after: DeviceRow, q: RowQuery): boolean {
  const needle = q.text.trim().toLowerCase();
  const was = matchesVerdict(before, q.verdict) && matchesText(before, needle);
  const is = matchesVerdict(after, q.verdict) && matchesText(after, needle);
  return was !== is || (is && sortKey(before, q.sort) !== sortKey(after, q.sort));
}

/** Indices into `rows` that pass the query, in display order. Keys are computed once, then compared. */
export function queryRows(rows: readonly DeviceRow[], q: RowQuery): number[] {
  const needle = q.text.trim().toLowerCase();
  const idx: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (matchesVerdict(r, q.verdict) && matchesText(r, needle)) idx.push(i);
  }
  const sign = q.descending ? -1 : 1;
  // Stable: ties keep the worker's order (probe order), so sorting by verdict keeps each group ordered.
  if (q.sort === 'name' || q.sort === 'state') {
    const keys = new Map<number, string>();
    for (const i of idx) keys.set(i, sortKey(rows[i]!, q.sort) as string);
    idx.sort((a, b) => {
      const ka = keys.get(a)!;
      const kb = keys.get(b)!;
      return (ka < kb ? -sign : ka > kb ? sign : 0) || a - b;
    });
    return idx;
  }
  const keys = new Float64Array(rows.length);
  for (const i of idx) keys[i] = sortKey(rows[i]!, q.sort) as number;
  idx.sort((a, b) => (keys[a]! - keys[b]!) * sign || a - b);
  return idx;
}

export interface VirtualWindow {
  /** First index (into the display list) to render. */
  start: number;
  /** One past the last index to render. */
  end: number;
  /** Pixel offset of `start`. */
  offset: number;
  /** Total scroll height. */
  height: number;
}

/** The slice of a fixed-row-height list to render for a viewport, with `overscan` rows either side. */
export function virtualWindow(count: number, rowHeight: number, scrollTop: number, viewport: number, overscan = 8): VirtualWindow {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(viewport / rowHeight) + 1;
  const start = Math.max(0, Math.min(count, first - overscan));
  const end = Math.min(count, first + visible + overscan);
  return { start, end, offset: start * rowHeight, height: count * rowHeight };
}
