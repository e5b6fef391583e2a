// Tokenizer for the dtc source language, modelled on dtc's dtc-lexer.l: the same start states (INITIAL,
// V1, BYTESTRING, PROPNODENAME) switched by the lexer itself, longest-match between rules, GNU
// linemarkers (`# 12 "x.dtsi" 1`) that re-point positions into the original files (and keep the
// #include chain from their flags), and dtc's own `/include/`, which pushes a new input file.
import type { Diagnostic, IncludeFrame, SourceSpan } from '../common';

export type TokenType =
  | 'V1' | 'PLUGIN' | 'MEMRESERVE' | 'BITS' | 'DEL_PROP' | 'DEL_NODE' | 'OMIT_NO_REF' | 'INCBIN'
  | 'PROPNODENAME' | 'LITERAL' | 'CHAR_LITERAL' | 'BYTE' | 'STRING' | 'LABEL' | 'LABEL_REF' | 'PATH_REF'
  | 'LSHIFT' | 'RSHIFT' | 'LE' | 'GE' | 'EQ' | 'NE' | 'AND' | 'OR' | 'CHAR' | 'EOF';

/**
 * Where positions are reported: the file (as linemarkers name it) and the #include chain that led to it.
 * One object per change of file, shared by every token read there, so a token stores one field for both.
 */
interface Place {
  readonly file: string;
  readonly chain: IncludeFrame[];
}

/** One token; its span object is built only when asked for (most tokens never need one). */
export class Token {
  // `declare`d and assigned in the constructor: class fields compile to a define-as-undefined pass
  // before the assignments, twice the stores for every token of a run.
  declare readonly type: TokenType;
  /** Name, label, reference, the single character of a CHAR token, or NUL for an EOF made by a NUL byte. */
  declare readonly text: string;
  declare private readonly place: Place;
  declare private readonly line: number;
  declare private readonly col: number;
  declare private readonly endLine: number;
  declare private readonly endCol: number;
  /**
   * LITERAL / CHAR_LITERAL / BYTE value: a number when it fits 32 bits (most cells: no BigInt work at
   * all), else a bigint (see tokenValue).
   */
  declare value: number | bigint | undefined;
  /** STRING bytes after escape processing, without the trailing NUL. */
  declare bytes: Uint8Array | undefined;

  constructor(type: TokenType, text: string, place: Place, line: number, col: number, endLine: number, endCol: number) {
    this.type = type;
    this.text = text;
    this.place = place;
    this.line = line;
    this.col = col;
    this.endLine = endLine;
    this.endCol = endCol;
    this.value = undefined;
    this.bytes = undefined;
  }

  get span(): SourceSpan {
    const s: SourceSpan = { file: this.place.file, line: this.line, col: this.col, endLine: this.endLine, endCol: this.endCol };
    if (this.place.chain.length) s.includedFrom = this.place.chain;
    return s;
  }

  /**
   * The span from this token to `end` (bison's @$ over a rule), without building either token's own
   * span. If `end` was read in another file, the span ends where this token does.
   */
  spanTo(end: Token): SourceSpan {
    const last = end.place.file === this.place.file ? end : this;
    const s: SourceSpan = { file: this.place.file, line: this.line, col: this.col, endLine: last.endLine, endCol: last.endCol };
    if (this.place.chain.length) s.includedFrom = this.place.chain;
    return s;
  }
}

/** Reads a file named by `/include/` or `/incbin/`, relative to the including file, then the search dirs. */
export interface SourceFiles {
  resolve(name: string, fromFile: string): { path: string; bytes: Uint8Array } | undefined;
}

const enum State {
  Initial,
  V1,
  Bytestring,
  PropNodeName,
}

interface InputFile {
  text: string;
  pos: number;
  /** The real file being read (for resolving relative `/include/`s). */
  realPath: string;
  /** The file positions are reported in and its include chain (changed by linemarkers). */
  place: Place;
  line: number;
  /** Offset in `text` where the current line starts: the column is `pos - lineStart + 1`. */
  lineStart: number;
  /** Places saved by linemarker flag 1, restored (their chains) by flag 2. */
  markerStack: Place[];
}

