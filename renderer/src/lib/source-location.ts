// How a device-tree source location reads in the app: `board.dts:283` for the eye (dtc's file:line),
// the full `file:line.col-line.col` span and its #include chain (engine/common formatSpan) on hover and
// in the source view. Pure functions: the detail view and the source excerpt share them.
import { formatSpan, type SourceSpan } from '../../../engine/common';

export function baseName(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? file : file.slice(i + 1);
}

/** `board.dts:283`, the location as a person names it. */
export function shortLocation(span: SourceSpan): string {
  return `${baseName(span.file)}:${span.line}`;
}

/** `soc.dtsi:120 ← board.dts:3`: the file, then each file that included it, innermost first. */
export function includeChain(span: SourceSpan): string {
  const frames = span.includedFrom ?? [];
  return [shortLocation(span), ...frames.slice().reverse().map((f) => `${baseName(f.file)}:${f.line}`)].join(' ← ');
}

/** The full span and chain, as dtc prints a diagnostic's location. */
export function longLocation(span: SourceSpan): string {
  const frames = (span.includedFrom ?? []).slice().reverse().map((f) => `included from ${f.file}:${f.line}`);
  return [formatSpan(span), ...frames].join('\n');
}

export interface ExcerptLine {
  n: number;
  text: string;
  /** Inside the span. */
  hit: boolean;
}

/** The span's lines and `context` lines either side, at most `max` lines (a long node is cut after its start). */
export function excerpt(text: string, span: SourceSpan, context = 3, max = 60): ExcerptLine[] {
  const lines = text.split('\n');
  const from = Math.max(1, span.line - context);
  const to = Math.min(lines.length, span.endLine + context, from + max - 1);
  const out: ExcerptLine[] = [];
  for (let n = from; n <= to; n++) out.push({ n, text: lines[n - 1]!.replace(/\r$/, ''), hit: n >= span.line && n <= span.endLine });
  return out;
}
