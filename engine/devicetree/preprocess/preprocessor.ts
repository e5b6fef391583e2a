// The C preprocessor Kbuild runs on device-tree sources: `cpp -nostdinc -undef -D__DTS__ -x
// assembler-with-cpp` (GNU libcpp: directives.cc, macro.cc, files.cc, and gcc/c-family/c-ppoutput.cc
// for the -E text with GNU linemarkers). Macro expansion follows libcpp's context stack, padding
// tokens and "avoid paste" spacing; argument pre-expansion runs on an explicit frame stack instead
// of recursion, so input nesting depth never grows the JS stack.
import type { Diagnostic, IncludeFrame, Result, Severity, SourceSpan } from '../../common';
import { evaluateExpression, isExprError } from './expr';
import { countTokens, LineLexer, lexBytes, lexSnippet, lexText, MacroNameScan, type LexedFile } from './lexer';
import * as tokens from './tokens';
// Copied once at load: bundlers turn imported bindings into getters, too slow on the per-token path.
const { ARG_END, AVOID_PASTE, DIRECTIVES, EOF_TOK, F_BOL, F_NO_EXPAND, F_NUL_IN_LITERAL, F_PASTE_LEFT, F_PREV_WHITE, F_STRINGIFY, F_SYNTH, K_CHAR, K_EOF, K_HEADER, K_MACRO_ARG, K_NAME, K_NUMBER, K_OTHER, K_PADDING, K_PUNCT, K_STRING, K_VAOPT, avoidPaste, cloneTok, paddingTok, quoteFileName } = tokens;
const newTok = tokens.newTok;
type Tok = tokens.Tok;

export interface PreprocessCache {
  /**
   * Lexed files (and their parsed #defines) by path; null: the file does not exist. Share one
   * across the boards of a batch whose readFile callbacks agree on what each path holds.
   */
  readonly files: Map<string, LexedFile | null>;
}

export function createPreprocessCache(): PreprocessCache {
  return { files: new Map() };
}

/** A file as the host read it: its bytes, and when it was last modified (what cpp's __TIMESTAMP__ shows). */
export interface FileContents {
  bytes: Uint8Array;
  mtime?: Date;
}

/**
 * The engine's only way to a file (it does no I/O itself): the bytes, alone or with their modification
 * time, or undefined when there is no such file.
 */
export type ReadFile = (path: string) => Uint8Array | FileContents | undefined;

/** What a ReadFile returned, as FileContents. */
export function contentsOf(read: Uint8Array | FileContents | undefined): FileContents | undefined {
  if (read === undefined) return undefined;
  return ArrayBuffer.isView(read) ? { bytes: read } : read;
}

export interface PreprocessOptions {
  /** -I directories, searched in order. */
  includeDirs: string[];
  /** -D entries as typed: "NAME", "NAME=VALUE", "F(x)=x+1". */
  defines?: string[];
  /** -U entries, applied after the predefined macros and -D. */
  undefines?: string[];
  readFile: ReadFile;
  /** Default 200, as GCC's -fmax-include-depth. */
  maxIncludeDepth?: number;
  /** Shared lexed-file cache for a batch; without it each call has its own. */
  cache?: PreprocessCache;
  /** Upper bound on tokens moved by macro expansion and argument collection before giving up. */
  maxExpansionWork?: number;
  /** Upper bound on tokens printed (an exponential macro stops here instead of exhausting memory). */
  maxOutputTokens?: number;
  /** What __DATE__/__TIME__ show; without it they read "??? ?? ????" / "??:??:??" (cpp without a clock). */
  now?: Date;
}


/** What the preprocessor predefines under `-undef -x assembler-with-cpp` (cpp -dM -undef ... /dev/null), plus -D__DTS__. */
export const PREDEFINED_MACROS: readonly string[] = ['__STDC__=1', '__STDC_HOSTED__=1', '__ASSEMBLER__=1', '__DTS__=1'];

const BT_FILE = 1, BT_LINE = 2, BT_COUNTER = 3, BT_INCLUDE_LEVEL = 4, BT_BASE_FILE = 5, BT_DATE = 6, BT_TIME = 7,
  BT_TIMESTAMP = 8, BT_HAS_INCLUDE = 9, BT_HAS_INCLUDE_NEXT = 10, BT_PRAGMA = 11;
const BUILTINS: [string, number][] = [
  ['__FILE__', BT_FILE], ['__LINE__', BT_LINE], ['__COUNTER__', BT_COUNTER], ['__INCLUDE_LEVEL__', BT_INCLUDE_LEVEL],
  ['__BASE_FILE__', BT_BASE_FILE], ['__DATE__', BT_DATE], ['__TIME__', BT_TIME], ['__TIMESTAMP__', BT_TIMESTAMP],
  ['__has_include', BT_HAS_INCLUDE], ['__has_include_next', BT_HAS_INCLUDE_NEXT], ['_Pragma', BT_PRAGMA],
];

interface MacroDef {
  name: string;
  funLike: boolean;
  params: string[];
  variadic: boolean;
  body: Tok[];
  builtin: number;
  file: string;
  line: number;
  col: number;
}

/** A definition live in this run; `disabled` while its expansion is being rescanned. */
interface Macro {
  def: MacroDef;
  disabled: boolean;
}

/** libcpp's cpp_context: a run of tokens being read, from a macro expansion, a paste, or an argument. */
interface Ctx {
  toks: Tok[];
  pos: number;
  /** One past the last token; an argument context then yields ARG_END once. */
  end: number;
  isArg: boolean;
  macro: Macro | null;
  /** Line of each token: `lines[i]`, else (for a view on a file) `toks[i].line + delta`, else `line`. */
  lines: number[] | null;
  delta: number;
  line: number;
}

/**
 * An argument's tokens are `toks[start..end)`: usually a view on the array they were read from (the
 * file, or an enclosing argument), so nested invocations share storage instead of copying; linear
 * memory even for F(F(F(...))) ten thousand deep.
 */
interface MacroArg {
  toks: Tok[];
  start: number;
  end: number;
  lines: number[] | null;
  delta: number;
  line: number;
  expanded: Tok[] | null;
  stringified: Tok | null;
  /** The variadic argument was not given at all (`, ## __VA_ARGS__` then drops the comma). */
  absent: boolean;
}

/** A function-like macro whose arguments are being pre-expanded, one at a time, on the frame stack. */
interface ExpandFrame {
  macro: Macro;
  name: Tok;
  args: MacroArg[];
  need: number[];
  k: number;
  out: Tok[];
  line: number;
}

interface FileFrame {
  file: LexedFile;
  /** This inclusion's tokens: the file's own, or (lexed as it goes) those its lexer has made so far. */
  toks: Tok[];
  /** Lexes the file line by line onto `toks` (null: the file's tokens are all there). */
  lexer: LineLexer | null;
  pos: number;
  /** Presumed name (what linemarkers, __FILE__ and diagnostics show; #line may change it). */
  name: string;
  dir: string;
  /** Index in includeDirs where the file was found (-1: current dir or main file), for #include_next. */
  dirIndex: number;
  /** Presumed line minus physical line. */
  delta: number;
  /** Line of the #include in the parent, and the parent line that follows it. */
  parentLine: number;
  returnLine: number;
  condBase: number;
}

interface Cond {
  kind: string;
  file: string;
  line: number;
  col: number;
  chain: IncludeFrame[];
  wasSkipping: boolean;
  taken: boolean;
  sawElse: boolean;
}

function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  if (i < 0) return '';
  return i === 0 ? '/' : path.slice(0, i);
}

function joinPath(dir: string, name: string): string {
  if (dir === '') return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/**
 * Appends to an expansion, dropping paddings that cannot change any reader's decision (an
 * avoid-paste after an avoid-paste, a sourced padding after a sourced padding). Without this,
 * nested expansions accumulate paddings quadratically, as cpp's do.
 */
function pushCollapsed(out: Tok[], t: Tok): void {
  if (t.kind === K_PADDING && out.length > 0) {
    const last = out[out.length - 1]!;
    if (last.kind === K_PADDING && (t.src === null) === (last.src === null)) return;
  }
  out.push(t);
}

/**
 * Per token array: the index of the ')' matching each '(' (-1 if none), and a running count of
 * tokens an argument scan must not skip over (pastes, line-start '#'). Lets nested invocations
 * find their arguments without rescanning them: F(F(F(...))) costs O(depth), not O(depth^2).
 */
interface ParenTable {
  match: Int32Array;
  unsafe: Int32Array;
}
const parenTables = new WeakMap<Tok[], ParenTable>();

function parenTable(toks: Tok[]): ParenTable {
  let t = parenTables.get(toks);
  if (t) return t;
  const n = toks.length;
  const match = new Int32Array(n).fill(-1);
  const unsafe = new Int32Array(n + 1);
  const stack: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = toks[i]!;
    const bad = (k.flags & F_PASTE_LEFT) !== 0 || ((k.flags & F_BOL) !== 0 && k.kind === K_PUNCT && k.text === '#');
    unsafe[i + 1] = unsafe[i]! + (bad ? 1 : 0);
    if (k.kind !== K_PUNCT) continue;
    if (k.text === '(') stack.push(i);
    else if (k.text === ')' && stack.length) match[stack.pop()!] = i;
  }
  t = { match, unsafe };
  parenTables.set(toks, t);
  return t;
}