// Character classes of ASCII, one bit each, looked up as CHAR_CLASS[c] & bit. Past the end of the text
// charCodeAt gives NaN and a code above 127 is out of range: both read as undefined, which `&` makes 0.
const LABEL_START = 1; // [a-zA-Z_]
const LABEL_CHAR = 2; // [a-zA-Z0-9_]
const PROPNODE_CHAR = 4; // [a-zA-Z0-9,._+*#?@-]
const DIGIT = 8;
const HEX = 16;
const OPERATOR_START = 32; // [<>=!&|]: may begin a two-character operator
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
  const digit = c >= 48 && c <= 57;
  let bits = 0;
  if (letter || c === 95) bits |= LABEL_START | LABEL_CHAR | PROPNODE_CHAR;
  if (digit) bits |= LABEL_CHAR | PROPNODE_CHAR | DIGIT | HEX;
  if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) bits |= HEX;
  if (c === 44 || c === 46 || c === 43 || c === 42 || c === 35 || c === 63 || c === 64 || c === 45) bits |= PROPNODE_CHAR;
  if (c === 60 || c === 62 || c === 61 || c === 33 || c === 38 || c === 124) bits |= OPERATOR_START;
  CHAR_CLASS[c] = bits;
}
const isLabelStart = (c: number) => (CHAR_CLASS[c]! & LABEL_START) !== 0;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => (CHAR_CLASS[c]! & HEX) !== 0;
const isPropNodeChar = (c: number) => (CHAR_CLASS[c]! & PROPNODE_CHAR) !== 0;
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

// Runs of characters are scanned by sticky regular expressions (test, then lastIndex): a native loop,
// where a loop over charCodeAt in interpreted JavaScript, which is how a one-board run executes the
// lexer, costs a handful of bytecodes per character. Each matches the empty string, so test() always
// succeeds and lastIndex is where the run ends.
const SPACE_RUN = /[ \t\n\v\f\r]*/y;
const LABEL_RUN = /[a-zA-Z0-9_]*/y;
const PROPNODE_RUN = /[a-zA-Z0-9,._+*#?@-]*/y;
const HEX_RUN = /[0-9a-fA-F]*/y;
/** A string literal from its opening quote: a backslash takes the next character, whatever it is. */
const STRING = /"[^"\\]*(?:\\[\s\S][^"\\]*)*"/y;
const NON_ASCII = /[^\x00-\x7f]/;

/** Where the run `re` matches from `at` ends. */
function runEnd(re: RegExp, s: string, at: number): number {
  re.lastIndex = at;
  re.test(s);
  return re.lastIndex;
}

const KEYWORDS: [string, TokenType, State | null][] = [
  ['/dts-v1/', 'V1', State.V1],
  ['/plugin/', 'PLUGIN', null],
  ['/memreserve/', 'MEMRESERVE', State.V1],
  ['/bits/', 'BITS', State.V1],
  ['/delete-property/', 'DEL_PROP', State.PropNodeName],
  ['/delete-node/', 'DEL_NODE', State.PropNodeName],
  ['/omit-if-no-ref/', 'OMIT_NO_REF', State.PropNodeName],
];

const MAX_INCLUDE_DEPTH = 200;

/** Encodes source text back to the bytes dtc sees (sources are decoded as UTF-8). */
export function textBytes(s: string): Uint8Array {
  if (!NON_ASCII.test(s)) {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  return utf8(s);
}

/** UTF-8 bytes of a string (the engine has no TextEncoder: lib is ES2022 only). */
export function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/**
 * UTF-8 source bytes to text, without TextDecoder (the engine has no DOM or Node lib): each ill-formed
 * sequence (a stray or truncated byte, an overlong form, a surrogate, past U+10FFFF) becomes U+FFFD.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  const n = bytes.length;
  // Read the bytes as Latin-1 first and look for a byte above 0x7f with a regular expression: both are
  // native loops, where a check per byte in JavaScript is most of the cost of decoding in a cold run.
  // Sources are almost always ASCII, and then the Latin-1 reading is the UTF-8 one.
  const latin1 = decodeLatin1(bytes);
  if (!NON_ASCII.test(latin1)) return latin1;
  const parts: string[] = [];
  const codes: number[] = [];
  let i = 0;
  const flush = () => { parts.push(String.fromCharCode.apply(null, codes)); codes.length = 0; };
  while (i < n) {
    const b = bytes[i]!;
    let cp = 0xfffd;
    let len = 1;
    if (b < 0x80) cp = b;
    else if (b >= 0xc2 && b < 0xe0 && i + 1 < n && (bytes[i + 1]! & 0xc0) === 0x80) {
      cp = ((b & 0x1f) << 6) | (bytes[i + 1]! & 0x3f); len = 2;
    } else if (b >= 0xe0 && b < 0xf0 && i + 2 < n && (bytes[i + 1]! & 0xc0) === 0x80 && (bytes[i + 2]! & 0xc0) === 0x80) {
      cp = ((b & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f); len = 3;
      if (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000)) cp = 0xfffd;
    } else if (b >= 0xf0 && b < 0xf5 && i + 3 < n && (bytes[i + 1]! & 0xc0) === 0x80 && (bytes[i + 2]! & 0xc0) === 0x80 && (bytes[i + 3]! & 0xc0) === 0x80) {
      cp = ((b & 0x07) << 18) | ((bytes[i + 1]! & 0x3f) << 12) | ((bytes[i + 2]! & 0x3f) << 6) | (bytes[i + 3]! & 0x3f); len = 4;
      if (cp < 0x10000 || cp > 0x10ffff) cp = 0xfffd;
    }
    if (cp > 0xffff) { cp -= 0x10000; codes.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff)); } else codes.push(cp);
    if (codes.length >= 8192) flush();
    i += len;
  }
  flush();
  return parts.join('');
}

/** Bytes to text, a character per byte. */
export function decodeLatin1(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 8192) parts.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]));
  return parts.length === 1 ? parts[0]! : parts.join('');
}

