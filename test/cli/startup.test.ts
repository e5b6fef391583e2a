// The `bringup` launcher (bin/bringup.cjs and .mjs, build/node-bundle.mjs and bundle-inputs.cjs), by
// behaviour, never by time: the bundled CLI prints and exits exactly as the TypeScript sources run
// directly; each command runs from a bundle of its own that holds no other command; a source checkout
// rebuilds a bundle whose inputs changed and an installed copy does not look; the V8 code cache is used
// when valid, ignored then rewritten when corrupt, foreign or refused by V8, and filled in by a command's
// first complete runs; starts that rebuild at the same moment all run.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
let tmp = '';
let copy = ''; // a checkout of the CLI's files, so its sources and .cache can change without touching this tree

interface Run {
  status: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

function bin(checkout: string, ...args: string[]): Run {
  return spawnSync(process.execPath, [join(checkout, 'bin', 'bringup.mjs'), ...args], { cwd: root, maxBuffer: 1 << 28 });
}

/** package.json's bin, the launcher bin/bringup.mjs imports. */
function binCjs(checkout: string, ...args: string[]): Run {
  return spawnSync(process.execPath, [join(checkout, 'bin', 'bringup.cjs'), ...args], { cwd: root, maxBuffer: 1 << 28 });
}

function fromSource(...args: string[]): Run {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli', 'bringup.ts'), ...args], { cwd: root, maxBuffer: 1 << 28 });
}

const bundleInputs = (checkout: string) => JSON.parse(readFileSync(join(checkout, '.cache', 'bringup', 'inputs.json'), 'utf8')) as Record<string, string[]>;
const buildId = (checkout: string) => readFileSync(join(checkout, '.cache', 'bringup', 'bringup.cjs'), 'utf8').split('\n', 1)[0];
/** The JSON header line of a code cache file. */
const cacheHeader = (bytes: Buffer) => JSON.parse(bytes.subarray(0, bytes.indexOf(10)).toString()) as { runs: number; length: number };
const cacheFiles = (checkout: string) => {
  const dir = join(checkout, '.cache', 'bringup', 'code-cache');
  return existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [];
};

/** Makes `file` newer than the bundle, whatever the file system's timestamp granularity. */
function edit(file: string, from: string, to: string, checkout: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
  const t = statSync(join(checkout, '.cache', 'bringup', 'bringup.cjs')).mtimeMs / 1000 + 5;
  utimesSync(file, t, t);
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bringup-startup-'));
  copy = join(tmp, 'checkout');
  for (const d of ['bin', 'build', 'cli', 'engine', 'resources', 'electron/common', 'electron/services']) cpSync(join(root, d), join(copy, d), { recursive: true });
  cpSync(join(root, 'package.json'), join(copy, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  mkdirSync(join(copy, '.git')); // what makes it a source checkout to the launcher
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const fx = 'test/fixtures';
const config = 'resources/demo/config-6.1.0-57-arm64';
const cases: string[][] = [
  ['dt', `${fx}/dts/lang-refs.dts`, '-E'],
  ['dt', 'resources/demo/board.dts', '-O', 'json'],
  ['dt', 'resources/demo/board.dts', '-O', 'dtb', '-o', '/dev/stdout'],
  ['dt', `${fx}/dts/bad-duplicate_label.dts`],
  ['dt', 'no-such-board.dts'],
  ['dt', '-O', 'xml', 'resources/demo/board.dts'],
  ['predict', 'resources/demo/board.dts', '--config', config],
  ['predict', 'resources/demo/board.dts', '--config', config, '--json'],
  ['parse-log', 'resources/demo/boot.typescript'],
  ['parse-log', 'resources/demo/boot.typescript', '--json'],
  ['compare', 'resources/demo/board.dts', 'resources/demo/boot.typescript', '--config', config],
  [],
  ['--help'],
  ['no-such-command'],
  ['predict', '--help'],
];

describe('bringup launcher', () => {
  it('the bundle prints and exits exactly as the sources run with tsx, with and without its code cache', () => {
    for (const args of cases) {
      const want = fromSource(...args);
      // Twice: the first run of a command writes its code cache, the second runs from it.
      for (const got of [bin(copy, ...args), binCjs(copy, ...args)]) {
        expect({ args, status: got.status }).toEqual({ args, status: want.status });
        expect(got.stdout.equals(want.stdout), `stdout of bringup ${args.join(' ')}`).toBe(true);
        expect(got.stderr.toString()).toBe(want.stderr.toString());
      }
    }
    expect(cacheFiles(copy).length).toBeGreaterThan(0);
  }, 300_000);

  it('rebuilds a stale bundle in a source checkout, and only then', () => {
    bin(copy, '--help');
    const first = buildId(copy);
    expect(bin(copy, '--help').status).toBe(0);
    expect(buildId(copy)).toBe(first); // nothing changed: no rebuild

    edit(join(copy, 'engine', 'devicetree', 'dts-print.ts'), "'/dts-v1/;\\n\\n'", "'/dts-v1/; /* edited */\\n\\n'", copy);
    const r = bin(copy, 'dt', `${fx}/dts/lang-refs.dts`, '-E', '-q');
    expect(r.status).toBe(0);
    expect(r.stdout.toString().startsWith('/dts-v1/; /* edited */\n')).toBe(true);
    expect(buildId(copy)).not.toBe(first);
  }, 120_000);

  it('six starts at once after a source edit all rebuild and run, and leave one build behind', async () => {
    bin(copy, 'dt', `${fx}/dts/lang-refs.dts`, '-E', '-q'); // a cache for the build about to be replaced
    const before = cacheFiles(copy);
    expect(before.length).toBeGreaterThan(0);
    const out = join(copy, '.cache');
    mkdirSync(join(out, 'bringup.tmp-999999', 'commands'), { recursive: true }); // left by a build that died
    edit(join(copy, 'engine', 'devicetree', 'dts-print.ts'), "'/dts-v1/;", "'/dts-v1/; /* again */", copy);
    const start = () =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn(process.execPath, [join(copy, 'bin', 'bringup.cjs'), 'dt', `${fx}/dts/lang-refs.dts`, '-E', '-q'], { cwd: root });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d));
        child.stderr.on('data', (d: Buffer) => (stderr += d));
        child.on('close', (code) => done({ code, stdout, stderr }));
      });
    const runs = await Promise.all(Array.from({ length: 6 }, start));
    for (const r of runs) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.startsWith('/dts-v1/; /* again */')).toBe(true);
    }
    expect(readdirSync(out).filter((n) => n.startsWith('bringup.tmp-'))).toEqual([]);
    // The replaced build's caches are gone. (A start that ran a build which a racing one then replaced
    // writes its cache as it exits; the next build removes that one.)
    for (const f of before) expect(existsSync(f)).toBe(false);
    // The edit is in the build now: dated before it, so the next test starts from a fresh bundle.
    const built = statSync(join(out, 'bringup', 'bringup.cjs')).mtimeMs / 1000 - 1;
    utimesSync(join(copy, 'engine', 'devicetree', 'dts-print.ts'), built, built);
  }, 120_000);

  it('rebuilds when a file is added beside an input or the record of inputs is gone, not for another command\'s sources', () => {
    const dt = ['dt', `${fx}/dts/lang-refs.dts`, '-E', '-q'];
    expect(bin(copy, ...dt).status).toBe(0);
    const first = buildId(copy);
    expect(bin(copy, ...dt).status).toBe(0);
    expect(buildId(copy)).toBe(first);

    // predict's sources are no input of dt's bundle: dt runs the bundle it has, predict rebuilds.
    edit(join(copy, 'cli', 'commands', 'predict.ts'), '// `bringup predict ', '// `bringup predict (edited) ', copy);
    expect(bin(copy, ...dt).status).toBe(0);
    expect(buildId(copy)).toBe(first);
    expect(bin(copy, 'predict', '--help').status).toBe(0);
    const second = buildId(copy);
    expect(second).not.toBe(first);

    // A new file in a folder dt's bundle was built from can change what an import there resolves to.
    const added = join(copy, 'engine', 'devicetree', 'added-by-test.ts');
    writeFileSync(added, 'export {};\n');
    const t = statSync(join(copy, '.cache', 'bringup', 'bringup.cjs')).mtimeMs / 1000 + 5;
    utimesSync(join(copy, 'engine', 'devicetree'), t, t);
    expect(bin(copy, ...dt).status).toBe(0);
    const third = buildId(copy);
    expect(third).not.toBe(second);
    rmSync(added);

    rmSync(join(copy, '.cache', 'bringup', 'inputs.json'));
    expect(bin(copy, ...dt).status).toBe(0);
    expect(buildId(copy)).not.toBe(third);
  }, 120_000);

  it('runs each command from a bundle of its own: no other command, and for dt neither the services nor an ES module', () => {
    expect(bin(copy, '--help').status).toBe(0);
    const inputs = bundleInputs(copy);
    const index = readFileSync(join(root, 'cli', 'commands', 'index.ts'), 'utf8');
    const registered = [...index.matchAll(/registerCommand\('([a-z-]+)', async \(\) => \(await import\('\.\/([a-z-]+)'\)\)\.command\);/g)];
    expect(registered.length).toBeGreaterThan(0);
    for (const [, name, module] of registered) {
      // The entry registers the very module cli/commands/index.ts does, under the same name.
      const entry = readFileSync(join(root, 'cli', 'entries', `${name}.ts`), 'utf8');
      expect(entry).toContain(`registerCommand('${name}', async () => (await import('../commands/${module}')).command);`);
      const own = inputs[`commands/${name}.cjs`];
      expect(own, name).toContain(`cli/commands/${module}.ts`);
      const others = registered.map(([, , m]) => `cli/commands/${m}.ts`).filter((f) => f !== `cli/commands/${module}.ts`);
      expect(own.filter((f) => others.includes(f)), name).toEqual([]);
    }
    expect(readdirSync(join(root, 'cli', 'entries')).sort()).toEqual(registered.map(([, name]) => `${name}.ts`).sort());

    // Node's own list of the built-in modules it loaded: a plain compile spawns nothing and imports no ES module.
    const loaded = join(tmp, 'loaded.txt');
    const preload = join(tmp, 'record-loaded.cjs');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, process.moduleLoadList.join('\\n')));\n`);
    const r = spawnSync(process.execPath, ['--require', preload, join(copy, 'bin', 'bringup.cjs'), 'dt', `${fx}/dts/lang-refs.dts`, '-E', '-q', '-o', join(tmp, 'out.dts')], { cwd: root });
    expect(r.status).toBe(0);
    const modules = readFileSync(loaded, 'utf8').split('\n');
    expect(modules).toContain('NativeModule vm'); // the list is the launcher's run
    for (const m of ['NativeModule child_process', 'NativeModule os', 'NativeModule internal/modules/esm/module_job']) expect(modules, m).not.toContain(m);
    // Its V8 flags are set without node:v8, which brings node:stream and its internals with it.
    for (const m of ['NativeModule v8', 'NativeModule stream']) expect(modules, m).not.toContain(m);
  }, 120_000);

  it('sets its V8 flags without a deprecation warning, and through node:v8 on a Node without process.binding', () => {
    const args = [join(copy, 'bin', 'bringup.cjs'), 'dt', `${fx}/dts/lang-refs.dts`, '-O', 'dtb', '-q'];
    const plain = spawnSync(process.execPath, args, { cwd: root });
    expect(plain.status, plain.stderr.toString()).toBe(0);
    expect(plain.stdout.length).toBeGreaterThan(100);
    // A deprecation would be an error here, and printed.
    const strict = spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, NODE_OPTIONS: '--throw-deprecation --pending-deprecation' } });
    expect(strict.stderr.toString()).toBe('');
    expect(strict.status).toBe(0);
    expect(strict.stdout.equals(plain.stdout)).toBe(true);
    // A Node whose process.binding is gone.
    const loaded = join(tmp, 'loaded-no-binding.txt');
    const preload = join(tmp, 'no-binding.cjs');
    writeFileSync(
      preload,
      `process.binding = () => { throw new Error('No such module'); };\n` +
        `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, process.moduleLoadList.join('\\n')));\n`,
    );
    const without = spawnSync(process.execPath, ['--require', preload, ...args], { cwd: root });
    expect(without.stderr.toString()).toBe('');
    expect(without.status).toBe(0);
    expect(without.stdout.equals(plain.stdout)).toBe(true);
    expect(readFileSync(loaded, 'utf8').split('\n')).toContain('NativeModule v8');
  }, 120_000);

  it('an installed copy (no .git) runs the bundle it has without walking the sources, and builds one if it has none', () => {
    const installed = join(tmp, 'installed');
    cpSync(copy, installed, { recursive: true, verbatimSymlinks: true });
    rmSync(join(installed, '.git'), { recursive: true });
    expect(bin(installed, '--help').status).toBe(0);
    const id = buildId(installed);
    edit(join(installed, 'cli', 'main.ts'), "'usage: bringup <command> [options]'", "'usage: edited'", installed);
    expect(bin(installed, '--help').stdout.toString()).toMatch(/^usage: bringup <command>/);
    expect(buildId(installed)).toBe(id);

    rmSync(join(installed, '.cache'), { recursive: true });
    expect(bin(installed, '--help').stdout.toString()).toMatch(/^usage: edited/);
  }, 120_000);

  it('a cache written by a run that did little (help, an error) is filled in by the complete runs that follow, up to four, then kept', () => {
    const header = (f: string) => cacheHeader(readFileSync(f));
    const dtCache = () => cacheFiles(copy).find((f) => f.includes('/dt-'));
    for (const f of cacheFiles(copy)) rmSync(f);
    expect(bin(copy, 'dt', '--help').status).toBe(0);
    const partial = header(dtCache()!);
    expect(partial.runs).toBe(0);
    expect(bin(copy, 'dt', 'resources/demo/board.dts', '-O', 'bogus').status).toBe(2); // a usage error: still partial
    expect(header(dtCache()!)).toEqual(partial);

    const out = join(tmp, 'partial-cache.dtb');
    expect(bin(copy, 'dt', 'resources/demo/board.dts', '-O', 'dtb', '-o', out).status).toBe(0);
    const first = header(dtCache()!);
    expect(first.runs).toBe(1);
    expect(first.length).toBeGreaterThan(partial.length);

    // The demo board has no #include or macro: a source that has them makes the run compile the
    // preprocessor's directive and expansion paths, and the cache keeps them with the demo board's.
    const src = mkdtempSync(join(tmp, 'merge-'));
    writeFileSync(join(src, 'pins.h'), '#define PIN(bank, n) (((bank) << 5) | (n))\n');
    writeFileSync(join(src, 'b.dts'), '#include "pins.h"\n/dts-v1/;\n/ { a: a { pin = <PIN(2, 7)>; }; b { ref = <&a>; }; };\n');
    expect(bin(copy, 'dt', join(src, 'b.dts'), '-O', 'dtb', '-o', out).status).toBe(0);
    const merged = header(dtCache()!);
    expect(merged.runs).toBe(2);
    expect(merged.length).toBeGreaterThan(first.length + (first.length >> 5));

    expect(bin(copy, 'dt', 'resources/demo/board.dts', '-O', 'dtb', '-o', out).status).toBe(0);
    expect(bin(copy, 'dt', join(src, 'b.dts'), '-O', 'dtb', '-o', out).status).toBe(0);
    expect(header(dtCache()!).runs).toBe(4);
    const written = readFileSync(dtCache()!);
    expect(bin(copy, 'dt', '--help').status).toBe(0);
    expect(bin(copy, 'dt', 'resources/demo/board.dts', '-O', 'dtb', '-o', out).status).toBe(0);
    expect(readFileSync(dtCache()!).equals(written)).toBe(true);
  }, 120_000);

  it('ignores a corrupt, truncated or foreign code cache, prints the same, and writes a good one', () => {
    const args = ['parse-log', 'resources/demo/boot.typescript'];
    const want = bin(copy, ...args);
    bin(copy, ...args);
    const file = cacheFiles(copy).find((f) => f.includes('parse-log-'));
    expect(file).toBeDefined();
    const good = readFileSync(file!);
    const nl = good.indexOf(10);
    const header = JSON.parse(good.subarray(0, nl).toString());
    expect(header).toMatchObject({ node: process.version, arch: process.arch, length: good.length - nl - 1 });

    const flipped = Buffer.from(good);
    flipped[nl + 1 + ((good.length - nl) >> 1)]! ^= 0xff;
    const foreign = Buffer.concat([Buffer.from(JSON.stringify({ ...header, node: 'v0.0.0', v8: '0.0' }) + '\n'), good.subarray(nl + 1)]);
    const garbage = Buffer.from('\x00\x01 not a cache at all');
    for (const bad of [flipped, good.subarray(0, good.length >> 1), foreign, garbage, Buffer.alloc(0)]) {
      writeFileSync(file!, bad);
      const got = bin(copy, ...args);
      expect(got.status).toBe(want.status);
      expect(got.stdout.equals(want.stdout)).toBe(true);
      expect(got.stderr.toString()).toBe(want.stderr.toString());
      const rewritten = readFileSync(file!);
      expect(JSON.parse(rewritten.subarray(0, rewritten.indexOf(10)).toString())).toMatchObject({ node: process.version, length: rewritten.length - rewritten.indexOf(10) - 1 });
    }
  }, 120_000);
});

describe('the code cache (runCommonJs in bin/bringup.cjs)', () => {
  const codeCache = join(root, 'bin', 'bringup.cjs');
  /** A bundle as build/node-bundle.mjs writes one: an optional `// build <id>` line, then a function of the module wrapper's parameters. */
  const wrapped = (buildLine: string, body: string) =>
    `${buildLine ? `${buildLine}\n` : ''}(function (exports, require, module, __filename, __dirname) {${body}\n})\n`;
  /** Runs `script` through runCommonJs in a fresh Node; returns the cache state and what the script printed. */
  function run(script: string, cacheDir: string, prelude = '', complete = true): { state: string; out: string } {
    const code = `import launcher from ${JSON.stringify(codeCache)}; const { runCommonJs, writeCodeCache } = launcher; ${prelude}
      const state = runCommonJs(${JSON.stringify(script)}, { cacheDir: ${JSON.stringify(cacheDir)}, key: 'k', isComplete: () => ${complete} });
      process.stderr.write(state);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return { state: r.stderr, out: r.stdout };
  }

  it('uses a cache it wrote, and takes one V8 refuses (another script\'s, or a damaged one) as no cache', () => {
    const dir = mkdtempSync(join(tmp, 'cc-'));
    const script = join(dir, 'b.cjs');
    const build = '0123abcd-0000-4000-8000-000000000001';
    writeFileSync(script, wrapped(`// build ${build}`, `'use strict';\nconst f = (n) => (n < 2 ? n : f(n - 1) + f(n - 2));\nconsole.log(f(20), typeof require, __filename.endsWith('b.cjs'));`));
    const caches = join(dir, 'cache');
    expect(run(script, caches)).toEqual({ state: 'none', out: '6765 function true\n' });
    expect(run(script, caches)).toEqual({ state: 'used', out: '6765 function true\n' });

    // A well-formed file for this build and Node whose payload belongs to another script: V8 refuses it.
    const [file] = readdirSync(caches);
    const other = `new (await import('node:vm')).Script('(function(){ return 1 + 1 })').createCachedData()`;
    run(script, join(dir, 'unused'), `writeCodeCache(${JSON.stringify(join(caches, file!))}, ${JSON.stringify(build)}, ${other});`);
    expect(run(script, caches)).toEqual({ state: 'rejected', out: '6765 function true\n' });
    expect(run(script, caches)).toEqual({ state: 'used', out: '6765 function true\n' });

    // A flipped bit in the payload, header intact: V8's checksum refuses it rather than running it.
    const good = readFileSync(join(caches, file!));
    const nl = good.indexOf(10);
    const flipped = Buffer.from(good);
    flipped[nl + 1 + ((good.length - nl) >> 1)]! ^= 0x10;
    writeFileSync(join(caches, file!), flipped);
    expect(run(script, caches)).toEqual({ state: 'rejected', out: '6765 function true\n' });
    expect(run(script, caches)).toEqual({ state: 'used', out: '6765 function true\n' });
  });

  it('marks a cache from an incomplete run partial: used, and filled in by the first complete run', () => {
    const dir = mkdtempSync(join(tmp, 'cc-'));
    const script = join(dir, 'b.cjs');
    writeFileSync(script, wrapped('// build 0123abcd-0000-4000-8000-000000000003', `'use strict';\nconsole.log('ran');`));
    const caches = join(dir, 'cache');
    expect(run(script, caches, '', false)).toEqual({ state: 'none', out: 'ran\n' });
    expect(run(script, caches, '', false)).toEqual({ state: 'partial', out: 'ran\n' });
    expect(run(script, caches, '', true)).toEqual({ state: 'partial', out: 'ran\n' });
    expect(run(script, caches, '', false)).toEqual({ state: 'used', out: 'ran\n' });
    expect(run(script, caches, '', true)).toEqual({ state: 'used', out: 'ran\n' });
  });

  it('adds what each of the first four complete runs compiled to the cache, then leaves it as it is', () => {
    const dir = mkdtempSync(join(tmp, 'cc-'));
    const script = join(dir, 'b.cjs');
    // Two functions, of which a run calls one: V8 compiles the other only when a run calls it.
    const body = (name: string) => `function ${name}() { let s = 0; ${Array.from({ length: 40 }, (_, i) => `s += ${i} * (s ^ ${i + 1});`).join(' ')} return '${name}' + s; }`;
    writeFileSync(script, wrapped('// build 0123abcd-0000-4000-8000-000000000004', `'use strict';\n${body('one')}\n${body('two')}\nconsole.log(globalThis.which === 'two' ? two() : one());`));
    const caches = join(dir, 'cache');
    const cache = () => readFileSync(join(caches, readdirSync(caches)[0]!));
    const header = () => cacheHeader(cache());
    const one = run(script, caches).out;
    expect(header().runs).toBe(1);
    const onlyOne = header().length;
    const two = run(script, caches, `globalThis.which = 'two';`);
    expect(two.state).toBe('used');
    expect(two.out).not.toBe(one);
    expect(header()).toMatchObject({ runs: 2 });
    expect(header().length).toBeGreaterThan(onlyOne + 100);
    // Both now come from the cache: V8 takes it, and each prints what it printed compiled from source.
    expect(run(script, caches, `globalThis.which = 'two';`)).toEqual(two);
    expect(run(script, caches)).toEqual({ state: 'used', out: one });
    expect(header().runs).toBe(4);
    const kept = cache();
    expect(run(script, caches, `globalThis.which = 'two';`)).toEqual(two);
    expect(cache().equals(kept)).toBe(true);
  });

  it('after those four, a run that compiled what the cache lacks adds it, and a run that did not leaves the file be', () => {
    // Four small runs first (a test suite's fixtures), then the larger one that takes other paths: one
    // complete run in sixteen rechecks at random; BRINGUP_CODE_CACHE_RECHECK=always makes it every run.
    const dir = mkdtempSync(join(tmp, 'cc-'));
    const script = join(dir, 'b.cjs');
    const body = (name: string) => `function ${name}() { let s = 0; ${Array.from({ length: 40 }, (_, i) => `s += ${i} * (s ^ ${i + 1});`).join(' ')} return '${name}' + s; }`;
    writeFileSync(script, wrapped('// build 0123abcd-0000-4000-8000-000000000005', `'use strict';\n${body('one')}\n${body('two')}\nconsole.log(globalThis.which === 'two' ? two() : one());`));
    const caches = join(dir, 'cache');
    const cache = () => readFileSync(join(caches, readdirSync(caches)[0]!));
    const always = `process.env.BRINGUP_CODE_CACHE_RECHECK = 'always';`;
    for (let i = 0; i < 4; i++) run(script, caches);
    expect(cacheHeader(cache()).runs).toBe(4);
    const small = cache();
    // The same run again, rechecked: nothing new, the file is left as it is.
    run(script, caches, always);
    expect(cache().equals(small)).toBe(true);
    // An incomplete run is not rechecked at all.
    run(script, caches, `${always} globalThis.which = 'two';`, false);
    expect(cache().equals(small)).toBe(true);
    // The larger run: what it compiled is added.
    const two = run(script, caches, `${always} globalThis.which = 'two';`);
    expect(cacheHeader(cache()).runs).toBe(5);
    expect(cacheHeader(cache()).length).toBeGreaterThan(cacheHeader(small).length + 100);
    const grown = cache();
    expect(run(script, caches, `${always} globalThis.which = 'two';`)).toEqual(two);
    expect(cache().equals(grown)).toBe(true);
  });

  it('keeps no cache for a bundle without a build id, and survives a cache folder it cannot write', () => {
    const dir = mkdtempSync(join(tmp, 'cc-'));
    const script = join(dir, 'b.cjs');
    writeFileSync(script, wrapped('', `console.log('plain');`));
    expect(run(script, join(dir, 'cache'))).toEqual({ state: 'off', out: 'plain\n' });
    expect(existsSync(join(dir, 'cache'))).toBe(false);

    writeFileSync(script, wrapped('// build 0123abcd-0000-4000-8000-000000000002', `console.log('built');`));
    writeFileSync(join(dir, 'not-a-dir'), '');
    expect(run(script, join(dir, 'not-a-dir', 'cache'))).toEqual({ state: 'none', out: 'built\n' });
  });
});
