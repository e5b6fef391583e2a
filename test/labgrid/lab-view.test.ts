// The lab view's services against a real coordinator: a snapshot then `labPlaces` pushed on changes made
// with labgrid-client, a place someone else holds refused on release (labgrid would release it: it has no
// authentication), a reservation by tag waiting and then allocated, and the coordinator restarting: the
// view says it is reconnecting, then is live again by itself.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabSnapshot } from '../../electron/common/contract';
import { EventHub } from '../../electron/services/events';
import { LabService } from '../../electron/services/labgrid/lab';
import { LabgridLines } from '../../electron/services/labgrid/lines';
import { waitFor } from '../support/electron';
import { requireSystem } from '../../scripts/lib/system';
import { labgridBin, startLab, type Lab } from '../support/labgrid-lab';

requireSystem('labgrid', 'socat', 'ser2net');

describe('the lab view services (real coordinator, exporter)', () => {
  let lab: Lab;
  let lines: LabgridLines;
  let service: LabService;
  const pushed: LabSnapshot[] = [];
  const last = () => pushed[pushed.length - 1];

  beforeAll(async () => {
    lab = await startLab('board3', { board: 'rpi4' });
    const events = new EventHub();
    events.on('labPlaces', (s) => pushed.push(s));
    lines = new LabgridLines({ labgridClient: join(labgridBin, 'labgrid-client'), identity: 'bench/gina' });
    service = new LabService(lines, events);
  }, 120_000);
  afterAll(async () => {
    service?.dispose();
    await lines?.dispose();
    await lab?.close();
  });

  it('lists the places, then pushes what labgrid-client changes', async () => {
    const s = await service.watch(`labgrid://${lab.coordinator}`);
    expect(s).toMatchObject({ coordinator: lab.coordinator, identity: 'bench/gina', online: true });
    const p = s.places.find((x) => x.name === 'board3')!;
    expect(p).toMatchObject({ acquired: null, tags: { board: 'rpi4' } });
    expect(p.resources.map((r) => r.cls)).toEqual(['NetworkSerialPort']);
    expect(p.resources[0]!.address).toBeUndefined();

    expect(lab.client(['-p', 'board3', 'acquire'], { host: 'desk', user: 'frank' }).status).toBe(0);
    await waitFor('the acquire pushed', () => last()?.places.find((x) => x.name === 'board3')?.acquired === 'desk/frank', 30_000);
    // The exporter serves the console once the place is acquired: the push says where.
    await waitFor('the console address', () => /^127\.0\.0\.1:\d+$/.test(last()?.places.find((x) => x.name === 'board3')?.resources[0]?.address ?? ''), 30_000);
    await expect(service.release(lab.coordinator, 'board3')).rejects.toThrow('place board3 is held by desk/frank, not by bench/gina');
    expect(lab.client(['-p', 'board3', 'show']).stdout).toContain('acquired: desk/frank');
  }, 120_000);

  it('a reservation by tag waits for a held place and is allocated when it is released', async () => {
    const r = await service.reserve(lab.coordinator, { board: 'rpi4' });
    expect(r.state).toBe('waiting');
    expect(lab.client(['-p', 'board3', 'release'], { host: 'desk', user: 'frank' }).status).toBe(0);
    let now = r;
    for (const until = Date.now() + 30_000; now.state !== 'allocated' && Date.now() < until; ) {
      await new Promise((res) => setTimeout(res, 250));
      now = await service.pollReservation(lab.coordinator, r.token);
    }
    expect(now.state).toBe('allocated');
    expect(now.allocations).toEqual({ main: 'board3' });
    // Reserved for us: someone else cannot take it, we can.
    expect(lab.client(['-p', 'board3', 'acquire'], { host: 'desk', user: 'frank' }).status).not.toBe(0);
    const p = await service.acquire(lab.coordinator, 'board3');
    expect(p.acquired).toBe('bench/gina');
    await service.release(lab.coordinator, 'board3');
    await service.cancelReservation(lab.coordinator, r.token).catch(() => undefined);
    expect(lab.client(['-p', 'board3', 'show']).stdout).toMatch(/acquired: None/);
  }, 120_000);

  it('says so when the coordinator goes away, and is live again once it is back', async () => {
    await lab.placeSaved('board3'); // as a lab's long-running coordinator has
    await lab.stopCoordinator();
    await waitFor('the loss pushed', () => last()?.online === false, 30_000);
    expect(last()!.places.map((p) => p.name)).toContain('board3');
    await lab.startCoordinator();
    await waitFor('the session opened again', () => last()?.online === true, 60_000, 200);
    expect(last()!.places.map((p) => p.name)).toContain('board3');
  }, 120_000);
});
