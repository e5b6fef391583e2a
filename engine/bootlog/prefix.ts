// Finds the printk record in a console or capture line, wherever it starts: capture-tool stamps of any
// common shape (grabserial `[t d]`, tio/minicom/ts clocks, ISO dates, `dmesg -T`, journalctl, `dmesg -x`,
// LAVA YAML `- {"dt", "lvl", "msg"}` lines), shell text in front of it, the printk level `<N>`, the
// `[%5lu.%06lu]` timestamp and the caller id (CONFIG_PRINTK_CALLER `[    T1]` and vendor
// `[cpu: comm: pid]` forms), as kernel/printk/printk.c writes them.

export interface LinePrefix {
  /** The kernel message (or bootloader/shell text) after every prefix. */
  text: string;
  kernelTime: number | null;
  level?: number | undefined;
  caller?: string | undefined;
  /** The line is LAVA bookkeeping, not console output: nothing to recognise. */
  tool?: boolean;
  /**
   * The line is known to be a printk record even without a printk stamp (a `dmesg -T` wall-clock stamp,
   * a journal `kernel:` line, a `dmesg -x` facility): kernel output, not bootloader or shell text.
   */
  record?: boolean;
  /** The record began after other text on the same console line (shell output, a torn line). */
  midLine?: boolean;
}

// What capture tools put in front of a console line. One shape covers tio, minicom, picocom, ts(1),
// `dmesg -T`, journalctl short/short-precise/short-iso and most loggers: an optional bracket, an
// optional weekday, an optional date (Y-M-D with - / . or "Mon DD"), a time of day with an optional
// fraction (after . , or :), an optional zone and year, the closing bracket, then a separator.
const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const HOST_TIME = new RegExp(
  `^([\\[(<])?(${WEEKDAY},? )?(?:\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}(?:[T _-]|, ?)|${MONTH} {1,2}\\d{1,2},? (?:\\d{4},? )?)?` +
    `\\d{1,2}:\\d{2}:\\d{2}(?:[.,:]\\d{1,9})?(?: ?(?:Z|[+-]\\d{2}:?\\d{2}|UTC|GMT|[A-Z]{1,3}T))?(?: \\d{4})?([\\])>])?` +
    `(?:[ \\t]*[|>-][ \\t]|:[ \\t]|[ \\t]+|(?=[[<])|$)`,
);
// grabserial's "[elapsed delta] ".
const GRABSERIAL = /^\[\s*\d+\.\d+\s+\d+\.\d+\]\s?/;
// journalctl: "<host> kernel: " after its time (short, short-precise, short-iso, short-monotonic).
const JOURNAL_KERNEL = /^\S+ kernel: /;
const DMESG_X = /^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local\d)\s*:\s*(emerg|alert|crit|err|warn|notice|info|debug)\s*:\s?/;
const LEVEL = /^<(\d{1,3})>/;
// The caller id after the stamp: CONFIG_PRINTK_CALLER's "[    T1]"/"[  C0]", and vendor forms that
// name cpu, task and pid ("[0:      swapper/0:    1]" Rockchip, "(0)[1:swapper/0]" MediaTek).
const CALLER = /^ {0,2}(?:\((\d{1,3})\))?\[\s*([TC]\d+|\d{1,3}:[^\]]{1,48})\]/;
const LEVEL_NAMES = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];
// The first line of an oops/panic/WARN report, for records without a stamp that start mid-line.
const REPORT_START = /Kernel panic - not syncing: |------------\[ cut here \]------------|Unable to handle kernel |Internal error: |WARNING: CPU: \d+ PID: |BUG: (?:unable|kernel|scheduling|spinlock|sleeping)/;

/** Splits a cleaned console line into its message and the printk metadata in front of it. */
export function splitPrefix(line: string): LinePrefix {
  const out: LinePrefix = { text: '', kernelTime: null };
  splitPrefixInto(line, out);
  if (out.level === undefined) delete out.level;
  if (out.caller === undefined) delete out.caller;
  if (!out.tool) delete out.tool;
  if (!out.record) delete out.record;
  if (!out.midLine) delete out.midLine;
  return out;
}

