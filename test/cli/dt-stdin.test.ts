// `bringup dt` reads standard input with the same cap as a source file. `cat /dev/zero |
// bringup dt --batch -` used to read until memory ran out; now it, and `bringup dt -`, end with exit 1
// and a message naming the byte where the 4 MiB source limit was passed.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function bringup(args: string[], stdin: number | string): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, [join(root, 'bin', 'bringup.cjs'), 'dt', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    ...(typeof stdin === 'string' ? { input: stdin } : { stdio: [stdin, 'pipe', 'pipe'] }),
  });
}

function fromDevZero(args: string[]): ReturnType<typeof spawnSync> {
  const zero = openSync('/dev/zero', 'r');
  try {
    return bringup(args, zero);
  } finally {
    closeSync(zero);
  }
}

describe('bringup dt on standard input', () => {
  it('compiles a source from stdin (`-`)', () => {
    const r = bringup(['-'], '/dts-v1/;\n/ { model = "from stdin"; };\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('model = "from stdin";');
  });

  it('`-o -` writes to standard output, as dtc does, and makes no file named -', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bringup-dash-out-'));
    try {
      const r = spawnSync(process.execPath, [join(root, 'bin', 'bringup.cjs'), 'dt', '-', '-o', '-'], { cwd, input: '/dts-v1/;\n/ { model = "dash"; };\n', encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('model = "dash";');
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  for (const args of [['-'], ['--batch', '-']]) {
    it(`stops reading /dev/zero at the 4 MiB source limit: bringup dt ${args.join(' ')}`, () => {
      const t0 = Date.now();
      const r = fromDevZero(args);
      expect(r.signal).toBeNull();
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('-: standard input passed the 4194304-byte limit at byte 4194305; stopped reading');
      expect(Date.now() - t0).toBeLessThan(30_000);
    }, 90_000);
  }
});
