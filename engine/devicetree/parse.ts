// Parser for the dtc source language (dtc-parser.y) building the live tree exactly as dtc's actions do:
// build_node / merge_nodes / add_orphan_node / delete / omit, markers for types, labels and references,
// C integer expressions in 64-bit unsigned arithmetic. Node bodies are parsed with an explicit stack so
// input-controlled nesting cannot overflow the JS stack. Stops at the first syntax error, as bison does.
import type { Diagnostic, SourceSpan } from '../common';
import { Lexer, decodeLatin1, textBytes, tokenValue, type SourceFiles, type Token, type TokenType } from './lex';
import {
  ByteData, addChild, addLabel, buildLabelIndex, deleteNode, mergeNodes, newNode, newProperty, liveNodeByRef,
  type LiveNode, type LiveProperty, type LiveReserve, type LiveTree,
} from './live';

class SyntaxStop extends Error {}

const U64 = 0xffffffffffffffffn;
const MAX_EXPR_DEPTH = 256;

export interface ParseResult {
  tree: LiveTree;
  diagnostics: Diagnostic[];
  /** False when parsing stopped at a syntax error (the tree is partial). */
  complete: boolean;
}

export function parseDts(text: string, file: string, files?: SourceFiles): ParseResult {
  return new Parser(text, file, files).run();
}

class Parser {
  private lexer: Lexer;
  private tok: Token;
  private ahead: Token | undefined;
  private diagnostics: Diagnostic[] = [];
  private plugin = false;
  private orphanCount = 0;
  private root: LiveNode | null = null;
  /** Labels to nodes in `root`, for nodeByRef; null until a lookup needs it, and after a change that may move a label. */
  private labelIndex: Map<string, LiveNode> | null = null;

  constructor(text: string, file: string, private readonly files?: SourceFiles) {
    this.lexer = new Lexer(text, file, files);
    this.tok = this.lexer.next();
  }

  private lastTok: Token | undefined;

  private advance(): Token {
    const t = this.tok;
    this.lastTok = t;
    if (this.ahead) {
      this.tok = this.ahead;
      this.ahead = undefined;
    } else this.tok = this.lexer.next();
    return t;
  }

  private peek2(): Token {
    if (!this.ahead) this.ahead = this.lexer.next();
    return this.ahead;
  }

  private is(type: TokenType, ch?: string): boolean {
    return this.tok.type === type && (ch === undefined || this.tok.text === ch);
  }

  private isChar(ch: string): boolean {
    return this.tok.type === 'CHAR' && this.tok.text === ch;
  }

  private error(message: string, span: SourceSpan, code = 'syntax'): void {
    this.diagnostics.push({ severity: 'error', code, message, span });
  }

  private syntaxError(expected?: string): never {
    const t = this.tok;
    const what = t.type === 'EOF' ? (t.text === '\0' ? 'NUL byte (dtc reads it as the end of input)' : 'end of input') : t.type === 'CHAR' ? `'${t.text}'` : t.type === 'STRING' ? 'a string' : `${t.type.toLowerCase()} "${t.text}"`;
    this.error(`syntax error: unexpected ${what}${expected ? `, expecting ${expected}` : ''}`, t.span);
    throw new SyntaxStop();
  }

  private expectChar(ch: string): Token {
    if (!this.isChar(ch)) this.syntaxError(`'${ch}'`);
    return this.advance();
  }

  private expect(type: TokenType, what: string): Token {
    if (this.tok.type !== type) this.syntaxError(what);
    return this.advance();
  }

  run(): ParseResult {
    let complete = true;
    const reserves: LiveReserve[] = [];
    try {
      this.headers();
      this.memreserves(reserves);
      this.devicetree();
      if (!this.is('EOF')) this.syntaxError();
    } catch (e) {
      if (!(e instanceof SyntaxStop)) throw e;
      complete = false;
    }
    const root = this.root ?? newNode('');
    const tree: LiveTree = { root, reserves, plugin: this.plugin, bootCpuid: guessBootCpuid(root) };
    return { tree, diagnostics: [...this.lexer.diagnostics, ...this.diagnostics].sort(byPosition), complete };
  }

  private headers(): void {
    let first: boolean | undefined;
    if (!this.is('V1')) {
      if (this.is('EOF') && this.tok.text === '') this.error('empty input: a device tree source needs "/dts-v1/;" and a root node', this.tok.span);
      else this.error('missing "/dts-v1/;" header (dtc accepts only version 1 sources)', this.tok.span);
      throw new SyntaxStop();
    }
    while (this.is('V1')) {
      const start = this.advance();
      this.expectChar(';');
      let plugin = false;
      if (this.is('PLUGIN')) {
        this.advance();
        this.expectChar(';');
        plugin = true;
      }
      if (first === undefined) first = plugin;
      else if (first !== plugin) this.error("Header flags don't match earlier ones", start.span);
    }
    this.plugin = first ?? false;
  }

