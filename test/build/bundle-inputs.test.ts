// build/bundle-inputs.cjs, the record of what each bundle was built from, and the start-up check against
// it (isBundleFresh in bin/bringup.cjs, made in a source checkout): up to date only while the bundle is
// newer than every input and every folder holding one; anything it cannot read or find counts as out of
// date. The launcher itself, rebuilding through esbuild, is test/cli/startup.test.ts.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { writeBundleInputs } = require('../../build/bundle-inputs.cjs') as {
  writeBundleInputs(o: { root: string; outDir: string; metafile: { outputs: Record<string, { inputs: Record<string, unknown> }> }; alsoFrom?: string[] }): void;
};
const { isBundleFresh } = require('../../bin/bringup.cjs') as { isBundleFresh(root: string, outDir: string, bundle: string): boolean };

let root = '';
let outDir = '';
const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);
const T = 1_700_000_000; // a fixed time: the bundle is written at T, sources before it

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bundle-inputs-'));
  outDir = join(root, '.cache', 'b');
  mkdirSync(join(root, 'src', 'lib'), { recursive: true });
  mkdirSync(join(outDir, 'commands'), { recursive: true });
  writeFileSync(join(root, 'src', 'a.ts'), 'export {};\n');
  writeFileSync(join(root, 'src', 'lib', 'b.ts'), 'export {};\n');
  writeFileSync(join(root, 'config.mjs'), '\n');
  writeFileSync(join(outDir, 'commands', 'a.cjs'), '');
  writeFileSync(join(outDir, 'whole.cjs'), '');
  // esbuild's metafile, as built with absWorkingDir root: outputs and inputs relative to it
  writeBundleInputs({
    root,
    outDir,
    metafile: {
      outputs: {
        '.cache/b/commands/a.cjs': { inputs: { 'src/a.ts': {} } },
        '.cache/b/commands/a.cjs.map': { inputs: {} },
        '.cache/b/whole.cjs': { inputs: { 'src/a.ts': {}, 'src/lib/b.ts': {}, '<runtime>': {} } },
      },
    },
    alsoFrom: [join(root, 'config.mjs')],
  });
  for (const p of ['src/a.ts', 'src/lib/b.ts', 'config.mjs', 'src', 'src/lib', '.']) at(join(root, p), T - 100);
  for (const p of ['commands/a.cjs', 'whole.cjs']) at(join(outDir, p), T);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('bundle inputs', () => {
  it('records each bundle with its own real input files and the build configuration, maps left out', () => {
    const record = JSON.parse(readFileSync(join(outDir, 'inputs.json'), 'utf8'));
    expect(record).toEqual({ 'commands/a.cjs': ['config.mjs', 'src/a.ts'], 'whole.cjs': ['config.mjs', 'src/a.ts', 'src/lib/b.ts'] });
    expect(isBundleFresh(root, outDir, 'commands/a.cjs')).toBe(true);
    expect(isBundleFresh(root, outDir, 'whole.cjs')).toBe(true);
  });

  it('is out of date after an edit to an input of that bundle, and only that bundle', () => {
    at(join(root, 'src', 'lib', 'b.ts'), T + 1);
    expect(isBundleFresh(root, outDir, 'whole.cjs')).toBe(false);
    expect(isBundleFresh(root, outDir, 'commands/a.cjs')).toBe(true);
    at(join(root, 'config.mjs'), T + 1);
    expect(isBundleFresh(root, outDir, 'commands/a.cjs')).toBe(false);
  });

  it('is out of date when a file is added or removed beside an input, or an input is gone', () => {
    writeFileSync(join(root, 'src', 'index.ts'), ''); // beside src/a.ts
    at(join(root, 'src'), T + 1);
    expect(isBundleFresh(root, outDir, 'commands/a.cjs')).toBe(false);
    at(join(root, 'src'), T - 100);
    expect(isBundleFresh(root, outDir, 'commands/a.cjs')).toBe(true);
    rmSync(join(root, 'src', 'lib', 'b.ts'));
    at(join(root, 'src', 'lib'), T - 100); // the file alone is gone, its folder looks untouched
    expect(isBundleFresh(root, outDir, 'whole.cjs')).toBe(false);
  });

  it('is out of date with no record, a damaged record, no entry for the bundle, or no bundle', () => {
    expect(isBundleFresh(root, outDir, 'commands/other.cjs')).toBe(false);
    rmSync(join(outDir, 'whole.cjs'));
    expect(isBundleFresh(root, outDir, 'whole.cjs')).toBe(false);
    writeFileSync(join(outDir, 'inputs.json'), '{"commands/a.cjs": ');
    expect(isBundleFresh(root, outDir, 'commands/a.cjs')).toBe(false);
    rmSync(join(outDir, 'inputs.json'));
    expect(isBundleFresh(root, outDir, 'commands/a.cjs')).toBe(false);
  });
});