export class Lexer {
  private state: State = State.Initial;
  private stack: InputFile[] = [];
  private cur: InputFile;
  readonly diagnostics: Diagnostic[] = [];

  constructor(text: string, file: string, private readonly files?: SourceFiles) {
    this.cur = { text, pos: 0, realPath: file, place: { file, chain: [] }, line: 1, lineStart: 0, markerStack: [] };
  }

  /** The current position as a zero-width span (for end-of-input errors). */
  here(): SourceSpan {
    return this.span(this.cur.line, this.cur.pos - this.cur.lineStart + 1);
  }

  private token(type: TokenType, text: string, line: number, col: number): Token {
    const f = this.cur;
    return new Token(type, text, f.place, line, col, f.line, f.pos - f.lineStart + 1);
  }

  private span(line: number, col: number): SourceSpan {
    const f = this.cur;
    const s: SourceSpan = { file: f.place.file, line, col, endLine: f.line, endCol: f.pos - f.lineStart + 1 };
    if (f.place.chain.length) s.includedFrom = f.place.chain;
    return s;
  }

  private error(message: string, span: SourceSpan, code = 'lexical'): void {
    this.diagnostics.push({ severity: 'error', code, message, span });
  }

  /** srcpos_update: advance line/column over consumed text (the column follows from lineStart). */
  private advance(n: number): void {
    const f = this.cur;
    const t = f.text;
    const end = f.pos + n;
    for (let nl = t.indexOf('\n', f.pos); nl >= 0 && nl < end; nl = t.indexOf('\n', nl + 1)) {
      f.line++;
      f.lineStart = nl + 1;
    }
    f.pos = end;
  }

  /** Current real file (what relative `/incbin/` paths resolve against). */
  get realPath(): string {
    return this.cur.realPath;
  }

