// The workbench as a labgrid client against labgrid's own coordinator and exporter on loopback: it lists
// places live from the subscription, acquires one (the exporter then starts ser2net), reads the console
// through RFC 2217, is refused a place someone else holds (and told who), and releases so that
// labgrid-client sees the place free. A coordinator restart ends the session with `lost`.
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabgridCoordinator } from '../../electron/services/labgrid/coordinator';
import { findLabgrid } from '../../electron/services/labgrid/installation';
import { Rfc2217Transport } from '../../electron/services/serial/rfc2217-transport';
import { DEFAULT_SERIAL_SETTINGS } from '../../electron/common/contract';
import { requireSystem } from '../../scripts/lib/system';
import { labgridBin, startLab, type Lab } from '../support/labgrid-lab';
import { join } from 'node:path';

requireSystem('labgrid', 'socat', 'ser2net');

describe('labgrid coordinator client (real coordinator, exporter, ser2net)', () => {
  let lab: Lab;
  const install = () => findLabgrid(join(labgridBin, 'labgrid-client'));
  const connect = (identity: string) => {
    const i = install();
    return LabgridCoordinator.connect(lab.coordinator, { protoPath: i.protoPath, version: i.version, identity });
  };

  beforeAll(async () => {
    lab = await startLab('board1', { board: 'demo', rack: '3' });
  }, 120_000);
  afterAll(async () => {
    await lab?.close();
  });

  it("finds the user's labgrid and its protocol", () => {
    const i = install();
    expect(i.version).toBe('26.0.1');
    expect(i.protoPath).toMatch(/labgrid-coordinator\.proto$/);
    expect(() => findLabgrid('/nonexistent/labgrid-client')).toThrow(/labgrid is not installed/);
  });

  it('lists places with tags and matched resources, and follows changes live', async () => {
    const c = await connect('wb-host/alice');
    try {
      const p = c.place('board1')!;
      expect(p.tags).toEqual({ board: 'demo', rack: '3' });
      expect(p.acquired).toBeNull();
      expect(c.resourcesOf('board1').map((r) => r.cls)).toEqual(['NetworkSerialPort']);
      const changed = new Promise<string>((res) => c.on('places', () => c.place('board1')?.comment && res(c.place('board1')!.comment)));
      expect(lab.client(['-p', 'board1', 'set-comment', 'bench', 'B']).status).toBe(0);
      expect(await changed).toBe('bench B');
    } finally {
      c.close();
    }
  }, 60_000);

  it('acquires a place, reads its console over RFC 2217, refuses a second holder with who holds it, releases for labgrid-client', async () => {
    const alice = await connect('wb-host/alice');
    const bob = await connect('other-host/bob');
    try {
      const { alreadyHeld } = await alice.acquire('board1');
      expect(alreadyHeld).toBe(false);
      expect(alice.place('board1')!.acquired).toBe('wb-host/alice');
      await expect(bob.acquire('board1')).rejects.toThrow('place board1 is held by wb-host/alice');
      expect((await alice.acquire('board1')).alreadyHeld).toBe(true);

      const con = await alice.consoleOf('board1');
      expect(con.host).toBe('127.0.0.1');
      expect(con.exporter).toBe('exp1');
      const got: Buffer[] = [];
      const t = new Rfc2217Transport(con.host, con.port, { data: (b) => got.push(Buffer.from(b)), lost: () => {} }, DEFAULT_SERIAL_SETTINGS);
      await t.open();
      const fd = openSync(lab.boardPath, 'r+');
      const line = 'Booting Linux on physical CPU 0x0000000000 [0x411fd070]\r\n';
      const end = Date.now() + 10_000;
      while (!Buffer.concat(got).toString('latin1').includes(line) && Date.now() < end) {
        writeSync(fd, line);
        await new Promise((r) => setTimeout(r, 200));
      }
      closeSync(fd);
      await t.close();
      expect(Buffer.concat(got).toString('latin1')).toContain(line);

      await alice.release('board1');
      expect(alice.place('board1')!.acquired).toBeNull();
      const shown = lab.client(['-p', 'board1', 'show']);
      expect(shown.stdout).toMatch(/acquired: None/);
    } finally {
      alice.close();
      bob.close();
    }
  }, 90_000);

  it("uses a place the user already holds from labgrid-client", async () => {
    expect(lab.client(['-p', 'board1', 'acquire'], { host: 'desk', user: 'carol' }).status).toBe(0);
    const carol = await connect('desk/carol');
    try {
      const r = await carol.acquire('board1');
      expect(r.alreadyHeld).toBe(true);
      await carol.release('board1');
    } finally {
      carol.close();
    }
  }, 60_000);

  it('reports the session lost when the coordinator goes away, and connects again after it restarts', async () => {
    const c = await connect('wb-host/alice');
    const lost = new Promise<string>((res) => c.on('lost', res));
    // The coordinator writes its places to places.yaml from a periodic task: wait for that, or a restart
    // right after the place was made would start with no places at all.
    const placesFile = join(lab.dir, 'places.yaml');
    const end = Date.now() + 60_000;
    while (!(existsSync(placesFile) && readFileSync(placesFile, 'utf8').includes('board1'))) {
      if (Date.now() > end) throw new Error('the coordinator never saved places.yaml');
      await new Promise((r) => setTimeout(r, 250));
    }
    await lab.stopCoordinator();
    expect(await lost).toBeTruthy();
    c.close();
    await lab.startCoordinator();
    const again = await connect('wb-host/alice');
    try {
      // The coordinator keeps its places across a restart (places.yaml in its folder).
      expect(again.place('board1')).not.toBeNull();
    } finally {
      again.close();
    }
  }, 150_000);
});
