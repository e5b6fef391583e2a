// No input makes the preprocessor throw, hang or overflow the stack: random bytes, random token soup
// (seeded, reproducible), 10,000-deep nesting of conditionals, parentheses and macro arguments, and
// macros that grow exponentially (stopped by the output budget with a diagnostic).
import { describe, expect, it } from 'vitest';
import { pp, type Files } from '../../../support/preprocess';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SOUP = [
  '#define ', '#undef ', '#if ', '#ifdef ', '#ifndef ', '#elif ', '#else', '#endif', '#include "a.h"', '#include <b.h>',
  '#include_next <b.h>', '#line 7 "z"', '#error x', '#warning y', '#pragma once', '#pragma push_macro("F")',
  '#pragma pop_macro("F")', '#', '##', '#x', 'F', 'G', 'F(', 'G(x,', 'F(x) x ## x', 'G(a, ...) #a __VA_ARGS__', '(', ')', ',',
  '...', 'defined', 'defined(F)', '__LINE__', '__FILE__', '__COUNTER__', '__has_include("a.h")', '0x1f', '1', '0', "'a'",
  "'", '"', '"str"', '/*', '*/', '//', '\\\n', '\n', '\n', '\n', ' ', '\t', '+', '-', '/', '%', '<<', '>>', '?', ':', '&&',
  '||', '!', '~', '<', '>', '&label', '#address-cells = <1>;', '/dts-v1/;', '{', '}', ';', '\u00e9', '\0',
];

function soup(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += SOUP[Math.floor(r() * SOUP.length)]!;
  return s;
}

function noInternalError(files: Files) {
  const r = pp(files, 'main.dts', { includeDirs: ['.'], maxOutputTokens: 200_000, maxExpansionWork: 2_000_000 });
  const internal = r.diagnostics.filter((d) => d.code === 'internal');
  expect(internal, JSON.stringify(files).slice(0, 400)).toEqual([]);
  expect(typeof r.value).toBe('string');
}

describe('preprocess never throws, hangs or overflows', () => {
  it('on random bytes (2,000 inputs)', () => {
    const r = rng(1);
    for (let i = 0; i < 2000; i++) {
      const n = Math.floor(r() * 300);
      const b = new Uint8Array(n);
      for (let k = 0; k < n; k++) b[k] = r() < 0.5 ? 32 + Math.floor(r() * 95) : Math.floor(r() * 256);
      // half of them without NUL, so the lexer sees binary junk rather than just the NUL check
      if (i % 2) for (let k = 0; k < n; k++) if (b[k] === 0) b[k] = 10;
      noInternalError({ 'main.dts': b, 'a.h': b });
    }
  }, 60_000);

  it('on random token soup with includes (3,000 inputs)', () => {
    const r = rng(2);
    for (let i = 0; i < 3000; i++) {
      noInternalError({ 'main.dts': soup(r, 60), 'a.h': soup(r, 30), 'b.h': soup(r, 30) });
    }
  }, 90_000);

  it('10,000-deep #if nesting', () => {
    const r = pp({ 'main.dts': `${'#if 1\n'.repeat(10_000)}deep\n${'#endif\n'.repeat(10_000)}` });
    expect(r.diagnostics).toEqual([]);
    expect(r.value).toContain('deep');
    const open = pp({ 'main.dts': '#ifdef X\n'.repeat(10_000) });
    expect(open.diagnostics).toHaveLength(10_000);
    expect(open.diagnostics[0]!.message).toBe('unterminated #ifdef');
  });

  it('10,000-deep parentheses and unary operators in #if', () => {
    const r = pp({ 'main.dts': `#if ${'('.repeat(10_000)}1${')'.repeat(10_000)} && ${'- '.repeat(10_000)}1 == 1\nyes\n#endif\n` });
    expect(r.diagnostics).toEqual([]);
    expect(r.value).toContain('yes');
  });

  it('10,000-deep macro argument nesting, F(F(F(...))) and F((((...))))', () => {
    const r = pp({ 'main.dts': `#define F(x) x\n${'F('.repeat(10_000)}42${')'.repeat(10_000)}\nF(${'('.repeat(10_000)}${')'.repeat(10_000)})\n` });
    expect(r.diagnostics).toEqual([]);
    const lines = r.value.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines[0]!.trim()).toBe('42');
    expect(lines[1]!.replace(/\s/g, '')).toBe('('.repeat(10_000) + ')'.repeat(10_000));
  }, 30_000);

  it('exponential macros stop at the output budget with a diagnostic', () => {
    let src = '#define a0 x x\n';
    for (let i = 1; i < 60; i++) src += `#define a${i} a${i - 1} a${i - 1}\n`;
    const r = pp({ 'main.dts': `${src}a59\n` }, 'main.dts', { maxOutputTokens: 100_000 });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['output_limit']);
    expect(r.diagnostics[0]!.span).toMatchObject({ file: 'main.dts', line: 61 });
  });
});
