// `bringup compare BOARD labgrid://COORDINATOR/PLACE` through the bundled CLI against labgrid's own
// coordinator and exporter: the place's NetworkPowerPort (labgrid's simplerest driver, run by
// labgrid-client) power-cycles a real QEMU board of the lab's `late-iommu` scenario (initcall order
// alone decides its boot, so a loaded machine boots it the same way), whose console the
// exporter's ser2net serves over RFC 2217. The live verdicts equal `bringup compare` on the scenario's
// recorded log (exit 0; exit 1 with a wrong prediction); a console that never prints --until exits 3;
// `bringup lab power` switches the board as labgrid-client does.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRUTH_END } from '../../scripts/lib/lab/truth';
import { boardsDir } from '../../scripts/lib/lab/board';
import { scenarioByName } from '../../scripts/lib/lab/scenarios/index';
import { kernelConfig, requireSystem } from '../../scripts/lib/system';
import { DEFAULT_SERIAL_SETTINGS } from '../../electron/common/contract';
import { createWorkbenchServices } from '../../electron/services';
import { createSessionService } from '../../electron/services/sessions';
import { labgridBin, startLab, type Lab } from '../support/labgrid-lab';
import { startPowerSwitch, type PowerSwitch } from '../support/power-switch';

requireSystem('labgrid', 'socat', 'ser2net', 'qemu', 'kernel-arm64', 'busybox-arm64', 'dtc', 'cpio');

const root = join(__dirname, '..', '..');
const SCENARIO = 'late-iommu';
const board = join(boardsDir, 'virt-gpio-iommu.dts');
const golden = join(__dirname, '..', 'fixtures', 'bootlog', 'lab', `${SCENARIO}.log`);
const client = join(labgridBin, 'labgrid-client');
const identity = { LG_HOSTNAME: 'ci', LG_USERNAME: 'runner' };

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The bundled CLI as CI runs it. Asynchronous: the power switch answers labgrid-client from this
 * process, so the event loop must keep running while the CLI does.
 */