  private memreserves(out: LiveReserve[]): void {
    for (;;) {
      // LABEL* /memreserve/ – look ahead over labels without consuming a top-level label (none exists).
      if (this.is('LABEL')) {
        const labels: string[] = [];
        while (this.is('LABEL')) labels.push(this.advance().text);
        if (!this.is('MEMRESERVE')) this.syntaxError("'/memreserve/'");
        const r = this.memreserve();
        for (let k = labels.length - 1; k >= 0; k--) addLabel(r.labels, labels[k]!);
        out.push(r);
        continue;
      }
      if (this.is('MEMRESERVE')) {
        out.push(this.memreserve());
        continue;
      }
      return;
    }
  }

  private memreserve(): LiveReserve {
    this.advance();
    const address = this.integerPrim();
    const size = this.integerPrim();
    this.expectChar(';');
    return { address, size, labels: [] };
  }

  private devicetree(): void {
    // First item: '/' nodedef, or (plugins) a reference creating an orphan fragment.
    if (this.isChar('/')) {
      this.advance();
      this.root = this.nodedef();
      this.root.name = '';
    } else if (this.is('LABEL_REF') || this.is('PATH_REF')) {
      const ref = this.advance();
      const body = this.nodedef();
      if (!this.plugin) this.error(`Label or path ${ref.text} not found`, body.span ?? ref.span, 'reference');
      this.root = newNode('');
      this.addOrphan(body, ref.text);
    } else this.syntaxError("'/' or a reference");
    const root = this.root;
    while (!this.is('EOF')) {
      if (this.isChar('/')) {
        this.advance();
        this.merge(root, this.nodedef());
      } else if (this.is('LABEL')) {
        const label = this.advance();
        if (!this.is('LABEL_REF') && !this.is('PATH_REF')) this.syntaxError('a reference after the label');
        const ref = this.advance();
        const body = this.nodedef();
        const target = this.nodeByRef(root, ref.text);
        if (target) {
          addLabel(target.labels, label.text);
          this.labelIndex = null;
          this.merge(target, body);
        } else this.error(`Label or path ${ref.text} not found`, ref.span, 'reference');
      } else if (this.is('PATH_REF')) {
        const ref = this.advance();
        const body = this.nodedef();
        if (this.plugin) this.addOrphan(body, ref.text);
        else {
          const target = this.nodeByRef(root, ref.text);
          if (target) this.merge(target, body);
          else this.error(`Label or path ${ref.text} not found`, ref.span, 'reference');
        }
      } else if (this.is('LABEL_REF')) {
        const ref = this.advance();
        const body = this.nodedef();
        const target = this.nodeByRef(root, ref.text);
        if (target) this.merge(target, body);
        else if (this.plugin) this.addOrphan(body, ref.text);
        else this.error(`Label or path ${ref.text} not found`, ref.span, 'reference');
      } else if (this.is('DEL_NODE') || this.is('OMIT_NO_REF')) {
        const del = this.advance().type === 'DEL_NODE';
        if (!this.is('LABEL_REF') && !this.is('PATH_REF')) this.syntaxError('a reference');
        const ref = this.advance();
        this.expectChar(';');
        const target = this.nodeByRef(root, ref.text);
        if (!target) this.error(`Label or path ${ref.text} not found`, ref.span, 'reference');
        else if (del) {
          deleteNode(target);
          this.labelIndex = null;
        }
        else target.omitIfUnused = true;
      } else this.syntaxError();
    }
  }

  /**
   * get_node_by_ref for the top level's references. dtc walks the tree for each label; here the walk is
   * made once into labelIndex (the same first match in walk order) and again only after a change that
   * can move a label, since most top-level references (`&uart0 { status = "okay"; };`) only set properties.
   */
  private nodeByRef(root: LiveNode, ref: string): LiveNode | undefined {
    if (ref.startsWith('/')) return liveNodeByRef(root, ref);
    this.labelIndex ??= buildLabelIndex(root);
    return this.labelIndex.get(ref);
  }

  /** merge_nodes at the top level: a body that brings nodes or labels, or revives a deleted node, drops labelIndex. */
  private merge(target: LiveNode, body: LiveNode): void {
    if (body.children.length > 0 || body.labels.length > 0 || target.deleted) this.labelIndex = null;
    mergeNodes(target, body);
  }

