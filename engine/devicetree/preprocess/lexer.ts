// Turns a source file's bytes into preprocessing tokens the way libcpp's lexer does for `-x
// assembler-with-cpp` (libcpp/lex.cc: splices, comments, pp-numbers, unterminated quotes as CPP_OTHER).
// A file is read and spliced once and cached by path. For a cache a batch of boards shares, it is
// lexed at once too, so the batch lexes each header once; a run of its own lexes each inclusion a
// line at a time as the preprocessor reaches it, and lets it print a plain line from the text.
import { decodeUtf8 } from '../lex';
import * as tokens from './tokens';
// Copied once at load: bundlers turn imported bindings into getters, too slow on the per-token path.
const { DIRECTIVES, F_BOL, F_NUL_IN_LITERAL, F_PREV_WHITE, K_CHAR, K_HEADER, K_NAME, K_NUMBER, K_OTHER, K_PUNCT, K_STRING } = tokens;
type Tok = tokens.Tok;

export interface LexProblem {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  line: number;
  col: number;
}

/**
 * A file read once: its text after splicing, and either all its tokens (lexed at once, for a cache a
 * batch shares) or nothing more, each inclusion then lexing it line by line as it goes (LineLexer), so
 * lines printed whole as plain text are never made into tokens. Lexing problems are known either way.
 */
export interface LexedFile {
  path: string;
  /** The text with CRLF as LF and backslash-newlines removed. */
  text: string;
  /** Offsets in `text` where a backslash-newline was removed (each starts a new physical line). */
  splices: number[];
  /** Every token (with BOL/PREV_WHITE flags and physical positions), or null: lexed per inclusion. */
  toks: Tok[] | null;
  problems: LexProblem[];
  /** Parsed `#define`s keyed by the physical line of their `#`: a shared header is parsed once per batch. */
  defines: Map<number, unknown>;
  /**
   * The -E text of a line that expands no macro, keyed by the physical line it starts on: what printing
   * its tokens one by one gives, made once per line (and per batch, as the file is shared).
   */
  lineText: Map<number, string>;
  /** When the file was last modified, if the host said (__TIMESTAMP__). */
  mtime?: Date;
}