/**
 * splitPrefix into a caller-owned record (the parser reuses one for every line: no allocation on the
 * hot path). Every field is written; `level`/`caller` are undefined when absent.
 *
 * The printk record is recognised wherever it starts, not per capture tool: capture prefixes of any
 * common shape are peeled off the front, and when what remains does not begin with the record, the
 * first printk stamp further on (printk's own "[%5lu.%06lu]") starts it: shell output or a torn line
 * in front of a kernel line is not part of it.
 */
export function splitPrefixInto(line: string, out: LinePrefix): void {
  out.tool = false;
  out.record = false;
  out.midLine = false;
  out.level = undefined;
  out.caller = undefined;
  let s = line;
  let level: number | undefined;
  const c0 = s.charCodeAt(0);
  if (c0 === 91 /* [ */) {
    // The common case first, by hand: a bare printk stamp, and nothing else in front of it.
    const stamp = printkStamp(s, 0, false);
    if (stamp > 0) {
      finishStamp(s, stamp, level, out);
      return;
    }
  } else if (c0 === 45 /* - */ && s.startsWith('- {') && s.includes('"msg"')) {
    const lava = parseLavaLine(s);
    if (lava === null) {
      out.text = s;
      out.kernelTime = null;
      out.tool = true;
      return;
    }
    s = lava;
  }
  // Capture prefixes, possibly two deep (a host clock in front of grabserial's, tio in front of journal).
  for (let round = 0; round < 3; round++) {
    const c = s.charCodeAt(0);
    if (c === 91 /* [ */ && printkStamp(s, 0, false) > 0) break;
    let m: RegExpExecArray | null = null;
    if (c === 91 && (m = GRABSERIAL.exec(s))) {
      s = s.slice(m[0].length);
      continue;
    }
    if ((c === 91 || c === 40 || c === 60 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90)) && (m = HOST_TIME.exec(s))) {
      s = s.slice(m[0].length);
      // `dmesg -T` prints the record's time as a bracketed wall-clock date with a weekday.
      if (m[1] === '[' && m[2] !== undefined && m[3] === ']') out.record = true;
      const j = JOURNAL_KERNEL.exec(s);
      if (j) {
        s = s.slice(j[0].length);
        out.record = true;
      }
      continue;
    }
    if (c >= 97 && c <= 122 && s.charCodeAt(4) <= 58 && (m = DMESG_X.exec(s))) {
      level = LEVEL_NAMES.indexOf(m[1]!);
      s = s.slice(m[0].length);
      out.record = true;
      continue;
    }
    break;
  }
  if (s.charCodeAt(0) === 60 /* < */) {
    const m = LEVEL.exec(s);
    if (m) {
      level = Number(m[1]) & 7;
      s = s.slice(m[0].length);
      out.record = true;
    }
  }
  const end = s.charCodeAt(0) === 91 /* [ */ ? printkStamp(s, 0, false) : -1;
  if (end > 0) {
    finishStamp(s, end, level, out);
    return;
  }
  // The record starts further on: find printk's stamp (exactly its layout, so text that merely holds
  // a bracketed number is left alone), with a `<N>` level right in front of it.
  let at = s.indexOf('[', 1);
  while (at > 0) {
    const stampEnd = printkStamp(s, at, true);
    if (stampEnd > 0) {
      let from = at;
      let lvl = level;
      const lt = s.lastIndexOf('<', at);
      if (lt >= 0 && at - lt <= 4 && s.charCodeAt(at - 1) === 62 /* > */) {
        const m = LEVEL.exec(s.slice(lt, at));
        if (m && m[0].length === at - lt) {
          lvl = Number(m[1]) & 7;
          from = lt;
        }
      }
      out.midLine = from > 0;
      finishStamp(s, stampEnd, lvl, out);
      return;
    }
    at = s.indexOf('[', at + 1);
  }
  // No stamp: an oops/panic/WARN report may still start in the middle of the line.
  const report = REPORT_START.exec(s);
  if (report !== null && report.index > 0) {
    s = s.slice(report.index);
    out.midLine = true;
    out.record = true;
  }
  out.text = s;
  out.kernelTime = null;
  out.level = level;
  out.caller = undefined;
}

