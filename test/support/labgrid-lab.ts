// A real labgrid lab on loopback for the tests: labgrid's own coordinator and exporter (from the pinned
// venv that scripts/install-system-deps.sh labgrid makes), a board on a socat pty pair that the exporter
// serves through Debian's ser2net once a place is acquired, optionally a power switch the exporter serves
// as a NetworkPowerPort (./power-switch.ts), and labgrid-client for the user's side.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, listening, waitFor } from './electron';
import { cacheDir } from '../../scripts/lib/system';

export const labgridBin = join(cacheDir, 'labgrid', 'venv', 'bin');

interface Tracked {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

function start(cmd: string, args: string[], cwd: string): Tracked {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A switch labgrid's `simplerest` power driver can reach: the URL the exporter publishes. */
export interface LabPowerPort {
  url: string;
  close(): Promise<void>;
}

export interface LabOptions<P extends LabPowerPort> {
  /** Starts the place's power switch for the board end of the console pty; served as a NetworkPowerPort. */
  power?: (boardPath: string) => Promise<P>;
}

export interface Lab<P extends LabPowerPort = LabPowerPort> {
  coordinator: string;
  dir: string;
  /** Board end of the console pty: what the test writes here is what the board "prints". */
  boardPath: string;
  /** The power switch, when the lab has one. */
  power: P | null;
  /** labgrid-client as the user runs it (identity from LG_HOSTNAME/LG_USERNAME). */
  client(args: string[], identity?: { host: string; user: string }): { status: number | null; stdout: string; stderr: string };
  startCoordinator(): Promise<void>;
  stopCoordinator(): Promise<void>;
  /** Waits until the coordinator has written `place` to its places.yaml: it saves every 15 s and not at
   *  shutdown (labgrid/remote/coordinator.py `poll`, `save`), so only a saved place survives a restart. */
  placeSaved(place: string): Promise<void>;
  startExporter(): Promise<void>;
  stopExporter(): Promise<void>;
  close(): Promise<void>;
}

/** A coordinator, one exporter with one board, and place `place` matching it, tagged `tags`. */
export async function startLab<P extends LabPowerPort = LabPowerPort>(place: string, tags: Record<string, string> = {}, opts: LabOptions<P> = {}): Promise<Lab<P>> {
  const dir = mkdtempSync(join(tmpdir(), 'bringup-labgrid-'));
  const port = await freePort();
  const coordinator = `127.0.0.1:${port}`;
  const boardPath = join(dir, 'board');
  const dutPath = join(dir, 'dut');
  const socat = start('socat', [`pty,raw,echo=0,link=${boardPath}`, `pty,raw,echo=0,link=${dutPath}`], dir);
  await waitFor('the socat pty pair', () => existsSync(boardPath) && existsSync(dutPath), 10_000);
  let power: P | null = null;
  try {
    power = opts.power ? await opts.power(boardPath) : null;
  } catch (e) {
    await socat.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  // labgrid's exporter serves only paths under /dev: give it the pty itself, not socat's link.
  const powerPort = power ? `  NetworkPowerPort:\n    model: simplerest\n    host: '${power.url}'\n    index: 0\n` : '';
  writeFileSync(join(dir, 'exporter.yaml'), `${place}-group:\n  RawSerialPort:\n    port: ${realpathSync(dutPath)}\n    speed: 115200\n${powerPort}`);
  let coord: Tracked | null = null;
  let exporter: Tracked | null = null;
  const env = (identity?: { host: string; user: string }) => ({ ...process.env, LG_COORDINATOR: coordinator, ...(identity ? { LG_HOSTNAME: identity.host, LG_USERNAME: identity.user } : {}) });
  const lab: Lab<P> = {
    coordinator,
    dir,
    boardPath,
    power,
    client(args, identity) {
      const r = spawnSync(join(labgridBin, 'labgrid-client'), args, { cwd: dir, env: env(identity), encoding: 'utf8', timeout: 60_000 });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    async startCoordinator() {
      coord = start(join(labgridBin, 'labgrid-coordinator'), ['--listen', coordinator], dir);
      await waitFor(`labgrid-coordinator on ${coordinator}`, () => listening(port), 30_000, 100);
    },
    async placeSaved(name: string) {
      const file = join(dir, 'places.yaml');
      await waitFor(`${name} saved in places.yaml`, () => existsSync(file) && new RegExp(`^${name}:`, 'm').test(readFileSync(file, 'utf8')), 40_000, 200);
    },
    async stopCoordinator() {
      await coord?.stop();
      coord = null;
    },
    async startExporter() {
      exporter = start(join(labgridBin, 'labgrid-exporter'), ['-c', coordinator, '--name', 'exp1', '--hostname', '127.0.0.1', 'exporter.yaml'], dir);
      await waitFor('the exporter to register', () => exporter!.output().includes('Exporter ready') && exporter!.output().includes('connected to coordinator'), 30_000, 100);
    },
    async stopExporter() {
      await exporter?.stop();
      exporter = null;
    },
    async close() {
      await exporter?.stop();
      await coord?.stop();
      await power?.close();
      await socat.stop();
      // ser2net processes the exporter started die with it; anything left is killed by its config path.
      spawnSync('pkill', ['-f', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await lab.startCoordinator();
    await lab.startExporter();
    const steps = [['-p', place, 'create'], ['-p', place, 'add-match', `exp1/${place}-group/*`], ...(Object.keys(tags).length ? [['-p', place, 'set-tags', ...Object.entries(tags).map(([k, v]) => `${k}=${v}`)]] : [])];
    for (const s of steps) {
      const r = lab.client(s);
      if (r.status !== 0) throw new Error(`labgrid-client ${s.join(' ')}: ${r.stderr}`);
    }
  } catch (e) {
    await lab.close();
    throw e;
  }
  return lab;
}
