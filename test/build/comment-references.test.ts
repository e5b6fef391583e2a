// Comments and docs that point at things: every path of this project a code comment or a document
// names exists, every function (`fooBar()`) or member (`Class.member`) a code comment names is a name
// in the code, and no code comment names an issue by number (which says nothing to a reader of the
// code). Paths of other projects that share a top folder name with ours are told apart by shape: the
// kernel's scripts/ (Makefile.lib, dtc/, kconfig/, .pl) and other projects' nested docs/ trees.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CODE_FOLDERS = ['engine', 'electron', 'renderer', 'cli', 'bin', 'build', 'scripts', 'bench', 'test'];
const SKIP = new Set(['node_modules', 'fixtures', '.cache', 'dist', 'out']);
const CODE = /\.(ts|mts|cts|js|mjs|cjs|vue|sh|py)$/;
/** This file names missing paths and issue numbers on purpose, in the examples its last test checks. */
const SELF = join('test', 'build', 'comment-references.test.ts');

function codeFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      if (SKIP.has(name)) continue;
      const rel = join(dir, name);
      if (statSync(join(root, rel)).isDirectory()) walk(rel);
      else if (CODE.test(name) && rel !== SELF) out.push(rel);
    }
  };
  for (const dir of CODE_FOLDERS) if (existsSync(join(root, dir))) walk(dir);
  return out;
}

function docFiles(): string[] {
  return ['README.md', 'test/lab/README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
}

/** A comment in script: // to the end of the line, or /* to *\/. */
const SCRIPT_COMMENT = /\/\/[^\n]*|\/\*[\s\S]*?\*\//g;

/** The comments of a source file: // and /* *\/ in script, # in shell and Python. */
function commentsOf(file: string, text: string): string[] {
  const re = /\.(sh|py)$/.test(file) ? /(?:^|\s)#[^\n]*/g : SCRIPT_COMMENT;
  return [...text.matchAll(re)].map((m) => m[0]);
}

const PATH = /(?<![\w./-])((?:engine|electron|renderer|cli|bin|build|scripts|bench|test|docs|resources|\.ci)\/[\w.@+-]+(?:\/[\w.@+-]+)*)/g;
const OUR_SCRIPTS = /^scripts\/(?:[\w.-]+\.(?:ts|mjs|cjs|sh)$|(?:catalog|lab|lib)(?:\/|$))/;

/** The paths of this project `text` names (trailing punctuation, and what another project's is, left out). */
function projectPaths(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PATH)) {
    const ref = m[1]!.replace(/[.,:;)]+$/, '');
    if (ref.endsWith('-')) continue; // a name pattern: test/fixtures/dts/bad-<name>.dts
    if (ref.startsWith('scripts/') && !OUR_SCRIPTS.test(ref)) continue; // the kernel's scripts/
    if (ref.startsWith('docs/') && ref.split('/').length > 2) continue; // ours is flat: Electron's, QEMU's docs
    out.push(ref);
  }
  return out;
}

/** Names of other projects' code that comments cite beside the file they come from. */
const FOREIGN_NAMES = new Set([
  'ClientSession', // labgrid's client, labgrid/remote/client.py
]);

/**
 * The code a comment names: a camelCase function called `fooBar()`, or `Class.member`, each as its
 * names. The kernel's functions are snake_case, so they are not taken for ours.
 */
function namedCode(comment: string): string[][] {
  const out: string[][] = [];
  for (const m of comment.matchAll(/(?<![\w.$/-])([a-z][a-z0-9]*[A-Z]\w*)\(\)|(?<![\w.$/-])([A-Z][a-z]\w*)\.([a-z]\w*)\b/g)) {
    out.push(m[1] ? [m[1]] : [m[2]!, m[3]!]);
  }
  return out;
}

/** Whether `ref` exists from the project's root or from `file`'s folder; `{a,b}` alternatives are expanded. */
function exists(ref: string, file: string): boolean {
  const at = (p: string) => existsSync(join(root, p)) || existsSync(join(root, dirname(file), p));
  return at(ref) || at(ref.replace(/\.$/, ''));
}

describe('references in comments and docs', () => {
  it('every project path a code comment names exists', () => {
    const missing: string[] = [];
    for (const file of codeFiles()) {
      for (const comment of commentsOf(file, readFileSync(join(root, file), 'utf8'))) {
        for (const ref of projectPaths(comment)) if (!exists(ref, file)) missing.push(`${file}: ${ref}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every project path the README and docs name exists', () => {
    const missing: string[] = [];
    for (const file of docFiles()) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const ref of projectPaths(text)) {
        // `resources/demo/boot.{typescript,timing}` names two files
        if (text.includes(`${ref}.{`)) continue;
        if (!exists(ref, file)) missing.push(`${file}: ${ref}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every camelCase function and Class.member a code comment names is a name in the code', () => {
    const files = codeFiles();
    const texts = files.map((f) => readFileSync(join(root, f), 'utf8'));
    const names = new Set<string>();
    for (const t of texts) for (const m of t.replace(SCRIPT_COMMENT, '').matchAll(/[A-Za-z_$][\w$]*/g)) names.add(m[0]);
    const missing: string[] = [];
    files.forEach((file, i) => {
      for (const comment of commentsOf(file, texts[i]!)) {
        for (const ref of namedCode(comment)) if (!ref.every((n) => names.has(n) || FOREIGN_NAMES.has(n))) missing.push(`${file}: ${ref.join('.')}`);
      }
    });
    expect(missing).toEqual([]);
  });

  it('no code comment names an issue by number', () => {
    const found: string[] = [];
    for (const file of codeFiles()) {
      for (const comment of commentsOf(file, readFileSync(join(root, file), 'utf8'))) {
        for (const m of comment.matchAll(/\b[Ii]ssues?\s*#?\d+|\(#\d+\)/g)) found.push(`${file}: ${m[0]}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('tells the project\'s paths and names from other projects\', and finds a missing one', () => {
    expect(projectPaths('see cli/io.ts, engine/devicetree/nope.ts and docs/kernel-model.md.')).toEqual(['cli/io.ts', 'engine/devicetree/nope.ts', 'docs/kernel-model.md']);
    expect(exists('cli/io.ts', 'x.ts')).toBe(true);
    expect(exists('engine/devicetree/nope.ts', 'x.ts')).toBe(false);
    // The kernel's scripts/ and Electron's docs are not ours; our scripts/lab/ and a file in scripts/ are.
    expect(projectPaths('scripts/Makefile.lib scripts/dtc/include-prefixes docs/tutorial/security.md')).toEqual([]);
    expect(projectPaths('scripts/lab/score.ts scripts/bench.mjs scripts/nothere.ts')).toEqual(['scripts/lab/score.ts', 'scripts/bench.mjs', 'scripts/nothere.ts']);
    expect(commentsOf('a.ts', "const u = 1; // cli/io.ts\n/* engine/x.ts */ const s = 'test/y.ts';")).toEqual(['// cli/io.ts', '/* engine/x.ts */']);
    expect(commentsOf('a.sh', 'echo hi # bin/bringup.cjs\n')).toEqual([' # bin/bringup.cjs']);
    expect(namedCode('// SessionRecorder.resume, then isBundleFresh() as of_iommu_configure() does')).toEqual([['SessionRecorder', 'resume'], ['isBundleFresh']]);
  });
});