function isPunct(t: Tok, s: string): boolean {
  return t.kind === K_PUNCT && t.text === s;
}

const SPACES = ' '.repeat(256);

class Preprocessor {
  private readonly macros = new Map<string, Macro>();
  /** Finds the macros' names for plain runs; null from each change to which names are macros until a run needs it. */
  private nameScan: MacroNameScan | null = null;
  private readonly ctxs: Ctx[] = [];
  private readonly frames: ExpandFrame[] = [];
  private readonly incl: FileFrame[] = [];
  private readonly conds: Cond[] = [];
  private readonly diags: Diagnostic[] = [];
  private readonly cache: PreprocessCache;
  private readonly ownCache: boolean;
  private readonly includeDirs: string[];
  private readonly maxDepth: number;
  private readonly maxWork: number;
  private readonly maxOutput: number;
  private readonly once = new Set<string>();
  private readonly pushedMacros = new Map<string, (Macro | undefined)[]>();
  private skipping = false;
  /** How many macros are disabled right now; while zero, no token can need painting. */
  private disabledCount = 0;
  private inDirective = false;
  private parsingArgs = 0;
  private preventExpansion = 0;
  private fatal = false;
  private work = 0;
  private counter = 0;
  private curLine = 0;
  private lastBase: Tok = EOF_TOK;
  private lastBaseEof = false;
  private mainName = '';

  // -E printer state (c-ppoutput.cc's `print`)
  /** Output joined so far, a piece per 4096 of `parts`. */
  private readonly chunks: string[] = [];
  /**
   * The output since the last chunk, as pieces: tokens, spaces, newlines, linemarkers. Joined once per
   * 4096, not per line (string ropes would cost 32 bytes per token).
   */
  private parts: string[] = [];
  private col = 0;
  /** Tokens printed, but for those of `uncounted`. */
  private printedTokens = 0;
  /**
   * Plain runs printed and not yet counted: a run has at most as many tokens as characters, so it is
   * counted only if the output comes near its limit (settleCount), which one board never does.
   */
  private uncounted: string[] = [];
  /** What printedTokens may reach before the uncounted runs must be counted: maxOutput less their length. */
  private tokenLimit = 0;
  private printed = false;
  private srcLine = 0;
  private srcFile = '';
  private prev: Tok | null = null;
  private source: Tok | null = null;
  private avoid = false;

  constructor(private readonly options: PreprocessOptions) {
    this.cache = options.cache ?? createPreprocessCache();
    this.ownCache = options.cache === undefined;
    this.includeDirs = options.includeDirs.map((d) => (d.length > 1 ? d.replace(/\/+$/, '') : d));
    this.maxDepth = options.maxIncludeDepth ?? 200;
    this.maxWork = options.maxExpansionWork ?? 100_000_000;
    this.maxOutput = options.maxOutputTokens ?? 20_000_000;
    this.tokenLimit = this.maxOutput;
  }

  // ---------------------------------------------------------------- diagnostics

  private chain(): IncludeFrame[] {
    const out: IncludeFrame[] = [];
    for (let i = 1; i < this.incl.length; i++) out.push({ file: this.incl[i - 1]!.name, line: this.incl[i]!.parentLine });
    return out;
  }

  private spanAt(line: number, col: number, endCol = col): SourceSpan {
    const fr = this.incl[this.incl.length - 1];
    const span: SourceSpan = { file: fr ? fr.name : this.mainName, line, col, endLine: line, endCol };
    const chain = this.chain();
    if (chain.length) span.includedFrom = chain;
    return span;
  }

  /** Span of a token read from the current file. */
  private spanOf(t: Tok): SourceSpan {
    const fr = this.incl[this.incl.length - 1];
    const delta = fr ? fr.delta : 0;
    return this.spanAt(t.line + delta, t.col, t.col + Math.max(0, t.text.length - 1));
  }

  private report(severity: Severity, code: string, message: string, span?: SourceSpan, extra?: Partial<Diagnostic>): void {
    if (this.fatal) return;
    const d: Diagnostic = { severity, code, message };
    if (span) d.span = span;
    if (extra) Object.assign(d, extra);
    this.diags.push(d);
  }

  private stop(code: string, message: string, span?: SourceSpan): void {
    this.report('error', code, message, span);
    this.fatal = true;
  }

  private countWork(n: number): void {
    this.work += n;
    if (this.work > this.maxWork && !this.fatal) {
      this.stop('expansion_limit', `macro expansion produced more than ${this.maxWork} tokens; giving up (runaway macro?)`, this.spanOf(this.lastBase));
    }
  }

  // ---------------------------------------------------------------- files

  private load(path: string): LexedFile | null {
    const files = this.cache.files;
    const hit = files.get(path);
    if (hit !== undefined) return hit;
    let read: FileContents | undefined;
    try {
      read = contentsOf(this.options.readFile(path));
    } catch {
      read = undefined;
    }
    // A cache shared by a batch keeps every file's tokens, for the next board; a run of its own lexes
    // each inclusion as it goes, and never makes tokens of the lines it prints whole.
    const lexed = read ? lexBytes(path, read.bytes, read.mtime, this.ownCache) : null;
    files.set(path, lexed);
    return lexed;
  }

  private enterFile(file: LexedFile, name: string, dirIndex: number, parentLine: number, returnLine: number): void {
    // Lexing problems cannot arise in a file lexed as it goes (lexBytes lexes any that could have one at
    // once), so its lexer's list stays empty; the file's are reported here in either case.
    const lexer = file.toks === null ? new LineLexer(file.text, file.splices, []) : null;
    this.incl.push({
      file, toks: file.toks ?? [], lexer, pos: 0, name, dir: dirname(file.path), dirIndex, delta: 0, parentLine, returnLine, condBase: this.conds.length,
    });
    for (const p of file.problems) this.report(p.severity, p.code, p.message, this.spanAt(p.line, p.col));
  }

  /** End of the current file: close its open conditionals and return to the includer. */
  private leaveFile(): void {
    const fr = this.incl[this.incl.length - 1]!;
    while (this.conds.length > fr.condBase) {
      const c = this.conds.pop()!;
      const span: SourceSpan = { file: c.file, line: c.line, col: c.col, endLine: c.line, endCol: c.col };
      if (c.chain.length) span.includedFrom = c.chain;
      this.report('error', 'unterminated_conditional', `unterminated #${c.kind}`, span);
    }
    this.skipping = false;
    if (this.incl.length === 1) return;
    this.incl.pop();
    const parent = this.incl[this.incl.length - 1]!;
    this.printLineMarker(fr.returnLine, parent.name, ' 2');
  }

  // ---------------------------------------------------------------- output (c-ppoutput.cc)

  private newline(): void {
    this.parts.push('\n');
    this.col = 0;
    if (this.parts.length > 4096) { this.chunks.push(this.parts.join('')); this.parts = []; }
  }

  private printLineMarker(line: number, file: string, flags: string): void {
    if (this.printed) this.newline();
    this.printed = false;
    this.parts.push(`# ${line} ${quoteFileName(file)}${flags}\n`);
    this.srcLine = line;
    this.srcFile = file;
  }

  private maybePrintLine(line: number, file: string): void {
    if (this.printed) { this.newline(); this.srcLine++; this.printed = false; }
    if (file === this.srcFile && line >= this.srcLine && line < this.srcLine + 8) {
      while (line > this.srcLine) { this.parts.push('\n'); this.srcLine++; }
    } else this.printLineMarker(line, file, '');
  }

  private lineChange(line: number, file: string): void {
    this.maybePrintLine(line, file);
    this.prev = null;
    this.source = null;
    this.printed = true;
  }

  private printToken(tok: Tok): void {
    let space: boolean;
    if (this.avoid) {
      const s = this.source ?? tok;
      space = (s.flags & F_PREV_WHITE) !== 0 || (this.prev !== null && avoidPaste(this.prev, tok))
        || (this.prev === null && isPunct(tok, '#'));
    } else space = (tok.flags & F_PREV_WHITE) !== 0;
    this.avoid = false;
    this.source = null;
    this.prev = tok;
    if (space) {
      // Keep the original column where we can, so positions in the output still match the source.
      const want = tok.col - 1 - this.col;
      if ((tok.flags & F_SYNTH) === 0 && want > 0) {
        this.parts.push(want <= 256 ? SPACES.slice(0, want) : ' '.repeat(want));
        this.col += want;
      } else { this.parts.push(' '); this.col++; }
    }
    this.parts.push(tok.text);
    this.col += tok.text.length;
    this.printed = true;
    if (this.parts.length > 4096) { this.chunks.push(this.parts.join('')); this.parts = []; }
    if (++this.printedTokens > this.tokenLimit && this.settleCount() > this.maxOutput) {
      this.stop('output_limit', `preprocessed output exceeds ${this.maxOutput} tokens; giving up (runaway macro?)`, this.spanOf(this.lastBase));
    }
  }