// Identifier characters: ID_CHAR[c] is 2 for one that can start an identifier ([A-Za-z_]), 1 for a
// digit, else 0. No '$': cpp turns dollars_in_ident off for assembler-with-cpp ('$' is assembler syntax).
// Looked up inline in the per-character loops, where a function call per character is what a cold
// (interpreted) run pays most for. Past the end charCodeAt gives NaN, and a code above 127 is out of
// range: both read as undefined, which compares as neither 2 nor above 0.
const ID_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) ID_CHAR[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 ? 2 : c >= 48 && c <= 57 ? 1 : 0;
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Length of the punctuator starting at s[i], or 0. Asm mode: no digraphs, no `::`. */
function punctLength(s: string, i: number, c: number): number {
  const d = s.charCodeAt(i + 1);
  switch (c) {
    case 91: case 93: case 40: case 41: case 123: case 125: case 126: case 63: case 59: case 44:
      return 1; // [ ] ( ) { } ~ ? ; ,
    case 46: // .
      return d === 46 && s.charCodeAt(i + 2) === 46 ? 3 : 1;
    case 45: // -
      return d === 45 || d === 61 || d === 62 ? 2 : 1;
    case 43: // +
      return d === 43 || d === 61 ? 2 : 1;
    case 38: // &
      return d === 38 || d === 61 ? 2 : 1;
    case 124: // |
      return d === 124 || d === 61 ? 2 : 1;
    case 42: case 47: case 37: case 94: case 33: case 61: // * / % ^ ! =
      return d === 61 ? 2 : 1;
    case 60: case 62: // < >
      if (d === c) return s.charCodeAt(i + 2) === 61 ? 3 : 2;
      return d === 61 ? 2 : 1;
    case 58: // :
      return 1;
    case 35: // #
      return d === 35 ? 2 : 1;
    default:
      return 0;
  }
}

interface Cleaned {
  text: string;
  /** Offsets in `text` where a backslash-newline was removed (each starts a new physical line). */
  splices: number[];
}

/** Phase 1-2 of translation: CRLF/CR to LF, and backslash-newline splices removed. */
function clean(raw: string, problems: LexProblem[]): Cleaned {
  let text = raw.indexOf('\r') >= 0 ? raw.replace(/\r\n?/g, '\n') : raw;
  const splices: number[] = [];
  if (text.indexOf('\\') < 0) return { text, splices };
  const parts: string[] = [];
  let from = 0;
  let removed = 0;
  let line = 1;
  let lineCountedTo = 0;
  for (let b = text.indexOf('\\'); b >= 0; b = text.indexOf('\\', b + 1)) {
    let j = b + 1;
    while (j < text.length && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
    if (j >= text.length || text.charCodeAt(j) !== 10) continue;
    if (j > b + 1) {
      for (let k = lineCountedTo; k < b; k++) if (text.charCodeAt(k) === 10) line++;
      lineCountedTo = b;
      problems.push({ severity: 'warning', code: 'backslash_space', message: 'backslash and newline separated by space', line, col: 0 });
    }
    parts.push(text.slice(from, b));
    removed += j + 1 - b;
    splices.push(j + 1 - removed);
    from = j + 1;
    b = j;
  }
  if (splices.length === 0) return { text, splices };
  parts.push(text.slice(from));
  text = parts.join('');
  return { text, splices };
}

export function lexBytes(path: string, bytes: Uint8Array, mtime?: Date, byLine = false): LexedFile {
  const problems: LexProblem[] = [];
  const { text, splices } = clean(decodeUtf8(bytes), problems);
  // Lexing as it goes keeps its problems for when the line is reached, and enterFile reports a file's
  // problems as it enters it; so a file that could have any (a NUL, a comment that may be open at the
  // end) is lexed at once.
  const open = text.lastIndexOf('/*');
  const lineByLine = byLine && text.indexOf('\0') < 0 && (open < 0 || text.lastIndexOf('*/') >= open + 2);
  const file: LexedFile = { path, text, splices, toks: null, problems, defines: new Map(), lineText: new Map() };
  if (!lineByLine) file.toks = lexAll(new LineLexer(text, splices, problems));
  if (mtime) file.mtime = mtime;
  return file;
}

/**
 * Tokenizes a whole text. Positions are physical (splices counted). A `#` that starts a logical
 * line gets `aux` = the last physical line of that logical line, so an #include knows which line
 * follows it; after `#include` a `<...>` is one K_HEADER token as libcpp lexes it.
 */
export function lexText(raw: string, problems: LexProblem[]): Tok[] {
  const { text, splices } = clean(raw, problems);
  return lexAll(new LineLexer(text, splices, problems));
}

function lexAll(lexer: LineLexer): Tok[] {
  const toks: Tok[] = [];
  while (!lexer.done) lexer.lexLine(toks);
  return toks;
}

/** What LineLexer.plainRun found: lines printed as they stand, one after another. */
export interface PlainRun {
  /**
   * Their -E text: each source line with each whitespace character a space and trailing ones dropped,
   * joined by newlines (a blank line among them is an empty one).
   */
  text: string;
  /** Physical line of the first. */
  line: number;
  /** The last token (for the position of what comes next); its line is the run's last. */
  last: Tok;
}

// A line that is not plain: a directive (`#` first, then nothing, a number or a directive's name; a
// `#` before any other name, as in `#address-cells = <1>;`, starts assembler text, printed as it
// stands), or what makes lexing more than splitting at spaces (comments, character literals,
// backslashes for escapes and splices, NULs, non-ASCII characters, wide literals). With the m flag, ^
// is the start of any line.
const NOT_PLAIN = new RegExp(
  String.raw`^[ \t\v\f]*#(?![ \t\v\f]*(?!(?:${[...DIRECTIVES].join('|')})(?![A-Za-z0-9_]))[A-Za-z_])|[/'\\\x00\x80-\uffff]|L"`,
  'gm',
);
// A line with an odd number of `"`: a string left open, which lexText reads otherwise.
const OPEN_STRING = /^(?:[^"\n]|"[^"\n]*")*"[^"\n]*$/gm;
// The end of a line followed by eight blank ones: cpp prints a linemarker there, not eight newlines.
const LONG_GAP = /\n(?:[ \t\v\f]*\n){8}/g;
// The tokens of plain lines, as lexText splits them: names, pp-numbers, strings, the punctuators of
// punctLength (longest first), and any other single character.
const TOKENS = /[A-Za-z_][A-Za-z0-9_]*|\.?\d(?:[eEpP][+-]|[A-Za-z0-9_.])*|"[^"\n]*"|\.\.\.|<<=|>>=|<<|>>|->|--|\+\+|&&|\|\||##|[-+&|*/%^!=<>]=|\S/g;
// A token and the space after it: replacing each by one character counts tokens without making a
// string of each (what match() would do).
const TOKEN_AND_SPACE = new RegExp(`(?:${TOKENS.source})[ \\t\\v\\f\\n]*`, 'g');
const NON_SPACE = /\S/;
const HASH_FIRST = /[ \t\v\f]*#/y;
const SPACE_BEFORE_NEWLINE = /[ \t\v\f]\n/;
const TRAILING_SPACE = /[ \t\v\f]+(?=\n)/g;
const OTHER_SPACE = /[\t\v\f]/g;

/**
 * Finds the names in a text that are macros, with one regular expression of the macros' first four
 * characters (a board's thousand pin macros share a handful) and a look-up of each word it stops at. A
 * regular expression of the whole names would be exact, but compiling one of a thousand names costs
 * more (~5 ms) than the lines it would save. Made again whenever the set of macros changes.
 */
export class MacroNameScan {
  private readonly pattern: RegExp | null;

  constructor(private readonly macros: ReadonlyMap<string, unknown>) {
    const prefixes = new Set<string>();
    for (const name of macros.keys()) prefixes.add(name.slice(0, 4));
    // Names are [A-Za-z_][A-Za-z0-9_]*: nothing in them to escape. A word is an identifier token unless
    // it is in a string or follows a pp-number's e+ or p-; such a false hit only sends its line down the
    // token path.
    this.pattern = prefixes.size === 0 ? null : new RegExp(`\\b(?:${[...prefixes].join('|')})\\w*`, 'g');
  }

  /** Where the first macro name at or after `from` in `s` starts, or `s.length`. */
  next(s: string, from: number): number {
    const re = this.pattern;
    if (re === null) return s.length;
    re.lastIndex = from;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) if (this.macros.has(m[0])) return m.index;
    return s.length;
  }
}

/**
 * libcpp's lexer over one text, a logical line at a time: lexLine appends the next line's tokens, and
 * plainRun takes the lines from there on whole while they are plain text, without making tokens of them.
 */
export class LineLexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private sp = 0;
  // Where the next line each plainRun search found starts (s.length: none), kept while ahead of the run.
  private notPlainAt = -1;
  private openStringAt = -1;
  private gapAt = -1;
  private namesAt = -1;
  private names: MacroNameScan | null = null;

  constructor(
    private readonly s: string,
    private readonly splices: number[],
    private readonly problems: LexProblem[],
  ) {}

  get done(): boolean {
    return this.i >= this.s.length;
  }

  /** Lexes the next logical line (to its newline, which it consumes) onto `toks`; a blank line adds none. */
  lexLine(toks: Tok[]): void {
    // In locals: interpreted code pays a property load for each read of a field.
    const s = this.s;
    const n = s.length;
    const splices = this.splices;
    const problems = this.problems;
    const nsp = splices.length;
    let i = this.i;
    let line = this.line;
    let lineStart = this.lineStart;
    let sp = this.sp;
    let bol = true;
    let ws = false;
    let dirState = 0; // 1: after a BOL '#'; 2: after '#include' (a '<' starts a header name)
    let hashTok: Tok | null = null;
    while (i < n) {
      while (sp < nsp && splices[sp]! <= i) { line++; if (splices[sp]! > lineStart) lineStart = splices[sp]!; sp++; }
      const c = s.charCodeAt(i);
      if (c === 10) {
        if (hashTok) { hashTok.aux = line; hashTok = null; }
        line++; lineStart = i + 1; i++;
        break; // the end of a logical line
      }
      if (c === 32 || c === 9 || c === 12 || c === 11 || c === 13 || c === 0) {
        // libcpp's skip_whitespace: NUL is whitespace, warned about once per run, at the run's start.
        const runStart = i;
        let sawNul = false;
        while (i < n) {
          const w = s.charCodeAt(i);
          if (w === 0) sawNul = true;
          else if (w !== 32 && w !== 9 && w !== 12 && w !== 11 && w !== 13) break;
          i++;
        }
        if (sawNul) problems.push({ severity: 'warning', code: 'null_character', message: 'null character(s) ignored', line, col: runStart - lineStart + 1 });
        ws = true;
        continue;
      }
      if (c === 47) {
        const d = s.charCodeAt(i + 1);
        if (d === 42) {
          const end = s.indexOf('*/', i + 2);
          const stop = end < 0 ? n : end + 2;
          if (end < 0) {
            problems.push({ severity: 'error', code: 'unterminated_comment', message: 'unterminated comment', line, col: i - lineStart + 1 });
          }
          for (let k = s.indexOf('\n', i); k >= 0 && k < stop; k = s.indexOf('\n', k + 1)) {
            while (sp < nsp && splices[sp]! <= k) { line++; sp++; }
            line++; lineStart = k + 1;
          }
          i = stop; ws = true;
          continue;
        }
        if (d === 47) {
          const nl = s.indexOf('\n', i);
          i = nl < 0 ? n : nl; ws = true;
          continue;
        }
      }
      const start = i;
      const col = i - lineStart + 1;
      let kind: number;
      if (ID_CHAR[c] === 2) {
        i++;
        while (ID_CHAR[s.charCodeAt(i)]! > 0) i++;
        const q = s.charCodeAt(i);
        if (i === start + 1 && c === 76 /* L */ && (q === 34 || q === 39)) {
          kind = lexQuoted(s, i, q);
          i = quotedEnd;
        } else kind = K_NAME;
      } else if (isDigit(c) || (c === 46 && isDigit(s.charCodeAt(i + 1)))) {
        i++;
        for (;;) {
          const e = s.charCodeAt(i);
          if (ID_CHAR[e]! > 0 || e === 46) { i++; continue; }
          if (e === 43 || e === 45) {
            const p = s.charCodeAt(i - 1) | 32;
            if (p === 101 /* e */ || p === 112 /* p */) { i++; continue; }
          }
          break;
        }
        kind = K_NUMBER;
      } else if (c === 34 || c === 39) {
        kind = lexQuoted(s, i, c);
        i = quotedEnd;
      } else if (c === 60 && dirState === 2) {
        const close = s.indexOf('>', i + 1);
        const nl = s.indexOf('\n', i + 1);
        if (close >= 0 && (nl < 0 || close < nl)) { kind = K_HEADER; i = close + 1; } else { kind = K_PUNCT; i += punctLength(s, i, c); }
      } else {
        const len = punctLength(s, i, c);
        if (len > 0) { kind = K_PUNCT; i += len; } else {
          kind = K_OTHER;
          i += c >= 0xd800 && c < 0xdc00 && i + 1 < n ? 2 : 1;
        }
      }
      const text = s.slice(start, i);
      let flags = (bol ? F_BOL : 0) | (ws ? F_PREV_WHITE : 0);
      if (kind !== K_NAME && kind !== K_NUMBER && kind !== K_PUNCT && text.indexOf('\0') >= 0 && nulOutsideEscape(text, kind === K_HEADER)) flags |= F_NUL_IN_LITERAL;
      const tok: Tok = { kind, text, flags, line, col, aux: -1, src: null }; // newTok, inline
      toks.push(tok);
      if (bol && kind === K_PUNCT && c === 35 && i === start + 1) { dirState = 1; hashTok = tok; }
      else if (dirState === 1 && kind === K_NAME) {
        const t = tok.text;
        dirState = t === 'include' || t === 'include_next' || t === 'import' ? 2 : 0;
      } else dirState = 0;
      bol = false; ws = false;
    }
    if (i >= n && hashTok) hashTok.aux = line;
    this.i = i;
    this.line = line;
    this.lineStart = lineStart;
    this.sp = sp;
  }

  /**
   * The plain lines from here on, as one run: lines that are each a single physical line, lex to tokens
   * split at spaces (see NOT_PLAIN), hold no directive, no open string and no name `names` finds, with
   * blank lines among them (fewer than eight in a row; trailing ones are not taken). The run is consumed
   * with the newline of its last line and returned. A blank line first is consumed alone and gives null.
   * A run is at most `maxChars` characters long (a bound on its tokens that needs no counting): a longer
   * one is cut to its first line. Undefined, having consumed nothing, when the next line is not plain or
   * is longer than that, or starts with `#` (assembler text) and `hashFirst` is false: after a macro's
   * expansion cpp prints a space before such a `#`, which the token path does.
   */
  plainRun(names: MacroNameScan, maxChars: number, hashFirst: boolean): PlainRun | null | undefined {
    const s = this.s;
    const i = this.i;
    let line = this.line;
    let lineStart = this.lineStart;
    let sp = this.sp;
    const splices = this.splices;
    while (sp < splices.length && splices[sp]! <= i) { line++; if (splices[sp]! > lineStart) lineStart = splices[sp]!; sp++; }
    // No line the run takes may hold a splice: its physical lines would differ from its logical one.
    const stop = sp < splices.length ? s.lastIndexOf('\n', splices[sp]! - 1) + 1 : s.length;
    if (stop <= i) return undefined;
    let nl = s.indexOf('\n', i);
    if (nl < 0) nl = s.length;
    if (this.notPlainAt < i) this.notPlainAt = lineAt(s, NOT_PLAIN, i);
    if (this.notPlainAt !== i && isBlank(s, i, nl)) {
      this.i = nl + 1; this.line = line + 1; this.lineStart = nl + 1; this.sp = sp;
      return null;
    }
    // Each search runs from where it last stopped only once the run has passed that, so a file is
    // searched about once for each, however many runs it is cut into.
    if (this.openStringAt < i) this.openStringAt = lineAt(s, OPEN_STRING, i);
    if (this.namesAt < i || this.names !== names) {
      this.names = names;
      const at = names.next(s, i);
      this.namesAt = at < s.length ? s.lastIndexOf('\n', at - 1) + 1 : at;
    }
    if (this.gapAt < i) {
      LONG_GAP.lastIndex = i;
      this.gapAt = LONG_GAP.exec(s)?.index ?? s.length;
    }
    let end = Math.min(stop, this.notPlainAt, this.openStringAt, this.namesAt, this.gapAt + 1);
    if (end <= i) return undefined;
    if (!hashFirst) {
      HASH_FIRST.lastIndex = i;
      if (HASH_FIRST.test(s)) return undefined;
    }
    let text = s.slice(i, end).trimEnd();
    if (text.length > maxChars) {
      if (end <= nl + 1) return undefined;
      end = nl + 1;
      text = s.slice(i, end).trimEnd();
      if (text.length > maxChars) return undefined;
    }
    // The run ends at its last line with tokens; the lines it spans are counted by their newlines.
    let lines = 0;
    for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) lines++;
    const lastLineStart = text.lastIndexOf('\n') + 1;
    const lastLine = lines === 0 ? text : text.slice(lastLineStart);
    const lastTokens = lastLine.match(TOKENS)!;
    const lastText = lastTokens[lastTokens.length - 1]!;
    const lastCol = text.length - lastText.length + 1 + (lines === 0 ? i - lineStart : 0) - lastLineStart;
    const last: Tok = { kind: K_OTHER, text: lastText, flags: 0, line: line + lines, col: lastCol, aux: -1, src: null };
    const after = i + text.length;
    let next = s.indexOf('\n', after);
    next = next < 0 ? s.length : next + 1;
    this.i = next; this.line = line + lines + 1; this.lineStart = next; this.sp = sp;
    if (lines > 0 && SPACE_BEFORE_NEWLINE.test(text)) text = text.replace(TRAILING_SPACE, '');
    if (i !== lineStart) text = ' '.repeat(i - lineStart) + text;
    return { text: text.replace(OTHER_SPACE, ' '), line, last };
  }
}

