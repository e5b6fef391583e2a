// A labgrid place's console through the connection manager, as the connect bar opens it: the place is
// acquired, the console opened over RFC 2217 where the exporter's ser2net listens, every byte reaches
// the recorder with the acquire marker naming place, exporter and coordinator; the exporter dying
// mid-boot is a lost line that comes back (on the new port) without losing a byte; and disconnect
// releases the place when asked, so labgrid-client sees it free.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERIAL_SETTINGS, type ConnectionStatus } from '../../electron/common/contract';
import { EventHub } from '../../electron/services/events';
import { LabgridLines } from '../../electron/services/labgrid/lines';
import { ConnectionManager } from '../../electron/services/serial/connections';
import { RecorderProbe } from '../support/recorder-probe';
import { waitFor } from '../support/electron';
import { requireSystem } from '../../scripts/lib/system';
import { labgridBin, startLab, type Lab } from '../support/labgrid-lab';

requireSystem('labgrid', 'socat', 'ser2net');

describe('a labgrid place as a console (real coordinator, exporter, ser2net)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab('board2');
  }, 120_000);
  afterAll(async () => {
    await lab?.close();
  });

  it('acquires, streams every byte across an exporter restart, and releases on disconnect', async () => {
    const events = new EventHub();
    const recorder = new RecorderProbe();
    const statuses: ConnectionStatus[] = [];
    events.on('connectionStatus', (s) => statuses.push(s));
    const labgrid = new LabgridLines({ labgridClient: join(labgridBin, 'labgrid-client'), identity: 'bench/erin' });
    const manager = new ConnectionManager({ events, recorder, labgrid, reconnectPollMs: 200 });
    const board = openSync(lab.boardPath, 'r+');
    try {
      const st = await manager.connect({ target: `labgrid://${lab.coordinator}/board2`, settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: true, releaseOnDisconnect: true });
      expect(st.state).toBe('connected');
      const acquire = recorder.markers.find((m) => m.kind === 'acquire');
      expect(acquire?.detail).toMatch(/^place board2 \(bench\/erin\) via exporter exp1 board2-group\/RawSerialPort, coordinator 127\.0\.0\.1:\d+$/);
      expect(lab.client(['-p', 'board2', 'show']).stdout).toContain('acquired: bench/erin');

      const lines = Array.from({ length: 40 }, (_, i) => `[    ${(i / 10).toFixed(6)}] line ${i} of the boot\r\n`);
      for (const l of lines.slice(0, 20)) writeSync(board, l);
      await waitFor('the first half of the boot', () => recorder.rxText().includes('line 19 of the boot'), 20_000);

      // The exporter dies mid-boot: the line is lost, the board goes on printing into its pty.
      await lab.stopExporter();
      await waitFor('the line to be lost', () => statuses.some((s) => s.state === 'lost' || s.state === 'reconnecting'), 20_000);
      for (const l of lines.slice(20)) writeSync(board, l);
      await lab.startExporter();
      await waitFor('the reconnect', () => recorder.markers.some((m) => m.kind === 'reconnect'), 60_000);
      await waitFor('the rest of the boot', () => recorder.rxText().includes('line 39 of the boot'), 30_000);
      expect(recorder.rxText()).toBe(lines.join(''));

      await manager.disconnect(st.connectionId);
      expect(recorder.markers.map((m) => m.kind)).toEqual(expect.arrayContaining(['acquire', 'connect', 'lost', 'reconnect', 'disconnect', 'release']));
      expect(lab.client(['-p', 'board2', 'show']).stdout).toMatch(/acquired: None/);
    } finally {
      closeSync(board);
      await manager.dispose();
      await labgrid.dispose();
    }
  }, 180_000);

  it('refuses a place someone else holds, naming who, and records nothing', async () => {
    expect(lab.client(['-p', 'board2', 'acquire'], { host: 'desk', user: 'frank' }).status).toBe(0);
    const recorder = new RecorderProbe();
    const labgrid = new LabgridLines({ labgridClient: join(labgridBin, 'labgrid-client'), identity: 'bench/erin' });
    const manager = new ConnectionManager({ events: new EventHub(), recorder, labgrid });
    try {
      await expect(manager.connect({ target: `labgrid://${lab.coordinator}/board2`, settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: false })).rejects.toThrow(
        'place board2 is held by desk/frank',
      );
      expect(recorder.begun).toEqual([]);
      expect(lab.client(['-p', 'board2', 'show']).stdout).toContain('acquired: desk/frank');
    } finally {
      await manager.dispose();
      await labgrid.dispose();
      lab.client(['-p', 'board2', 'release'], { host: 'desk', user: 'frank' });
    }
  }, 120_000);
});