  /**
   * Prints the source line that starts at the current file position whole, when it is plain text: not
   * a directive, no name on it that is a macro (builtins included), nothing to warn about. Its tokens
   * then print exactly as the token-by-token path would print them (lineChange, then each token at its
   * own column), so the text is made once per line of the file and the per-token path, which is most of
   * a one-board run's cost, is skipped for most lines of a device tree. In a file read as it goes, the
   * plain lines that follow are taken with it, as one run (LineLexer.plainRun). Only at a line start with
   * no expansion or argument collection under way. False, having done nothing, when the line is not plain.
   */
  private printPlainLine(): boolean {
    if (this.fatal || this.skipping || this.inDirective || this.parsingArgs !== 0 || this.preventExpansion !== 0) return false;
    const fr = this.incl[this.incl.length - 1]!;
    const toks = fr.toks;
    if (fr.lexer !== null && fr.pos >= toks.length) {
      // A file read as it goes, at a line not lexed yet: take it whole from the text if it is plain,
      // else lex it and go on as for any file.
      for (;;) {
        if (fr.lexer.done) return false;
        this.nameScan ??= new MacroNameScan(this.macros);
        // Near the limit the uncounted runs are counted first, so a run is not cut for want of room it has.
        if (this.tokenLimit - this.printedTokens < 65536) this.settleCount();
        const plain = fr.lexer.plainRun(this.nameScan, this.tokenLimit - this.printedTokens, !this.avoid);
        if (plain === null) continue; // a blank line, consumed
        if (plain === undefined) {
          if (!this.lexMore(fr)) return false;
          break;
        }
        this.lastBaseEof = false;
        this.lastBase = plain.last;
        this.lineChange(plain.line + fr.delta, fr.name);
        this.curLine = plain.last.line + fr.delta;
        this.printText(plain.text, 0, plain.last);
        this.uncounted.push(plain.text);
        this.tokenLimit -= plain.text.length;
        // The run's newlines are printed with it: the printer is on its last line.
        this.srcLine += plain.last.line - plain.line;
        this.oIdx = -1;
        return true;
      }
    }
    const start = fr.pos;
    if (start >= toks.length) return false;
    const first = toks[start]!;
    if ((first.flags & F_BOL) === 0 || (first.kind === K_PUNCT && first.text === '#')) return false;
    const macros = this.macros;
    let end = start;
    do {
      const t = toks[end]!;
      if ((t.kind === K_NAME && macros.has(t.text)) || (t.flags & F_NUL_IN_LITERAL) !== 0) return false;
      end++;
    } while (end < toks.length && (toks[end]!.flags & F_BOL) === 0);
    if (this.printedTokens + (end - start) > this.tokenLimit && this.settleCount() + (end - start) > this.maxOutput) return false;
    let text = fr.file.lineText.get(first.line);
    if (text === undefined) {
      text = '';
      for (let i = start; i < end; i++) {
        const t = toks[i]!;
        if ((t.flags & F_PREV_WHITE) !== 0) {
          const want = t.col - 1 - text.length;
          text += want > 0 ? (want <= 256 ? SPACES.slice(0, want) : ' '.repeat(want)) : ' ';
        }
        text += t.text;
      }
      fr.file.lineText.set(first.line, text);
    }
    const last = toks[end - 1]!;
    fr.pos = end;
    this.lastBaseEof = false;
    this.lastBase = last;
    this.lineChange(first.line + fr.delta, fr.name);
    this.curLine = last.line + fr.delta;
    this.printText(text, end - start, last);
    this.oArr = toks; this.oIdx = end - 1; this.oLines = null; this.oDelta = fr.delta;
    return true;
  }

  /** Counts the uncounted runs into printedTokens, and returns it. */
  private settleCount(): number {
    for (const text of this.uncounted) this.printedTokens += countTokens(text);
    this.uncounted = [];
    this.tokenLimit = this.maxOutput;
    return this.printedTokens;
  }

  /** Prints whole lines' text of `tokens` tokens, after lineChange, as printing them one by one would. */
  private printText(text: string, tokens: number, last: Tok): void {
    this.parts.push(text);
    this.col = text.length - (text.lastIndexOf('\n') + 1);
    this.printed = true;
    this.printedTokens += tokens;
    this.avoid = false;
    this.source = null;
    this.prev = last;
    if (this.parts.length > 4096) { this.chunks.push(this.parts.join('')); this.parts = []; }
  }

  // ---------------------------------------------------------------- base lexer (_cpp_lex_token)

  /** Lexes the next line of a file read as it goes that has tokens onto its frame; false at its end. */
  private lexMore(fr: FileFrame): boolean {
    const lexer = fr.lexer;
    if (lexer === null) return false;
    const toks = fr.toks;
    const had = toks.length;
    while (!lexer.done) {
      lexer.lexLine(toks);
      if (toks.length > had) return true;
    }
    return false;
  }

  private lexBase(): Tok {
    for (;;) {
      if (this.fatal) return EOF_TOK;
      const fr = this.incl[this.incl.length - 1]!;
      const toks = fr.toks;
      if (this.skipping && !this.inDirective) {
        let p = fr.pos;
        while (p < toks.length || this.lexMore(fr)) {
          const t = toks[p]!;
          if ((t.flags & F_BOL) !== 0 && t.kind === K_PUNCT && t.text === '#') break;
          p++;
        }
        fr.pos = p;
      }
      if (fr.pos >= toks.length && !this.lexMore(fr)) {
        this.lastBaseEof = true;
        if (this.inDirective || this.parsingArgs !== 0 || this.incl.length === 1) {
          if (!this.inDirective && this.parsingArgs === 0) this.leaveFile();
          return EOF_TOK;
        }
        this.leaveFile();
        continue;
      }
      const tok = toks[fr.pos]!;
      if (this.inDirective && (tok.flags & F_BOL) !== 0) { this.lastBaseEof = true; return EOF_TOK; }
      fr.pos++;
      this.lastBaseEof = false;
      this.lastBase = tok;
      this.curLine = tok.line + fr.delta;
      if ((tok.flags & F_BOL) !== 0) {
        if (tok.kind === K_PUNCT && tok.text === '#' && this.parsingArgs !== 1) {
          const wasParsing = this.parsingArgs;
          const wasPrevent = this.preventExpansion;
          this.parsingArgs = 0;
          this.preventExpansion = 0;
          const handled = this.directive(fr, tok);
          this.parsingArgs = wasParsing;
          this.preventExpansion = wasPrevent;
          if (handled || this.skipping) continue;
        }
        if (this.skipping) continue;
        if (this.parsingArgs === 0) this.lineChange(this.curLine, fr.name);
      } else if (this.skipping) continue;
      if ((tok.flags & F_NUL_IN_LITERAL) !== 0) this.nulInLiteral(tok);
      return tok;
    }
  }

  // ---------------------------------------------------------------- token stream (cpp_get_token_1)

  private pushCtx(toks: Tok[], macro: Macro | null, line: number): void {
    this.ctxs.push({ toks, pos: 0, end: toks.length, isArg: false, macro, lines: null, delta: NaN, line });
  }

  // Where the token nextTok() just returned sits, so an argument can be kept as a view (oIdx -1: made up).
  private oArr: Tok[] | null = null;
  private oIdx = -1;
  private oLines: number[] | null = null;
  private oDelta = NaN;
  private oLine = 0;

  private popCtx(): void {
    const c = this.ctxs.pop()!;
    if (c.macro) {
      const below = this.ctxs[this.ctxs.length - 1];
      if ((!below || below.macro !== c.macro) && c.macro.disabled) { c.macro.disabled = false; this.disabledCount--; }
    }
  }

  private disable(m: Macro): void {
    if (!m.disabled) { m.disabled = true; this.disabledCount++; }
  }

  /** Next token with contexts popped and pastes done, but no macro entered (painting applied). */
  private nextTok(): Tok {
    for (;;) {
      if (this.fatal) return EOF_TOK;
      const n = this.ctxs.length;
      let tok: Tok;
      if (n === 0) {
        tok = this.lexBase();
        const fr = this.incl[this.incl.length - 1]!;
        if (tok.kind === K_EOF) this.oIdx = -1;
        else { this.oArr = fr.toks; this.oIdx = fr.pos - 1; this.oLines = null; this.oDelta = fr.delta; }
      } else {
        const c = this.ctxs[n - 1]!;
        if (c.pos < c.end) {
          const i = c.pos++;
          tok = c.toks[i]!;
          this.curLine = c.lines !== null ? c.lines[i]! : c.delta === c.delta ? tok.line + c.delta : c.line;
          this.oArr = c.toks; this.oIdx = i; this.oLines = c.lines; this.oDelta = c.delta; this.oLine = c.line;
          if ((tok.flags & F_PASTE_LEFT) !== 0) {
            this.pasteAll(c, tok);
            if (this.inDirective) continue;
            this.oIdx = -1;
            return paddingTok(tok);
          }
        } else if (c.isArg) {
          if (c.pos === c.end) c.pos++;
          this.oIdx = -1;
          return ARG_END;
        } else {
          this.popCtx();
          if (this.inDirective) continue;
          this.oIdx = -1;
          return AVOID_PASTE;
        }
      }
      if (tok.kind === K_NAME && (tok.flags & F_NO_EXPAND) === 0) {
        const m = this.macros.get(tok.text);
        if (m !== undefined && m.disabled) { tok = cloneTok(tok, tok.flags | F_NO_EXPAND); this.oIdx = -1; }
      }
      return tok;
    }
  }

