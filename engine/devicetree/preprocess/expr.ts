// Evaluates a macro-expanded `#if` / `#elif` line with cpp's integer semantics (libcpp/expr.cc):
// 64-bit intmax_t/uintmax_t, the usual arithmetic conversions, short-circuit "skip_eval" so that
// `0 && 1/0` is not an error, and an explicit operator stack so nesting depth never grows the JS stack.
import * as tokens from './tokens';
import { type Tok } from './tokens';
// Copied once at load: bundlers turn imported bindings into getters, too slow on the per-token path.
const { K_CHAR, K_NAME, K_NUMBER, K_PUNCT } = tokens;

export interface ExprError {
  message: string;
  tok: Tok | null;
}

interface Val {
  v: bigint;
  u: boolean;
}

const MASK = (1n << 64n) - 1n;
function norm(v: bigint, u: boolean): Val {
  return { v: u ? v & MASK : BigInt.asIntN(64, v), u };
}

/** Value of a pp-number in #if, or an error message. */
export function parseIntegerLiteral(text: string): Val | string {
  let i = 0;
  let base = 10;
  const lower = text.toLowerCase();
  if (lower.startsWith('0x')) { base = 16; i = 2; } else if (lower.startsWith('0b')) { base = 2; i = 2; } else if (lower.startsWith('0')) base = 8;
  let digits = '';
  for (; i < lower.length; i++) {
    const c = lower[i]!;
    const d = c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c >= 'a' && c <= 'f' ? c.charCodeAt(0) - 87 : 99;
    if (d >= base) break;
    digits += c;
  }
  const suffix = lower.slice(i);
  if (base === 16 ? suffix.includes('.') || suffix.startsWith('p') : suffix.includes('.') || suffix.startsWith('e')) {
    return 'floating constant in preprocessor expression';
  }
  if ((base === 16 || base === 2) && digits === '') return `invalid suffix "${text.slice(1)}" on integer constant`;
  if (base === 8 && /^[89]/.test(suffix)) return `invalid digit "${suffix[0]}" in octal constant`;
  if (!/^(u?(l|ll)?|(l|ll)u)$/.test(suffix)) return `invalid suffix "${text.slice(i)}" on integer constant`;
  let v = 0n;
  const b = BigInt(base);
  for (const c of digits) v = v * b + BigInt(parseInt(c, 16));
  let u = suffix.includes('u');
  if (v > MASK) v &= MASK;
  if (!u && v > 0x7fffffffffffffffn) u = true; // "integer constant is so large that it is unsigned"
  return { v, u };
}

/** Value of a character constant as cpp computes it on a signed-char, 32-bit-int host. */
export function parseCharLiteral(text: string): Val | string {
  const wide = text[0] === 'L';
  const body = text.slice(wide ? 2 : 1, -1);
  const chars: number[] = [];
  for (let i = 0; i < body.length;) {
    let c = body.charCodeAt(i++);
    if (c === 92 && i < body.length) {
      const e = body[i++]!;
      const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, e: 27, E: 27, '\\': 92, "'": 39, '"': 34, '?': 63 };
      if (e in simple) c = simple[e]!;
      else if (e === 'x') {
        let v = 0; let any = false;
        while (i < body.length && /[0-9a-fA-F]/.test(body[i]!)) { v = v * 16 + parseInt(body[i++]!, 16); any = true; }
        if (!any) return '\\x used with no following hex digits';
        c = v;
      } else if (e >= '0' && e <= '7') {
        let v = e.charCodeAt(0) - 48; let k = 1;
        while (k < 3 && i < body.length && body[i]! >= '0' && body[i]! <= '7') { v = v * 8 + body.charCodeAt(i++) - 48; k++; }
        c = v;
      } else c = e.charCodeAt(0);
    } else if (c >= 0x80) {
      // cpp sees UTF-8 bytes: a multi-byte character is a multi-char constant.
      const cp = body.codePointAt(i - 1)!;
      if (cp > 0xffff) i++;
      const bytes = cp < 0x800 ? [0xc0 | (cp >> 6), 0x80 | (cp & 63)]
        : cp < 0x10000 ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)]
          : [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
      if (wide) { chars.push(cp); continue; }
      chars.push(...bytes);
      continue;
    }
    chars.push(c);
  }
  if (chars.length === 0) return 'empty character constant';
  if (wide) return { v: BigInt(chars[chars.length - 1]! | 0), u: false };
  if (chars.length === 1) return { v: BigInt((chars[0]! << 24) >> 24), u: false };
  let r = 0;
  for (const c of chars) r = ((r << 8) | (c & 0xff)) | 0;
  return { v: BigInt(r), u: false };
}

const BINARY_PREC: Record<string, number> = {
  '*': 13, '/': 13, '%': 13, '+': 12, '-': 12, '<<': 11, '>>': 11, '<': 10, '>': 10, '<=': 10, '>=': 10,
  '==': 9, '!=': 9, '&': 8, '^': 7, '|': 6, '&&': 5, '||': 4, '?': 3, ':': 3, ',': 2,
};