  next(): Token {
    for (;;) {
      const f = this.cur;
      const t = f.text;
      // In locals: interpreted code pays a property load for each read of a field or of .length.
      const len = t.length;
      let p = f.pos;
      if (p >= len) {
        const outer = this.stack.pop();
        if (outer) {
          this.cur = outer;
          continue;
        }
        return this.token('EOF', '', this.cur.line, this.cur.pos - this.cur.lineStart + 1);
      }
      let c = t.charCodeAt(p);

      // Whitespace and comments, in every state. Newlines are counted here, in the one pass over the run.
      // A token after the run is read on in this pass, without the loop's second read of the fields above.
      if (c === 32 || (c >= 9 && c <= 13)) {
        let q = p + 1;
        if (c === 10) {
          f.line++;
          f.lineStart = q;
        }
        // A single space (between the words of a line) needs no scan; a longer run is a newline and
        // the next line's indentation, mostly.
        const c2 = t.charCodeAt(q);
        if (c2 === 32 || (c2 >= 9 && c2 <= 13)) {
          const end = runEnd(SPACE_RUN, t, q);
          for (let nl = t.indexOf('\n', q); nl >= 0 && nl < end; nl = t.indexOf('\n', nl + 1)) {
            f.line++;
            f.lineStart = nl + 1;
          }
          q = end;
        }
        f.pos = q;
        if (q >= len) continue;
        p = q;
        c = t.charCodeAt(q);
      }
      const line = f.line;
      const col = p - f.lineStart + 1;
      if (c === 47 /* / */) {
        const c2 = t.charCodeAt(p + 1);
        if (c2 === 42 /* * */) {
          const close = t.indexOf('*/', p + 2);
          if (close < 0) {
            this.advance(t.length - p);
            this.error('unterminated comment', this.span(line, col));
            continue;
          }
          this.advance(close + 2 - p);
          continue;
        }
        if (c2 === 47) {
          const nl = t.indexOf('\n', p);
          this.advance((nl < 0 ? t.length : nl + 1) - p);
          continue;
        }
      }

      // Linemarker at the beginning of a line.
      if (c === 35 /* # */ && (p === 0 || t.charCodeAt(p - 1) === 10)) {
        const m = this.matchLinemarker(p);
        if (m) {
          this.advance(m.length);
          // dtc reports the NUL, then keeps the name up to it (xstrdup of a C string).
          const nul = m.file.indexOf('\0');
          if (nul >= 0) this.error('nul in line number directive', this.span(line, col));
          this.applyLinemarker(m.line, nul >= 0 ? m.file.slice(0, nul) : m.file, m.flags);
          continue;
        }
      }

      // Keywords beginning with '/'.
      if (c === 47) {
        if (t.startsWith('/include/', p)) {
          let q = p + 9;
          while (q < t.length && isSpace(t.charCodeAt(q))) q++;
          if (t.charCodeAt(q) === 34) {
            const end = this.scanString(q);
            if (end > 0) {
              const name = decodeLatin1(this.unescape(t.slice(q + 1, end - 1)));
              this.advance(end - p);
              this.pushInclude(name, this.span(line, col));
              continue;
            }
          }
        }
        const matched = false;
        for (const [kw, type, next] of KEYWORDS) {
          if (t.startsWith(kw, p)) {
            this.advance(kw.length);
            if (next !== null) this.state = next;
            return this.token(type, kw, line, col);
          }
        }
        if (!matched && (this.state === State.Initial || this.state === State.V1) && t.startsWith('/incbin/', p)) {
          this.advance(8);
          return this.token('INCBIN', '/incbin/', line, col);
        }
      }

      if (c === 34 /* " */) {
        const end = this.scanString(p);
        if (end > 0) {
          const bytes = this.unescape(t.slice(p + 1, end - 1));
          this.advance(end - p);
          const tok = this.token('STRING', '', line, col);
          tok.bytes = bytes;
          return tok;
        }
        this.advance(t.length - p);
        this.error('unterminated string', this.span(line, col));
        continue;
      }

      // LABEL: (any state) – wins over a node name or byte because it is longer. Where it is not a
      // label, `labelEnd` is how far the name's label characters go (all of them node-name characters).
      const state = this.state;
      let labelEnd = p;
      if (CHAR_CLASS[c]! & LABEL_START) {
        const q = runEnd(LABEL_RUN, t, p + 1);
        if (t.charCodeAt(q) === 58 /* : */) {
          const name = t.slice(p, q);
          f.pos = q + 1; // no newline in a label
          return new Token('LABEL', name, f.place, line, col, line, col + (q + 1 - p));
        }
        labelEnd = q;
      }

      if (state === State.PropNodeName) {
        let q = labelEnd;
        if (c === 92 /* \ */) q++;
        const s = c === 92 ? q : p;
        q = runEnd(PROPNODE_RUN, t, q);
        if (q > s) {
          const name = t.slice(s, q);
          f.pos = q; // no newline in a name
          this.state = State.V1;
          return new Token('PROPNODENAME', name, f.place, line, col, line, col + (q - p));
        }
      }

      if (state === State.Bytestring) {
        if (isHex(c) && isHex(t.charCodeAt(p + 1))) {
          const v = parseInt(t.slice(p, p + 2), 16);
          this.advance(2);
          const tok = this.token('BYTE', '', line, col);
          tok.value = v;
          return tok;
        }
        if (c === 93 /* ] */) {
          this.advance(1);
          this.state = State.V1;
          return this.token('CHAR', ']', line, col);
        }
      }

      if (state === State.V1 && isDigit(c)) return this.integerLiteral(p, line, col);

      if (c === 39 /* ' */) {
        const tok = this.charLiteral(p, line, col);
        if (tok) return tok;
      }

      if (c === 38 /* & */) {
        const c2 = t.charCodeAt(p + 1);
        if (c2 === 123 /* { */ && t.charCodeAt(p + 2) === 47) {
          let q = p + 3;
          while (q < t.length && (isPropNodeChar(t.charCodeAt(q)) || t.charCodeAt(q) === 47)) q++;
          if (t.charCodeAt(q) === 125 /* } */) {
            const path = t.slice(p + 2, q);
            this.advance(q + 1 - p);
            return this.token('PATH_REF', path, line, col);
          }
        }
        if (isLabelStart(c2)) {
          const q = runEnd(LABEL_RUN, t, p + 2);
          const name = t.slice(p + 1, q);
          f.pos = q; // no newline in a reference
          return new Token('LABEL_REF', name, f.place, line, col, line, col + (q - p));
        }
      }

      const op = CHAR_CLASS[c]! & OPERATOR_START ? twoCharOp(c, t.charCodeAt(p + 1)) : undefined;
      if (op) {
        f.pos = p + 2;
        return new Token(op, t.slice(p, p + 2), f.place, line, col, line, col + 2);
      }

      // Any other single character (dtc's `.` rule) and its state changes. That rule hands a NUL to the
      // parser as character 0, which bison reads as the end of input: dtc stops reading there.
      const ch = t[p]!;
      if (c === 0) {
        this.advance(1);
        const end = this.token('EOF', ch, line, col);
        this.stack.length = 0;
        this.cur = { ...f, text: '', pos: 0 };
        return end;
      }
      // Whitespace (newlines included) was skipped above, so this character is on the current line.
      const astral = c >= 0xd800 && c < 0xdc00 && t.codePointAt(p)! > 0xffff;
      const width = astral ? 2 : 1;
      f.pos = p + width;
      if (c === 91 /* [ */) this.state = State.Bytestring;
      else if (c === 123 /* { */ || c === 59 /* ; */) this.state = State.PropNodeName;
      return new Token('CHAR', astral ? t.slice(p, p + 2) : ch, f.place, line, col, line, col + width);
    }
  }

