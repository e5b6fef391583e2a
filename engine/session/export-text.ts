// Plain-text export: the console as received, one line per line, escapes stripped, each line prefixed
// with a timestamp chosen by the user (host receive time or the kernel's printk time; absolute, relative
// to the first stamped line, or delta to the previous one). Markers print as `--- kind detail ---`.
import { consoleItems, withoutPrintkStamp, type ConsoleLine } from './lines';
import type { SessionData } from './session-data';

export type TimestampOption = { source: 'host' | 'printk'; style: 'absolute' | 'relative' | 'delta' } | 'none';

export interface TextExportOptions {
  timestamps: TimestampOption;
  /** Include what was typed, as `> text` lines. */
  includeTx?: boolean;
  /** Include connect/lost/reset markers. Default true. */
  markers?: boolean;
}

/** ISO 8601 in UTC with milliseconds, without Date's locale paths (engine has no Intl assumptions). */
export function isoTime(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown-time';
  return new Date(ms).toISOString();
}

function seconds(s: number, sign: boolean): string {
  const v = s.toFixed(6);
  return sign ? (s >= 0 ? `+${v}` : v) : v;
}

class Stamper {
  private first: number | undefined;
  private prev: number | undefined;
  constructor(private readonly opt: Exclude<TimestampOption, 'none'>) {}

  stamp(line: ConsoleLine): string {
    const { source, style } = this.opt;
    const v = source === 'host' ? line.t : line.printk;
    if (v === undefined) return source === 'printk' ? ' '.repeat(style === 'absolute' ? 14 : 12) : '';
    // printk time restarting (a new boot) starts relative time again
    if (source === 'printk' && this.prev !== undefined && v < this.prev) this.first = undefined;
    if (this.first === undefined) this.first = v;
    const prev = this.prev ?? v;
    this.prev = v;
    const unit = source === 'host' ? 1000 : 1;
    switch (style) {
      case 'absolute':
        return source === 'host' ? isoTime(v) : `[${seconds(v, false).padStart(12)}]`;
      case 'relative':
        return seconds((v - this.first) / unit, true);
      case 'delta':
        return seconds((v - prev) / unit, true);
    }
  }
}

export function exportText(data: SessionData, opts: TextExportOptions): string {
  const out: string[] = [];
  const stamper = opts.timestamps === 'none' ? null : new Stamper(opts.timestamps);
  const printkSource = opts.timestamps !== 'none' && opts.timestamps.source === 'printk';
  for (const item of consoleItems(data.chunks, opts.markers === false ? [] : data.markers, opts.includeTx ?? false)) {
    if (item.kind === 'marker') {
      const m = item.marker;
      const when = opts.timestamps === 'none' ? '' : ` ${isoTime(m.t)}`;
      out.push(`--- ${m.kind}${m.detail ? ` ${m.detail.replace(/[\r\n]+/g, ' ')}` : ''}${when} ---`);
      continue;
    }
    const line = item.line;
    let text = printkSource ? withoutPrintkStamp(line.text) : line.text;
    if (line.dir === 'tx') text = `> ${text}`;
    if (!stamper) {
      out.push(text);
      continue;
    }
    const stamp = stamper.stamp(line);
    out.push(stamp ? `${stamp} ${text}` : text);
  }
  return out.length ? out.join('\n') + '\n' : '';
}
