// One console tab's board in the engine worker: its tree with the source spans (engine/devicetree
// treeFromJson; a bare DTB only when that is all there is, e.g. an old session), the prediction of
// every probe (engine/probe) anchored to what its live log revealed, the parser of its serial stream
// (engine/bootlog) folded into live device states, and the comparison of the two through the engine's
// pipeline (engine/compare, as `bringup compare`), holding what the boot has not reached yet as pending.
// Every tab's stream is parsed and compared as it arrives, in front or not, so each tab's mismatch count
// is true at a glance; the UI shows the rows of the tab in front (`show` sends them all again).
// Messages go out as patches, at most every FLUSH_MS, each tagged with the tab.
import { createBootLogParser, LiveState, nodeIndexFromDevices, type BootLogParser } from '../../../engine/bootlog';
import { junitSuiteName, LogFacts, type CompareClock } from '../../../engine/compare';
import { findNodeByPath, readDtb, treeFromJson, type DtTree } from '../../../engine/devicetree';
import type { DriverCatalog } from '../../../engine/probe';
import { countRow, summarize } from '../lib/rows';
import { buildRows, pairIndex, rowsForLive, runPredict, type LiveContext, type PairIndex, type PredictionView, type RowsResult } from './engine-adapter';
import { foldEvents, freshFoldState, type FoldState } from './live-timeline';
import { buildLinkIndex, nodeDetail, type LinkIndex } from './node-view';
import { DEFAULT_WHAT_IF, LIVE_MARK_CAP, type DeviceRow, type FromWorker, type NodeDetail, type RowSummary, type SessionReport, type TimelineMark, type WhatIfOptions } from './protocol';

const FLUSH_MS = 16;
/** Full comparisons (bind-order statistics need every device) while a log streams: at most this often... */
const FULL_EVERY_MS = 30_000;
/** ...and once the stream has been quiet this long. */
const FULL_IDLE_MS = 400;
/** A stream quiet this long (host time) has ended the boot, as far as anyone watching can tell. */
const QUIET_END_MS = 30_000;
/** What the log reveals in a burst (PCI functions) re-predicts once. */
const REANCHOR_MS = 100;

/** The catalog for a kernel version, and what to say when it is another version's. */
export type CatalogLoader = (kernel: string) => Promise<{ catalog: DriverCatalog | null; warning: string | null }>;

type Untagged<T> = T extends { tab: unknown } ? Omit<T, 'tab'> : never;

function fingerprint(r: DeviceRow): string {
  return JSON.stringify([r.verdict, r.differs, r.note, r.live, r.predicted?.state, r.predicted?.bindIndex]);
}

export class BoardWorkspace {
  private tree: DtTree | null = null;
  private links: LinkIndex | null = null;
  private config: string | undefined;
  private options: WhatIfOptions = DEFAULT_WHAT_IF;
  private prediction: PredictionView | null = null;
  private nodeToDevice = new Map<string, string>();

  private parser: BootLogParser = createBootLogParser({ emitText: true });
  private live = new LiveState();
  private liveBoot = 0;
  private fold: FoldState = freshFoldState();
  /** What the log revealed (command line, userspace start, module loads, the end): anchors the prediction and the due times. */
  private facts = new LogFacts();
  /** The user said the boot is over. */
  private userEnded = false;
  /** Worker time of the last line with a kernel timestamp: the kernel's clock runs on through a quiet stream. */
  private lastStampAt = 0;
  /** What the current prediction was anchored to; a change re-predicts. */
  private anchorKey = '';
  private readonly pciSeen = new Set<string>();
  private boardFileName = '';
  /** This boot's live timeline marks (the newest LIVE_MARK_CAP), to show the tab again when it comes to the front. */
  private marks: TimelineMark[] = [];
  private pendingEvents: TimelineMark[] = [];
  private lastHostTime = 0;
  private sent = new Map<string, string>();
  private dirty = false;
  /** The current rows by key, the pairing index, and what the last full comparison said about bind order. */
  private rowsByKey = new Map<string, DeviceRow>();
  private pairs: PairIndex = pairIndex(null);
  private inverted = new Set<string>();
  private order: { spearman: number | null; inversions: number } = { spearman: null, inversions: 0 };
  /** Live devices named by events since the last flush. */
  private readonly changedNames = new Set<string>();
  private needFull = true;
  /** Live events arrived since the last full comparison (the idle refresh has something to do). */
  private liveSinceFull = false;
  private lastFull = 0;
  private lastCoverage = '';
  private lastEnded: string | null = null;
  private reanchorTimer: ReturnType<typeof setTimeout> | null = null;
  private lastFlushCost = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  /** The next live message starts the live timeline afresh (a new boot or connection). */
  private resetTimeline = false;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private lastFlush = 0;
  private predictRun = 0;
  /** A prediction is being made (the catalog may still be loading). */
  private predicting = false;
  private closed = false;
  // The verdict counts, kept as rows are replaced: summarising 10,000 rows on every flush of a streaming
  // log is wasted work when a handful changed.
  private counts: RowSummary = summarize([]);