interface Op {
  op: string;
  prec: number;
  unary: boolean;
  tok: Tok;
  /** For && || ?: — whether this operator raised skipEval. */
  skipped: boolean;
  /** For ?: the condition value. */
  cond?: boolean;
}

function truth(x: Val): boolean {
  return x.v !== 0n;
}

/**
 * Evaluates the tokens of a #if line (macros already expanded, `defined` already folded into
 * numbers). Identifiers that remain are 0. Returns the value, or the first error.
 */
/** A value, possibly with an error cpp reports but evaluates through (division by zero); or a hard error. */
export function evaluateExpression(toks: readonly Tok[], directiveTok: Tok): { value: bigint; unsigned: boolean; error?: ExprError } | ExprError {
  const vals: Val[] = [];
  const ops: Op[] = [];
  let skipEval = 0;
  let wantOperand = true;
  let err: ExprError | null = null;
  let softError: ExprError | null = null;
  const fail = (message: string, tok: Tok | null): ExprError => { err = { message, tok }; return err; };

  const applyUnary = (op: string, x: Val): Val => {
    switch (op) {
      case '+': return x;
      case '-': return norm(-x.v, x.u);
      case '~': return norm(~x.v, x.u);
      default: return { v: x.v === 0n ? 1n : 0n, u: false };
    }
  };
  const applyBinary = (o: Op, a: Val, b: Val): Val | null => {
    const u = a.u || b.u;
    const av = u ? a.v & MASK : a.v;
    const bv = u ? b.v & MASK : b.v;
    switch (o.op) {
      case '*': return norm(av * bv, u);
      case '/': case '%':
        if (bv === 0n) {
          // cpp reports it and carries on with the left operand as the value.
          if (skipEval === 0 && !softError) softError = { message: 'division by zero in #if', tok: o.tok };
          // ...already made non-negative, as num_div_op does before it checks the divisor.
          // The left operand keeps its own signedness (num_div_op returns lhs untouched but for the sign).
          return !u && a.v < 0n ? norm(-a.v, false) : a;
        }
        return norm(o.op === '/' ? av / bv : av % bv, u);
      case '+': return norm(av + bv, u);
      case '-': return norm(av - bv, u);
      case '<<': case '>>': {
        // cpp: a negative count shifts the other way; the left operand's signedness decides.
        let n = b.u ? b.v & MASK : b.v;
        let left = o.op === '<<';
        if (n < 0n) { n = -n; left = !left; }
        const x = a.u ? a.v & MASK : a.v;
        if (left) return n >= 64n ? { v: 0n, u: a.u } : norm(x << n, a.u);
        if (n >= 64n) return { v: !a.u && x < 0n ? -1n : 0n, u: a.u };
        return norm(x >> n, a.u);
      }
      case '<': return { v: av < bv ? 1n : 0n, u: false };
      case '>': return { v: av > bv ? 1n : 0n, u: false };
      case '<=': return { v: av <= bv ? 1n : 0n, u: false };
      case '>=': return { v: av >= bv ? 1n : 0n, u: false };
      case '==': return { v: av === bv ? 1n : 0n, u: false };
      case '!=': return { v: av !== bv ? 1n : 0n, u: false };
      case '&': return norm(av & bv, u);
      case '^': return norm(av ^ bv, u);
      case '|': return norm(av | bv, u);
      case '&&': return { v: truth(a) && truth(b) ? 1n : 0n, u: false };
      case '||': return { v: truth(a) || truth(b) ? 1n : 0n, u: false };
      case ',': return b;
      default: return null;
    }
  };
  /** Pops and applies one operator. */
  const reduceOne = (): boolean => {
    const o = ops.pop()!;
    if (o.unary) {
      const x = vals.pop()!;
      vals.push(applyUnary(o.op, x));
      return true;
    }
    if (o.op === '?') return !fail("'?' without following ':'", o.tok);
    if (o.op === '(') return !fail("missing ')' in expression", o.tok);
    const b = vals.pop()!;
    const a = vals.pop()!;
    if (o.op === ':') {
      if (o.skipped) skipEval--;
      const c = vals.pop()!;
      void c;
      vals.push(o.cond ? { v: a.v, u: a.u || b.u } : { v: b.v, u: a.u || b.u });
      const r = vals[vals.length - 1]!;
      vals[vals.length - 1] = norm(r.v, r.u);
      return true;
    }
    if (o.skipped) skipEval--;
    const r = applyBinary(o, a, b);
    if (!r) return false;
    vals.push(r);
    return true;
  };

  for (let i = 0; i <= toks.length; i++) {
    const t = i < toks.length ? toks[i]! : null;
    if (wantOperand) {
      if (t === null) {
        if (ops.length === 0 && vals.length === 0) return fail('#if with no expression', directiveTok);
        const o = ops[ops.length - 1]!;
        return fail(o.op === '(' ? "missing expression between '(' and ')'" : `operator '${o.op}' has no right operand`, o.tok);
      }
      if (t.kind === K_NUMBER) {
        const v = parseIntegerLiteral(t.text);
        if (typeof v === 'string') return fail(v, t);
        vals.push(v); wantOperand = false; continue;
      }
      if (t.kind === K_CHAR) {
        const v = parseCharLiteral(t.text);
        if (typeof v === 'string') return fail(v, t);
        vals.push(v); wantOperand = false; continue;
      }
      if (t.kind === K_NAME) { vals.push({ v: 0n, u: false }); wantOperand = false; continue; }
      if (t.kind === K_PUNCT) {
        const s = t.text;
        if (s === '(') { ops.push({ op: '(', prec: 0, unary: false, tok: t, skipped: false }); continue; }
        if (s === '+' || s === '-' || s === '~' || s === '!') { ops.push({ op: s, prec: 14, unary: true, tok: t, skipped: false }); continue; }
        if (s === ')') {
          const top = ops[ops.length - 1];
          if (top && top.op === '(') return fail("missing expression between '(' and ')'", t);
          if (top) return fail(`operator '${top.op}' has no right operand`, top.tok);
          return fail("missing '(' in expression", t);
        }
        if (s in BINARY_PREC) {
          const top = ops[ops.length - 1];
          if (top && !top.unary && top.op !== '(') return fail(`operator '${top.op}' has no right operand`, top.tok);
          return fail(`operator '${s}' has no left operand`, t);
        }
      }
      return fail(`token "${t.text}" is not valid in preprocessor expressions`, t);
    }
    // want an operator
    if (t === null) {
      while (ops.length) {
        const top = ops[ops.length - 1]!;
        if (top.op === '(') return fail("missing ')' in expression", top.tok);
        if (top.op === '?') return fail("'?' without following ':'", top.tok);
        if (!reduceOne()) return err!;
      }
      break;
    }
    if (t.kind !== K_PUNCT) {
      return fail(t.kind === K_NAME || t.kind === K_NUMBER || t.kind === K_CHAR
        ? `missing binary operator before token "${t.text}"`
        : `token "${t.text}" is not valid in preprocessor expressions`, t);
    }
    const s = t.text;
    if (s === ')') {
      for (;;) {
        const top = ops[ops.length - 1];
        if (!top) return fail("missing '(' in expression", t);
        if (top.op === '(') { ops.pop(); break; }
        if (top.op === '?') return fail("'?' without following ':'", top.tok);
        if (!reduceOne()) return err!;
      }
      continue;
    }
    const prec = BINARY_PREC[s];
    if (prec === undefined) {
      return fail(s === '(' ? 'missing binary operator before token "("' : `token "${s}" is not valid in preprocessor expressions`, t);
    }
    // Reduce what binds tighter; ?: and unary are right-associative.
    for (;;) {
      const top = ops[ops.length - 1];
      if (!top || top.op === '(') break;
      if (top.op === '?') {
        // The middle operand of ?: is a full expression (commas included) ended only by its ':'.
        if (s === ':' || s === ',') break;
      } else if (s === ':') { if (!reduceOne()) return err!; continue; }
      const tp = top.unary ? 14 : top.prec;
      if (s === '?' ? tp > prec : tp >= prec) { if (!reduceOne()) return err!; } else break;
    }
    const lhs = vals[vals.length - 1]!;
    if (s === '&&' || s === '||') {
      const skip = s === '&&' ? !truth(lhs) : truth(lhs);
      if (skip) skipEval++;
      ops.push({ op: s, prec, unary: false, tok: t, skipped: skip });
    } else if (s === '?') {
      const cond = truth(lhs);
      if (!cond) skipEval++;
      ops.push({ op: '?', prec, unary: false, tok: t, skipped: !cond, cond });
    } else if (s === ':') {
      const q = ops[ops.length - 1];
      if (!q || q.op !== '?') return fail("':' without preceding '?'", t);
      ops.pop();
      if (q.skipped) skipEval--;
      const skip = q.cond === true;
      if (skip) skipEval++;
      ops.push({ op: ':', prec, unary: false, tok: t, skipped: skip, cond: q.cond });
    } else {
      ops.push({ op: s, prec, unary: false, tok: t, skipped: false });
    }
    wantOperand = true;
  }
  if (err) return err;
  const r = vals.pop();
  if (!r || vals.length) return fail('unbalanced stack in #if', directiveTok);
  return softError ? { value: r.v, unsigned: r.u, error: softError } : { value: r.v, unsigned: r.u };
}

export function isExprError(x: unknown): x is ExprError {
  return typeof x === 'object' && x !== null && 'message' in x && !('value' in x);
}
