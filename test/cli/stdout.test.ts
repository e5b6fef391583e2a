// `bringup`'s standard output and error: written synchronously with fs.writeSync (cli/io.ts writeAllSync),
// never through process.stdout's stream. So a printing command loads no node:stream, net or tty; a reader
// that stops early (`| head`) ends the output quietly where the stream died with an EPIPE stack trace
// and exit 1; and a pipe another process made non-blocking, full while its reader waits, loses nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'bringup.cjs');
let tmp = '';
let big = '';

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bringup-stdout-'));
  big = join(tmp, 'big.dts');
  // A tree whose JSON (~260 KiB) is four times a Linux pipe's buffer.
  const nodes = Array.from({ length: 4000 }, (_, i) => `  n@${i.toString(16)} { compatible = "vendor,thing-${i}"; reg = <${i}>; };`);
  writeFileSync(big, `/dts-v1/;\n/ {\n  #address-cells = <1>;\n  #size-cells = <0>;\n${nodes.join('\n')}\n};\n`);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('bringup standard output', () => {
  it('a printing command loads none of the stream modules', () => {
    const loaded = join(tmp, 'loaded.txt');
    const preload = join(tmp, 'record-loaded.cjs');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, process.moduleLoadList.join('\\n')));\n`);
    // A first run builds the bundle if a source changed (esbuild loads streams of its own); the second is the one judged.
    expect(spawnSync(process.execPath, [bin, 'predict', '--help'], { cwd: root }).status).toBe(0);
    const r = spawnSync(process.execPath, ['--require', preload, bin, 'predict', 'resources/demo/board.dts', '--config', 'resources/demo/config-6.1.0-57-arm64'], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('reg-dummy');
    const modules = readFileSync(loaded, 'utf8').split('\n');
    expect(modules).toContain('NativeModule vm'); // the list is the launcher's run
    for (const m of ['NativeModule stream', 'NativeModule net', 'NativeModule tty']) expect(modules, m).not.toContain(m);
  });

  it('a reader that stops early ends the output quietly, with the command\'s own exit status', () => {
    const r = spawnSync('bash', ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} dt ${JSON.stringify(big)} -O json 2>${JSON.stringify(join(tmp, 'err.txt'))} | head -c 50 >/dev/null; echo "$\{PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(readFileSync(join(tmp, 'err.txt'), 'utf8')).toBe('');
    expect(r.stdout.trim()).toBe('0');
  });

  it('a full non-blocking pipe is waited on, and every byte arrives', () => {
    const whole = spawnSync(process.execPath, [bin, 'dt', big, '-O', 'json'], { maxBuffer: 1 << 24 });
    expect(whole.status).toBe(0);
    expect(whole.stdout.length).toBeGreaterThan(4 * 65536);
    // Python makes the pipe's write end O_NONBLOCK (Node has no fcntl) and reads only after a pause.
    const harness = [
      'import fcntl, os, subprocess, sys, time',
      'r, w = os.pipe()',
      'fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)',
      'p = subprocess.Popen(sys.argv[1:], stdout=w)',
      'os.close(w)',
      'time.sleep(1)',
      'data = b""',
      'while True:',
      '    chunk = os.read(r, 1 << 16)',
      '    if not chunk: break',
      '    data += chunk',
      'sys.stdout.buffer.write(data)',
      'sys.exit(p.wait())',
    ].join('\n');
    const r = spawnSync('python3', ['-c', harness, process.execPath, bin, 'dt', big, '-O', 'json'], { maxBuffer: 1 << 24 });
    expect(r.stderr.toString()).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.equals(whole.stdout)).toBe(true);
  });
});