  constructor(
    readonly tab: number,
    private readonly send: (msg: FromWorker) => void,
    private readonly catalogFor: CatalogLoader,
  ) {}

  private post(msg: Untagged<FromWorker>) {
    if (!this.closed) this.send({ ...msg, tab: this.tab } as FromWorker);
  }

  private currentRows(): RowsResult {
    return buildRows(this.prediction, this.live.devices(), this.liveContext());
  }

  private setRow(r: DeviceRow) {
    const old = this.rowsByKey.get(r.key);
    if (old) countRow(this.counts, old, -1);
    else this.counts.devices++;
    countRow(this.counts, r, 1);
    this.rowsByKey.set(r.key, r);
  }

  private summaryNow(): RowSummary {
    return { ...this.counts, ...this.order };
  }

  /** Compares every device (and the bind order); remembers the result as the current rows. */
  private fullRows(): RowsResult {
    const result = this.currentRows();
    this.order = { spearman: result.spearman, inversions: result.inversions };
    this.inverted = result.inverted;
    this.rowsByKey = new Map(result.rows.map((r) => [r.key, r]));
    this.counts = summarize(result.rows);
    this.lastFull = performance.now();
    this.liveSinceFull = false;
    this.lastCoverage = JSON.stringify(this.live.coverage());
    this.lastEnded = this.endedReason();
    this.needFull = false;
    this.changedNames.clear();
    return result;
  }

  /** Full replace: a new prediction, a new boot, or a reset. */
  private sendPrediction(ms: number) {
    const rows = this.fullRows().rows;
    this.sent = new Map(rows.map((r) => [r.key, fingerprint(r)]));
    const p = this.prediction;
    this.post({
      type: 'prediction',
      rows,
      events: p?.timeline ?? [],
      diagnostics: p?.diagnostics ?? [],
      summary: this.summaryNow(),
      ms,
      drivers: p?.drivers ?? [],
      iommus: p?.iommus ?? [],
      anchoring: p?.anchoring ?? { cmdline: null, cmdlineFromLog: false, modules: [] },
      boot: this.bootInfo(),
    });
  }

  private async repredict() {
    if (!this.tree) return;
    const run = ++this.predictRun;
    this.predicting = true;
    const { catalog, warning } = await this.catalogFor(this.options.kernel).finally(() => {
      if (run === this.predictRun) this.predicting = false;
    });
    if (run !== this.predictRun || !this.tree || this.closed) return;
    const t0 = performance.now();
    try {
      this.anchorKey = this.anchoringKey();
      this.prediction = runPredict(this.tree, this.options, catalog, this.config, this.facts, this.live.devices());
      if (warning) this.prediction.diagnostics.unshift({ severity: 'warning', code: 'catalog', message: warning });
    } catch (e) {
      this.post({ type: 'error', message: `prediction failed: ${e instanceof Error ? e.message : String(e)}` });
      if (this.dirty) this.schedule();
      return;
    }
    const ms = performance.now() - t0;
    this.nodeToDevice = new Map(this.prediction.devices.filter((d) => d.node).map((d) => [d.node!, d.name]));
    this.pairs = pairIndex(this.prediction);
    this.live.setNodeIndex(nodeIndexFromDevices(this.prediction.devices));
    this.sendPrediction(ms);
    // A flush held back for this prediction (the boot ended) goes now.
    if (this.dirty) this.schedule();
  }

