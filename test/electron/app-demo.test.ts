// The composition root as `npm run demo` uses it, on the bundled demo (resources/demo: a QEMU virt
// tree and a real recorded boot): demoBoard → openBoard compiles it, connect('demo:') plays the
// recorded console through a socat pty, and the session recorder (electron/services/sessions)
// has every byte on disk afterwards, equal to the recording.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERIAL_SETTINGS } from '../../electron/common/contract';
import { createWorkbenchServices, type WorkbenchServices } from '../../electron/services';
import { parseScriptReplay } from '../../electron/services/demo';
import { createSessionService } from '../../electron/services/sessions';
import { tempDir, waitFor } from '../support/electron';

const resourcesDir = join(import.meta.dirname, '..', '..', 'resources');
const SPEED = 8; // the boot lasts ~10 s as recorded; the pace itself is tested in demo.test.ts

let services: WorkbenchServices;
afterAll(async () => services?.dispose());

describe('the bundled demo through the composition root', () => {
  it('opens the demo board and records the whole demo boot in a session', async () => {
    services = createWorkbenchServices({ resourcesDir, sessionsDir: tempDir('bringup-sessions-'), demoSpeed: SPEED, createSessionService: (ctx) => createSessionService(ctx) });
    const api = services.apiFor('test');
    const { board, target } = await api.demoBoard();
    expect(target).toBe('demo:');
    const loaded = await api.openBoard(board);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(loaded.dtb.length).toBeGreaterThan(1000);

    const expected = Buffer.concat(
      parseScriptReplay(new Uint8Array(readFileSync(join(resourcesDir, 'demo', 'boot.typescript'))), readFileSync(join(resourcesDir, 'demo', 'boot.timing'), 'utf8')).map((c) => Buffer.from(c.bytes)),
    );
    expect(expected.toString('latin1')).toMatch(/Booting Linux/);
    let live = 0;
    services.events.on('serialData', (d) => (live += d.bytes.length));

    const st = await api.connect({ target, settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: true });
    expect(st.sessionId).toBeTruthy();
    await waitFor('the whole demo boot', () => live >= expected.length, 30_000, 50);
    expect(live).toBe(expected.length);
    await api.disconnect(st.connectionId);

    const session = await api.openSession(st.sessionId!);
    const rx = Buffer.concat(session.chunks.filter((c) => c.dir === 'rx').map((c) => Buffer.from(c.bytes)));
    expect(rx.length).toBe(expected.length);
    expect(rx.equals(expected)).toBe(true);
    const kinds = session.markers.map((m) => m.kind);
    expect(kinds).toContain('connect');
    expect(kinds).toContain('disconnect');
    expect((await api.listSessions()).map((s) => s.sessionId)).toContain(st.sessionId);
  }, 60_000);
});
