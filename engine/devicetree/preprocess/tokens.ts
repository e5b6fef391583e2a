// Preprocessing tokens as GNU cpp (libcpp/include/cpplib.h, lex.cc) sees them in assembler-with-cpp
// mode, and the "would these two tokens lex differently if printed side by side" test that cpp's -E
// output uses to decide where a space is required (cpp_avoid_paste in libcpp/lex.cc).

export const K_EOF = 0;
export const K_NAME = 1;
export const K_NUMBER = 2;
export const K_CHAR = 3;
export const K_STRING = 4;
/** `<...>` after #include: only produced in include directives. */
export const K_HEADER = 5;
/** A character that fits no other class, or an unterminated quote running to end of line (asm mode). */
export const K_OTHER = 6;
export const K_PUNCT = 7;
/** libcpp's CPP_PADDING: carries whitespace information between macro-expansion pieces. */
export const K_PADDING = 8;
/** A parameter reference inside a macro body; `aux` holds the parameter index. */
export const K_MACRO_ARG = 9;

/** Whitespace (or a comment) came before this token on its line. */
export const F_PREV_WHITE = 1;
/** First token of a logical line: a `#` here may start a directive. */
export const F_BOL = 2;
/** `__VA_OPT__` in a variadic macro body; `aux` is the index of its closing parenthesis. */
export const K_VAOPT = 10;

/** "Painted blue": a macro name seen inside its own expansion, never expanded again. */
export const F_NO_EXPAND = 4;
/** This token is the left operand of `##`. */
export const F_PASTE_LEFT = 8;
/** A macro argument reference preceded by `#`. */
export const F_STRINGIFY = 16;
/** A string, character or header-name literal with a NUL byte in it: cpp warns when it reads it outside a skipped block. */
export const F_NUL_IN_LITERAL = 64;
/** Synthesised by the preprocessor (macro body copy, paste, stringify, builtin): its column is not a place in the output line. */
export const F_SYNTH = 32;

/**
 * One token. All fields are always present so V8 keeps one hidden class.
 * `line`/`col` are 1-based physical positions in the token's file. `aux` is kind-specific
 * (argument index for K_MACRO_ARG, last physical line of the directive for a BOL `#`), else -1.
 * `src` is the token whose whitespace a padding token stands for.
 */
export interface Tok {
  kind: number;
  text: string;
  flags: number;
  line: number;
  col: number;
  aux: number;
  src: Tok | null;
}

/**
 * A new token. An object literal, not a class: V8 builds it from a template that already has all seven
 * fields, where a constructor adds them one map transition at a time, which a cold (interpreted) run
 * pays for on every token. Every literal with these fields in this order shares one hidden class; the
 * lexer writes the literal inline, in the same order.
 */
export function newTok(kind: number, text: string, flags: number, line: number, col: number, aux: number, src: Tok | null): Tok {
  return { kind, text, flags, line, col, aux, src };
}

export function cloneTok(t: Tok, flags: number): Tok {
  return newTok(t.kind, t.text, flags, t.line, t.col, t.aux, t.src);
}

export function paddingTok(source: Tok | null): Tok {
  return newTok(K_PADDING, '', 0, 0, 0, -1, source);
}

/** libcpp's pfile->avoid_paste: a padding with no source, marking the end of an expansion. */
export const AVOID_PASTE = newTok(K_PADDING, '', 0, 0, 0, -1, null);
/** End of a directive line, of a file while collecting arguments, or of the main file. */
export const EOF_TOK = newTok(K_EOF, '', 0, 0, 0, -1, null);
/** End of a macro argument being pre-expanded (libcpp's pfile->endarg). */
export const ARG_END = newTok(K_EOF, '', 0, 0, 0, -2, null);

function isPunct(t: Tok): boolean {
  return t.kind === K_PUNCT;
}

/** The operators libcpp orders before CPP_LAST_EQ: each pastes with a following `=`. */
const PASTES_WITH_EQ = new Set(['=', '!', '>', '<', '+', '-', '*', '/', '%', '&', '|', '^', '>>', '<<']);

/** cpp_avoid_paste: true when printing `a` then `b` with no space would lex as something else. */
export function avoidPaste(a: Tok, b: Tok): boolean {
  const c = isPunct(b) ? b.text.charCodeAt(0) : -1;
  if (a.kind === K_PUNCT) {
    const s = a.text;
    if (c === 61 /* = */ && PASTES_WITH_EQ.has(s)) return true;
    switch (s) {
      case '>': return c === 62;
      case '<': return c === 60 || c === 37 || c === 58;
      case '+': return c === 43;
      case '-': return c === 45 || c === 62;
      case '/': return c === 47 || c === 42;
      case '%': return c === 58 || c === 37;
      case '&': return c === 38;
      case '|': return c === 124;
      case ':': return c === 58 || c === 62;
      case '->': return c === 42;
      case '.': return c === 46 || c === 37 || b.kind === K_NUMBER;
      case '#': return c === 35 || c === 37;
      default: return false;
    }
  }
  if (a.kind === K_NAME) {
    // A name followed by a number that starts with a digit would read as one longer name (a 1 -> a1).
    return b.kind === K_NAME || b.kind === K_CHAR || b.kind === K_STRING || (b.kind === K_NUMBER && b.text.charCodeAt(0) !== 46);
  }
  if (a.kind === K_NUMBER) {
    return b.kind === K_NUMBER || b.kind === K_NAME || b.kind === K_CHAR || c === 46 || c === 43 || c === 45;
  }
  if (a.kind === K_OTHER) return a.text.charCodeAt(0) === 92 /* \ */ && b.kind === K_NAME;
  return false;
}

/** Escapes a file name the way cpp writes it inside a linemarker or __FILE__. */
export function quoteFileName(name: string): string {
  let out = '"';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    if (ch === '"' || ch === '\\') out += '\\';
    out += ch;
  }
  return out + '"';
}

/** The directives cpp knows; any other `#` line is assembler text (`#address-cells = <1>;`). */
export const DIRECTIVES: ReadonlySet<string> = new Set(['define', 'undef', 'include', 'include_next', 'import', 'if', 'ifdef', 'ifndef', 'elif', 'elifdef', 'elifndef', 'else', 'endif', 'line', 'error', 'warning', 'pragma', 'ident', 'sccs', 'assert', 'unassert']);