  private backup(t: Tok): void {
    if (t.kind === K_EOF && t !== ARG_END) return; // end of line/file is never consumed
    const n = this.ctxs.length;
    if (n > 0) this.ctxs[n - 1]!.pos--;
    else if (!this.lastBaseEof) this.incl[this.incl.length - 1]!.pos--;
  }

  /** cpp_get_token: the expanded token stream, padding included. */
  private getToken(): Tok {
    for (;;) {
      let tok = this.nextTok();
      if (tok.kind === K_EOF) {
        if (tok !== ARG_END || this.fatal) return tok;
        const f = this.frames[this.frames.length - 1];
        if (!f) return EOF_TOK;
        f.args[f.need[f.k]!]!.expanded = f.out;
        this.ctxs.pop(); // the argument's own context
        f.k++;
        if (f.k < f.need.length) {
          f.out = [];
          this.pushArg(f.args[f.need[f.k]!]!);
          continue;
        }
        this.frames.pop();
        this.expandBody(f.macro, f.args, f.line);
        if (this.inDirective) continue;
        tok = paddingTok(f.name);
      } else if (tok.kind === K_NAME && (tok.flags & F_NO_EXPAND) === 0 && this.preventExpansion === 0) {
        const m = this.macros.get(tok.text);
        if (m !== undefined) {
          const r = this.enterMacro(m, tok);
          if (r === 2) continue;
          if (r === 1) {
            if (this.inDirective) continue;
            tok = paddingTok(tok);
          }
        }
      }
      const nf = this.frames.length;
      if (nf > 0) { pushCollapsed(this.frames[nf - 1]!.out, tok); continue; }
      return tok;
    }
  }

  private pushArg(arg: MacroArg): void {
    this.ctxs.push({
      toks: arg.toks, pos: arg.start, end: arg.end, isArg: true, macro: null, lines: arg.lines, delta: arg.delta, line: arg.line,
    });
  }

  /** 0: not expanded (the name stays); 1: expansion pushed; 2: arguments being pre-expanded on a frame. */
  private enterMacro(m: Macro, name: Tok): number {
    const line = this.curLine;
    const def = m.def;
    if (def.builtin === BT_PRAGMA) return this.pragmaOperator(name, line);
    if (def.builtin) {
      const t = this.builtin(def.builtin, name);
      if (!t) return 0;
      this.pushCtx([t], null, line);
      return 1;
    }
    if (!def.funLike) {
      this.disable(m);
      this.countWork(def.body.length);
      this.pushCtx(def.body, m, line);
      return 1;
    }
    this.preventExpansion++;
    this.parsingArgs = 1;
    let padding: Tok | null = null;
    let t: Tok;
    for (;;) {
      t = this.nextTok();
      if (t.kind !== K_PADDING) break;
      if (padding === null || padding.src === null || ((padding.src.flags & F_PREV_WHITE) === 0 && t.src === null)) padding = t;
    }
    let args: MacroArg[] | null = null;
    if (isPunct(t, '(')) {
      this.parsingArgs = 2;
      args = this.collectArgs(m, name);
    } else {
      if (t.kind !== K_EOF || t === ARG_END) this.backup(t);
      if (padding) this.pushCtx([padding], null, line);
    }
    this.parsingArgs = 0;
    this.preventExpansion--;
    if (!args) return 0;
    const need: number[] = [];
    const body = def.body;
    for (let i = 0; i < body.length; i++) {
      const s = body[i]!;
      if (s.kind !== K_MACRO_ARG || (s.flags & (F_STRINGIFY | F_PASTE_LEFT)) !== 0) continue;
      if (i > 0 && (body[i - 1]!.flags & F_PASTE_LEFT) !== 0) continue;
      if (!need.includes(s.aux)) need.push(s.aux);
    }
    if (need.length === 0) {
      this.expandBody(m, args, line);
      return 1;
    }
    this.frames.push({ macro: m, name, args, need, k: 0, out: [], line });
    this.pushArg(args[need[0]!]!);
    return 2;
  }

  private collectArgs(m: Macro, name: Tok): MacroArg[] | null {
    const def = m.def;
    const paramc = def.params.length;
    const args: MacroArg[] = [];
    const fresh = (): MacroArg => ({
      toks: [], start: 0, end: 0, lines: null, delta: NaN, line: 0, expanded: null, stringified: null, absent: false,
    });
    // An argument starts as a view on the array its first token came from and becomes a copy
    // only when a token arrives from elsewhere (padding, a painted name, another context).
    let viewing = false;
    let copyLines: number[] = [];
    const toCopy = (a: MacroArg) => {
      const toks: Tok[] = [];
      copyLines = [];
      for (let i = a.start; i < a.end; i++) {
        toks.push(a.toks[i]!);
        copyLines.push(a.lines !== null ? a.lines[i]! : a.delta === a.delta ? a.toks[i]!.line + a.delta : a.line);
      }
      a.toks = toks; a.start = 0; a.end = toks.length; a.lines = copyLines; a.delta = NaN;
      viewing = false;
    };
    const trim = (a: MacroArg) => {
      while (a.end > a.start && a.toks[a.end - 1]!.kind === K_PADDING) { a.end--; if (!viewing) { a.toks.pop(); copyLines.pop(); } }
    };
    const finish = (a: MacroArg) => { trim(a); args.push(a); viewing = false; };
    const fast = this.collectArgsFast(def, fresh);
    if (fast) return this.checkArgCount(def, fast);
    let cur = fresh();
    let depth = 0;
    let count = 0;
    for (;;) {
      const t = this.nextTok();
      if (t.kind === K_PADDING) {
        if (cur.end === cur.start) continue;
      } else if (t.kind === K_PUNCT) {
        const s = t.text;
        if (s === '(') depth++;
        else if (s === ')') { if (depth-- === 0) break; } else if (s === ',') {
          if (depth === 0 && !(def.variadic && args.length === paramc - 1)) { finish(cur); cur = fresh(); continue; }
        } else if (s === '#' && (t.flags & F_BOL) !== 0) {
          this.backup(t);
          this.report('error', 'unterminated_macro_call', `unterminated argument list invoking macro "${def.name}"`, this.spanOf(name));
          return null;
        }
      } else if (t.kind === K_EOF) {
        if (t === ARG_END) this.backup(t);
        this.report('error', 'unterminated_macro_call', `unterminated argument list invoking macro "${def.name}"`, this.spanOf(name));
        return null;
      }
      if (cur.end === cur.start && this.oIdx >= 0) {
        cur.toks = this.oArr!; cur.start = this.oIdx; cur.end = this.oIdx + 1;
        cur.lines = this.oLines; cur.delta = this.oDelta; cur.line = this.oLine;
        viewing = true;
      } else if (viewing && this.oIdx === cur.end && this.oArr === cur.toks) {
        cur.end++;
      } else {
        if (viewing || cur.end === cur.start) toCopy(cur);
        cur.toks.push(t);
        copyLines.push(this.curLine);
        cur.end++;
      }
      if (++count === 4096) { this.countWork(count); count = 0; if (this.fatal) return null; }
    }
    this.countWork(count);
    finish(cur);
    return this.checkArgCount(def, args);
  }

  /**
   * Arguments read straight off an argument context's array when nothing in them can change while
   * reading (no paste, no disabled macro to paint, no directive): same result as the token loop.
   */
  private collectArgsFast(def: MacroDef, fresh: () => MacroArg): MacroArg[] | null {
    const c = this.ctxs[this.ctxs.length - 1];
    if (!c || !c.isArg || this.disabledCount !== 0 || c.end - c.pos < 64) return null;
    const open = c.pos - 1;
    if (open < 0 || !isPunct(c.toks[open]!, '(')) return null;
    const table = parenTable(c.toks);
    const close = table.match[open]!;
    if (close < 0 || close >= c.end || table.unsafe[close + 1]! !== table.unsafe[open + 1]!) return null;
    const paramc = def.params.length;
    const args: MacroArg[] = [];
    const make = (from: number, to: number) => {
      while (from < to && c.toks[from]!.kind === K_PADDING) from++;
      while (to > from && c.toks[to - 1]!.kind === K_PADDING) to--;
      const a = fresh();
      a.toks = c.toks; a.start = from; a.end = to; a.lines = c.lines; a.delta = c.delta; a.line = c.line;
      args.push(a);
    };
    let from = open + 1;
    for (let j = open + 1; j < close; j++) {
      const k = c.toks[j]!;
      if (k.kind !== K_PUNCT) continue;
      if (k.text === '(') { j = table.match[j]!; if (j < 0 || j > close) return null; continue; }
      if (k.text === ',' && !(def.variadic && args.length === paramc - 1)) { make(from, j); from = j + 1; }
    }
    make(from, close);
    c.pos = close + 1;
    const last = c.toks[close]!;
    this.curLine = c.lines !== null ? c.lines[close]! : c.delta === c.delta ? last.line + c.delta : c.line;
    this.countWork(args.length + 1);
    return args;
  }

