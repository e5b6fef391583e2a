// The engine in a Web Worker: rebuilds the board's tree with its source spans (engine/devicetree
// treeFromJson; a bare DTB only when that is all there is, e.g. an old session), predicts every
// probe (engine/probe) anchored to what the live log revealed, parses the serial stream as it arrives
// (engine/bootlog), folds it into live device states and compares them with the prediction through
// the engine's pipeline (engine/compare, as `bringup compare`), holding what the boot has not reached
// yet as pending. The UI thread gets rows and timeline marks as patches, at most every FLUSH_MS.
import { createBootLogParser, LiveState, nodeIndexFromDevices, type BootLogParser } from '../../../engine/bootlog';
import { junitSuiteName, LogFacts, type CompareClock } from '../../../engine/compare';
import { findNodeByPath, readDtb, treeFromJson, type DtTree } from '../../../engine/devicetree';
import { catalogVersionFor, decodeCatalog, type DriverCatalog } from '../../../engine/probe';
import { buildRows, pairIndex, rowsForLive, runPredict, type LiveContext, type PairIndex, type PredictionView, type RowsResult } from './engine-adapter';
import { foldEvents, freshFoldState, type FoldState } from './live-timeline';
import { buildLinkIndex, nodeDetail, type LinkIndex } from './node-view';
import { DEFAULT_WHAT_IF, type DeviceRow, type FromWorker, type RowSummary, type TimelineMark, type ToWorker, type WhatIfOptions } from './protocol';
import { countRow, summarize } from '../lib/rows';