  private integerLiteral(p: number, line: number, col: number): Token {
    const t = this.cur.text;
    let q = p;
    let hex = false;
    if (t.charCodeAt(p) === 48 && (t.charCodeAt(p + 1) === 120 || t.charCodeAt(p + 1) === 88) && isHex(t.charCodeAt(p + 2))) {
      hex = true;
      q = runEnd(HEX_RUN, t, p + 2);
    } else {
      while (CHAR_CLASS[t.charCodeAt(q)]! & DIGIT) q++;
    }
    const digitsEnd = q;
    // (U|L|UL|LL|ULL)? – longest of them: an optional U, then up to two Ls.
    if (t.charCodeAt(q) === 85 /* U */) q++;
    if (t.charCodeAt(q) === 76 /* L */) {
      q++;
      if (t.charCodeAt(q) === 76) q++;
    }
    const text = t.slice(p, q);
    this.cur.pos = q; // no newline in a number
    const tok = this.token('LITERAL', text, line, col);
    const digits = t.slice(hex ? p + 2 : p, digitsEnd);
    // Fast path: up to 8 hex digits or 9 decimal digits always fit 32 bits.
    if (hex ? digits.length <= 8 : digits.length <= 9 && (digits.length === 1 || digits[0] !== '0')) {
      tok.value = parseInt(digits, hex ? 16 : 10);
      return tok;
    }
    const span = tok.span;
    let value: bigint;
    if (hex) value = BigInt('0x' + digits);
    else if (digits.length > 1 && digits[0] === '0') {
      // strtoull base 0: a leading 0 means octal; stops at the first non-octal digit.
      let k = 1;
      while (k < digits.length && digits.charCodeAt(k) >= 48 && digits.charCodeAt(k) <= 55) k++;
      if (k < digits.length) this.error(`Bad integer literal '${text}'`, span);
      value = k > 1 ? BigInt('0o' + digits.slice(1, k)) : 0n;
    } else value = BigInt(digits);
    if (value > 0xffffffffffffffffn) {
      this.error(`Integer literal '${text}' out of range`, span);
      value = 0xffffffffffffffffn;
    }
    tok.value = value <= 0xffffffffn ? Number(value) : value;
    return tok;
  }

