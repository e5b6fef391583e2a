// Bad and extreme inputs: each class gives a typed diagnostic with file:line.col (or a byte offset for
// blobs) and never throws, hangs or overflows the stack: 10,000-deep nesting in DTS and DTB, huge
// values, an empty file, a binary file, a truncated DTB, unterminated tokens, runaway expressions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, hasErrors } from '../../../engine/common';
import { applyOverlay, compileSource, loadDeviceTree, printDts, readDtb, runChecks, treeToJson, writeDtb } from '../../../engine/devicetree';
import { requireSystem, debianDtbDir } from '../../../scripts/lib/system';
import { fixtures, readFileOrUndefined } from '../../support/dtc';

requireSystem('kernel-arm64');

const noFiles = { readFile: () => undefined };
const compile = (text: string, file = 'in.dts') => compileSource(text, file, noFiles);
const errors = (text: string) => compile(text).diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);

function deepSource(depth: number): string {
  return '/dts-v1/;\n/ {\n' + 'a {\n'.repeat(depth) + 'leaf;\n' + '};\n'.repeat(depth) + '};\n';
}

describe('depth from the input never overflows the stack', () => {
  it('10,000-deep nesting in DTS compiles, merges, writes, reads back and prints', () => {
    const text = deepSource(10_000);
    const r = compileSource(text + '/ {\n' + 'a {\n'.repeat(10_000) + 'more;\n' + '};\n'.repeat(10_000) + '};\n', 'deep.dts', { ...noFiles, symbols: true });
    expect(r.diagnostics).toEqual([]);
    const blob = writeDtb(r.value);
    const back = readDtb(blob, 'deep.dtb');
    expect(back.diagnostics).toEqual([]);
    expect(Buffer.from(writeDtb(back.value)).equals(Buffer.from(blob))).toBe(true);
    let depth = 0;
    for (let n = back.value.root; n.children.length; n = n.children[0]!) depth++;
    expect(depth).toBe(10_000);
    const dts = printDts(r.value);
    expect(dts.endsWith('};\n')).toBe(true);
    expect(runChecks(r.value)).toEqual([]);
  });

  it('JSON of a 3,000-deep tree is flat (no nesting in the document)', () => {
    const j = treeToJson(compile(deepSource(3_000)).value);
    expect(j.nodes).toHaveLength(3_001);
    expect(j.nodes[3_000]!.path.split('/')).toHaveLength(3_001);
  });

  it('a DTB nested 10,000 deep is read and rewritten', () => {
    const blob = writeDtb(compile(deepSource(10_000)).value);
    const r = readDtb(blob, 'deep.dtb');
    expect(hasErrors(r.diagnostics)).toBe(false);
    expect(printDts(r.value).length).toBeGreaterThan(10_000);
  });

  it('runaway parentheses stop with a positioned error; long unary chains evaluate', () => {
    expect(errors('/dts-v1/;\n/ { p = <' + '('.repeat(5000) + '1' + ')'.repeat(5000) + '>; };')[0]).toMatch(/^in\.dts:2\.266-267: ERROR: expression nested deeper than 256 parentheses$/);
    const r = compile('/dts-v1/;\n/ { p = <(' + '-'.repeat(100_000) + '1)>; };');
    expect(r.diagnostics).toEqual([]);
    expect([...r.value.root.properties[0]!.value]).toEqual([0, 0, 0, 1]);
  });
});

describe('huge values', () => {
  it('a 1,000,000-cell property and an 8 MiB /incbin/', () => {
    const cells = Array.from({ length: 1_000_000 }, (_, i) => i).join(' ');
    const blob = new Uint8Array(8 << 20).fill(0xa5);
    const r = compileSource(`/dts-v1/;\n/ { p = <${cells}>; b = /incbin/("big.bin"); };`, '/x/in.dts', { readFile: (p) => (p === '/x/big.bin' ? blob : undefined) });
    expect(r.diagnostics).toEqual([]);
    expect(r.value.root.properties[0]!.value.length).toBe(4_000_000);
    expect(r.value.root.properties[1]!.value.length).toBe(8 << 20);
    const out = writeDtb(r.value);
    expect(out.length).toBeGreaterThan(12_000_000);
  });

  it('a 4 MiB string value and a 1 MiB node name go through every back end', () => {
    const name = 'n'.repeat(1 << 20);
    const r = compile(`/dts-v1/;\n/ { s = "${'x'.repeat(4 << 20)}"; ${name} { }; };`);
    expect(r.diagnostics).toEqual([]);
    const j = treeToJson(r.value);
    expect((j.nodes[0]!.properties[0]!.decoded[0]!.values[0] as string).length).toBe(4 << 20);
    expect(printDts(r.value).length).toBeGreaterThan(5 << 20);
    const back = readDtb(writeDtb(r.value));
    expect(back.value.root.children[0]!.name).toBe(name);
    expect(applyOverlay(back.value, back.value).diagnostics).toEqual([]);
  });
});