const FLUSH_MS = 16;
/** Full comparisons (bind-order statistics need every device) while a log streams: at most this often... */
const FULL_EVERY_MS = 30_000;
/** ...and once the stream has been quiet this long. */
const FULL_IDLE_MS = 400;
/** A stream quiet this long (host time) has ended the boot, as far as anyone watching can tell. */
const QUIET_END_MS = 30_000;
/** How often a quiet stream's clock is looked at: pending verdicts fall due while nothing is printed. */
const TICK_MS = 500;
/** What the log reveals in a burst (PCI functions) re-predicts once. */
const REANCHOR_MS = 100;
interface WorkerScope {
  postMessage(msg: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

let tree: DtTree | null = null;
let links: LinkIndex | null = null;
let config: string | undefined;
let options: WhatIfOptions = DEFAULT_WHAT_IF;
let prediction: PredictionView | null = null;
let nodeToDevice = new Map<string, string>();

let parser: BootLogParser = createBootLogParser({ emitText: true });
let live = new LiveState();
let liveBoot = 0;
let fold: FoldState = freshFoldState();
/** What the log revealed (command line, userspace start, module loads, the end): anchors the prediction and the due times. */
let facts = new LogFacts();
/** The user said the boot is over. */
let userEnded = false;
/** Worker time of the last line with a kernel timestamp: the kernel's clock runs on through a quiet stream. */
let lastStampAt = 0;
/** What the current prediction was anchored to; a change re-predicts. */
let anchorKey = '';
const pciSeen = new Set<string>();
let boardFileName = '';
let pendingEvents: TimelineMark[] = [];
let lastHostTime = 0;
let sent = new Map<string, string>();
let dirty = false;
/** The current rows by key, the pairing index, and what the last full comparison said about bind order. */
let rowsByKey = new Map<string, DeviceRow>();
let pairs: PairIndex = pairIndex(null);
let inverted = new Set<string>();
let order: { spearman: number | null; inversions: number } = { spearman: null, inversions: 0 };
/** Live devices named by events since the last flush. */
const changedNames = new Set<string>();
let needFull = true;
/** Live events arrived since the last full comparison (the idle refresh has something to do). */
let liveSinceFull = false;
let lastFull = 0;
let lastCoverage = '';
let lastEnded: string | null = null;
let reanchorTimer: ReturnType<typeof setTimeout> | null = null;
let lastFlushCost = 0;
let idleTimer: ReturnType<typeof setTimeout> | null = null;
/** The next live message starts the live timeline afresh (a new boot or connection). */
let resetTimeline = false;
let flushTimer: ReturnType<typeof setTimeout> | null = null;
let lastFlush = 0;

function post(msg: FromWorker) {
  scope.postMessage(msg);
}

function fingerprint(r: DeviceRow): string {
  return JSON.stringify([r.verdict, r.differs, r.note, r.live, r.predicted?.state, r.predicted?.bindIndex]);
}

function currentRows(): RowsResult {
  return buildRows(prediction, live.devices(), liveContext());
}

// The verdict counts, kept as rows are replaced: summarising 10,000 rows on every flush of a streaming
// log is wasted work when a handful changed.
let counts: RowSummary = summarize([]);

function setRow(r: DeviceRow) {
  const old = rowsByKey.get(r.key);
  if (old) countRow(counts, old, -1);
  else counts.devices++;
  countRow(counts, r, 1);
  rowsByKey.set(r.key, r);
}

function summaryNow(): RowSummary {
  return { ...counts, ...order };
}

/** Compares every device (and the bind order); remembers the result as the current rows. */
function fullRows(): RowsResult {
  const result = currentRows();
  order = { spearman: result.spearman, inversions: result.inversions };
  inverted = result.inverted;
  rowsByKey = new Map(result.rows.map((r) => [r.key, r]));
  counts = summarize(result.rows);
  lastFull = performance.now();
  liveSinceFull = false;
  lastCoverage = JSON.stringify(live.coverage());
  lastEnded = endedReason();
  needFull = false;
  changedNames.clear();
  return result;
}

/** Full replace: a new prediction, a new boot, or a reset. */
function sendPrediction(ms: number) {
  const rows = fullRows().rows;
  sent = new Map(rows.map((r) => [r.key, fingerprint(r)]));
  post({
    type: 'prediction',
    rows,
    events: prediction?.timeline ?? [],
    diagnostics: prediction?.diagnostics ?? [],
    summary: summaryNow(),
    ms,
    drivers: prediction?.drivers ?? [],
    iommus: prediction?.iommus ?? [],
    anchoring: prediction?.anchoring ?? { cmdline: null, cmdlineFromLog: false, modules: [] },
  });
}

// The driver catalogs shipped in resources/kernel/<version>/drivers.json, loaded on first use.
const catalogFiles = import.meta.glob<unknown>('../../../resources/kernel/*/drivers.json', { import: 'default' });
const catalogs = new Map<string, DriverCatalog>();
let catalogWarning: string | null = null;

async function catalogFor(kernel: string): Promise<DriverCatalog | null> {
  const versions = Object.keys(catalogFiles).map((f) => /kernel\/([^/]+)\/drivers\.json$/.exec(f)![1]!);
  // The exact version's catalog, else the newest shipped one not newer than it (the CLI's rule).
  const v = catalogVersionFor(kernel, versions);
  catalogWarning = v && v !== kernel ? `no driver catalog for kernel ${kernel}: using the ${v} catalog` : v ? null : 'no driver catalog shipped';
  if (!v) return null;
  let c = catalogs.get(v);
  if (!c) {
    const file = Object.keys(catalogFiles).find((f) => f.includes(`/kernel/${v}/`))!;
    c = decodeCatalog(await catalogFiles[file]!());
    catalogs.set(v, c);
  }
  return c;
}

let predictRun = 0;

async function repredict() {
  if (!tree) return;
  const run = ++predictRun;
  const catalog = await catalogFor(options.kernel);
  if (run !== predictRun || !tree) return;
  const t0 = performance.now();
  try {
    anchorKey = anchoringKey();
    prediction = runPredict(tree, options, catalog, config, facts, live.devices());
    if (catalogWarning) prediction.diagnostics.unshift({ severity: 'warning', code: 'catalog', message: catalogWarning });
  } catch (e) {
    post({ type: 'error', message: `prediction failed: ${e instanceof Error ? e.message : String(e)}` });
    return;
  }
  const ms = performance.now() - t0;
  nodeToDevice = new Map(prediction.devices.filter((d) => d.node).map((d) => [d.node!, d.name]));
  pairs = pairIndex(prediction);
  live.setNodeIndex(nodeIndexFromDevices(prediction.devices));
  sendPrediction(ms);
}

function flush() {
  flushTimer = null;
  if (!dirty) return;
  dirty = false;
  const t0 = performance.now();
  lastFlush = t0;
  if (!needFull && (JSON.stringify(live.coverage()) !== lastCoverage || endedReason() !== lastEnded)) needFull = true;
  let changed: DeviceRow[] = [];
  if (needFull) {
    const before = rowsByKey.size;
    const rows = fullRows().rows;
    if (rows.length < before) {
      // Rows went away (a reset started a new boot): the UI needs the whole list again.
      sendPrediction(0);
    } else {
      for (const r of rows) {
        const f = fingerprint(r);
        if (sent.get(r.key) !== f) {
          sent.set(r.key, f);
          changed.push(r);
        }
      }
    }
  } else if (changedNames.size) {
    const liveNow = live.devicesNamed(changedNames);
    changedNames.clear();
    changed = rowsForLive(prediction, liveNow, liveContext(), inverted, pairs);
    for (const r of changed) {
      setRow(r);
      sent.set(r.key, fingerprint(r));
    }
  }
  const events = pendingEvents;
  pendingEvents = [];
  const restart = resetTimeline;
  resetTimeline = false;
  post({ type: 'live', rows: changed, events, restart, boot: { ...fold.bootInfo, ended: endedReason() }, summary: summaryNow(), lastHostTime });
  lastFlushCost = performance.now() - t0;
  // Bind-order statistics need every device: refresh them now and then while streaming, and when it
  // pauses, once: a full comparison of a quiet stream changes nothing, and re-arming after it would
  // compare every device forever, competing with the UI thread for the CPU.
  if (idleTimer !== null) clearTimeout(idleTimer);
  idleTimer = null;
  if (liveSinceFull) {
    idleTimer = setTimeout(() => {
      idleTimer = null;
      if (liveSinceFull) {
        needFull = true;
        schedule();
      }
    }, FULL_IDLE_MS);
  }
  if (performance.now() - lastFull > FULL_EVERY_MS) needFull = true;
}

function liveContext(): LiveContext {
  return { coverage: live.coverage(), clock: clock(), facts };
}

/** Why the boot counts as over: what the log showed, the user, or a stream quiet for QUIET_END_MS. */
function endedReason(): string | null {
  if (facts.ended) return facts.ended;
  if (userEnded) return 'ended by the user';
  if (fold.bootInfo.kernelStarted && performance.now() - lastStampAt > QUIET_END_MS) return 'stream quiet';
  return null;
}

/** The kernel's clock: the last printk stamp, run on by the time the stream has been quiet since. */
function clock(): CompareClock {
  const t = facts.kernelTime;
  return { kernelTime: t === null ? null : t + Math.max(0, performance.now() - lastStampAt) / 1000, ended: endedReason() !== null };
}

/** What the prediction is anchored to: the log's command line, module loads, PCI functions. */
function anchoringKey(): string {
  return JSON.stringify([facts.cmdline, [...facts.driversAfterInit.keys()], [...pciSeen]]);
}

/**
 * While anything is pending, the clock (or the quiet) may bring its verdict due without a new line:
 * look now and then, and recompare when a due time has passed or the boot has ended.
 */
function tick() {
  if (!counts.pending) return;
  const c = clock();
  let due = c.ended !== (lastEnded !== null);
  if (!due && c.kernelTime !== null) for (const r of rowsByKey.values()) if (r.verdict === 'pending' && r.dueAt !== undefined && r.dueAt < c.kernelTime) due = true;
  if (due) {
    needFull = true;
    schedule();
  }
}

function schedule() {
  dirty = true;
  if (flushTimer !== null) return;
  // A flush that costs more than a frame (a huge board) spaces the next ones out, so parsing keeps up.
  const wait = Math.max(0, Math.max(FLUSH_MS, 2 * lastFlushCost) - (performance.now() - lastFlush));
  flushTimer = setTimeout(flush, wait);
}

function onSerial(bytes: Uint8Array, hostTime: number) {
  const events = parser.feed(bytes, hostTime);
  lastHostTime = hostTime;
  if (events.length) {
    let from = 0;
    for (let i = 0; i < events.length; i++) {
      if (events[i]!.boot === liveBoot) continue;
      // A reset: the timeline and the summary show the new boot only, like the live states.
      liveBoot = events[i]!.boot;
      fold = freshFoldState();
      facts = new LogFacts();
      userEnded = false;
      pciSeen.clear();
      needFull = true;
      pendingEvents = [];
      resetTimeline = true;
      from = i;
    }
    const mine = from ? events.slice(from) : events;
    pendingEvents.push(...foldEvents(mine, fold));
    const stamped = facts.kernelTime;
    facts.apply(mine);
    if (facts.kernelTime !== stamped) lastStampAt = performance.now();
    for (const e of events) {
      if (!('device' in e) || typeof e.device !== 'string') continue;
      changedNames.add(e.device);
      if (/^[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(e.device)) pciSeen.add(e.device);
    }
    live.apply(events);
    liveSinceFull = true;
    // What the log revealed changes the prediction itself: predict again with it, as bringup compare does
    // (coalesced: a PCI bus enumerating names many functions in a burst).
    if (tree && anchoringKey() !== anchorKey && reanchorTimer === null) {
      reanchorTimer = setTimeout(() => {
        reanchorTimer = null;
        if (anchoringKey() !== anchorKey) void repredict();
      }, REANCHOR_MS);
    }
  }
  const b = fold.bootInfo;
  b.bytes = parser.stats.bytes;
  b.lines = parser.stats.lines;
  b.boots = parser.stats.boots;
  schedule();
}

function resetLive() {
  parser = createBootLogParser({ emitText: true });
  live = new LiveState(prediction ? nodeIndexFromDevices(prediction.devices) : undefined);
  liveBoot = 0;
  fold = freshFoldState();
  facts = new LogFacts();
  userEnded = false;
  pciSeen.clear();
  lastStampAt = performance.now();
  pendingEvents = [];
  resetTimeline = true;
  if (tree && anchoringKey() !== anchorKey) void repredict();
  sendPrediction(0);
  dirty = true;
  flush();
}

function onBoard(dtb: Uint8Array, treeJson: unknown, cfg: string | undefined, fileName: string | undefined) {
  boardFileName = fileName ?? '';
  // The JSON tree carries every source span; the DTB does not, so it is read only without one.
  const read = treeJson ? treeFromJson(treeJson) : readDtb(dtb);
  tree = read.value;
  links = buildLinkIndex(tree);
  config = cfg;
  const errors = read.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) post({ type: 'error', message: `${treeJson ? 'tree' : 'DTB'}: ${errors[0]!.message}` });
  void repredict();
}

// The worker lives as long as its page: the tick never needs stopping.
setInterval(tick, TICK_MS);

scope.onmessage = (e) => {
  const msg = e.data;
  try {
    switch (msg.type) {
      case 'board':
        onBoard(msg.dtb, msg.treeJson, msg.config, msg.fileName);
        break;
      case 'options':
        options = msg.options;
        void repredict();
        break;
      case 'serial':
        onSerial(msg.bytes, msg.hostTime);
        break;
      case 'resetLive':
        resetLive();
        break;
      case 'endBoot':
        userEnded = true;
        needFull = true;
        schedule();
        break;
      case 'report': {
        const full = fullRows();
        sent = new Map(full.rows.map((r) => [r.key, fingerprint(r)]));
        post({ type: 'report', requestId: msg.requestId, report: full.comparison ? { comparison: full.comparison, suite: junitSuiteName(boardFileName) } : null });
        break;
      }
      case 'node': {
        const node = tree ? findNodeByPath(tree, msg.path) : undefined;
        const detail = node && links ? nodeDetail(node, links, (p) => nodeToDevice.get(p)) : null;
        post({ type: 'node', requestId: msg.requestId, detail });
        break;
      }
    }
  } catch (err) {
    post({ type: 'error', message: `engine: ${err instanceof Error ? err.message : String(err)}` });
  }
};