  private charLiteral(p: number, line: number, col: number): Token | undefined {
    const t = this.cur.text;
    let q = p + 1;
    while (q < t.length && t.charCodeAt(q) !== 39) {
      if (t.charCodeAt(q) === 92 && t.charCodeAt(q + 1) === 39) q += 2;
      else q++;
    }
    if (q >= t.length) return undefined;
    const bytes = this.unescape(t.slice(p + 1, q));
    this.advance(q + 1 - p);
    const tok = this.token('CHAR_LITERAL', t.slice(p, q + 1), line, col);
    const span = tok.span;
    let v = 0;
    if (bytes.length === 0) this.error('Empty character literal', span);
    else {
      v = bytes[0]!;
      if (bytes.length > 1) this.error(`Character literal has ${bytes.length} characters instead of 1`, span);
    }
    tok.value = v;
    return tok;
  }

  /** Index just past the closing quote of a string starting at `p`, or -1. */
  private scanString(p: number): number {
    STRING.lastIndex = p;
    return STRING.test(this.cur.text) ? STRING.lastIndex : -1;
  }

  /** util.c get_escape_char over a string body (data_copy_escape_string without the NUL). */
  unescape(body: string): Uint8Array {
    const src = textBytes(body);
    if (body.indexOf('\\') < 0) return src;
    const out = new Uint8Array(src.length);
    let n = 0;
    for (let i = 0; i < src.length; ) {
      const c = src[i++]!;
      if (c !== 92) {
        out[n++] = c;
        continue;
      }
      const e = src[i] ?? 0;
      i++;
      switch (e) {
        case 97: out[n++] = 7; break; // a
        case 98: out[n++] = 8; break; // b
        case 116: out[n++] = 9; break; // t
        case 110: out[n++] = 10; break; // n
        case 118: out[n++] = 11; break; // v
        case 102: out[n++] = 12; break; // f
        case 114: out[n++] = 13; break; // r
        case 120: { // x: up to two hex digits
          let v = 0;
          let k = 0;
          while (k < 2 && i < src.length && isHex(src[i]!)) {
            v = v * 16 + parseInt(String.fromCharCode(src[i]!), 16);
            i++;
            k++;
          }
          out[n++] = v;
          break;
        }
        default:
          if (e >= 48 && e <= 55) { // up to three octal digits
            let v = e - 48;
            let k = 1;
            while (k < 3 && i < src.length && src[i]! >= 48 && src[i]! <= 55) {
              v = v * 8 + (src[i]! - 48);
              i++;
              k++;
            }
            out[n++] = v & 0xff;
          } else out[n++] = e;
      }
    }
    return out.slice(0, n);
  }