  /** livetree.c add_orphan_node: wrap an overlay body as /fragment@N/__overlay__. */
  private addOrphan(body: LiveNode, ref: string): void {
    this.labelIndex = null;
    const data = new ByteData();
    let prop: LiveProperty;
    if (ref.startsWith('/')) {
      data.addMarker('type-string', ref);
      const bytes = textBytes(ref);
      data.appendBytes(bytes);
      data.appendByte(0);
      prop = newProperty('target-path', data);
    } else {
      data.addMarker('ref-phandle', ref);
      data.appendU32(0xffffffff);
      prop = newProperty('target', data);
    }
    body.name = '__overlay__';
    const fragment = newNode(`fragment@${this.orphanCount++}`);
    fragment.props.push(prop);
    addChild(fragment, body);
    addChild(this.root!, fragment);
  }

  /**
   * nodedef: '{' proplist subnodes '}' ';' – the whole nested body, with an explicit stack.
   * Returns the built (unnamed) node whose span runs from '{' to ';'.
   */
  private nodedef(): LiveNode {
    interface Frame {
      node: LiveNode;
      open: Token;
      sawSubnode: boolean;
      name: string;
      labels: string[];
      omit: boolean;
    }
    const open = this.expectChar('{');
    const stack: Frame[] = [{ node: newNode(''), open, sawSubnode: false, name: '', labels: [], omit: false }];
    // The token's type and text are read into locals rather than through is()/isChar(): a call and its
    // property loads per test add up over every token of a cold run.
    for (;;) {
      const f = stack[stack.length - 1]!;
      let t = this.tok;
      if (t.type === 'CHAR' && t.text === '}') {
        this.advance();
        const semi = this.expectChar(';');
        f.node.span = f.open.spanTo(semi);
        stack.pop();
        if (!stack.length) return f.node;
        f.node.name = f.name;
        for (let k = f.labels.length - 1; k >= 0; k--) addLabel(f.node.labels, f.labels[k]!);
        if (f.omit) f.node.omitIfUnused = true;
        addChild(stack[stack.length - 1]!.node, f.node);
        continue;
      }
      // Prefixes: labels (properties and nodes) and /omit-if-no-ref/ (nodes only).
      const labels: string[] = [];
      let omit = false;
      while (t.type === 'LABEL' || t.type === 'OMIT_NO_REF') {
        this.advance();
        if (t.type === 'LABEL') labels.push(t.text);
        else omit = true;
        t = this.tok;
      }
      if (t.type === 'DEL_PROP') {
        if (omit) this.syntaxError();
        const kw = this.advance();
        const name = this.expect('PROPNODENAME', 'a property name');
        const semi = this.expectChar(';');
        const prop = newProperty(name.text, new ByteData(0));
        prop.deleted = true;
        for (let k = labels.length - 1; k >= 0; k--) addLabel(prop.labels, labels[k]!);
        this.addProperty(f, prop, kw.spanTo(semi));
        continue;
      }
      if (t.type === 'DEL_NODE') {
        const kw = this.advance();
        const name = this.expect('PROPNODENAME', 'a node name');
        const semi = this.expectChar(';');
        const node = newNode(name.text, kw.spanTo(semi));
        node.deleted = true;
        for (let k = labels.length - 1; k >= 0; k--) addLabel(node.labels, labels[k]!);
        if (omit) node.omitIfUnused = true;
        addChild(f.node, node);
        f.sawSubnode = true;
        continue;
      }
      if (t.type !== 'PROPNODENAME') this.syntaxError(labels.length || omit ? 'a property or node name' : "a property, a node or '}'");
      const nameTok = t;
      const after = this.peek2();
      if (after.type === 'CHAR' && after.text === '{') {
        this.advance();
        const brace = this.advance();
        f.sawSubnode = true;
        stack.push({ node: newNode(''), open: brace, sawSubnode: false, name: nameTok.text, labels, omit });
        continue;
      }
      if (omit) this.syntaxError("'{'");
      this.advance();
      let data: ByteData;
      if (after.type === 'CHAR' && after.text === '=') {
        this.advance();
        data = this.propdata();
      } else data = new ByteData(0);
      const semi = this.expectChar(';');
      const prop = newProperty(nameTok.text, data);
      for (let k = labels.length - 1; k >= 0; k--) addLabel(prop.labels, labels[k]!);
      this.addProperty(f, prop, nameTok.spanTo(semi));
    }
  }

  private addProperty(f: { node: LiveNode; sawSubnode: boolean }, prop: LiveProperty, span: SourceSpan): void {
    if (!prop.deleted) prop.span = span;
    if (f.sawSubnode) {
      this.error('Properties must precede subnodes', span);
      throw new SyntaxStop();
    }
    f.node.props.push(prop);
  }

