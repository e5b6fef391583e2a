// Each class of bad input: the diagnostic's message, its file:line:col and include chain, checked
// against what GNU cpp says for the same files where cpp says the same thing.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../../engine/common';
import { firstDifference, rows } from '../../../support/cpp-compare';
import { cppStderr, cppStdout, pp, type Files } from '../../../support/preprocess';

const errorsOf = (r: ReturnType<typeof pp>) => r.diagnostics.filter((d) => d.severity === 'error');

describe('preprocess reports bad input', () => {
  it('unterminated #if, inside an included file, with the include chain', () => {
    const files: Files = { 'main.dts': '/dts-v1/;\n#include "a.dtsi"\n', 'a.dtsi': 'x\n#include "b.dtsi"\n', 'b.dtsi': 'y\n  #if 1\nz\n' };
    const r = pp(files);
    expect(errorsOf(r)).toEqual([{
      severity: 'error', code: 'unterminated_conditional', message: 'unterminated #if',
      span: { file: 'b.dtsi', line: 2, col: 4, endLine: 2, endCol: 4, includedFrom: [{ file: 'main.dts', line: 2 }, { file: 'a.dtsi', line: 2 }] },
    }]);
    expect(formatDiagnostic(r.diagnostics[0]!)).toBe(
      'b.dtsi:2.4: ERROR (unterminated_conditional): unterminated #if\n  included from a.dtsi:2\n  included from main.dts:2');
    const cpp = cppStderr(files);
    expect(cpp).toContain('b.dtsi:2: error: unterminated #if');
    expect(cpp).toContain('In file included from a.dtsi:2');
  });

  it('#else after #else, #endif without #if, #elif without #if', () => {
    const files: Files = { 'main.dts': '#if 1\n#else\n#else\n#endif\n#endif\n#elif 1\n' };
    const r = pp(files);
    const e = errorsOf(r);
    expect(e.map((d) => [d.message, d.span!.line, d.span!.col])).toEqual([
      ['#else after #else', 3, 2], ['#endif without #if', 5, 2], ['#elif without #if', 6, 2],
    ]);
    expect(e[0]!.alsoAt![0]).toMatchObject({ file: 'main.dts', line: 1 });
    const cpp = cppStderr(files);
    for (const d of e) expect(cpp).toContain(`main.dts:${d.span!.line}:${d.span!.col}: error: ${d.message}`);
  });

  it('a missing include names the file and every folder searched, and stops', () => {
    const files: Files = { 'boards/main.dts': '#include "soc.dtsi"\n', 'boards/soc.dtsi': 'a\n#include <dt-bindings/nope.h>\nnever\n' };
    const r = pp(files, 'boards/main.dts', { includeDirs: ['include-prefixes', 'boards/'] });
    expect(errorsOf(r)).toHaveLength(1);
    const d = errorsOf(r)[0]!;
    expect(d.code).toBe('include_not_found');
    expect(d.message).toBe('dt-bindings/nope.h: No such file or directory; searched: include-prefixes, boards');
    expect(d.span).toMatchObject({ file: 'boards/soc.dtsi', line: 2, col: 10, includedFrom: [{ file: 'boards/main.dts', line: 1 }] });
    expect(r.value).not.toContain('never');
    const quoted = pp({ 'main.dts': '#include "gone.h"\n' }, 'main.dts', { includeDirs: ['inc'] });
    expect(errorsOf(quoted)[0]!.message).toBe('gone.h: No such file or directory; searched: ., inc');
    expect(cppStderr(files, 'boards/main.dts', ['boards'])).toContain('boards/soc.dtsi:2:10: fatal error: dt-bindings/nope.h: No such file or directory');
  });

  it('include cycles stop at the depth limit, naming the chain', () => {
    const files: Files = { 'main.dts': '#include "a.h"\n', 'a.h': '#include "b.h"\n#include "b.h"\n', 'b.h': '#include "a.h"\n#include "a.h"\n' };
    const r = pp(files);
    const e = errorsOf(r);
    expect(e).toHaveLength(1);
    expect(e[0]!.code).toBe('include_depth');
    expect(e[0]!.message).toMatch(/^#include nested depth 200 exceeds maximum of 200/);
    expect(e[0]!.span!.includedFrom).toHaveLength(199);
    expect(e[0]!.span!.includedFrom![0]).toEqual({ file: 'main.dts', line: 1 });
    const low = pp(files, 'main.dts', { maxIncludeDepth: 5 });
    expect(errorsOf(low)[0]!.message).toMatch(/nested depth 5 exceeds maximum of 5/);
  });

  it('an unterminated comment, at the comment', () => {
    const files: Files = { 'main.dts': 'a\n  b /* open\n\nc\n' };
    const e = errorsOf(pp(files));
    expect(e.map((d) => [d.message, d.span!.line, d.span!.col])).toEqual([['unterminated comment', 2, 5]]);
    expect(cppStderr(files)).toContain('main.dts:2:5: error: unterminated comment');
  });

  it('bad #if expressions: division by zero, missing operands, stray tokens; none when short-circuited', () => {
    const files: Files = {
      'main.dts': '#if 1/0\n#endif\n#if 1 +\n#endif\n#if\n#endif\n#if (1\n#endif\n#if 1 2\n#endif\n#if 0 && 1/0\n#endif\n#if 1 || 1%0\n#endif\n#if 0 ? 1/0 : 2\n#endif\n',
    };
    const e = errorsOf(pp(files));
    expect(e.map((d) => [d.message, d.span!.line, d.span!.col])).toEqual([
      ['division by zero in #if', 1, 6],
      ["operator '+' has no right operand", 3, 7],
      ['#if with no expression', 5, 2],
      ["missing ')' in expression", 7, 5],
      ['missing binary operator before token "2"', 9, 7],
    ]);
    const cpp = cppStderr(files);
    for (const d of e) expect(cpp).toContain(`main.dts:${d.span!.line}:`);
    for (const d of e) expect(cpp).toContain(d.message);
  });

  it('wrong number of macro arguments, with where the macro was defined', () => {
    const files: Files = { 'main.dts': '#define F(a,b) a\nF(1) F(1,2,3) F(1,2)\n' };
    const r = pp(files);
    const e = errorsOf(r);
    expect(e.map((d) => [d.message, d.span!.line, d.span!.col])).toEqual([
      ['macro "F" requires 2 arguments, but only 1 given', 2, 4],
      ['macro "F" passed 3 arguments, but takes just 2', 2, 13],
    ]);
    expect(e[0]!.alsoAt![0]).toMatchObject({ file: 'main.dts', line: 1, col: 9 });
    const cpp = cppStderr(files);
    for (const d of e) expect(cpp).toContain(`main.dts:${d.span!.line}:${d.span!.col}: error: ${d.message}`);
    expect(r.value.replace(/ +/g, ' ')).toContain('F F 1');
  });

  it('#error becomes an error and #warning a warning, at the directive', () => {
    const files: Files = { 'main.dts': '#include "x.h"\n', 'x.h': '\n#error board  not supported\n #warning "careful"\n' };
    const r = pp(files);
    expect(r.diagnostics.map((d) => [d.severity, d.message, d.span!.file, d.span!.line, d.span!.col, d.span!.includedFrom])).toEqual([
      ['error', '#error board not supported', 'x.h', 2, 2, [{ file: 'main.dts', line: 1 }]],
      ['warning', '#warning "careful"', 'x.h', 3, 3, [{ file: 'main.dts', line: 1 }]],
    ]);
    const cpp = cppStderr(files);
    expect(cpp).toContain('x.h:2:2: error: #error board not supported');
  });

  it('a 0-byte file is valid and empty', () => {
    const r = pp({ 'main.dts': new Uint8Array(0) });
    expect(r.diagnostics).toEqual([]);
    expect(r.value.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([]);
  });

  it('a binary file is read as cpp reads it: NUL is whitespace, with cpp\'s warning and position', () => {
    const blob = new Uint8Array([0xd0, 0x0d, 0xfe, 0xed, 0x0a, 0x41, 0x00, 0x42]);
    const files: Files = { 'main.dts': '/dts-v1/;\n#include "blob.dtb"\nafter\n', 'blob.dtb': blob };
    const r = pp(files);
    expect(errorsOf(r)).toEqual([]);
    // The CR in the blob ends a line, as in cpp: the NUL is on line 3.
    expect(r.diagnostics).toEqual([{
      severity: 'warning', code: 'null_character', message: 'null character(s) ignored',
      span: { file: 'blob.dtb', line: 3, col: 2, endLine: 3, endCol: 2, includedFrom: [{ file: 'main.dts', line: 2 }] },
    }]);
    expect(rows(r.value).map((x) => x.text)).toContain('A B');
    expect(rows(r.value).map((x) => x.text)).toContain('after');
    const cpp = rows(cppStdout(files));
    expect(cpp.find((x) => x.text === 'A B')).toMatchObject({ file: 'blob.dtb', line: 3 });
  });

  it('macro recursion terminates (painted blue), direct and mutual, as cpp expands it', () => {
    const files: Files = { 'main.dts': '#define A A B\n#define B A\nA B\n#define f(x) f(x) g(x)\n#define g(x) f(x)\nf(f(1))\n#define p(x) q(x\n#define q(x) p(x)\np(1))\n' };
    const r = pp(files);
    expect(r.diagnostics).toEqual([]);
    const cpp = rows(cppStdout(files));
    expect(cpp).toHaveLength(3);
    expect(firstDifference(cpp, rows(r.value))).toBeNull();
  });
});