function bringup(args: string[], timeoutMs = 600_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'bringup.mjs'), ...args], { env: { ...process.env, ...identity }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

type Verdicts = Record<string, string>;
const verdicts = (doc: { comparison: { devices: { name: string; verdict: string }[] } }): Verdicts => Object.fromEntries(doc.comparison.devices.map((d) => [d.name, d.verdict]));

describe('bringup compare over labgrid (real coordinator, exporter, ser2net, power switch, QEMU board)', () => {
  let lab: Lab<PowerSwitch>;
  let dir: string;
  const place = 'qemu-virt';
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bringup-lgc-'));
    lab = await startLab(place, { soc: 'qemu-virt' }, { power: (boardPath) => startPowerSwitch(scenarioByName(SCENARIO), boardPath) });
    url = `labgrid://${lab.coordinator}/${place}`;
  }, 300_000);
  afterAll(async () => {
    await lab?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const live = (extra: string[], sessions: string) => [
    'compare',
    board,
    url,
    '--power-cycle',
    '--until',
    TRUTH_END,
    '--timeout',
    '420',
    '--config',
    kernelConfig(),
    '--sessions',
    sessions,
    '--labgrid-client',
    client,
    '--json',
    ...extra,
  ];

  it('power-cycles the place, records the boot to --until, and agrees with compare on the recorded log (exit 0)', async () => {
    const sessions = join(dir, 'match');
    const r = await bringup(live([], sessions));
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.target).toBe(url);
    expect(doc.capture).toMatchObject({ end: 'until', until: TRUTH_END, matched: TRUTH_END });
    expect(doc.capture.markers.map((m: { kind: string }) => m.kind)).toEqual(['acquire', 'connect', 'power']);
    expect(doc.capture.markers[2].detail).toBe(`cycle place ${place} via labgrid-client, coordinator ${lab.coordinator}`);
    // labgrid's simplerest driver switched the board off, then on again, and the board booted once.
    expect(lab.power!.log).toEqual(['off', 'on']);
    expect(lab.power!.boots()).toBe(1);

    const file = await bringup(['compare', board, golden, '--config', kernelConfig(), '--json']);
    expect(file.status, file.stderr).toBe(0);
    const fromFile = JSON.parse(file.stdout);
    expect(Object.keys(verdicts(doc)).length).toBeGreaterThan(40);
    expect(verdicts(doc)).toEqual(verdicts(fromFile));
    expect(doc.comparison.summary).toEqual(fromFile.comparison.summary);

    // The session file holds the whole console, the acquire/power/release markers and the verdicts.
    expect(readdirSync(sessions)).toEqual([expect.stringMatching(/\.bwsession$/)]);
    expect(doc.session).toBe(join(sessions, readdirSync(sessions)[0]!));
    const info = await bringup(['session', 'info', doc.session]);
    expect(info.status, info.stderr).toBe(0);
    expect(info.stdout).toContain(`target     ${url}`);
    expect(info.stdout).toMatch(/markers {4}acquire, connect, power, disconnect, release/);
    expect(info.stdout).toMatch(/annotations comparison/);
    const received = Number(/received {3}(\d+) bytes/.exec(info.stdout)![1]);
    expect(received).toBeGreaterThanOrEqual(doc.capture.bytesReceived);
    // The recorded bytes, compared as a file, give the same verdicts.
    const text = join(dir, 'match.txt');
    expect((await bringup(['session', 'export', doc.session, '-f', 'text', '--timestamps', 'none', '-o', text])).status).toBe(0);
    const again = await bringup(['compare', board, text, '--config', kernelConfig(), '--json']);
    expect(verdicts(JSON.parse(again.stdout))).toEqual(verdicts(doc));

    // The place was acquired for the run and handed back.
    expect(lab.client(['-p', place, 'show']).stdout).toMatch(/acquired: None/);
  }, 900_000);

  it('exits 1 when the live boot does not match the prediction', async () => {
    const r = await bringup(live(['--assume', '9050000.smmuv3=fail:-22', '--junit', join(dir, 'wrong.xml')], join(dir, 'wrong')));
    expect(r.status, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.capture.end).toBe('until');
    expect(Object.entries(verdicts(doc)).filter(([, v]) => v === 'mismatch').map(([n]) => n).sort()).toEqual(['9030000.pl061', '9050000.smmuv3']);
    expect(readFileSync(join(dir, 'wrong.xml'), 'utf8')).toMatch(/<testcase [^>]*name="9050000\.smmuv3"[^>]*>\s*<failure/);
    expect(lab.power!.log).toEqual(['off', 'on', 'off', 'on']);
  }, 900_000);

  it('switches power with bringup lab power, and exits 3 with a clear message when --until never comes', async () => {
    const lg = (args: string[]) => bringup(['lab', ...args, '--labgrid-client', client]);
    // labgrid-client refuses to switch a place this identity does not hold, and says so.
    const refused = await lg(['power', url, 'off']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/labgrid-client power off on place qemu-virt: .*not acquired/);

    expect((await lg(['acquire', url])).status).toBe(0);
    const off = await lg(['power', url, 'off', '--json']);
    expect(off.status, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout)).toEqual({ place, action: 'off', identity: 'ci/runner' });
    expect(lab.power!.log.at(-1)).toBe('off');
    expect(lab.power!.running()).toBe(false);

    // The board is off: nothing arrives, and the capture ends at --timeout.
    const sessions = join(dir, 'timeout');
    const r = await bringup(['compare', board, url, '--until', 'login:', '--timeout', '8', '--config', kernelConfig(), '--sessions', sessions, '--labgrid-client', client]);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/no kernel output and no line matched --until \/login:\/ within 8 s; recorded 0 bytes in \d+\.\d s, session .*\.bwsession/);
    expect(r.stdout).toBe('');
    expect(readdirSync(sessions)).toHaveLength(1);
    // A place the user already held stays theirs.
    expect(lab.client(['-p', place, 'show']).stdout).toContain('acquired: ci/runner');
    expect((await lg(['release', url])).status).toBe(0);
  }, 300_000);

  it("the app's power menu (the API's power call) cycles the place with the console open and records it", async () => {
    const sessionsDir = join(dir, 'app');
    const services = createWorkbenchServices({ resourcesDir: join(root, 'resources'), sessionsDir, labgridClient: client, labgridIdentity: 'bench/ivy', createSessionService });
    const api = services.apiFor('window-1');
    try {
      const st = await api.connect({ target: url, settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: false, releaseOnDisconnect: true });
      const before = lab.power!.log.length;
      const boots = lab.power!.boots();
      await api.power(st.connectionId, 'cycle');
      expect(lab.power!.log.slice(before)).toEqual(['off', 'on']);
      expect(lab.power!.boots()).toBe(boots + 1);
      await api.disconnect(st.connectionId);
      const [session] = await api.listSessions();
      const contents = await api.openSession(session!.path);
      const power = contents.markers.find((m) => m.kind === 'power');
      expect(power?.detail).toBe(`cycle place ${place} via labgrid-client, coordinator ${lab.coordinator}`);
    } finally {
      await services.dispose();
    }
    expect(lab.client(['-p', place, 'show']).stdout).toMatch(/acquired: None/);
  }, 300_000);
});