  /** propdata: pieces separated by ',', labels anywhere between them. */
  private propdata(): ByteData {
    const d = new ByteData();
    for (;;) {
      let t = this.tok;
      while (t.type === 'LABEL') {
        this.advance();
        d.addMarker('label', t.text);
        t = this.tok;
      }
      if (t.type === 'STRING') {
        this.advance();
        d.addMarker('type-string');
        d.appendBytes(t.bytes!);
        d.appendByte(0);
      } else if (t.type === 'BITS' || (t.type === 'CHAR' && t.text === '<')) {
        this.cellArray(d);
      } else if (this.isChar('[')) {
        this.advance();
        d.addMarker('type-uint8');
        for (;;) {
          if (this.is('BYTE')) d.appendByte(this.advance().value as number);
          else if (this.is('LABEL')) d.addMarker('label', this.advance().text);
          else break;
        }
        this.expectChar(']');
      } else if (t.type === 'LABEL_REF' || t.type === 'PATH_REF') {
        this.advance();
        d.addMarker('type-string', t.text);
        d.addMarker('ref-path', t.text);
      } else if (t.type === 'INCBIN') {
        this.incbin(d);
      } else this.syntaxError('a property value');
      t = this.tok;
      while (t.type === 'LABEL') {
        this.advance();
        d.addMarker('label', t.text);
        t = this.tok;
      }
      if (t.type === 'CHAR' && t.text === ',') {
        this.advance();
        continue;
      }
      return d;
    }
  }

  private incbin(d: ByteData): void {
    const kw = this.advance();
    this.expectChar('(');
    const name = this.expect('STRING', 'a file name');
    let offset = 0n;
    let length = -1n;
    if (this.isChar(',')) {
      this.advance();
      offset = this.integerPrim();
      this.expectChar(',');
      length = this.integerPrim();
    }
    this.expectChar(')');
    const fileName = decodeLatin1(name.bytes!);
    const found = this.files?.resolve(fileName, this.lexer.realPath);
    if (!found) {
      this.error(`Couldn't open "${fileName}" for /incbin/`, kw.span, 'include');
      return;
    }
    const start = Number(offset > BigInt(found.bytes.length) ? BigInt(found.bytes.length) : offset);
    const end = length < 0n ? found.bytes.length : Math.min(found.bytes.length, start + Number(length));
    d.appendBytes(found.bytes.subarray(start, end));
  }

  private cellArray(d: ByteData): void {
    let bits = 32;
    if (this.is('BITS')) {
      this.advance();
      const lit = this.expect('LITERAL', 'a bit width');
      const v = tokenValue(lit);
      if (v === 8n || v === 16n || v === 32n || v === 64n) bits = Number(v);
      else this.error('Array elements must be 8, 16, 32 or 64-bits', lit.span);
      this.expectChar('<');
    } else this.advance();
    d.addMarker(bits === 8 ? 'type-uint8' : bits === 16 ? 'type-uint16' : bits === 32 ? 'type-uint32' : 'type-uint64');
    // Constants rather than (1n << BigInt(bits)) - 1n: three BigInt operations per array add up in a cold run.
    const mask = bits === 32 ? 0xffffffffn : bits === 8 ? 0xffn : bits === 16 ? 0xffffn : U64;
    for (;;) {
      const t = this.tok;
      if (t.type === 'LITERAL' || t.type === 'CHAR_LITERAL') {
        this.advance();
        if (bits === 32 && typeof t.value === 'number') {
          d.appendU32(t.value);
          continue;
        }
        this.appendChecked(d, tokenValue(t), bits, mask, t);
      } else if (this.isChar('(')) {
        const v = this.integerPrim();
        this.appendChecked(d, v, bits, mask, t);
      } else if (t.type === 'LABEL_REF' || t.type === 'PATH_REF') {
        this.advance();
        if (bits === 32) d.addMarker('ref-phandle', t.text);
        else this.error('References are only allowed in arrays with 32-bit elements.', t.span);
        d.appendInteger(mask, bits);
      } else if (t.type === 'LABEL') {
        this.advance();
        d.addMarker('label', t.text);
      } else break;
    }
    this.expectChar('>');
  }

  private appendChecked(d: ByteData, v: bigint, bits: number, mask: bigint, start: Token): void {
    if (bits < 64 && v > mask && (v | mask) !== U64) this.error(`Value out of range for ${bits}-bit array element`, start.spanTo(this.lastTok!));
    d.appendInteger(v, bits);
  }