/** After a printk stamp ending at `end` (stampValue set): the optional caller id, one space, the message. */
function finishStamp(s: string, end: number, level: number | undefined, out: LinePrefix): void {
  out.kernelTime = stampValue;
  out.level = level;
  out.record = true;
  let at = end;
  let caller: string | undefined;
  const next = s.charCodeAt(at);
  if (next === 91 /* [ */ || next === 40 /* ( */ || (next === 32 && (s.charCodeAt(at + 1) === 91 || s.charCodeAt(at + 2) === 91 || s.charCodeAt(at + 1) === 40))) {
    const c = CALLER.exec(s.slice(at, at + 64));
    if (c) {
      caller = c[2]!.replace(/\s+/g, ' ').trim();
      if (c[1] !== undefined) caller = `${c[1]}:${caller}`;
      at += c[0].length;
    }
  }
  if (s.charCodeAt(at) === 32) at++;
  // journalctl -o short-monotonic: "[    1.234567] host kernel: msg".
  const k = s.indexOf(' ', at);
  if (k > at && s.charCodeAt(k + 1) === 107 /* k */ && s.startsWith(' kernel: ', k)) {
    const j = JOURNAL_KERNEL.exec(s.slice(at, at + 80));
    if (j) at += j[0].length;
  }
  out.caller = caller;
  out.text = s.slice(at);
}

/** Set by printkStamp: the stamp's value in seconds. */
let stampValue = 0;

/**
 * Parses `[%5lu.%06lu]` at `at` by hand (the hot path of every kernel line): returns the index after
 * the `]` and sets stampValue, or -1 when the text there is not a printk stamp.
 */
function printkStamp(s: string, at: number, strict: boolean): number {
  // printk's own layout "[%5lu.%06lu]" (up to 99999 s) at fixed positions, digits checked as read.
  if (s.charCodeAt(at + 6) === 46 /* . */ && s.charCodeAt(at + 13) === 93 /* ] */) {
    let secs = 0;
    let ok = true;
    let seen = false;
    for (let i = at + 1; i < at + 6; i++) {
      const c = s.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        secs = secs * 10 + (c - 48);
        seen = true;
      } else if (c !== 32 || seen) ok = false;
    }
    let micros = 0;
    for (let i = at + 7; i < at + 13; i++) {
      const c = s.charCodeAt(i);
      if (c >= 48 && c <= 57) micros = micros * 10 + (c - 48);
      else ok = false;
    }
    if (ok && seen) {
      // Integer microseconds over 1e6: exact operands, one correctly rounded division (see below).
      stampValue = (secs * 1e6 + micros) / 1e6;
      return at + 14;
    }
  }
  // Off printk's fixed field: a stamp past 99999 s, or (only at a line's start) fewer fraction digits.
  let i = at + 1;
  const n = s.length;
  while (i < n && s.charCodeAt(i) === 32) i++;
  const first = i;
  let secs = 0;
  let digits = 0;
  let c = 0;
  while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
    secs = secs * 10 + (c - 48);
    i++;
    digits++;
  }
  if (digits === 0 || c !== 46 /* . */) return -1;
  i++;
  let frac = 0;
  let scale = 1;
  while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
    frac = frac * 10 + (c - 48);
    scale *= 10;
    i++;
    digits++;
  }
  if (scale === 1 || c !== 93 /* ] */) return -1;
  if (strict && scale !== 1e6) return -1;
  // One division of two exact integers is correctly rounded: the number prints as written ("1.133482"
  // is 1.133482, never 1.1334819999999999; "1.734700" is 1.7347). Past 15 digits the integers are no
  // longer exact; the decimal text itself is then parsed, which rounds correctly too.
  stampValue = digits <= 15 ? (secs * scale + frac) / scale : Number(s.slice(first, i));
  return i + 1;
}

/** LAVA's log.yaml: one flow mapping per line; only `lvl: target` is what the board printed. */
function parseLavaLine(line: string): string | null {
  let entry: unknown;
  try {
    entry = JSON.parse(line.slice(2));
  } catch {
    return null;
  }
  if (typeof entry !== 'object' || entry === null) return null;
  const { lvl, msg } = entry as { lvl?: unknown; msg?: unknown };
  if (lvl !== 'target' || typeof msg !== 'string') return null;
  return msg.replace(/[\r\n]+$/, '');
}