  private checkArgCount(def: MacroDef, args: MacroArg[]): MacroArg[] | null {
    const paramc = def.params.length;
    const fresh = (): MacroArg => ({
      toks: [], start: 0, end: 0, lines: null, delta: NaN, line: 0, expanded: null, stringified: null, absent: false,
    });
    let argc = args.length;
    if (argc === 1 && paramc === 0 && args[0]!.end === args[0]!.start) argc = 0;
    if (argc < paramc) {
      if (argc + 1 === paramc && def.variadic) {
        const a = fresh();
        a.absent = true;
        args.push(a);
        return args;
      }
      this.report('error', 'macro_arguments', `macro "${def.name}" requires ${paramc} arguments, but only ${argc} given`,
        this.spanOf(this.lastBase), { alsoAt: [{ file: def.file, line: def.line, col: def.col, endLine: def.line, endCol: def.col }] });
      return null;
    }
    if (argc > paramc) {
      this.report('error', 'macro_arguments', `macro "${def.name}" passed ${argc} arguments, but takes just ${paramc}`,
        this.spanOf(this.lastBase), { alsoAt: [{ file: def.file, line: def.line, col: def.col, endLine: def.line, endCol: def.col }] });
      return null;
    }
    return argc === 0 ? [] : args;
  }

  /** replace_args + push: substitute arguments into the body and start rescanning it. */
  private expandBody(m: Macro, args: MacroArg[], line: number): void {
    const def = m.def;
    const body = def.body;
    let out: Tok[];
    if (def.params.length === 0) out = body;
    else {
      out = [];
      const paramc = def.params.length;
      let vaoptClose = -1;
      const va = def.variadic ? args[paramc - 1] : undefined;
      for (let i = 0; i < body.length; i++) {
        const src = body[i]!;
        if (src.kind === K_VAOPT) {
          // C2x __VA_OPT__(...): its contents only when the variable argument has tokens.
          let any = false;
          if (va) for (let j = va.start; j < va.end; j++) if (va.toks[j]!.kind !== K_PADDING) { any = true; break; }
          if (any) { vaoptClose = src.aux; i++; pushCollapsed(out, paddingTok(src)); } else i = src.aux;
          continue;
        }
        if (i === vaoptClose) { vaoptClose = -1; pushCollapsed(out, AVOID_PASTE); continue; }
        if (src.kind !== K_MACRO_ARG) { out.push(src); continue; }
        const arg = args[src.aux]!;
        const prevPaste = i > 0 && (body[i - 1]!.flags & F_PASTE_LEFT) !== 0;
        let from = arg.toks;
        let fs = arg.start;
        let fe = arg.end;
        let pasteFlag = -1;
        if ((src.flags & F_STRINGIFY) !== 0) {
          if (!arg.stringified) arg.stringified = this.stringify(arg);
          from = [arg.stringified]; fs = 0; fe = 1;
        } else if ((src.flags & F_PASTE_LEFT) !== 0) {
          // unexpanded
        } else if (prevPaste) {
          if (out.length) {
            const last = out[out.length - 1]!;
            if (isPunct(last, ',') && def.variadic && src.aux === paramc - 1) {
              if (arg.absent) out.pop(); else pasteFlag = out.length - 1;
            } else if (fe === fs) pasteFlag = out.length - 1;
          }
        } else if (arg.expanded) { from = arg.expanded; fs = 0; fe = from.length; }
        if (i > 0 && !prevPaste) pushCollapsed(out, paddingTok(src));
        if (fe > fs) {
          for (let j = fs; j < fe; j++) pushCollapsed(out, from[j]!);
          if ((src.flags & F_PASTE_LEFT) !== 0) pasteFlag = out.length - 1;
        }
        if ((src.flags & F_PASTE_LEFT) === 0) pushCollapsed(out, AVOID_PASTE);
        if (pasteFlag >= 0) {
          const t = out[pasteFlag]!;
          out[pasteFlag] = cloneTok(t, (t.flags & ~F_PASTE_LEFT) | (src.flags & F_PASTE_LEFT));
        }
      }
    }
    this.countWork(out.length);
    this.disable(m);
    this.pushCtx(out, m, line);
  }