describe('malformed input is a positioned diagnostic', () => {
  it('a 0-byte file', () => {
    const r = loadDeviceTree('/x/empty.dts', { readFile: () => new Uint8Array(0), preprocess: false });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual(['/x/empty.dts:1.1: ERROR: empty input: a device tree source needs "/dts-v1/;" and a root node']);
  });

  it('a binary file without the FDT magic is read as source, as dtc reads it, and fails at its first byte', () => {
    const elf = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
    const r = loadDeviceTree('/x/prog', { readFile: () => elf });
    expect(r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual(['/x/prog:1.1-2: ERROR: missing "/dts-v1/;" header (dtc accepts only version 1 sources)']);
  });

  it('a truncated DTB names the offset', () => {
    const file = join(debianDtbDir(), 'arm', 'juno-r2.dtb');
    const whole = new Uint8Array(readFileSync(file));
    for (const cut of [39, 100, whole.length >> 1, whole.length - 1]) {
      const r = loadDeviceTree('juno.dtb', { readFile: () => whole.slice(0, cut) });
      expect(hasErrors(r.diagnostics)).toBe(true);
      const d = r.diagnostics.find((x) => x.severity === 'error')!;
      expect(d.file).toBe('juno.dtb');
      expect(d.byteOffset).toBeTypeOf('number');
    }
  });

  it('syntax errors stop at the first one with its position', () => {
    expect(errors('/dts-v1/;\n/ {')).toEqual(["in.dts:2.4: ERROR: syntax error: unexpected end of input, expecting a property, a node or '}'"]);
    expect(errors('/dts-v1/;\n/ { a = <1 2>; b { }; c = <3>; };')).toEqual(['in.dts:2.23-31: ERROR: Properties must precede subnodes']);
    expect(errors('/dts-v1/;\n/ { a = "unterminated; };')[0]).toBe('in.dts:2.9-26: ERROR (lexical): unterminated string');
    expect(errors('/dts-v1/;\n/* open')[0]).toBe('in.dts:2.1-8: ERROR (lexical): unterminated comment');
    expect(errors('/ { };')[0]).toMatch(/^in\.dts:1\.1-2: ERROR: missing "\/dts-v1\/;" header/);
  });

  it('value errors as dtc reports them, and the parse goes on', () => {
    expect(errors('/dts-v1/;\n/ { x = /bits/ 7 <1>; y = /bits/ 8 <256>; z = /bits/ 16 <&foo>; w = <(1/0)>; };')).toEqual([
      'in.dts:2.16-17: ERROR: Array elements must be 8, 16, 32 or 64-bits',
      'in.dts:2.37-40: ERROR: Value out of range for 8-bit array element',
      'in.dts:2.58-62: ERROR: References are only allowed in arrays with 32-bit elements.',
      'in.dts:2.71-74: ERROR: Division by zero',
    ]);
    expect(errors('/dts-v1/;\n/ { };\n&nolabel { };\n/delete-node/ &{/nopath};')).toEqual([
      'in.dts:3.1-9: ERROR (reference): Label or path nolabel not found',
      'in.dts:4.15-25: ERROR (reference): Label or path /nopath not found',
    ]);
  });

  it('/include/ of a missing file and an /include/ cycle', () => {
    const missing = compileSource('/dts-v1/;\n/include/ "nope.dtsi"\n/ { };', '/x/a.dts', noFiles);
    expect(missing.diagnostics.map(formatDiagnostic)[0]).toMatch(/^\/x\/a\.dts:2\.1-22: ERROR \(include\): Couldn't open "nope\.dtsi"/);
    const self = new TextEncoder().encode('/include/ "loop.dtsi"\n');
    const cyc = compileSource('/dts-v1/;\n/include/ "loop.dtsi"\n/ { };', '/x/a.dts', { readFile: (p) => (p.endsWith('loop.dtsi') ? self : undefined) });
    expect(cyc.diagnostics[0]!.message).toMatch(/nested deeper than 200/);
    expect(cyc.diagnostics[0]!.span!.file).toBe('/x/loop.dtsi');
    expect(cyc.diagnostics[0]!.span!.includedFrom!.length).toBe(200);
  });

  it('ill-formed UTF-8 in a source, an /include/d file or an #included one reads as U+FFFD, as each path decodes it alike', () => {
    // A stray continuation byte, a truncated sequence, an overlong form, a surrogate and a code point past
    // U+10FFFF, each in a comment and in a string.
    const bad = [[0x80], [0xe2, 0x82], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]];
    const body = (b: number[]) => [...new TextEncoder().encode('/* '), ...b, ...new TextEncoder().encode(' */\n/ { s = "'), ...b, ...new TextEncoder().encode('"; };\n')];
    for (const b of bad) {
      const inc = new Uint8Array(body(b));
      const files = { readFile: (p: string) => (p.endsWith('inc.dtsi') ? inc : undefined) };
      const viaDtc = compileSource('/dts-v1/;\n/include/ "inc.dtsi"\n', '/x/a.dts', files);
      const viaCpp = loadDeviceTree('/x/b.dts', { readFile: (p) => (p === '/x/b.dts' ? new TextEncoder().encode('/dts-v1/;\n#include "inc.dtsi"\n') : files.readFile(p)) });
      const whole = new Uint8Array([...new TextEncoder().encode('/dts-v1/;\n'), ...body(b)]);
      const plain = loadDeviceTree('/x/c.dts', { readFile: () => whole, preprocess: false });
      for (const r of [viaDtc, viaCpp, plain]) {
        expect(r.diagnostics.filter((d) => d.severity === 'error'), String(b)).toEqual([]);
        const s = r.value.root.properties.find((q) => q.name === 's')!;
        expect(new TextDecoder().decode(s.value), String(b)).toMatch(/^\ufffd+\0$/);
      }
    }
  });

  it('a diagnostic inside an #included file carries the include chain', () => {
    const file = join(fixtures, 'err-include-chain.dts');
    const r = loadDeviceTree(file, { readFile: readFileOrUndefined, includeDirs: [fixtures] });
    const d = r.diagnostics.find((x) => x.code === 'phandle_references')!;
    expect(d.span!.file).toBe(join(fixtures, 'err-include-chain.dtsi'));
    expect(d.span!.line).toBe(2);
    expect(d.span!.includedFrom).toEqual([{ file, line: 3 }]);
    expect(formatDiagnostic(d)).toContain(`included from ${file}:3`);
    expect(formatDiagnostic(d).split('\n')).toEqual([
      `${join(fixtures, 'err-include-chain.dtsi')}:2.11-4.4: ERROR (phandle_references): /consumer: Reference to non-existent node or label "no_such_clock"`,
      `  included from ${file}:3`,
    ]);
  });
});

describe('random damage never throws', () => {
  // A fixed-seed generator so a failure reproduces.
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;

  it('1,000 corrupted sources and 1,000 corrupted blobs give diagnostics, not exceptions', () => {
    const sources = ['lang-values.dts', 'lang-refs.dts', 'lang-edit.dts', 'lang-plugin.dts'].map((f) => readFileSync(join(fixtures, f), 'latin1'));
    for (let i = 0; i < 1000; i++) {
      let s = sources[i % sources.length]!;
      for (let k = 0, n = 1 + Math.floor(rnd() * 4); k < n; k++) {
        const p = Math.floor(rnd() * s.length);
        const op = rnd();
        if (op < 0.33) s = s.slice(0, p) + s.slice(p + 1 + Math.floor(rnd() * 5));
        else if (op < 0.66) s = s.slice(0, p) + '{};<>&/:"[]()-@#x0'[Math.floor(rnd() * 18)] + s.slice(p);
        else s = s.slice(0, p) + s.slice(Math.floor(rnd() * s.length));
      }
      const r = compileSource(s, 'f.dts', { ...noFiles, symbols: rnd() < 0.5 });
      const blob = writeDtb(r.value);
      printDts(r.value);
      treeToJson(r.value);
      runChecks(r.value);
      expect(hasErrors(readDtb(blob).diagnostics)).toBe(false);
    }
    const base = writeDtb(compileSource(sources[1]!, 'refs.dts', { ...noFiles, symbols: true }).value);
    for (let i = 0; i < 1000; i++) {
      const b = base.slice(0, rnd() < 0.3 ? Math.floor(rnd() * base.length) : base.length);
      for (let k = 0; k < 3; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const r = readDtb(b, 'bad.dtb');
      printDts(r.value);
      treeToJson(r.value);
      runChecks(r.value);
      writeDtb(r.value);
      applyOverlay(r.value, r.value);
      for (const d of r.diagnostics) expect(d.byteOffset).toBeTypeOf('number');
    }
  });
});
