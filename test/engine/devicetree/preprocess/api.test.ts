// The preprocessor's contract with its callers: -D/-U as typed on a command line, what is predefined
// (checked against cpp -dM), the shared header cache, and the GNU linemarkers the DTS lexer reads to
// map each line back to its file, line and include chain.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createPreprocessCache, PREDEFINED_MACROS, preprocess } from '../../../../engine/devicetree/preprocess';
import { firstDifference, rows } from '../../../support/cpp-compare';
import { bytesOf, cppStdout, pp, type Files } from '../../../support/preprocess';
import { requireSystem } from '../../../../scripts/lib/system';

requireSystem('cpp');

const text = (v: string) => v.split('\n').filter((l) => l.trim() && !l.startsWith('# ')).map((l) => l.replace(/\s+/g, ' ').trim());

describe('preprocess API', () => {
  it('predefines exactly what cpp -undef -x assembler-with-cpp -D__DTS__ predefines', () => {
    const dm = execFileSync('cpp', ['-nostdinc', '-dM', '-undef', '-D__DTS__', '-x', 'assembler-with-cpp', '/dev/null'], { encoding: 'utf8' });
    const theirs = dm.split('\n').filter(Boolean).map((l) => l.split(' ')[1]!).sort();
    expect(PREDEFINED_MACROS.map((d) => d.split('=')[0]!).sort()).toEqual(theirs);
    const probe = theirs.map((n) => `#ifdef ${n}\n${n}_is ${n}\n#endif\n`).join('');
    const files = { 'main.dts': `${probe}__x86_64__ __linux__ unix __GNUC__\n` };
    expect(firstDifference(rows(cppStdout(files)), rows(pp(files).value))).toBeNull();
  });

  it('takes -D as typed (NAME, NAME=VALUE, F(x)=...) and -U', () => {
    const r = pp({ 'main.dts': 'A B C(2) D __DTS__\n' }, 'main.dts', { defines: ['A', 'B=0x10', 'C(x)=(x+1)', 'D=1'], undefines: ['D'] });
    expect(r.diagnostics).toEqual([]);
    const cpp = execFileSync('cpp', ['-nostdinc', '-undef', '-D__DTS__', '-DA', '-DB=0x10', '-DC(x)=(x+1)', '-DD=1', '-UD', '-x', 'assembler-with-cpp', '-'],
      { input: 'A B C(2) D __DTS__\n', encoding: 'utf8' });
    expect(text(r.value)).toEqual(text(cpp));
    expect(text(r.value)).toEqual(['1 0x10 (2 +1) D 1']);
  });

  it('emits GNU linemarkers: enter (1), return (2), renames, so each line maps to file:line', () => {
    const files: Files = {
      'main.dts': '/dts-v1/;\n#include "a.dtsi"\nroot;\n\n\n\n\n\n\n\n\n\nfar;\n',
      'a.dtsi': 'a1;\n#include <b.h>\na3;\n',
      'inc/b.h': '\n\nb3;\n',
    };
    const r = pp(files, 'main.dts', { includeDirs: ['inc'] });
    const markers = r.value.split('\n').filter((l) => l.startsWith('# '));
    expect(markers).toEqual(['# 1 "main.dts"', '# 1 "a.dtsi" 1', '# 1 "inc/b.h" 1', '# 3 "a.dtsi" 2', '# 3 "main.dts" 2', '# 13 "main.dts"']);
    expect(rows(r.value)).toEqual([
      { file: 'main.dts', line: 1, text: '/dts-v1/;' }, { file: 'a.dtsi', line: 1, text: 'a1;' },
      { file: 'inc/b.h', line: 3, text: 'b3;' }, { file: 'a.dtsi', line: 3, text: 'a3;' },
      { file: 'main.dts', line: 3, text: 'root;' }, { file: 'main.dts', line: 13, text: 'far;' },
    ]);
    expect(firstDifference(rows(cppStdout(files, 'main.dts', ['inc'])), rows(r.value))).toBeNull();
  });

  it('keeps source columns on lines without macros, and asm-style # lines as text', () => {
    const r = pp({ 'main.dts': '#define N 2\n\tnode@0 {\n\t\t#address-cells = <N>;\t/* c */ x = \'q;\n\t};\n' });
    expect(r.diagnostics).toEqual([]);
    const lines = r.value.split('\n');
    expect(lines).toContain('\tnode@0 {'.replace('\t', ' '));
    const cells = lines.find((l) => l.includes('#address-cells'))!;
    expect(cells.indexOf('#address-cells')).toBe(2);
    expect(cells.trim().replace(/\s+/g, ' ')).toBe("#address-cells = <2>; x = 'q;");
  });

  it('shares lexed headers through a cache, with the same output', () => {
    const reads: string[] = [];
    const files: Files = { 'a.dts': '#include "h.h"\nA\n', 'b.dts': '#include "h.h"\nA B\n', 'h.h': '#define A 1\n#define B 2\n' };
    const cache = createPreprocessCache();
    const run = (entry: string, c = cache) => preprocess(entry, { includeDirs: [], cache: c, readFile: (p) => { reads.push(p); return p in files ? bytesOf(files[p]!) : undefined; } });
    const a = run('a.dts');
    const b = run('b.dts');
    expect(reads.filter((p) => p === 'h.h')).toHaveLength(1);
    expect(text(a.value)).toEqual(['1']);
    expect(text(b.value)).toEqual(['1 2']);
    expect(run('b.dts', createPreprocessCache()).value).toBe(b.value);
  });

  it('prints a line with no macro in it whole, at its source columns, and expands it once a macro on it is defined', () => {
    // The same header twice: the first time FOO is no macro and both lines are plain text; the second
    // time the first line goes token by token and the second is printed from the text made the first time.
    const files: Files = {
      'main.dts': '/dts-v1/;\n#include "a.dtsi"\n#define FOO 1\n#include "a.dtsi"\n',
      'a.dtsi': 'x = FOO;\n\tlabel: node@1 {   reg = <1   2>; /* c */ y =  "a  b"; };\n',
    };
    // On its own the run lexes each file as it goes and takes plain lines from the text; with a shared
    // cache every file is lexed at once and plain lines are printed from their tokens. Same output.
    for (const cache of [undefined, createPreprocessCache()]) {
      const r = pp(files, 'main.dts', cache ? { cache } : {});
      expect(r.diagnostics).toEqual([]);
      expect(firstDifference(rows(cppStdout(files)), rows(r.value))).toBeNull();
      const body = r.value.split('\n').filter((l) => !l.startsWith('# '));
      const plain = ' label: node@1 {   reg = <1   2>;         y =  "a  b"; };';
      expect(body).toEqual(['/dts-v1/;', 'x = FOO;', plain, '', 'x = 1;', plain, '']);
    }
  });

  it('prints runs of plain lines whole, with what ends a run taken token by token, as cpp does', () => {
    // What a run may hold (tabs, trailing spaces, up to seven blank lines, assembler `#` lines) and what
    // must end one: eight blank lines (cpp prints a linemarker), a directive, a comment, an open string, a
    // splice, a name that became a macro (a short one too), a file's last line without its newline; and a
    // `#` line right after a line that ends in a macro's expansion, which cpp prints with a space before it.
    const blanks = (n: number) => '\n'.repeat(n);
    const files: Files = {
      'main.dts': [
        '/dts-v1/;', '/ {', '\tnode@1 {\t', '\t\treg = <1 2>;   ', '\t\tx = "a b";', blanks(7).slice(1), '\t\ty = <A>;',
        blanks(8).slice(1), '\t\tz = <1>;', '#define A 1', '\t\tw = <A 1e+A>;', '\t\tv = <AB>;', '\t\tq = "open;',
        '\t\tr = <1 \\', '2>;', '\t\t// c', '\t\t#address-cells = <1>;', '\t\tn = A', '#size-cells = <0>;', '\t};',
        '#include "t.dtsi"', '};',
      ].join('\n') + '\n',
      't.dtsi': '\ts = <A 2>;\n\tt = "x";',
    };
    const alone = pp(files, 'main.dts');
    const shared = pp(files, 'main.dts', { cache: createPreprocessCache() });
    expect(alone.value).toBe(shared.value);
    expect(JSON.stringify(alone.diagnostics)).toBe(JSON.stringify(shared.diagnostics));
    expect(firstDifference(rows(cppStdout(files)), rows(alone.value))).toBeNull();
    expect(alone.value).toContain('\n  y = <A>;\n# 22 "main.dts"\n  z = <1>;\n\n  w = <1 1e+A>;\n');
    expect(alone.value).toContain('\n  #address-cells = <1>;\n  n = 1\n #size-cells = <0>;\n');
  });

  it('stops at the output limit on the same token whether plain lines are printed whole or token by token', () => {
    const body = Array.from({ length: 3000 }, (_, i) => (i % 97 === 3 ? '\tx = <A A>;' : i % 11 === 0 ? '' : '\ta = <1 2 3>;')).join('\n');
    const files: Files = { 'main.dts': `#define A 1\n${body}\n` };
    for (const limit of [100, 5000, 10_001, 50_000]) {
      const alone = pp(files, 'main.dts', { maxOutputTokens: limit });
      const shared = pp(files, 'main.dts', { maxOutputTokens: limit, cache: createPreprocessCache() });
      expect(alone.value).toBe(shared.value);
      expect(alone.diagnostics.map((d) => `${d.code} ${d.span?.line}:${d.span?.col}`)).toEqual(shared.diagnostics.map((d) => `${d.code} ${d.span?.line}:${d.span?.col}`));
      expect(alone.diagnostics.map((d) => d.code)).toEqual(limit < 50_000 ? ['output_limit'] : []);
    }
  });

  it('#include_next, __has_include, #pragma once, #import, macro-expanded names', () => {
    const files: Files = {
      'main.dts': '#include <x.h>\n#include "once.h"\n#include "once.h"\n#define NAME <x.h>\n#if __has_include(<x.h>) && !__has_include("none.h")\nhas\n#endif\n#import "imp.h"\n#import "imp.h"\n',
      'd1/x.h': 'first\n#include_next <x.h>\n', 'd2/x.h': 'second\n', 'once.h': '#pragma once\nonce\n', 'imp.h': 'imported\n',
    };
    const r = pp(files, 'main.dts', { includeDirs: ['d1', 'd2'] });
    expect(text(r.value)).toEqual(['first', 'second', 'once', 'has', 'imported']);
  });
});
