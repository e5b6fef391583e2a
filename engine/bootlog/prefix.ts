// Strips what sits in front of a kernel message on a console or in a capture: capture-tool stamps
// (grabserial `[t d]`, tio `[hh:mm:ss.mmm]`, ISO stamps, LAVA YAML `- {"dt", "lvl", "msg"}` lines,
// `dmesg -x` facility:level, journalctl), the printk level `<N>`, the `[%5lu.%06lu]` timestamp and
// the CONFIG_PRINTK_CALLER id (`[    T1]`), as kernel/printk/printk.c writes them.

export interface LinePrefix {
  /** The kernel message (or bootloader/shell text) after every prefix. */
  text: string;
  kernelTime: number | null;
  level?: number | undefined;
  caller?: string | undefined;
  /** The line is LAVA bookkeeping, not console output: nothing to recognise. */
  tool?: boolean;
}

const GRABSERIAL = /^\[\s*\d+\.\d+\s+\d+\.\d+\]\s?/;
const TIO = /^\[\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?\]\s?/;
const ISO = /^\[?\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?\]?\s?/;
const DMESG_X = /^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local\d)\s*:\s*(emerg|alert|crit|err|warn|notice|info|debug)\s*:\s?/;
const JOURNAL = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ kernel: /;
const LEVEL = /^<(\d{1,3})>/;
const CALLER = /^\[\s*([TC]\d+)\]/;
const LEVEL_NAMES = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];

/** Splits a cleaned console line into its message and the printk metadata in front of it. */
export function splitPrefix(line: string): LinePrefix {
  const out: LinePrefix = { text: '', kernelTime: null };
  splitPrefixInto(line, out);
  if (out.level === undefined) delete out.level;
  if (out.caller === undefined) delete out.caller;
  if (!out.tool) delete out.tool;
  return out;
}

/**
 * splitPrefix into a caller-owned record (the parser reuses one for every line: no allocation on the
 * hot path). Every field is written; `level`/`caller` are undefined when absent.
 */
export function splitPrefixInto(line: string, out: LinePrefix): void {
  out.tool = false;
  out.level = undefined;
  out.caller = undefined;
  let s = line;
  let level: number | undefined;
  const c0 = s.charCodeAt(0);
  if (c0 === 91 /* [ */) {
    // The common case first, by hand: a bare printk stamp, and nothing else in front of it.
    const stamp = printkStamp(s, 0);
    if (stamp > 0) {
      finishStamp(s, stamp, level, out);
      return;
    }
    const m = GRABSERIAL.exec(s) ?? TIO.exec(s) ?? ISO.exec(s);
    if (m) s = s.slice(m[0].length);
  } else if (c0 === 45 /* - */ && s.startsWith('- {') && s.includes('"msg"')) {
    const lava = parseLavaLine(s);
    if (lava === null) {
      out.text = s;
      out.kernelTime = null;
      out.tool = true;
      return;
    }
    s = lava;
  } else if (c0 >= 48 && c0 <= 57 && s.length > 19 && s.charCodeAt(4) === 45) {
    const m = ISO.exec(s);
    if (m) s = s.slice(m[0].length);
  } else if (c0 >= 97 && c0 <= 122 && s.charCodeAt(4) <= 58) {
    const m = DMESG_X.exec(s);
    if (m) {
      level = LEVEL_NAMES.indexOf(m[1]!);
      s = s.slice(m[0].length);
    }
  } else if (c0 >= 65 && c0 <= 90 && s.charCodeAt(3) === 32) {
    const m = JOURNAL.exec(s);
    if (m) s = s.slice(m[0].length);
  }
  if (s.charCodeAt(0) === 60 /* < */) {
    const m = LEVEL.exec(s);
    if (m) {
      level = Number(m[1]) & 7;
      s = s.slice(m[0].length);
    }
  }
  const end = s.charCodeAt(0) === 91 /* [ */ ? printkStamp(s, 0) : -1;
  if (end > 0) {
    finishStamp(s, end, level, out);
    return;
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
  let at = end;
  let caller: string | undefined;
  if (s.charCodeAt(at) === 91) {
    const c = CALLER.exec(s.slice(at, at + 16));
    if (c) {
      caller = c[1];
      at += c[0].length;
    }
  }
  if (s.charCodeAt(at) === 32) at++;
  out.caller = caller;
  out.text = s.slice(at);
}

/** Set by printkStamp: the stamp's value in seconds. */
let stampValue = 0;

/**
 * Parses `[%5lu.%06lu]` at `at` by hand (the hot path of every kernel line): returns the index after
 * the `]` and sets stampValue, or -1 when the text there is not a printk stamp.
 */
function printkStamp(s: string, at: number): number {
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