  private flush() {
    this.flushTimer = null;
    if (!this.dirty || this.closed) return;
    // An ended boot gets final verdicts: never against a prediction that what the log revealed (a module
    // load, a PCI function printed just before the power-off) has already overtaken. Predict with it
    // first; the flush follows the new prediction.
    if (this.tree && this.endedReason() !== null && (this.predicting || this.anchoringKey() !== this.anchorKey)) {
      if (!this.predicting) {
        if (this.reanchorTimer !== null) clearTimeout(this.reanchorTimer);
        this.reanchorTimer = null;
        void this.repredict();
      }
      return;
    }
    this.dirty = false;
    const t0 = performance.now();
    this.lastFlush = t0;
    if (!this.needFull && (JSON.stringify(this.live.coverage()) !== this.lastCoverage || this.endedReason() !== this.lastEnded)) this.needFull = true;
    let changed: DeviceRow[] = [];
    if (this.needFull) {
      const before = this.rowsByKey.size;
      const rows = this.fullRows().rows;
      if (rows.length < before) {
        // Rows went away (a reset started a new boot): the UI needs the whole list again.
        this.sendPrediction(0);
      } else {
        for (const r of rows) {
          const f = fingerprint(r);
          if (this.sent.get(r.key) !== f) {
            this.sent.set(r.key, f);
            changed.push(r);
          }
        }
      }
    } else if (this.changedNames.size) {
      const liveNow = this.live.devicesNamed(this.changedNames);
      this.changedNames.clear();
      changed = rowsForLive(this.prediction, liveNow, this.liveContext(), this.inverted, this.pairs);
      for (const r of changed) {
        this.setRow(r);
        this.sent.set(r.key, fingerprint(r));
      }
    }
    const events = this.pendingEvents;
    this.pendingEvents = [];
    const restart = this.resetTimeline;
    this.resetTimeline = false;
    if (restart) this.marks = [];
    this.keepMarks(events);
    this.post({ type: 'live', rows: changed, events, restart, boot: this.bootInfo(), summary: this.summaryNow(), lastHostTime: this.lastHostTime });
    this.lastFlushCost = performance.now() - t0;
    // Bind-order statistics need every device: refresh them now and then while streaming, and when it
    // pauses, once: a full comparison of a quiet stream changes nothing, and re-arming after it would
    // compare every device forever, competing with the UI thread for the CPU.
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.liveSinceFull) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = null;
        if (this.liveSinceFull) {
          this.needFull = true;
          this.schedule();
        }
      }, FULL_IDLE_MS);
    }
    if (performance.now() - this.lastFull > FULL_EVERY_MS) this.needFull = true;
  }

  private keepMarks(events: TimelineMark[]) {
    if (!events.length) return;
    this.marks.push(...events);
    if (this.marks.length > LIVE_MARK_CAP) this.marks.splice(0, this.marks.length - LIVE_MARK_CAP);
  }

  private bootInfo() {
    return { ...this.fold.bootInfo, ended: this.endedReason() };
  }

  private liveContext(): LiveContext {
    return { coverage: this.live.coverage(), clock: this.clock(), facts: this.facts };
  }

  /** Why the boot counts as over: what the log showed, the user, or a stream quiet for QUIET_END_MS. */
  private endedReason(): string | null {
    if (this.facts.ended) return this.facts.ended;
    if (this.userEnded) return 'ended by the user';
    if (this.fold.bootInfo.kernelStarted && performance.now() - this.lastStampAt > QUIET_END_MS) return 'stream quiet';
    return null;
  }

  /** The kernel's clock: the last printk stamp, run on by the time the stream has been quiet since. */
  private clock(): CompareClock {
    const t = this.facts.kernelTime;
    return { kernelTime: t === null ? null : t + Math.max(0, performance.now() - this.lastStampAt) / 1000, ended: this.endedReason() !== null };
  }

  /** What the prediction is anchored to: the log's command line, module loads, PCI functions. */
  private anchoringKey(): string {
    return JSON.stringify([this.facts.cmdline, [...this.facts.driversAfterInit.keys()], [...this.pciSeen]]);
  }

  /**
   * While anything is pending, the clock (or the quiet) may bring its verdict due without a new line:
   * the worker looks now and then, and this recompares when a due time has passed or the boot has ended.
   */
  tick() {
    if (!this.counts.pending) return;
    const c = this.clock();
    let due = c.ended !== (this.lastEnded !== null);
    if (!due && c.kernelTime !== null) for (const r of this.rowsByKey.values()) if (r.verdict === 'pending' && r.dueAt !== undefined && r.dueAt < c.kernelTime) due = true;
    if (due) {
      this.needFull = true;
      this.schedule();
    }
  }

  private schedule() {
    this.dirty = true;
    if (this.flushTimer !== null) return;
    // A flush that costs more than a frame (a huge board) spaces the next ones out, so parsing keeps up.
    const wait = Math.max(0, Math.max(FLUSH_MS, 2 * this.lastFlushCost) - (performance.now() - this.lastFlush));
    this.flushTimer = setTimeout(() => this.flush(), wait);
  }

  serial(bytes: Uint8Array, hostTime: number) {
    const events = this.parser.feed(bytes, hostTime);
    this.lastHostTime = hostTime;
    if (events.length) {
      let from = 0;
      for (let i = 0; i < events.length; i++) {
        if (events[i]!.boot === this.liveBoot) continue;
        // A reset: the timeline and the summary show the new boot only, like the live states.
        this.liveBoot = events[i]!.boot;
        this.fold = freshFoldState();
        this.facts = new LogFacts();
        this.userEnded = false;
        this.pciSeen.clear();
        this.needFull = true;
        this.pendingEvents = [];
        this.resetTimeline = true;
        from = i;
      }
      const mine = from ? events.slice(from) : events;
      this.pendingEvents.push(...foldEvents(mine, this.fold));
      const stamped = this.facts.kernelTime;
      this.facts.apply(mine);
      if (this.facts.kernelTime !== stamped) this.lastStampAt = performance.now();
      for (const e of events) {
        if (!('device' in e) || typeof e.device !== 'string') continue;
        this.changedNames.add(e.device);
        if (/^[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(e.device)) this.pciSeen.add(e.device);
      }
      this.live.apply(events);
      this.liveSinceFull = true;
      // What the log revealed changes the prediction itself: predict again with it, as bringup compare does
      // (coalesced: a PCI bus enumerating names many functions in a burst).
      if (this.tree && this.anchoringKey() !== this.anchorKey && this.reanchorTimer === null) {
        this.reanchorTimer = setTimeout(() => {
          this.reanchorTimer = null;
          if (this.anchoringKey() !== this.anchorKey) void this.repredict();
        }, REANCHOR_MS);
      }
    }
    const b = this.fold.bootInfo;
    b.bytes = this.parser.stats.bytes;
    b.lines = this.parser.stats.lines;
    b.boots = this.parser.stats.boots;
    this.schedule();
  }

  /** A new connection on this tab: the live half starts again from its bytes. */
  resetLive() {
    this.parser = createBootLogParser({ emitText: true });
    this.live = new LiveState(this.prediction ? nodeIndexFromDevices(this.prediction.devices) : undefined);
    this.liveBoot = 0;
    this.fold = freshFoldState();
    this.facts = new LogFacts();
    this.userEnded = false;
    this.pciSeen.clear();
    this.lastStampAt = performance.now();
    this.pendingEvents = [];
    this.resetTimeline = true;
    if (this.tree && this.anchoringKey() !== this.anchorKey) void this.repredict();
    this.sendPrediction(0);
    this.dirty = true;
    this.flush();
  }

  /** The tab came to the front: everything it shows, again (the UI keeps only the front tab's rows). */
  show() {
    this.sendPrediction(0);
    this.post({ type: 'live', rows: [], events: [...this.marks], restart: true, boot: this.bootInfo(), summary: this.summaryNow(), lastHostTime: this.lastHostTime });
  }

  board(dtb: Uint8Array, treeJson: unknown, cfg: string | undefined, fileName: string | undefined) {
    this.boardFileName = fileName ?? '';
    // The JSON tree carries every source span; the DTB does not, so it is read only without one.
    const read = treeJson ? treeFromJson(treeJson) : readDtb(dtb);
    this.tree = read.value;
    this.links = buildLinkIndex(this.tree);
    this.config = cfg;
    const errors = read.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) this.post({ type: 'error', message: `${treeJson ? 'tree' : 'DTB'}: ${errors[0]!.message}` });
    void this.repredict();
  }

  setOptions(options: WhatIfOptions) {
    this.options = options;
    void this.repredict();
  }

  endBoot() {
    this.userEnded = true;
    this.needFull = true;
    this.schedule();
  }

  report(): SessionReport | null {
    const full = this.fullRows();
    this.sent = new Map(full.rows.map((r) => [r.key, fingerprint(r)]));
    return full.comparison ? { comparison: full.comparison, suite: junitSuiteName(this.boardFileName) } : null;
  }

  node(path: string): NodeDetail | null {
    const node = this.tree ? findNodeByPath(this.tree, path) : undefined;
    return node && this.links ? nodeDetail(node, this.links, (p) => this.nodeToDevice.get(p)) : null;
  }

  /** The tab closed: no more messages, no timers left behind. */
  close() {
    this.closed = true;
    for (const t of [this.flushTimer, this.idleTimer, this.reanchorTimer]) if (t !== null) clearTimeout(t);
    this.flushTimer = this.idleTimer = this.reanchorTimer = null;
  }
}
