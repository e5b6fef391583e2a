// `bringup lab places|acquire|release` through the bundled CLI against labgrid's own coordinator: the
// output and exit codes CI relies on, and labgrid-client seeing what the CLI did.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireSystem } from '../../scripts/lib/system';
import { labgridBin, startLab, type Lab } from '../support/labgrid-lab';

requireSystem('labgrid', 'socat', 'ser2net');

const root = join(__dirname, '..', '..');

describe('bringup lab (real coordinator)', () => {
  let lab: Lab;
  const bringup = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [join(root, 'bin', 'bringup.mjs'), 'lab', ...args, '--labgrid-client', join(labgridBin, 'labgrid-client')], {
      encoding: 'utf8',
      env: { ...process.env, LG_HOSTNAME: 'ci', LG_USERNAME: 'runner', ...env },
      timeout: 120_000,
    });

  beforeAll(async () => {
    lab = await startLab('rig7', { soc: 'imx6q' });
  }, 120_000);
  afterAll(async () => {
    await lab?.close();
  });

  it('lists places as a table and as JSON', () => {
    const t = bringup(['places', '-x', lab.coordinator]);
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^place\s+acquired\s+tags\s+comment\nrig7\s+-\s+soc=imx6q/);
    const j = bringup(['places', '--json'], { LG_COORDINATOR: lab.coordinator });
    expect(j.status, j.stderr).toBe(0);
    const places = JSON.parse(j.stdout);
    expect(places).toEqual([expect.objectContaining({ name: 'rig7', tags: { soc: 'imx6q' }, acquired: null })]);
    expect(places[0].resources.map((r: { cls: string }) => r.cls)).toEqual(['NetworkSerialPort']);
  }, 120_000);

  it('acquires with its console, is refused when someone else holds the place, releases for labgrid-client', () => {
    const url = `labgrid://${lab.coordinator}/rig7`;
    const a = bringup(['acquire', url, '--json']);
    expect(a.status, a.stderr).toBe(0);
    const got = JSON.parse(a.stdout);
    expect(got).toMatchObject({ place: 'rig7', acquired: 'ci/runner', alreadyHeld: false, console: { host: '127.0.0.1', exporter: 'exp1' } });
    expect(got.console.port).toBeGreaterThan(0);
    const other = bringup(['acquire', url], { LG_HOSTNAME: 'laptop', LG_USERNAME: 'dave' });
    expect(other.status).toBe(1);
    expect(other.stderr).toContain('place rig7 is held by ci/runner');
    const r = bringup(['release', url]);
    expect(r.status, r.stderr).toBe(0);
    expect(lab.client(['-p', 'rig7', 'show']).stdout).toMatch(/acquired: None/);
  }, 120_000);

  it('says so, with exit 1, when no coordinator answers, and 2 on bad usage', () => {
    const dead = bringup(['places', '-x', '127.0.0.1:9', '--timeout', '2']);
    expect(dead.status).toBe(1);
    expect(dead.stderr).toMatch(/no labgrid coordinator answers at 127\.0\.0\.1:9/);
    expect(bringup(['acquire']).status).toBe(2);
    expect(bringup(['acquire', 'labgrid://host:99999/x']).status).toBe(2);
  }, 120_000);
});
