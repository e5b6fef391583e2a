// NUL bytes in a source, held against dtc and cpp (the cases of dtc's tests/embedded_nul.dts,
// nul-in-escape.dts and nul-in-line-info{1,2}.dts; lang-nul.dts is written afresh, not copied). dtc reads any file without the FDT magic as source:
// a NUL in a literal or comment is kept, anywhere else dtc's lexer hands it to the parser as character
// 0, the end of input. cpp turns a NUL outside literals into whitespace, with a warning.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, hasErrors } from '../../../engine/common';
import { loadDeviceTree, printDts, writeDtb } from '../../../engine/devicetree';
import { dtc, fixtures, kbuildCpp, readFileOrUndefined } from '../../support/dtc';
import { pp } from '../../support/preprocess';
import { requireSystem } from '../../../scripts/lib/system';

requireSystem('cpp');

const tmp = mkdtempSync(join(tmpdir(), 'nul-'));
function file(name: string, body: string): string {
  const path = join(tmp, name);
  writeFileSync(path, Buffer.from(body, 'latin1'));
  return path;
}
const load = (path: string, preprocess: boolean) => loadDeviceTree(path, { readFile: readFileOrUndefined, preprocess, checks: false });
/** cpp's warnings for a file (cppStderr in test/support/preprocess.ts keeps stderr only when cpp fails). */
function cppWarnings(path: string): string[] {
  const r = spawnSync('cpp', ['-nostdinc', '-undef', '-D__DTS__', '-x', 'assembler-with-cpp', path], { encoding: 'latin1' });
  return [...r.stderr.matchAll(/^[^:\n]+:(\d+):(\d+): warning: (.*)$/gm)].map((m) => `${m[1]}:${m[2]}: ${m[3]}`);
}
const errors = (r: ReturnType<typeof load>) => r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);

