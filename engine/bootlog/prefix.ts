// Strips what sits in front of a kernel message on a console or in a capture: capture-tool stamps
// (grabserial `[t d]`, tio `[hh:mm:ss.mmm]`, ISO stamps, LAVA YAML `- {"dt", "lvl", "msg"}` lines,
// `dmesg -x` facility:level, journalctl), the printk level `<N>`, the `[%5lu.%06lu]` timestamp and
// the CONFIG_PRINTK_CALLER id (`[    T1]`), as kernel/printk/printk.c writes them.

export interface LinePrefix {
  /** The kernel message (or bootloader/shell text) after every prefix. */
  text: string;
  kernelTime: number | null;
  level?: number;
  caller?: string;
  /** The line is LAVA bookkeeping, not console output: nothing to recognise. */
  tool?: boolean;
}

const GRABSERIAL = /^\[\s*\d+\.\d+\s+\d+\.\d+\]\s?/;
const TIO = /^\[\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?\]\s?/;
const ISO = /^\[?\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?\]?\s?/;
const DMESG_X = /^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local\d)\s*:\s*(emerg|alert|crit|err|warn|notice|info|debug)\s*:\s?/;
const JOURNAL = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ kernel: /;
const LEVEL = /^<(\d{1,3})>/;
const STAMP = /^\[\s*(\d+)\.(\d+)\]/;
const CALLER = /^\[\s*([TC]\d+)\]/;
const LEVEL_NAMES = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];

/** Splits a cleaned console line into its message and the printk metadata in front of it. */
export function splitPrefix(line: string): LinePrefix {
  let s = line;
  let level: number | undefined;
  const c0 = s.charCodeAt(0);
  if (c0 === 45 /* - */ && s.startsWith('- {') && s.includes('"msg"')) {
    const lava = parseLavaLine(s);
    if (lava === null) return { text: s, kernelTime: null, tool: true };
    s = lava;
  } else if (c0 === 91 /* [ */) {
    const m = GRABSERIAL.exec(s) ?? TIO.exec(s) ?? ISO.exec(s);
    if (m) s = s.slice(m[0].length);
  } else if (c0 >= 48 && c0 <= 57 && s.length > 19 && s.charCodeAt(4) === 45) {
    const m = ISO.exec(s);
    if (m) s = s.slice(m[0].length);
  } else if (c0 >= 97 && c0 <= 122) {
    const m = DMESG_X.exec(s);
    if (m) {
      level = LEVEL_NAMES.indexOf(m[1]!);
      s = s.slice(m[0].length);
    }
  } else if (c0 >= 65 && c0 <= 90) {
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
  let kernelTime: number | null = null;
  let caller: string | undefined;
  if (s.charCodeAt(0) === 91 /* [ */) {
    const m = STAMP.exec(s);
    if (m) {
      kernelTime = Number(m[1]) + Number(m[2]) / 10 ** m[2]!.length;
      s = s.slice(m[0].length);
      if (s.charCodeAt(0) === 91) {
        const c = CALLER.exec(s);
        if (c) {
          caller = c[1];
          s = s.slice(c[0].length);
        }
      }
      if (s.charCodeAt(0) === 32) s = s.slice(1);
    }
  }
  const out: LinePrefix = { text: s, kernelTime };
  if (level !== undefined) out.level = level;
  if (caller !== undefined) out.caller = caller;
  return out;
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