  private matchLinemarker(p: number): { length: number; line: number; file: string; flags: number[] } | undefined {
    const t = this.cur.text;
    let q = p + 1;
    if (t.startsWith('line', q)) q += 4;
    const ws = (at: number) => {
      let k = at;
      while (t.charCodeAt(k) === 32 || t.charCodeAt(k) === 9) k++;
      return k;
    };
    let k = ws(q);
    if (k === q) return undefined;
    const ds = k;
    while (isDigit(t.charCodeAt(k))) k++;
    if (k === ds) return undefined;
    const line = parseInt(t.slice(ds, k), 10);
    const k2 = ws(k);
    if (k2 === k || t.charCodeAt(k2) !== 34) return undefined;
    const save = this.cur.pos;
    const end = this.scanString(k2);
    this.cur.pos = save;
    if (end < 0) return undefined;
    const file = decodeLatin1(this.unescape(t.slice(k2 + 1, end - 1)));
    const flags: number[] = [];
    let e = end;
    for (;;) {
      const w = ws(e);
      if (w === e || !isDigit(t.charCodeAt(w))) break;
      let d = w;
      while (isDigit(t.charCodeAt(d))) d++;
      flags.push(parseInt(t.slice(w, d), 10));
      e = d;
    }
    return { length: e - p, line, file, flags };
  }

  private applyLinemarker(line: number, file: string, flags: number[]): void {
    const f = this.cur;
    let chain = f.place.chain;
    if (flags.includes(1)) {
      // Entering an #include: the including file and its line (the directive's line).
      f.markerStack.push(f.place);
      chain = [...chain, { file: f.place.file, line: f.line }];
    } else if (flags.includes(2)) {
      const back = f.markerStack.pop();
      chain = back ? back.chain : [];
    }
    f.place = { file, chain };
    // -1 because the newline ending the marker line advances to `line`.
    f.line = line - 1;
  }

  private pushInclude(name: string, at: SourceSpan): void {
    if (this.stack.length >= MAX_INCLUDE_DEPTH) {
      this.error(`/include/ nested deeper than ${MAX_INCLUDE_DEPTH} (include cycle?) at "${name}"`, at, 'include');
      return;
    }
    const found = this.files?.resolve(name, this.cur.realPath);
    if (!found) {
      this.error(`Couldn't open "${name}": not found relative to ${this.cur.realPath} or in the include directories`, at, 'include');
      return;
    }
    this.stack.push(this.cur);
    const chain = [...this.cur.place.chain, { file: this.cur.place.file, line: at.line }];
    this.cur = { text: decodeUtf8(found.bytes), pos: 0, realPath: found.path, place: { file: found.path, chain }, line: 1, lineStart: 0, markerStack: [] };
  }
}

/** `<<` `>>` `<=` `>=` `==` `!=` `&&` `||` */
function twoCharOp(a: number, b: number): TokenType | undefined {
  switch (a) {
    case 60: return b === 60 ? 'LSHIFT' : b === 61 ? 'LE' : undefined; // <
    case 62: return b === 62 ? 'RSHIFT' : b === 61 ? 'GE' : undefined; // >
    case 61: return b === 61 ? 'EQ' : undefined; // =
    case 33: return b === 61 ? 'NE' : undefined; // !
    case 38: return b === 38 ? 'AND' : undefined; // &
    case 124: return b === 124 ? 'OR' : undefined; // |
  }
  return undefined;
}

/** A LITERAL / CHAR_LITERAL / BYTE token's value as 64-bit unsigned. */
export function tokenValue(t: Token): bigint {
  const v = t.value;
  return typeof v === 'bigint' ? v : BigInt(v ?? 0);
}