/** The start of the line holding the first match of `re` (a g regular expression) at or after `from`, or `s.length`. */
function lineAt(s: string, re: RegExp, from: number): number {
  re.lastIndex = from;
  const m = re.exec(s);
  return m === null ? s.length : s.lastIndexOf('\n', m.index - 1) + 1;
}

/** How many tokens a plain run's text holds (it starts with a line's indentation, if any). */
export function countTokens(text: string): number {
  return text.replace(TOKEN_AND_SPACE, 'x').length - text.search(NON_SPACE);
}

/** Whether s[from, to) is whitespace only. */
function isBlank(s: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c !== 32 && c !== 9 && c !== 11 && c !== 12) return false;
  }
  return true;
}

/** lex.cc lex_string: a NUL right after a backslash is skipped as the escaped character, so it is not "seen". */
function nulOutsideEscape(text: string, header: boolean): boolean {
  for (let j = 0; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0) return true;
    if (c === 92 && !header) j++;
  }
  return false;
}

let quotedEnd = 0;
/** A string or char literal starting at s[i] (the quote); sets quotedEnd. Unterminated: K_OTHER to end of line. */
function lexQuoted(s: string, i: number, q: number): number {
  const n = s.length;
  let j = i + 1;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === q) { quotedEnd = j + 1; return q === 34 ? K_STRING : K_CHAR; }
    if (c === 10) break;
    if (c === 92 && j + 1 < n && s.charCodeAt(j + 1) !== 10) j += 2; else j++;
  }
  quotedEnd = j > n ? n : j;
  return K_OTHER;
}

/** Lexes a snippet (a pasted pair, a -D value); no problems reported. */
export function lexSnippet(text: string): Tok[] {
  return lexText(text, []);
}
