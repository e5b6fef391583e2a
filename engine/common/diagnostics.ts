// Diagnostics shared by every engine stage: where a thing came from (a span in an original source file,
// with the #include chain that led there) and what is wrong with it. Printed the way dtc prints its
// own (dtc srcpos.c / checks.c): `board.dts:12.3-14.5: ERROR (phandle_references): /soc/i2c@1000: ...`.

/** One step of the include chain: `file` was included from `line` of `from`. */
export interface IncludeFrame {
  file: string;
  line: number;
}

/** A range in an original (pre-preprocessor) source file. Lines and columns are 1-based; end is inclusive. */
export interface SourceSpan {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  /** Outermost first: the files whose #include / /include/ led to `file`. */
  includedFrom?: IncludeFrame[];
}

export type Severity = 'error' | 'warning' | 'note';

export interface Diagnostic {
  severity: Severity;
  /** A stable machine name, e.g. `phandle_references`, `syntax`, `include_not_found`. */
  code: string;
  message: string;
  span?: SourceSpan;
  /** For binary inputs: the byte offset the problem was found at. */
  byteOffset?: number;
  /** The file a byte offset refers to (binary inputs). */
  file?: string;
  /** Node path the diagnostic is about, when it is about a node. */
  nodePath?: string;
  /** Other places the same thing is defined (dtc's "also defined at"). */
  alsoAt?: SourceSpan[];
}

/** The engine's result shape: a value (possibly partial) plus everything found on the way. */
export interface Result<T> {
  value: T;
  diagnostics: Diagnostic[];
}

export function formatSpan(span: SourceSpan): string {
  const start = `${span.line}.${span.col}`;
  if (span.endLine === span.line && span.endCol === span.col) return `${span.file}:${start}`;
  const end = span.endLine === span.line ? `${span.endCol}` : `${span.endLine}.${span.endCol}`;
  return `${span.file}:${start}-${end}`;
}

/** dtc's words for a severity (checks.c check_msg: "ERROR", "Warning"); dtc has no notes. */
const SEVERITY_WORD: Record<Severity, string> = { error: 'ERROR', warning: 'Warning', note: 'Note' };

/**
 * The one printer for diagnostics, in dtc's format: `file:line.col-col: Warning (name): /path: message`,
 * then the include chain and "also defined at" lines. Every stage and every command prints through it.
 */
export function formatDiagnostic(d: Diagnostic): string {
  let where = '';
  if (d.span) where = formatSpan(d.span);
  else if (d.file && d.byteOffset !== undefined) where = `${d.file}:byte ${d.byteOffset}`;
  else if (d.file) where = d.file;
  const word = SEVERITY_WORD[d.severity];
  const kind = d.code === 'syntax' || d.code === '' ? word : `${word} (${d.code})`;
  const subject = d.nodePath ? `${d.nodePath}: ` : '';
  const lines = [`${where ? `${where}: ` : ''}${kind}: ${subject}${d.message}`];
  if (d.span?.includedFrom) {
    for (let i = d.span.includedFrom.length - 1; i >= 0; i--) {
      const f = d.span.includedFrom[i]!;
      lines.push(`  included from ${f.file}:${f.line}`);
    }
  }
  for (const also of d.alsoAt ?? []) lines.push(`  also defined at ${formatSpan(also)}`);
  return lines.join('\n');
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
