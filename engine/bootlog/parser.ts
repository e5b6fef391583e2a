// The streaming boot-log parser: framing (line-framer.ts) → prefixes (prefix.ts) → recognition
// (recognise.ts), plus what needs memory across lines: which boot we are in (bootloader banners and a
// second kernel start mean the board reset), multi-line oops/panic/WARN reports (kernel/panic.c
// `__warn`, arch/arm64/kernel/traps.c `die`), and sysfs/debugfs listings an init script prints.
import type { BootEvent, BootEventBase, BootLogOptions, BootLogParser, BootLogStats } from './events';
import { cleanLine, LineFramer } from './line-framer';
import { splitPrefixInto, type LinePrefix } from './prefix';
import { recogniseMessage, type Recognised } from './recognise';

const RESET_BANNER = /^(?:U-Boot(?: SPL)? \d{4}\.\d{2}|NOTICE: {1,2}BL[12]|BL1: |UEFI firmware)/;
// A board that resets mid-line appends the bootloader's banner to the kernel's unfinished line; the
// framer says which lines came from chunks holding one of these (one search per chunk, not per line).
// 'OTICE:' stands for 'NOTICE:': V8 searches patterns under 7 characters by memchr on their first
// character, several times faster than the Boyer-Moore setup a 7-character one gets.
const BANNER_MARKERS = ['U-Boot', 'OTICE:'];
const MID_LINE_BANNER = /U-Boot(?: SPL)? \d{4}\.\d{2}|NOTICE: {1,2}BL[12]: /;
const DMESG_COMMAND = /(?:^|[\s;|&/])dmesg(?:\s|$)/;
// printk stamps this early (seconds) belong to the kernel's start: the early console's first lines.
const KERNEL_START_WINDOW = 5;
const CUT_HERE = '------------[ cut here ]------------';
const WARNING_LINE = /^WARNING: CPU: \d+ PID: \d+ at (.+)$/;
const OOPS_START = /^(?:Unable to handle kernel |Internal error: |Oops(?: -|:| \[)|BUG: |kernel BUG at )/;
const PANIC_START = 'Kernel panic - not syncing: ';
const DEVICE_NAME = /^[\w.:@,+-]+$/;
const IOMMU_GROUP_PATH = /\/sys\/kernel\/iommu_groups\/(\d+)\/devices\/([^\s/]+)/g;
const IOMMU_GROUP_HEADER = /^\/sys\/kernel\/iommu_groups\/(\d+)\/devices:?$/;
const DRIVER_LINK = /\/sys\/bus\/([\w-]+)\/devices\/([^\s/]+)\/driver -> \S*\/drivers\/([^\s/]+)/;
const DRIVER_DIR_ENTRY = /^\/sys\/bus\/([\w-]+)\/drivers\/([^\s/]+)\/([^\s/]+)$/;
const DRIVER_DIR_NOT_DEVICE = new Set(['bind', 'unbind', 'uevent', 'module', 'new_id', 'remove_id', 'driver_override']);

interface OpenReport {
  kind: 'oops' | 'panic' | 'warn';
  base: BootEventBase;
  title: string;
  location?: string;
  lines: string[];
  dropped: number;
}

type ListingContext = { kind: 'deferred' } | { kind: 'group'; group: number } | null;

export function createBootLogParser(options: BootLogOptions = {}): BootLogParser {
  return new StreamingBootLogParser(options);
}

class StreamingBootLogParser implements BootLogParser {
  private readonly framer: LineFramer;
  private readonly maxReportLines: number;
  private readonly emitText: boolean;
  private lineNo = 0;
  private boot = 0;
  private kernelStarted = false;
  private kernelLinesThisBoot = 0;
  private lastKernelTime = -1;
  /** Latest printk time of this boot: a replay (`dmesg` typed at the shell) prints older ones again. */
  private maxKernelTime = -1;
  /** A `dmesg` command was echoed: timestamped lines not newer than maxKernelTime are a replay. */
  private replaying = false;
  private report: OpenReport | null = null;
  private listing: ListingContext = null;
  private out: BootEvent[] = [];
  /** Reused for every line (see splitPrefixInto). */
  private readonly pre: LinePrefix = { text: '', kernelTime: null, level: undefined, caller: undefined, tool: false, record: false, midLine: false };
  readonly stats: BootLogStats = { bytes: 0, lines: 0, truncatedLines: 0, boots: 0, kernelBoots: [], kernelStartBoots: [], driverCoreDebug: false, initcallDebug: false };

  constructor(options: BootLogOptions) {
    this.framer = new LineFramer(Math.max(80, options.maxLineLength ?? 4096), BANNER_MARKERS);
    this.maxReportLines = Math.max(10, options.maxReportLines ?? 300);
    this.emitText = options.emitText ?? false;
  }

  private readonly onLine = (text: string, hostTime: number, truncated: boolean, printable: boolean, marked: boolean): void => this.line(text, hostTime, truncated, printable, marked);

  feed(chunk: Uint8Array, hostTime: number): BootEvent[] {
    this.out = [];
    this.stats.bytes += chunk.length;
    this.framer.push(chunk, hostTime, this.onLine);
    return this.out;
  }

  finish(hostTime: number): BootEvent[] {
    this.out = [];
    this.framer.end(hostTime, this.onLine);
    this.closeReport(false);
    return this.out;
  }

  private line(framed: string, hostTime: number, truncated: boolean, printable: boolean, marked: boolean): void {
    this.lineNo++;
    this.stats.lines = this.lineNo;
    if (truncated) this.stats.truncatedLines++;
    // One pass over the line answers: blank? control characters to clean? mostly non-ASCII (garbage)?
    let raw = framed;
    let scan = printable ? (framed.charCodeAt(0) > 32 ? NON_BLANK : scanLine(framed)) : PRINTABLE_ASCII.test(framed) ? NON_BLANK : scanLine(framed);
    if (scan & HAS_CONTROL) {
      raw = cleanLine(framed);
      scan = scanLine(raw);
    }
    if (!(scan & NON_BLANK)) {
      this.listing = null;
      return;
    }
    const pre = this.pre;
    splitPrefixInto(raw, pre);
    if (pre.tool) return;
    if (scan & GARBAGE) {
      this.emit({ kind: 'garbage' }, raw, pre, hostTime);
      return;
    }
    // Cleaning can join a marker's pieces, so a cleaned line is searched whatever the framer saw.
    if (this.kernelStarted && (marked || raw !== framed) && (raw.indexOf('U-Boot') >= 0 || raw.indexOf('NOTICE:') >= 0)) {
      const banner = MID_LINE_BANNER.exec(pre.text);
      if (banner !== null && banner.index > 0) {
        pre.text = pre.text.slice(banner.index);
        pre.kernelTime = null;
        pre.record = false;
      }
    }
    const text = pre.text;
    if (this.kernelStarted && this.replayed(pre.kernelTime, text)) return;
    const rec = recogniseMessage(text);
    if (this.startsNewBoot(rec, text, pre.kernelTime)) {
      this.resetBoot(rec?.kind === 'kernel-start' ? 'kernel restarted' : 'bootloader restarted', this.base(raw, pre, hostTime));
    }
    if (pre.kernelTime !== null) {
      this.lastKernelTime = pre.kernelTime;
      if (pre.kernelTime > this.maxKernelTime) this.maxKernelTime = pre.kernelTime;
    }
    if (!this.kernelStarted) {
      if (rec?.kind === 'kernel-start' || pre.kernelTime !== null || pre.record) {
        this.kernelStarted = true;
        if (this.stats.boots === 0) this.stats.boots = 1;
        this.stats.kernelBoots.push(this.boot);
      } else {
        this.emit({ kind: rec?.kind === 'login-prompt' ? 'login-prompt' : 'bootloader' }, raw, pre, hostTime);
        return;
      }
    }
    this.kernelLinesThisBoot++;
    // A boot whose kernel output begins at the kernel's start, not a fragment pasted or replayed later.
    const starts = this.stats.kernelStartBoots;
    if ((rec?.kind === 'kernel-start' || (pre.kernelTime !== null && pre.kernelTime < KERNEL_START_WINDOW)) && starts[starts.length - 1] !== this.boot) starts.push(this.boot);
    if (this.report !== null || mayOpenReport(text)) this.trackReport(raw, pre, hostTime);
    if (rec) {
      this.listing = null;
      this.noteDebugOutputs(rec);
      this.emit(rec, raw, pre, hostTime);
      return;
    }
    if (pre.kernelTime === null && this.listingLine(raw, pre, hostTime)) return;
    if (this.emitText) this.emit({ kind: 'text' }, raw, pre, hostTime);
  }

  /**
   * Completes a recognised event with the per-line fields and emits it. Assigning onto the fresh
   * object (not spreading into a new one) keeps this hot path monomorphic per event kind.
   */
  private emit(partial: Recognised | { kind: 'garbage' | 'bootloader' | 'login-prompt' | 'text' }, raw: string, pre: LinePrefix, hostTime: number): void {
    const ev = partial as BootEvent;
    ev.hostTime = hostTime;
    ev.kernelTime = pre.kernelTime;
    ev.line = this.lineNo;
    ev.boot = this.boot;
    ev.raw = raw;
    ev.text = pre.text;
    if (pre.level !== undefined) ev.level = pre.level;
    if (pre.caller !== undefined) ev.caller = pre.caller;
    this.out.push(ev);
  }

  /** The per-line event fields, built only for lines that become events. */
  private base(raw: string, pre: LinePrefix, hostTime: number): BootEventBase {
    const base: BootEventBase = { hostTime, kernelTime: pre.kernelTime, line: this.lineNo, boot: this.boot, raw, text: pre.text };
    if (pre.level !== undefined) base.level = pre.level;
    if (pre.caller !== undefined) base.caller = pre.caller;
    return base;
  }

  /**
   * The kernel's log printed again by `dmesg` at a shell: from the echoed command on, timestamped
   * lines no newer than what this boot already printed are skipped (they would count every deferral
   * twice, or look like a reset at "[    0.000000] Booting Linux"). A newer line or any untimestamped
   * line (the prompt) ends the replay.
   */
  private replayed(kernelTime: number | null, text: string): boolean {
    if (kernelTime === null) {
      this.replaying = text.indexOf('dmesg') >= 0 && DMESG_COMMAND.test(text);
      return false;
    }
    if (!this.replaying) return false;
    if (kernelTime <= this.maxKernelTime) return true;
    this.replaying = false;
    return false;
  }

  private startsNewBoot(rec: Recognised | null, text: string, kernelTime: number | null): boolean {
    if (!this.kernelStarted) return false;
    if (rec?.kind === 'kernel-start') return this.kernelLinesThisBoot > 20;
    if (kernelTime === 0 && this.lastKernelTime > 1) return true;
    return kernelTime === null && RESET_BANNER.test(text);
  }

  private resetBoot(reason: string, base: BootEventBase): void {
    this.closeReport(false);
    this.boot++;
    this.stats.boots = this.boot + 1;
    this.stats.driverCoreDebug = false;
    this.stats.initcallDebug = false;
    this.kernelStarted = false;
    this.kernelLinesThisBoot = 0;
    this.lastKernelTime = -1;
    this.maxKernelTime = -1;
    this.replaying = false;
    this.listing = null;
    base.boot = this.boot;
    this.out.push({ ...base, kind: 'boot-reset', reason });
  }

  private noteDebugOutputs(rec: Recognised): void {
    switch (rec.kind) {
      case 'probe-attempt':
      case 'match':
      case 'retry':
      case 'removed-from-deferred':
        this.stats.driverCoreDebug = true;
        return;
      case 'bound':
        if (rec.via !== 'driver-listing') this.stats.driverCoreDebug = true;
        return;
      case 'deferred':
        if (rec.via === 'added-to-list') this.stats.driverCoreDebug = true;
        return;
      case 'initcall':
        if (rec.phase !== 'blacklisted') this.stats.initcallDebug = true;
        return;
      case 'probe-returned':
        this.stats.initcallDebug = true;
        return;
    }
  }

  private push(event: BootEvent): void {
    this.out.push(event);
  }

  // --- multi-line reports -------------------------------------------------------------------------

  private trackReport(raw: string, pre: LinePrefix, hostTime: number): void {
    const text = pre.text;
    const open = this.report;
    if (text === CUT_HERE) {
      this.closeReport(false);
      this.openReport('warn', this.base(raw, pre, hostTime), '');
      return;
    }
    const warning = text.startsWith('WARNING: ') ? WARNING_LINE.exec(text) : null;
    if (warning) {
      if (open?.kind === 'warn' && !open.location) {
        open.location = warning[1]!;
        if (!open.title) open.title = text;
        this.appendReport(text);
      } else {
        this.closeReport(false);
        this.openReport('warn', this.base(raw, pre, hostTime), text);
        this.report!.location = warning[1]!;
      }
      return;
    }
    if (text.startsWith(PANIC_START)) {
      if (open?.kind !== 'panic') {
        this.closeReport(false);
        this.openReport('panic', this.base(raw, pre, hostTime), text);
      } else this.appendReport(text);
      return;
    }
    if (OOPS_START.test(text) && open?.kind !== 'oops' && open?.kind !== 'panic') {
      this.closeReport(false);
      this.openReport('oops', this.base(raw, pre, hostTime), text);
      return;
    }
    if (!open) return;
    this.appendReport(text);
    if (open.kind === 'warn' && !open.title) open.title = text;
    if (text.startsWith('---[ end ')) {
      if (open.kind === 'panic' ? text.startsWith('---[ end Kernel panic') : text.startsWith('---[ end trace')) this.closeReport(true);
    } else if (open.lines.length + open.dropped >= this.maxReportLines * 4) {
      this.closeReport(false);
    }
  }

  private openReport(kind: OpenReport['kind'], base: BootEventBase, title: string): void {
    this.report = { kind, base, title, lines: [base.text], dropped: 0 };
  }

  private appendReport(text: string): void {
    const r = this.report!;
    if (r.lines.length < this.maxReportLines) r.lines.push(text);
    else r.dropped++;
  }

  private closeReport(complete: boolean): void {
    const r = this.report;
    if (!r) return;
    this.report = null;
    const event: BootEvent = { ...r.base, kind: r.kind, title: r.title || r.base.text, lines: r.lines, complete };
    if (r.location !== undefined) event.location = r.location;
    this.out.push(event);
  }

  // --- listings printed by an init script ---------------------------------------------------------

  private listingLine(raw: string, pre: LinePrefix, hostTime: number): boolean {
    const text = pre.text;
    // Listings are shell output: cheap rejections first.
    if (this.listing === null && text.indexOf('\t') < 0 && !text.includes('/sys/') && !text.includes('devices_deferred')) return false;
    const base = this.base(raw, pre, hostTime);
    if (text.includes('devices_deferred')) {
      this.listing = { kind: 'deferred' };
      return true;
    }
    let found = false;
    if (text.includes('/sys/kernel/iommu_groups/')) {
      const header = IOMMU_GROUP_HEADER.exec(text);
      if (header) {
        this.listing = { kind: 'group', group: Number(header[1]) };
        return true;
      }
      for (const m of text.matchAll(IOMMU_GROUP_PATH)) {
        this.push({ ...base, kind: 'iommu-group-listing', device: m[2]!, group: Number(m[1]) });
        found = true;
      }
      if (found) return true;
    }
    if (text.includes('/sys/bus/')) {
      const link = DRIVER_LINK.exec(text);
      if (link) {
        this.push({ ...base, kind: 'driver-listing', bus: link[1]!, device: link[2]!, driver: link[3]! });
        return true;
      }
      const entry = DRIVER_DIR_ENTRY.exec(text);
      if (entry && !DRIVER_DIR_NOT_DEVICE.has(entry[3]!)) {
        this.push({ ...base, kind: 'driver-listing', bus: entry[1]!, driver: entry[2]!, device: entry[3]! });
        return true;
      }
    }
    const tab = text.indexOf('\t');
    const space = text.indexOf(' ');
    if (tab > 0 && (space < 0 || space > tab)) {
      const device = text.slice(0, tab);
      if (DEVICE_NAME.test(device)) {
        const reason = text.slice(tab + 1).trim();
        this.push({ ...base, kind: 'deferred-listing', device, reason: reason.length ? reason : null });
        return true;
      }
    }
    const ctx = this.listing;
    if (ctx?.kind === 'deferred' && DEVICE_NAME.test(text)) {
      this.push({ ...base, kind: 'deferred-listing', device: text, reason: null });
      return true;
    }
    if (ctx?.kind === 'group') {
      const names = text.trim().split(/\s+/);
      if (names.every((n) => DEVICE_NAME.test(n))) {
        for (const device of names) this.push({ ...base, kind: 'iommu-group-listing', device, group: ctx.group });
        return true;
      }
    }
    this.listing = null;
    return false;
  }
}

// The common line: printable ASCII only, not starting with a blank (regex test is native and fast).
const PRINTABLE_ASCII = /^[\x21-\x7e][\x20-\x7e\t]*$/;
const NON_BLANK = 1;
const HAS_CONTROL = 2;
const GARBAGE = 4;

/**
 * Flags for a line in one pass: NON_BLANK, HAS_CONTROL (C0 other than TAB, DEL, C1 CSI), GARBAGE
 * (wrong-baud output: a quarter or more outside printable ASCII).
 */
function scanLine(s: string): number {
  let odd = 0;
  let flags = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 32 && c < 127) flags |= NON_BLANK;
    else if (c !== 32 && c !== 9) {
      odd++;
      if (c > 126) flags |= NON_BLANK;
      if (c < 32 || c === 127 || c === 0x9b) flags |= HAS_CONTROL;
    }
  }
  if (odd > 0 && odd * 4 >= s.length) flags |= GARBAGE;
  return flags;
}

/** Cheap test for the first line of an oops/panic/WARN report. */
function mayOpenReport(text: string): boolean {
  const c = text.charCodeAt(0);
  return c === 45 /* - */ || c === 87 /* W */ || c === 75 /* K */ || c === 85 /* U */ || c === 73 /* I */ || c === 79 /* O */ || c === 66 /* B */ || c === 107 /* k */;
}
