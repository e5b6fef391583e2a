// scripts/install-system-deps.sh's policy for `apt-get update` when a mirror is caught mid-sync. That
// state cannot be had on demand, so apt-get and dpkg-query are stand-ins on PATH here, each printing what
// the real one prints in that case (the lines are the ones a fresh machine here got from
// deb.debian.org) and logging its calls. The real apt runs at the top of every `npm test`.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = join(__dirname, '..', '..', 'scripts', 'install-system-deps.sh');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const PARTIAL = [
  'E: Failed to fetch http://deb.debian.org/debian-security/dists/bookworm-security/main/binary-armhf/Packages.xz  File has unexpected size (356624 != 356976). Mirror sync in progress? [IP: 203.0.113.80 80]',
  '   Hashes of expected file:',
  'E: Some index files failed to download. They have been ignored, or old ones used instead.',
].join('\n');
const OFFLINE = [
  "W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'",
  'E: Could not open file /var/lib/apt/lists/partial/x - open (13: Permission denied)',
].join('\n');

/**
 * Runs the installer for the `e2e` group (no kernels, no sources) with an apt-get whose `update` fails
 * `failures` times with `output`, then succeeds; every package reads as not installed.
 */
function install(output: string, failures: number, tries = 3) {
  const dir = mkdtempSync(join(tmpdir(), 'bringup-apt-'));
  dirs.push(dir);
  const bin = join(dir, 'bin');
  const cache = join(dir, 'cache');
  mkdirSync(bin);
  writeFileSync(join(dir, 'output'), output + '\n');
  const tool = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/bash\necho "${name} $*" >> ${join(dir, 'calls')}\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  tool('dpkg-query', 'exit 1');
  tool('sudo', '"$@"');
  tool('apt-get', [
    'for a in "$@"; do if [ "$a" = update ]; then',
    `  n=$(cat ${join(dir, 'updates')} 2>/dev/null || echo 0); echo $((n + 1)) > ${join(dir, 'updates')}`,
    `  if [ "$n" -lt ${failures} ]; then cat ${join(dir, 'output')} >&2; exit 100; fi; exit 0`,
    'fi; done; exit 0',
  ].join('\n'));
  const r = spawnSync('bash', [script, 'e2e'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, BRINGUP_CACHE: cache, BRINGUP_APT_UPDATE_TRIES: String(tries), BRINGUP_APT_UPDATE_PAUSE: '0' },
  });
  const calls = readFileSync(join(dir, 'calls'), 'utf8').split('\n').filter(Boolean);
  return { ...r, calls, updates: calls.filter((c) => /^apt-get .* update/.test(c)).length, installs: calls.filter((c) => /^apt-get .* install/.test(c)).length, stamped: existsSync(join(cache, '.apt-updated')) };
}

describe('install-system-deps: apt-get update on a mirror caught mid-sync', () => {
  it('retries, then goes on with the lists it has, names the index that failed, and leaves the stamp for the next run', () => {
    const r = install(PARTIAL, 99);
    expect(r.status, r.stderr).toBe(0);
    expect(r.updates).toBe(3);
    expect(r.installs).toBe(1);
    expect(r.stderr).toContain('going on with the lists it has');
    expect(r.stderr).toContain('binary-armhf/Packages.xz  File has unexpected size');
    expect(r.stamped).toBe(false);
  });

  it('stops retrying once an update succeeds, and stamps it', () => {
    const r = install(PARTIAL, 1);
    expect(r.status, r.stderr).toBe(0);
    expect(r.updates).toBe(2);
    expect(r.stderr).not.toContain('going on');
    expect(r.stamped).toBe(true);
  });

  it('stops at once, naming the step, when the update failed for another reason', () => {
    const r = install(OFFLINE, 99);
    expect(r.status).toBe(1);
    expect(r.updates).toBe(1);
    expect(r.installs).toBe(0);
    expect(r.stderr).toContain("step 'apt-get update' failed");
    expect(r.stderr).toContain('Temporary failure resolving');
    expect(r.stderr).toContain("could not refresh Debian's package lists");
  });
});
