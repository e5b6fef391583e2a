// Differential testing against GNU cpp: seeded random macro programs (object- and function-like,
// #, ##, variadic, nested and unterminated invocations, odd spacing) must print the same tokens with
// the same spacing decisions on the same lines. BRINGUP_PP_FUZZ=N runs N programs (default 150).
import { describe, expect, it } from 'vitest';
import { firstDifference, rows } from '../../../support/cpp-compare';
import { cppStdout, pp } from '../../../support/preprocess';

function generator(seed: number) {
  let s = seed >>> 0;
  const r = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T,>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
  const names = ['A', 'B', 'C', 'F', 'G', 'H'];
  const atoms = ['x', 'y', '1', '0x2', '-', '+', '<', '>', '=', '.', ',', '(', ')', '"s"', "'c'", '/', '*', '&', '|', '#', '@', '$v', 'e', '5e', '.5'];
  const body = (params: string[]) => {
    const out: string[] = [];
    const n = Math.floor(r() * 6);
    for (let i = 0; i < n; i++) {
      const k = r();
      if (k < 0.25 && params.length) out.push(pick(params));
      else if (k < 0.35 && params.length) out.push(`#${pick(params)}`);
      else if (k < 0.45 && out.length) out.push('##');
      else if (k < 0.6) out.push(pick(names) + (r() < 0.5 ? `(${pick(atoms)})` : ''));
      else out.push(pick(atoms));
    }
    while (out[out.length - 1] === '##') out.pop();
    while (out[0] === '##') out.shift();
    return out.join(r() < 0.5 ? ' ' : '');
  };
  const invocation = (d: number): string => {
    const n = pick(names);
    if (r() < 0.3 || d > 3) return n;
    const args: string[] = [];
    for (let i = Math.floor(r() * 3); i > 0; i--) {
      args.push(r() < 0.4 ? invocation(d + 1) : pick(atoms).replace(/[(),]/g, 'q') + (r() < 0.3 ? ` ${pick(atoms).replace(/[(),]/g, 'w')}` : ''));
    }
    return `${n}(${args.join(r() < 0.5 ? ',' : ', ')})`;
  };
  return () => {
    let src = '';
    for (const n of names) {
      if (r() < 0.2) continue;
      const fl = r() < 0.6;
      const ps = fl ? ['a', 'b', 'c'].slice(0, Math.floor(r() * 3)) : [];
      const va = fl && r() < 0.3;
      const plist = fl ? `(${[...ps, ...(va ? ['...'] : [])].join(', ')})` : '';
      src += `#define ${n}${plist} ${body(va ? [...ps, '__VA_ARGS__'] : ps)}\n`;
    }
    for (let i = 0; i < 4; i++) src += `${invocation(0)}${r() < 0.3 ? '\n' : ' '}${invocation(0)}\n`;
    return src;
  };
}

describe('preprocess matches GNU cpp on random macro programs', () => {
  it('prints the same token stream for each program', () => {
    const n = Number(process.env.BRINGUP_PP_FUZZ ?? 150);
    const next = generator(20261124);
    const failures: string[] = [];
    for (let i = 0; i < n; i++) {
      const src = next();
      const files = { 'fuzz.dts': src };
      const theirs = rows(cppStdout(files, 'fuzz.dts'));
      expect(theirs.length).toBeGreaterThan(0);
      const diff = firstDifference(theirs, rows(pp(files, 'fuzz.dts').value));
      if (diff) failures.push(`${src}${diff}`);
    }
    expect(failures.slice(0, 2)).toEqual([]);
  }, 120_000);
});

describe('preprocess evaluates #if as GNU cpp does', () => {
  it('takes the same branch for random integer expressions (signedness, shifts, ternaries, errors)', () => {
    let s = 20261124;
    const r = () => { s = (s * 48271) % 2147483647; return s / 2147483647; };
    const pick = <T,>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
    const lits = ['0', '1', '2', '-1', '0u', '1u', '0xffffffffffffffff', '0x7fffffffffffffff', '9223372036854775807',
      '18446744073709551615u', "'a'", "'\\377'", "'ab'", '07', '0b101', '3L', '5ull', '63', '64', '-64', 'X', 'defined X', 'defined(Y)', 'Q'];
    const bin = ['+', '-', '*', '/', '%', '<<', '>>', '<', '>', '<=', '>=', '==', '!=', '&', '^', '|', '&&', '||', ','];
    const expr = (d: number): string => {
      const k = r();
      if (d > 3 || k < 0.3) return pick(lits);
      if (k < 0.45) return `${pick(['-', '+', '~', '!'])} ${expr(d + 1)}`;
      if (k < 0.55) return `(${expr(d + 1)})`;
      if (k < 0.65) return `${expr(d + 1)} ? ${expr(d + 1)} : ${expr(d + 1)}`;
      return `${expr(d + 1)} ${pick(bin)} ${expr(d + 1)}`;
    };
    const n = Number(process.env.BRINGUP_PP_FUZZ ?? 150) * 4;
    let src = '#define X 3\n#define Q (1 << 40)\n';
    for (let i = 0; i < n; i++) src += `#if ${expr(0)}\nT${i}\n#else\nF${i}\n#endif\n`;
    const files = { 'if.dts': src };
    const branches = (out: string) => out.split('\n').map((l) => l.trim()).filter((l) => /^[TF]\d+$/.test(l));
    const theirs = branches(cppStdout(files, 'if.dts'));
    expect(theirs).toHaveLength(n);
    expect(branches(pp(files, 'if.dts').value)).toEqual(theirs);
  });
});