  // ---- integer expressions (64-bit unsigned, as uint64_t in dtc-parser.y) ----

  private exprDepth = 0;

  private integerPrim(): bigint {
    const t = this.tok;
    if (t.type === 'LITERAL' || t.type === 'CHAR_LITERAL') {
      this.advance();
      return tokenValue(t);
    }
    if (this.isChar('(')) {
      if (++this.exprDepth > MAX_EXPR_DEPTH) {
        this.error(`expression nested deeper than ${MAX_EXPR_DEPTH} parentheses`, t.span);
        throw new SyntaxStop();
      }
      this.advance();
      const v = this.expr();
      this.expectChar(')');
      this.exprDepth--;
      return v;
    }
    return this.syntaxError('an integer');
  }

  private expr(): bigint {
    // integer_trinary: integer_or ('?' integer_expr ':' integer_trinary)?
    const cond = this.binary(0);
    if (this.isChar('?')) {
      this.advance();
      const a = this.expr();
      this.expectChar(':');
      const b = this.expr();
      return cond !== 0n ? a : b;
    }
    return cond;
  }

  /** Precedence climbing over dtc's levels: || && | ^ & (== !=) (< > <= >=) (<< >>) (+ -) (* / %). */
  private binary(level: number): bigint {
    if (level >= LEVELS.length) return this.unary();
    const start = this.tok;
    let left = this.binary(level + 1);
    for (;;) {
      const op = this.opAt(level);
      if (!op) return left;
      this.advance();
      const right = this.binary(level + 1);
      // dtc reports a division by zero over the whole `a / b` (bison's @$).
      left = this.apply(op, left, right, start);
    }
  }

  private opAt(level: number): string | undefined {
    const t = this.tok;
    const name = t.type === 'CHAR' ? t.text : t.type;
    return LEVELS[level]!.includes(name) ? name : undefined;
  }

  private apply(op: string, a: bigint, b: bigint, start: Token): bigint {
    const u = (x: bigint) => BigInt.asUintN(64, x);
    switch (op) {
      case 'OR': return a !== 0n || b !== 0n ? 1n : 0n;
      case 'AND': return a !== 0n && b !== 0n ? 1n : 0n;
      case '|': return a | b;
      case '^': return a ^ b;
      case '&': return a & b;
      case 'EQ': return a === b ? 1n : 0n;
      case 'NE': return a !== b ? 1n : 0n;
      case '<': return a < b ? 1n : 0n;
      case '>': return a > b ? 1n : 0n;
      case 'LE': return a <= b ? 1n : 0n;
      case 'GE': return a >= b ? 1n : 0n;
      case 'LSHIFT': return b < 64n ? u(a << b) : 0n;
      case 'RSHIFT': return b < 64n ? a >> b : 0n;
      case '+': return u(a + b);
      case '-': return u(a - b);
      case '*': return u(a * b);
      case '/':
      case '%':
        if (b === 0n) {
          this.error('Division by zero', start.spanTo(this.lastTok!));
          return 0n;
        }
        return op === '/' ? a / b : a % b;
    }
    return 0n;
  }

  private unary(): bigint {
    // Unary chains are iterative: `- - - ... 1` from input cannot recurse deeply.
    const ops: string[] = [];
    while (this.isChar('-') || this.isChar('~') || this.isChar('!')) ops.push(this.advance().text);
    let v = this.integerPrim();
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i]!;
      v = op === '-' ? BigInt.asUintN(64, -v) : op === '~' ? BigInt.asUintN(64, ~v) : v === 0n ? 1n : 0n;
    }
    return v;
  }
}

const LEVELS: string[][] = [['OR'], ['AND'], ['|'], ['^'], ['&'], ['EQ', 'NE'], ['<', '>', 'LE', 'GE'], ['LSHIFT', 'RSHIFT'], ['+', '-'], ['*', '/', '%']];

function byPosition(a: Diagnostic, b: Diagnostic): number {
  if (!a.span || !b.span || a.span.file !== b.span.file) return 0;
  return a.span.line - b.span.line || a.span.col - b.span.col;
}

/** livetree.c guess_boot_cpuid: the first /cpus child's one-cell `reg`. */
function guessBootCpuid(root: LiveNode): number {
  let cpus: LiveNode | undefined;
  for (const c of root.children) if (!c.deleted && c.name === 'cpus') { cpus = c; break; }
  if (!cpus) return 0;
  const first = cpus.children[0];
  if (!first) return 0;
  const reg = first.props.find((p) => !p.deleted && p.name === 'reg');
  if (!reg || reg.data.length !== 4) return 0;
  const b = reg.data.bytes;
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}