describe('NUL bytes in a source, as dtc and cpp read them', () => {
  const fixture = join(fixtures, 'lang-nul.dts');

  it('in strings, after a backslash, in a character literal and in comments: the same DTB as dtc', () => {
    const r = load(fixture, false);
    expect(r.diagnostics).toEqual([]);
    const ref = dtc(['-q', '-I', 'dts', '-O', 'dtb', fixture]);
    expect(ref.status).toBe(0);
    expect(Buffer.from(writeDtb(r.value)).equals(ref.out)).toBe(true);
    expect(printDts(r.value)).toBe(dtc(['-q', '-I', 'dts', '-O', 'dts', fixture]).out.toString('utf8'));
    expect(printDts(r.value)).toContain('reserved-names = "aaaa\\0bbbb\\0cccc";');
  });

  it('through the preprocessor: the same DTB as cpp | dtc, and cpp\'s warnings', () => {
    const r = load(fixture, true);
    expect(hasErrors(r.diagnostics)).toBe(false);
    const ref = dtc(['-q', '-I', 'dts', '-O', 'dtb', '-'], kbuildCpp(fixture, []));
    expect(ref.status).toBe(0);
    expect(Buffer.from(writeDtb(r.value)).equals(ref.out)).toBe(true);
    // cpp counts a tab as 8 columns where we count 1, so only the lines and messages are compared.
    const cpp = cppWarnings(fixture).map((w) => w.replace(/:\d+:/, ':'));
    const ours = r.diagnostics.map((d) => `${d.span!.line}: ${d.message}`);
    expect(ours.sort()).toEqual(cpp.sort());
    expect(cpp).toHaveLength(3);
  });

  it('elsewhere, dtc stops reading at the NUL: what follows is never read, an unfinished tree is an error', () => {
    const tail = file('tail.dts', '/dts-v1/;\n/ { a = <1>; };\n\0garbage here\n');
    expect(dtc(['-q', '-I', 'dts', '-O', 'dtb', '-o', '/dev/null', tail]).status).toBe(0);
    expect(load(tail, false).diagnostics).toEqual([]);

    const mid = file('mid.dts', '/dts-v1/;\n/ { a = <1>;\0 b = <2>; };\n');
    const ref = dtc(['-q', '-I', 'dts', '-O', 'dtb', '-o', '/dev/null', mid]);
    expect(ref.status).toBe(1);
    expect(ref.err).toContain(`${mid}:2.13-14 syntax error`);
    expect(errors(load(mid, false))).toEqual([`${mid}:2.13-14: ERROR: syntax error: unexpected NUL byte (dtc reads it as the end of input), expecting a property, a node or '}'`]);
  });

  it('elsewhere, cpp makes it whitespace: the two cases above swap outcomes under cpp | dtc', () => {
    const mid = join(tmp, 'mid.dts');
    expect(dtc(['-q', '-I', 'dts', '-O', 'dtb', '-o', '/dev/null', '-'], kbuildCpp(mid, [])).status).toBe(0);
    const r = load(mid, true);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([`${mid}:2.13: Warning (null_character): null character(s) ignored`]);
    expect(r.value.root.properties.map((p) => p.name)).toEqual(['a', 'b']);

    const tail = join(tmp, 'tail.dts');
    const ref = dtc(['-q', '-I', 'dts', '-O', 'dtb', '-o', '/dev/null', '-'], kbuildCpp(tail, []));
    expect(ref.status).toBe(1);
    expect(ref.err).toContain('3.2-9 syntax error');
    expect(errors(load(tail, true))).toEqual([`${tail}:3.2-9: ERROR: syntax error: unexpected propnodename "garbage"`]);
  });

  it('a NUL in a line marker\'s file name, raw or escaped, is dtc\'s lexical error', () => {
    for (const [name, body, end] of [['line1.dts', '# 0 "\0"\n', 8], ['line2.dts', '# 0 "\\0"\n', 9]] as const) {
      const path = file(name, body);
      const ref = dtc(['-q', '-I', 'dts', '-O', 'dtb', '-o', '/dev/null', path]);
      expect(ref.status).toBe(1);
      expect(ref.err).toContain(`Lexical error: ${path}:1.1-${end} nul in line number directive`);
      for (const preprocess of [false, true]) {
        expect(errors(load(path, preprocess))[0]).toBe(`${path}:1.1-${end}: ERROR (lexical): nul in line number directive`);
      }
    }
  });

  it('a file is a blob by its magic or by a .dtb/.dtbo name, as dtc guesses; anything else is source', () => {
    const textDtb = file('text.dtb', '/dts-v1/;\n/ {\n\tcompatible = "a source named like a blob";\n};\n');
    expect(dtc(['-q', '-O', 'dts', textDtb]).err).toContain('Blob has incorrect magic number');
    expect(errors(load(textDtb, true))).toEqual([`${textDtb}:byte 0: ERROR (dtb): bad magic 0x2f647473 (expected 0xd00dfeed)`]);
    const elf = file('prog', '\x7fELF\x02\x01\x01\0\0\0');
    expect(dtc(['-q', '-O', 'dts', elf]).err).toContain(`${elf}:1.1-2 syntax error`);
    expect(errors(load(elf, false))).toEqual([`${elf}:1.1-2: ERROR: missing "/dts-v1/;" header (dtc accepts only version 1 sources)`]);
  });
});

describe('NUL bytes through the preprocessor, against cpp', () => {
  it('warned once per whitespace run and once per literal read, never in a skipped block or a comment', () => {
    const main = file('main.dts', '#if 0\na \0b "x\0y"\n#endif\nc  \0d "p\0q" \'\0\'\n#define S "m\0n"\nS S\n// c\0\n/* \0 */\n');
    const r = pp({ 'main.dts': readFileOrUndefined(main)! });
    const cpp = cppWarnings(main);
    expect(cpp).toHaveLength(5);
    expect(r.diagnostics.map((d) => `${d.span!.line}:${d.span!.col}: ${d.message}`).sort()).toEqual(cpp.sort());
    // Our output keeps source columns where cpp writes one space; the tokens are what must agree.
    const text = r.value.replace(/ +/g, ' ');
    expect(text).toContain('c d "p\0q" \'\0\'');
    expect(text).toContain('"m\0n" "m\0n"');
  });
});