  private stringify(arg: MacroArg): Tok {
    let dest = '"';
    let source: Tok | null = null;
    let first = true;
    let backslashes = 0;
    for (let i = arg.start; i < arg.end; i++) {
      const t = arg.toks[i]!;
      if (t.kind === K_PADDING) {
        if (source === null || ((source.flags & F_PREV_WHITE) === 0 && t.src === null)) source = t.src;
        continue;
      }
      if (!first && ((source ?? t).flags & F_PREV_WHITE) !== 0) dest += ' ';
      source = null;
      first = false;
      dest += t.kind === K_STRING || t.kind === K_CHAR ? t.text.replace(/["\\]/g, '\\$&') : t.text;
      backslashes = t.kind === K_OTHER && t.text === '\\' ? backslashes + 1 : 0;
    }
    if (backslashes & 1) {
      this.report('warning', 'stringify', "invalid string literal, ignoring final '\\'", this.spanOf(this.lastBase));
      dest = dest.slice(0, -1);
    }
    return newTok(K_STRING, `${dest}"`, F_SYNTH, this.curLine, 0, -1, null);
  }

  /** paste_all_tokens: `lhs ## rhs [## ...]`, the result pushed as its own context. */
  private pasteAll(c: Ctx, first: Tok): void {
    let lhs = first;
    let rhs: Tok;
    do {
      if (c.pos >= c.end) break;
      rhs = c.toks[c.pos++]!;
      if (rhs.kind === K_PADDING) continue;
      const text = lhs.text + (isPunct(lhs, '/') && !isPunct(rhs, '=') ? ' ' : '') + rhs.text;
      const lexed = lexSnippet(text);
      const r = lexed.length === 1 ? lexed[0]! : null;
      if (!r || r.text.length !== text.length || r.kind === K_HEADER) {
        // Not one token: in assembler-with-cpp cpp keeps both, silently.
        c.pos--;
        break;
      }
      lhs = newTok(r.kind, r.text, (lhs.flags & F_PREV_WHITE) | F_SYNTH, lhs.line, lhs.col, -1, null);
    } while ((rhs.flags & F_PASTE_LEFT) !== 0);
    if ((lhs.flags & F_PASTE_LEFT) !== 0) lhs = cloneTok(lhs, lhs.flags & ~F_PASTE_LEFT);
    this.pushCtx([lhs], null, this.curLine);
  }

  /** `_Pragma("...")`: the destringized text runs as a #pragma line; nothing is printed (as cpp -E in asm mode). */
  private pragmaOperator(name: Tok, line: number): number {
    this.preventExpansion++;
    const open = this.nonPadding();
    const str = isPunct(open, '(') ? this.nonPadding() : open;
    const close = isPunct(open, '(') && str.kind === K_STRING ? this.nonPadding() : str;
    this.preventExpansion--;
    if (!isPunct(open, '(') || str.kind !== K_STRING || !isPunct(close, ')')) {
      this.backup(close);
      this.report('error', 'pragma_operator', '_Pragma takes a parenthesized string literal', this.spanOf(this.lastBase));
      return 0;
    }
    const body = str.text.slice(str.text.startsWith('L') ? 2 : 1, -1).replace(/\\(["\\])/g, '$1');
    const toks = lexText(body, []);
    const fr = this.incl[this.incl.length - 1]!;
    this.doPragma(fr, toks, 0, toks.length);
    this.pushCtx([], null, line);
    void name;
    return 1;
  }

  private builtin(kind: number, name: Tok): Tok | null {
    const fr = this.incl[this.incl.length - 1]!;
    const num = (n: number) => newTok(K_NUMBER, String(n), F_SYNTH, this.curLine, 0, -1, null);
    const str = (s: string) => newTok(K_STRING, s, F_SYNTH, this.curLine, 0, -1, null);
    const now = this.options.now;
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const two = (n: number) => String(n).padStart(2, '0');
    switch (kind) {
      case BT_FILE: return str(quoteFileName(fr.name));
      case BT_LINE: return num(this.curLine);
      case BT_COUNTER: return num(this.counter++);
      case BT_INCLUDE_LEVEL: return num(this.incl.length - 1);
      case BT_BASE_FILE: return str(quoteFileName(this.mainName));
      case BT_DATE:
        return str(now ? `"${months[now.getMonth()]} ${String(now.getDate()).padStart(2, ' ')} ${now.getFullYear()}"` : '"??? ?? ????"');
      case BT_TIME:
        return str(now ? `"${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}"` : '"??:??:??"');
      case BT_TIMESTAMP: {
        // macro.cc: asctime() of the current file's mtime in local time, "Sun Sep  3 01:03:52 1973";
        // cpp shows question marks when it cannot stat the file, as here when the host gave no time.
        const t = fr.file.mtime;
        if (!t) return str('"??? ??? ?? ??:??:?? ????"');
        const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
        return str(`"${days[t.getDay()]} ${months[t.getMonth()]} ${String(t.getDate()).padStart(2, ' ')} ${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())} ${t.getFullYear()}"`);
      }
      default:
        this.report('error', 'has_include', `"${name.text}" used outside of preprocessing directive`, this.spanOf(this.lastBase));
        return null;
    }
  }

  /** lex.cc lex_string: a literal read outside a skipped block keeps its NUL bytes, with a warning. */
  private nulInLiteral(tok: Tok): void {
    this.report('warning', 'null_character', 'null character(s) preserved in literal', this.spanOf(tok));
  }

  // ---------------------------------------------------------------- directives (directives.cc)

  /** Handles the directive whose `#` was just read. False: an assembler line that merely starts with '#'. */
  private directive(fr: FileFrame, hash: Tok): boolean {
    const toks = fr.toks;
    const start = fr.pos;
    let end = start;
    while (end < toks.length && (toks[end]!.flags & F_BOL) === 0) end++;
    if (start === end) return true; // the null directive
    const dname = toks[start]!;
    const name = dname.kind === K_NAME ? dname.text : '';
    const isCond = name === 'if' || name === 'ifdef' || name === 'ifndef' || name === 'elif' || name === 'else'
      || name === 'endif' || name === 'elifdef' || name === 'elifndef';
    if (this.skipping && !isCond) { fr.pos = end; return true; }
    // A directive's own literals are read here; an assembler line's go through lexBase.
    if (!this.skipping && DIRECTIVES.has(name)) for (let i = start; i < end; i++) if ((toks[i]!.flags & F_NUL_IN_LITERAL) !== 0) this.nulInLiteral(toks[i]!);
    fr.pos = end;
    switch (name) {
      case 'define': this.doDefine(fr, toks, start + 1, end, hash.line); return true;
      case 'undef': this.doUndef(toks, start + 1, end, dname); return true;
      case 'include': case 'include_next': case 'import':
        this.doInclude(fr, hash, dname, start + 1, end); return true;
      case 'if': case 'ifdef': case 'ifndef': this.doIf(fr, name, dname, start + 1, end); return true;
      case 'elif': case 'elifdef': case 'elifndef': this.doElif(fr, name, dname, start + 1, end); return true;
      case 'else': this.doElse(dname, toks, start + 1, end); return true;
      case 'endif': this.doEndif(dname, toks, start + 1, end); return true;
      case 'line': this.doLine(fr, hash, dname, start + 1, end); return true;
      case 'error': case 'warning': {
        let text = '';
        for (let i = start + 1; i < end; i++) {
          const t = toks[i]!;
          if (text && (t.flags & F_PREV_WHITE) !== 0) text += ' ';
          text += t.text;
        }
        this.report(name, name === 'error' ? 'error_directive' : 'warning_directive', `#${name}${text ? ` ${text}` : ''}`, this.spanOf(dname));
        return true;
      }
      case 'pragma': this.doPragma(fr, toks, start + 1, end); return true;
      case 'ident': case 'sccs': case 'assert': case 'unassert': return true;
      default:
        fr.pos = start; // assembler: `#address-cells = <1>;` is text, macros in it expand
        return false;
    }
  }

  private extraTokens(toks: Tok[], i: number, end: number, dname: Tok): void {
    if (i < end) this.report('warning', 'extra_tokens', `extra tokens at end of #${dname.text} directive`, this.spanOf(toks[i]!));
  }

  private macroName(toks: Tok[], i: number, end: number, dname: Tok): Tok | null {
    if (i >= end) {
      this.report('error', 'macro_name', `no macro name given in #${dname.text} directive`, this.spanOf(dname));
      return null;
    }
    const t = toks[i]!;
    if (t.kind !== K_NAME) {
      this.report('error', 'macro_name', 'macro names must be identifiers', this.spanOf(t));
      return null;
    }
    if (t.text === 'defined' && dname.text !== 'ifdef' && dname.text !== 'ifndef' && dname.text !== 'elifdef' && dname.text !== 'elifndef') {
      this.report('error', 'macro_name', '"defined" cannot be used as a macro name', this.spanOf(t));
      return null;
    }
    return t;
  }

  private doDefine(fr: FileFrame | null, toks: Tok[], i: number, end: number, key: number): void {
    const cached = fr ? (fr.file.defines.get(key) as MacroDef | undefined) : undefined;
    let def: MacroDef | null;
    if (cached) def = cached;
    else {
      const before = this.diags.length;
      def = this.parseDefine(toks, i, end, fr ? fr.name : '<command-line>', fr ? fr.delta : 0);
      if (def && fr && this.diags.length === before && fr.delta === 0 && fr.name === fr.file.path) fr.file.defines.set(key, def);
    }
    if (!def) return;
    const old = this.macros.get(def.name);
    if (old && !old.def.builtin && !sameDefinition(old.def, def)) {
      this.report('warning', 'macro_redefined', `"${def.name}" redefined`,
        { ...this.spanAt(def.line, def.col), file: def.file },
        { alsoAt: [{ file: old.def.file, line: old.def.line, col: old.def.col, endLine: old.def.line, endCol: old.def.col }] });
    }
    if (!old) this.nameScan = null;
    this.macros.set(def.name, { def, disabled: false });
  }

  private parseDefine(toks: Tok[], i: number, end: number, file: string, delta: number): MacroDef | null {
    const nameTok = this.macroName(toks, i, end, newTok(K_NAME, 'define', 0, 0, 0, -1, null));
    if (!nameTok) return null;
    i++;
    const def: MacroDef = {
      name: nameTok.text, funLike: false, params: [], variadic: false, body: [], builtin: 0,
      file, line: nameTok.line + delta, col: nameTok.col,
    };
    if (i < end && isPunct(toks[i]!, '(') && (toks[i]!.flags & F_PREV_WHITE) === 0) {
      def.funLike = true;
      i++;
      let expectParam = true;
      for (;;) {
        if (i >= end) {
          this.report('error', 'macro_params', "missing ')' in macro parameter list", this.spanOf(toks[end - 1]!));
          return null;
        }
        const t = toks[i++]!;
        if (expectParam) {
          if (t.kind === K_NAME) {
            if (t.text === '__VA_ARGS__') {
              this.report('warning', 'va_args', '__VA_ARGS__ can only appear in the expansion of a C99 variadic macro', this.spanOf(t));
            }
            if (def.params.includes(t.text)) {
              this.report('error', 'macro_params', `duplicate macro parameter "${t.text}"`, this.spanOf(t));
              return null;
            }
            def.params.push(t.text);
            if (i < end && isPunct(toks[i]!, '...')) { def.variadic = true; i++; }
            expectParam = false;
            if (def.variadic) {
              if (i < end && isPunct(toks[i]!, ')')) { i++; break; }
              this.report('error', 'macro_params', "missing ')' in macro parameter list", this.spanOf(toks[Math.min(i, end - 1)]!));
              return null;
            }
            continue;
          }
          if (isPunct(t, '...')) {
            def.params.push('__VA_ARGS__');
            def.variadic = true;
            if (i < end && isPunct(toks[i]!, ')')) { i++; break; }
            this.report('error', 'macro_params', "missing ')' in macro parameter list", this.spanOf(toks[Math.min(i, end - 1)]!));
            return null;
          }
          if (isPunct(t, ')') && def.params.length === 0) break;
          this.report('error', 'macro_params', `expected parameter name, found "${t.text}"`, this.spanOf(t));
          return null;
        }
        if (isPunct(t, ')')) break;
        if (isPunct(t, ',')) { expectParam = true; continue; }
        this.report('error', 'macro_params', `expected ',' or ')', found "${t.text}"`, this.spanOf(t));
        return null;
      }
    } else if (i < end && (toks[i]!.flags & F_PREV_WHITE) === 0) {
      this.report('warning', 'macro_whitespace', `missing whitespace after the macro name`, this.spanOf(toks[i]!));
    }
    const body: Tok[] = [];
    for (; i < end; i++) {
      const t = toks[i]!;
      let flags = (t.flags & ~F_BOL) | F_SYNTH;
      if (body.length === 0) flags &= ~F_PREV_WHITE;
      if (t.kind === K_NAME) {
        const p = def.funLike ? def.params.indexOf(t.text) : -1;
        if (p >= 0) {
          const prev = body[body.length - 1];
          if (prev && isPunct(prev, '#') && (prev.flags & F_SYNTH) !== 0 && prev.aux === -3) {
            // `#param`: the stringify operator takes the `#`'s whitespace.
            body[body.length - 1] = newTok(K_MACRO_ARG, t.text, (prev.flags & ~F_PASTE_LEFT) | F_STRINGIFY, t.line, t.col, p, null);
          } else body.push(newTok(K_MACRO_ARG, t.text, flags, t.line, t.col, p, null));
          continue;
        }
        if (t.text === '__VA_ARGS__' && !def.variadic) {
          this.report('warning', 'va_args', '__VA_ARGS__ can only appear in the expansion of a C99 variadic macro', this.spanOf(t));
        }
      } else if (t.kind === K_PUNCT && t.text === '##') {
        const prev = body[body.length - 1];
        if (!prev) {
          this.report('error', 'paste_at_end', "'##' cannot appear at either end of a macro expansion", this.spanOf(t));
          return null;
        }
        if ((prev.flags & F_PASTE_LEFT) === 0) body[body.length - 1] = cloneTok(prev, prev.flags | F_PASTE_LEFT);
        if (i + 1 >= end) {
          this.report('error', 'paste_at_end', "'##' cannot appear at either end of a macro expansion", this.spanOf(t));
          return null;
        }
        continue;
      } else if (t.kind === K_PUNCT && t.text === '#' && def.funLike) {
        // Maybe a stringify; marked so the next parameter can claim it (asm lets a lone # through).
        body.push(newTok(K_PUNCT, '#', flags, t.line, t.col, -3, null));
        continue;
      }
      body.push(newTok(t.kind, t.text, flags, t.line, t.col, -1, null));
    }
    for (let k = 0; k < body.length; k++) if (body[k]!.aux === -3) body[k] = newTok(K_PUNCT, '#', body[k]!.flags, body[k]!.line, body[k]!.col, -1, null);
    if (def.variadic) {
      for (let k = 0; k + 1 < body.length; k++) {
        const v = body[k]!;
        if (v.kind !== K_NAME || v.text !== '__VA_OPT__' || !isPunct(body[k + 1]!, '(')) continue;
        let depth = 0;
        let close = -1;
        for (let j = k + 1; j < body.length; j++) {
          if (isPunct(body[j]!, '(')) depth++;
          else if (isPunct(body[j]!, ')') && --depth === 0) { close = j; break; }
        }
        if (close < 0) {
          this.report('error', 'va_opt', 'unterminated __VA_OPT__', this.spanOf(v));
          return null;
        }
        body[k] = newTok(K_VAOPT, v.text, v.flags, v.line, v.col, close, null);
      }
    }
    def.body = body;
    return def;
  }

  private doUndef(toks: Tok[], i: number, end: number, dname: Tok): void {
    const t = this.macroName(toks, i, end, dname);
    if (!t) return;
    const m = this.macros.get(t.text);
    if (m && m.def.builtin) this.report('warning', 'undef_builtin', `undefining "${t.text}"`, this.spanOf(t));
    if (m) this.nameScan = null;
    this.macros.delete(t.text);
    this.extraTokens(toks, i + 1, end, dname);
  }

  /** Reads the rest of a directive line through macro expansion (non-padding tokens). */
  private expandedLine(fr: FileFrame, start: number, onName?: (t: Tok) => Tok[] | null): Tok[] {
    fr.pos = start;
    this.inDirective = true;
    const out: Tok[] = [];
    for (;;) {
      const t = this.getToken();
      if (t.kind === K_EOF) break;
      if (t.kind === K_PADDING) continue;
      if (onName && t.kind === K_NAME) {
        const r = onName(t);
        if (r) { for (const x of r) out.push(x); continue; }
      }
      out.push(t);
    }
    this.inDirective = false;
    // Whatever a runaway expansion left behind belongs to this line only.
    while (this.ctxs.length) this.popCtx();
    this.frames.length = 0;
    return out;
  }

  private nonPadding(): Tok {
    for (;;) {
      const t = this.nextTok();
      if (t.kind !== K_PADDING) return t;
    }
  }

  private condition(fr: FileFrame, dname: Tok, start: number, end: number): boolean {
    const one = (v: boolean, at: Tok) => newTok(K_NUMBER, v ? '1' : '0', F_SYNTH, at.line, at.col, -1, null);
    let bad = false;
    const toks = this.expandedLine(fr, start, (t) => {
      if ((t.flags & F_NO_EXPAND) !== 0 && t.text !== 'defined') return null;
      if (t.text === 'defined') {
        this.preventExpansion++;
        let n = this.nonPadding();
        const paren = isPunct(n, '(');
        if (paren) n = this.nonPadding();
        let v = false;
        if (n.kind !== K_NAME) {
          if (!bad) this.report('error', 'if_expression', 'operator "defined" requires an identifier', this.spanOf(n.kind === K_EOF ? dname : n));
          bad = true;
          this.backup(n);
        } else {
          v = this.macros.has(n.text);
          if (paren) {
            const c = this.nonPadding();
            if (!isPunct(c, ')')) {
              if (!bad) this.report('error', 'if_expression', 'missing \')\' after "defined"', this.spanOf(c.kind === K_EOF ? n : c));
              bad = true;
              this.backup(c);
            }
          }
        }
        this.preventExpansion--;
        return [one(v, t)];
      }
      if (t.text === '__has_include' || t.text === '__has_include_next') {
        const r = this.hasInclude(fr, t, t.text === '__has_include_next');
        if (r === null) { bad = true; return [one(false, t)]; }
        return [one(r, t)];
      }
      return null;
    });
    fr.pos = end;
    if (bad) return false;
    const r = evaluateExpression(toks, dname);
    if (isExprError(r)) {
      const at = r.tok && r.tok.line > 0 && (r.tok.flags & F_SYNTH) === 0 ? this.spanOf(r.tok) : this.spanOf(dname);
      this.report('error', 'if_expression', r.message, at);
      return false;
    }
    if (r.error) {
      const e = r.error;
      this.report('error', 'if_expression', e.message, e.tok && e.tok.line > 0 && (e.tok.flags & F_SYNTH) === 0 ? this.spanOf(e.tok) : this.spanOf(dname));
    }
    return r.value !== 0n;
  }

  private hasInclude(fr: FileFrame, kw: Tok, next: boolean): boolean | null {
    this.preventExpansion++;
    let ok = false;
    let result = false;
    const open = this.nonPadding();
    if (isPunct(open, '(')) {
      this.preventExpansion--;
      const spec = this.headerName(() => this.nonPadding());
      this.preventExpansion++;
      if (spec) {
        const close = this.nonPadding();
        if (isPunct(close, ')')) {
          ok = true;
          result = this.resolve(spec.name, spec.angled, next, fr).path !== null;
        } else this.backup(close);
      }
    } else this.backup(open);
    this.preventExpansion--;
    if (!ok) this.report('error', 'has_include', `missing '(' or ')' or file name in "${kw.text}"`, this.spanOf(kw));
    return ok ? result : null;
  }

  /** A header name from expanded tokens: "file" or < tokens... > spelled back together. */
  private headerName(read: () => Tok): { name: string; angled: boolean } | null {
    const t = read();
    if (t.kind === K_STRING && t.text.startsWith('"')) return { name: t.text.slice(1, -1), angled: false };
    if (t.kind === K_HEADER) return { name: t.text.slice(1, -1), angled: true };
    if (isPunct(t, '<')) {
      let name = '';
      for (;;) {
        const x = read();
        if (x.kind === K_EOF) return null;
        if (isPunct(x, '>')) return { name, angled: true };
        if (name && (x.flags & F_PREV_WHITE) !== 0) name += ' ';
        name += x.text;
      }
    }
    this.backup(t);
    return null;
  }

  private resolve(name: string, angled: boolean, next: boolean, fr: FileFrame): { path: string | null; dirIndex: number; searched: string[] } {
    const searched: string[] = [];
    const tryPath = (p: string) => this.load(p) !== null;
    if (name.startsWith('/')) return { path: tryPath(name) ? name : null, dirIndex: -1, searched: ['/'] };
    let first = 0;
    if (next && this.incl.length > 1 && fr.dirIndex >= 0) first = fr.dirIndex + 1;
    else if (!angled) {
      searched.push(fr.dir === '' ? '.' : fr.dir);
      const p = joinPath(fr.dir, name);
      if (tryPath(p)) return { path: p, dirIndex: -1, searched };
    }
    for (let k = first; k < this.includeDirs.length; k++) {
      const d = this.includeDirs[k]!;
      searched.push(d);
      const p = joinPath(d, name);
      if (tryPath(p)) return { path: p, dirIndex: k, searched };
    }
    return { path: null, dirIndex: -1, searched };
  }

  private doInclude(fr: FileFrame, hash: Tok, dname: Tok, start: number, end: number): void {
    const toks = fr.toks;
    let spec: { name: string; angled: boolean } | null = null;
    const at = start < end ? toks[start]! : dname;
    let after = start + 1;
    if (start < end && (toks[start]!.kind === K_HEADER || (toks[start]!.kind === K_STRING && toks[start]!.text.startsWith('"')))) {
      spec = { name: toks[start]!.text.slice(1, -1), angled: toks[start]!.kind === K_HEADER };
    } else if (start < end) {
      const line = this.expandedLine(fr, start);
      let i = 0;
      spec = this.headerName(() => (i < line.length ? line[i++]! : EOF_TOK));
      after = end;
      if (spec && i < line.length) this.report('warning', 'extra_tokens', `extra tokens at end of #${dname.text} directive`, this.spanOf(at));
    }
    fr.pos = end;
    if (!spec) {
      this.report('error', 'include_syntax', `#${dname.text} expects "FILENAME" or <FILENAME>`, this.spanOf(at));
      return;
    }
    if (after < end) this.extraTokens(toks, after, end, dname);
    if (spec.name === '') {
      this.report('error', 'include_syntax', `empty filename in #${dname.text}`, this.spanOf(at));
      return;
    }
    if (this.incl.length >= this.maxDepth) {
      this.stop('include_depth', `#include nested depth ${this.incl.length} exceeds maximum of ${this.maxDepth} (include cycle?)`, this.spanOf(at));
      return;
    }
    const r = this.resolve(spec.name, spec.angled, dname.text === 'include_next', fr);
    if (r.path === null) {
      const where = r.searched.length ? `; searched: ${r.searched.join(', ')}` : '; no include directories to search';
      this.stop('include_not_found', `${spec.name}: No such file or directory${where}`, this.spanOf(at));
      return;
    }
    if (this.once.has(r.path)) return;
    if (dname.text === 'import') this.once.add(r.path);
    const file = this.load(r.path)!;
    const includeLine = hash.line + fr.delta;
    const returnLine = (hash.aux > 0 ? hash.aux : hash.line) + 1 + fr.delta;
    this.maybePrintLine(includeLine, fr.name);
    this.enterFile(file, r.path, r.dirIndex, includeLine, returnLine);
    this.printLineMarker(1, r.path, ' 1');
  }

  private pushCond(fr: FileFrame, kind: string, dname: Tok, taken: boolean, wasSkipping: boolean): void {
    this.conds.push({
      kind, file: fr.name, line: dname.line + fr.delta, col: dname.col, chain: this.chain(), wasSkipping, taken, sawElse: false,
    });
  }

  private definedTest(toks: Tok[], i: number, end: number, dname: Tok): boolean | null {
    const t = this.macroName(toks, i, end, dname);
    if (!t) return null;
    this.extraTokens(toks, i + 1, end, dname);
    return this.macros.has(t.text);
  }

  private doIf(fr: FileFrame, kind: string, dname: Tok, start: number, end: number): void {
    if (this.skipping) { this.pushCond(fr, kind, dname, true, true); return; }
    const toks = fr.toks;
    let v: boolean;
    if (kind === 'if') v = this.condition(fr, dname, start, end);
    else {
      const d = this.definedTest(toks, start, end, dname);
      v = d === null ? false : kind === 'ifdef' ? d : !d;
    }
    this.pushCond(fr, kind, dname, v, false);
    this.skipping = !v;
  }

  private topCond(fr: FileFrame, dname: Tok): Cond | null {
    if (this.conds.length <= fr.condBase) {
      this.report('error', 'unbalanced_conditional', `#${dname.text} without #if`, this.spanOf(dname));
      return null;
    }
    return this.conds[this.conds.length - 1]!;
  }

  private afterElse(c: Cond, dname: Tok): void {
    const began: SourceSpan = { file: c.file, line: c.line, col: c.col, endLine: c.line, endCol: c.col };
    if (c.chain.length) began.includedFrom = c.chain;
    this.report('error', 'unbalanced_conditional', `#${dname.text} after #else`, this.spanOf(dname), { alsoAt: [began] });
  }

  private doElif(fr: FileFrame, kind: string, dname: Tok, start: number, end: number): void {
    const c = this.topCond(fr, dname);
    if (!c) return;
    if (c.sawElse) { this.afterElse(c, dname); return; }
    c.kind = kind;
    if (c.wasSkipping) { this.skipping = true; return; }
    if (c.taken) { this.skipping = true; return; }
    let v: boolean;
    this.skipping = false;
    if (kind === 'elif') v = this.condition(fr, dname, start, end);
    else {
      const d = this.definedTest(fr.toks, start, end, dname);
      v = d === null ? false : kind === 'elifdef' ? d : !d;
    }
    c.taken = v;
    this.skipping = !v;
  }

  private doElse(dname: Tok, toks: Tok[], start: number, end: number): void {
    const fr = this.incl[this.incl.length - 1]!;
    const c = this.topCond(fr, dname);
    if (!c) return;
    if (c.sawElse) { this.afterElse(c, dname); return; }
    c.sawElse = true;
    c.kind = 'else';
    this.skipping = c.wasSkipping || c.taken;
    c.taken = true;
    if (!c.wasSkipping) this.extraTokens(toks, start, end, dname);
  }

  private doEndif(dname: Tok, toks: Tok[], start: number, end: number): void {
    const fr = this.incl[this.incl.length - 1]!;
    const c = this.topCond(fr, dname);
    if (!c) return;
    this.conds.pop();
    if (!c.wasSkipping) this.extraTokens(toks, start, end, dname);
    this.skipping = c.wasSkipping;
  }

  private doLine(fr: FileFrame, hash: Tok, dname: Tok, start: number, end: number): void {
    const line = this.expandedLine(fr, start);
    fr.pos = end;
    const n = line[0];
    if (!n || n.kind !== K_NUMBER || !/^[0-9]+$/.test(n.text)) {
      this.report('error', 'line_directive', `"${n ? n.text : ''}" after #line is not a positive integer`, this.spanOf(n && (n.flags & F_SYNTH) === 0 ? n : dname));
      return;
    }
    const target = Number(n.text);
    const f = line[1];
    if (f) {
      if (f.kind !== K_STRING || !f.text.startsWith('"')) {
        this.report('error', 'line_directive', `invalid filename "${f.text}"`, this.spanOf((f.flags & F_SYNTH) === 0 ? f : dname));
        return;
      }
      fr.name = f.text.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    const next = (hash.aux > 0 ? hash.aux : hash.line) + 1;
    fr.delta = target - next;
    this.printLineMarker(target, fr.name, '');
  }

  private doPragma(fr: FileFrame, toks: Tok[], i: number, end: number): void {
    if (i >= end) return;
    const t = toks[i]!;
    const arg = (): string | null => {
      const a = toks[i + 1];
      const s = toks[i + 2];
      const b = toks[i + 3];
      if (a && isPunct(a, '(') && s && s.kind === K_STRING && b && isPunct(b, ')')) return s.text.slice(1, -1);
      return null;
    };
    if (t.text === 'once') { this.once.add(fr.file.path); return; }
    if (t.text === 'push_macro') {
      const name = arg();
      if (name === null) return;
      const stack = this.pushedMacros.get(name) ?? [];
      const m = this.macros.get(name);
      stack.push(m ? { def: m.def, disabled: false } : undefined);
      this.pushedMacros.set(name, stack);
      return;
    }
    if (t.text === 'pop_macro') {
      const name = arg();
      const stack = name === null ? undefined : this.pushedMacros.get(name);
      if (name === null || !stack || stack.length === 0) return;
      const m = stack.pop();
      if (m) this.macros.set(name, m); else this.macros.delete(name);
      this.nameScan = null;
      return;
    }
    if (t.text === 'GCC' && i + 1 < end) {
      const what = toks[i + 1]!.text;
      const msg = toks[i + 2];
      if ((what === 'warning' || what === 'error') && msg && msg.kind === K_STRING) {
        this.report(what, `pragma_${what}`, msg.text.slice(1, -1), this.spanOf(t));
      }
    }
    // Other pragmas mean nothing to a device-tree build; cpp would copy them to its output, dtc would reject them.
  }

  // ---------------------------------------------------------------- driver

  private defineFromCommandLine(entry: string): void {
    const eq = entry.indexOf('=');
    const text = eq < 0 ? `${entry} 1` : `${entry.slice(0, eq)} ${entry.slice(eq + 1)}`;
    const toks = lexText(text, []);
    this.doDefine(null, toks, 0, toks.length, -1);
  }

  run(entryPath: string): Result<string> {
    this.mainName = entryPath;
    for (const [name, kind] of BUILTINS) {
      this.macros.set(name, { def: { name, funLike: false, params: [], variadic: false, body: [], builtin: kind, file: '<built-in>', line: 0, col: 0 }, disabled: false });
    }
    for (const d of PREDEFINED_MACROS) this.defineFromCommandLine(d);
    for (const d of this.options.defines ?? []) this.defineFromCommandLine(d);
    for (const u of this.options.undefines ?? []) this.macros.delete(u);
    const main = this.load(entryPath);
    if (!main) {
      this.report('error', 'include_not_found', `${entryPath}: No such file or directory`, undefined, { file: entryPath });
      return { value: '', diagnostics: this.diags };
    }
    this.enterFile(main, entryPath, -1, 0, 0);
    this.printLineMarker(1, entryPath, '');
    for (;;) {
      if (this.ctxs.length === 0 && this.frames.length === 0 && this.printPlainLine()) continue;
      const tok = this.getToken();
      if (tok.kind === K_PADDING) {
        this.avoid = true;
        if (this.source === null || ((this.source.flags & F_PREV_WHITE) === 0 && tok.src === null)) this.source = tok.src;
        continue;
      }
      if (tok.kind === K_EOF) break;
      this.printToken(tok);
    }
    if (this.printed) this.newline();
    this.chunks.push(this.parts.join(''));
    return { value: this.chunks.join(''), diagnostics: this.diags };
  }
}

function sameDefinition(a: MacroDef, b: MacroDef): boolean {
  if (a.funLike !== b.funLike || a.variadic !== b.variadic || a.params.length !== b.params.length || a.body.length !== b.body.length) return false;
  for (let i = 0; i < a.params.length; i++) if (a.params[i] !== b.params[i]) return false;
  const mask = F_PREV_WHITE | F_PASTE_LEFT | F_STRINGIFY;
  for (let i = 0; i < a.body.length; i++) {
    const x = a.body[i]!;
    const y = b.body[i]!;
    if (x.kind !== y.kind || x.text !== y.text || (x.flags & mask) !== (y.flags & mask) || x.aux !== y.aux) return false;
  }
  return true;
}

/**
 * Runs the preprocessor over `entryPath`. The value is cpp's -E text with GNU linemarkers
 * (`# <line> "<file>" [1|2]`), so a later stage can map every token to its file:line and include chain.
 */
export function preprocess(entryPath: string, options: PreprocessOptions): Result<string> {
  try {
    return new Preprocessor(options).run(entryPath);
  } catch (e) {
    // A bug, not an input problem; still reported as data so no caller sees an untyped throw.
    return {
      value: '',
      diagnostics: [{ severity: 'error', code: 'internal', message: `internal preprocessor error: ${e instanceof Error ? e.message : String(e)}`, file: entryPath }],
    };
  }
}
