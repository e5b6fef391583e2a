// Writing exports and sessions, as attacks on real files: an export may not follow a symlink, replace a file
// without asking, land relative to the services' working folder, or be readable by other users; in
// browser mode a page may not name a path at all (exports are downloads). Session files are 0600 in
// a 0700 folder, because they hold what was typed at the board's login prompt.
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type RunningHost } from '../../electron/host/server';
import { createWorkbenchServices, type WorkbenchServices } from '../../electron/services';
import { createSessionService, type WorkbenchSessionService } from '../../electron/services/sessions';
import { tempDir } from '../support/electron';

let dir: string;
let sessionsDir: string;
let service: WorkbenchSessionService;
let sessionId: string;
const mode = (p: string) => statSync(p).mode & 0o777;

beforeAll(async () => {
  dir = tempDir('bringup-writes-');
  sessionsDir = join(dir, 'sessions');
  mkdirSync(sessionsDir, { mode: 0o755 });
  chmodSync(sessionsDir, 0o755);
  service = createSessionService({ sessionsDir });
  const log = join(dir, 'boot.log');
  writeFileSync(log, '[    0.000000] Booting Linux on physical CPU 0x0\nbuildroot login: root\nPassword: hunter2\n');
  sessionId = (await service.importLog(log)).summary.sessionId;
});

afterAll(async () => {
  await service.dispose?.();
});

describe('exports go only where the user chose (F3)', () => {
  it('never writes through a symlink', async () => {
    const victim = join(dir, 'victim-rc');
    writeFileSync(victim, 'echo original\n');
    const link = join(dir, 'export-link.txt');
    symlinkSync(victim, link);
    await expect(service.exportSession({ sessionId, format: 'text', path: link, overwrite: true })).rejects.toThrow(/export-link\.txt: is a symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('echo original\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(victim);
  });

  it('does not replace an existing file without asking, and keeps its mode', async () => {
    const existing = join(dir, 'private.txt');
    writeFileSync(existing, 'secret\n', { mode: 0o600 });
    await expect(service.exportSession({ sessionId, format: 'text', path: existing })).rejects.toThrow(/private\.txt: exists; not overwritten without asking/);
    expect(readFileSync(existing, 'utf8')).toBe('secret\n');
    expect(mode(existing)).toBe(0o600);
    await service.exportSession({ sessionId, format: 'text', path: existing, overwrite: true });
    expect(readFileSync(existing, 'utf8')).toContain('Booting Linux');
    expect(mode(existing)).toBe(0o600);
  });

  it('refuses a relative path', async () => {
    const name = `relative-export-${process.pid}.sh`;
    await expect(service.exportSession({ sessionId, format: 'text', path: name })).rejects.toThrow(/not an absolute path/);
    expect(existsSync(join(process.cwd(), name))).toBe(false);
  });

  it('refuses any path from a browser-mode page; the export comes back inline to download', async () => {
    const services: WorkbenchServices = createWorkbenchServices({ resourcesDir: tempDir(), sessionsDir, createSessionService: () => service });
    const host: RunningHost = await startHost({ services });
    try {
      const target = join(dir, 'from-the-page.html');
      const call = (req: object) =>
        fetch(`${host.url}api/exportSession`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-workbench-token': host.token }, body: JSON.stringify([req]) });
      const refused = await call({ sessionId, format: 'html', path: target });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toMatch(/downloads/);
      expect(existsSync(target)).toBe(false);
      const bundle = (await (await call({ sessionId, format: 'bundle' })).json()) as { result: { bytes?: { $bytes: string }; path?: string } };
      expect(bundle.result.path).toBeUndefined();
      expect(Buffer.from(bundle.result.bytes!.$bytes, 'base64').subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    } finally {
      await host.close();
    }
  });
});

describe('files are private (F7)', () => {
  it('writes exports 0600, session files 0600 and the sessions folder 0700', async () => {
    const out = join(dir, 'new-export.json');
    await service.exportSession({ sessionId, format: 'json', path: out });
    expect(mode(out)).toBe(0o600);
    const bundle = join(dir, 'new-export.bwbundle');
    await service.exportSession({ sessionId, format: 'bundle', path: bundle });
    expect(mode(bundle)).toBe(0o600);
    const summary = (await service.listSessions()).find((s) => s.sessionId === sessionId)!;
    expect(mode(summary.path)).toBe(0o600);
    expect(mode(sessionsDir)).toBe(0o700);
  });
});
