// Imports, as attacks on real files: `importLog` reads through files.ts's one
// bounded reader (regular files only, opened without blocking, 256 MiB, read once), so a FIFO with no
// writer, /dev/zero, a symlink to it and a file over the cap are refused at once, naming the file, and
// nothing lands in the sessions folder. What an import may read is what the user chose: Electron's main
// takes the path from its own open dialog, and the browser-mode host takes an upload, never a path
// (a page that could name /etc/shadow would read it back as a session).
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type RunningHost } from '../../electron/host/server';
import { createWorkbenchServices, type WorkbenchServices } from '../../electron/services';
import { createSessionService, type WorkbenchSessionService } from '../../electron/services/sessions';
import { tempDir } from '../support/electron';

let dir: string;
let sessionsDir: string;
let service: WorkbenchSessionService;

beforeAll(() => {
  dir = tempDir('bringup-imports-');
  sessionsDir = join(dir, 'sessions');
  mkdirSync(sessionsDir);
  service = createSessionService({ sessionsDir });
});

afterAll(async () => {
  await service.dispose?.();
});

const sessionFiles = () => readdirSync(sessionsDir).filter((f) => !f.startsWith('.'));

describe('importLog reads through the bounded reader (F4, F5)', () => {
  const cases: [string, () => string, RegExp][] = [
    [
      'a FIFO with no writer',
      () => {
        const p = join(dir, 'boot.fifo');
        execFileSync('mkfifo', [p]);
        return p;
      },
      /boot\.fifo: a FIFO; only regular files are read/,
    ],
    ['/dev/zero', () => '/dev/zero', /\/dev\/zero: a character device; only regular files are read/],
    [
      'a symlink to /dev/zero named like a log',
      () => {
        const p = join(dir, 'boot.log.link');
        symlinkSync('/dev/zero', p);
        return p;
      },
      /boot\.log\.link: a character device; only regular files are read/,
    ],
    [
      'a 300 MiB sparse file',
      () => {
        const p = join(dir, 'huge.log');
        const fd = openSync(p, 'w');
        ftruncateSync(fd, 300 * 1024 * 1024);
        closeSync(fd);
        return p;
      },
      /huge\.log: 314572800 bytes, over the 268435456-byte limit/,
    ],
  ];
  for (const [name, make, why] of cases) {
    it(`refuses ${name} at once, naming it, and keeps nothing`, async () => {
      const before = sessionFiles();
      const t0 = Date.now();
      await expect(service.importLog(make())).rejects.toThrow(why);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(sessionFiles()).toEqual(before);
    });
  }

  it('imports a regular log, and a bundle from the same single read', async () => {
    const log = join(dir, 'boot.log');
    writeFileSync(log, '[    0.000000] Booting Linux on physical CPU 0x0\n');
    const imported = await service.importLog(log);
    expect(Buffer.concat(imported.chunks.map((c) => c.bytes)).toString()).toContain('Booting Linux');
    const bundle = join(dir, 'again.bwbundle');
    await service.exportSession({ sessionId: imported.summary.sessionId, format: 'bundle', path: bundle });
    const reopened = await service.importLog(bundle);
    expect(reopened.summary.sessionId).toBe(imported.summary.sessionId);
  });

  it('imports uploaded bytes under the same cap', async () => {
    const up = await service.importLog({ name: 'picked.log', bytes: new TextEncoder().encode('U-Boot 2024.01\n'), lastModified: 0 });
    expect(up.summary.target).toBe('picked.log');
  });
});

describe('browser mode imports are uploads, never a path (F4)', () => {
  let services: WorkbenchServices;
  let host: RunningHost;
  beforeAll(async () => {
    services = createWorkbenchServices({ resourcesDir: tempDir(), sessionsDir: join(dir, 'web-sessions'), createSessionService });
    host = await startHost({ services });
  });
  afterAll(async () => {
    await host.close();
    await services.dispose();
  });

  const call = (args: unknown[]): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: host.port, method: 'POST', path: '/api/importLog', headers: { 'content-type': 'application/json', 'x-workbench-token': host.token } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(args));
    });

  it('refuses a path on this machine (the page could name /etc/shadow and read it back)', async () => {
    const secret = join(dir, 'shadow');
    writeFileSync(secret, 'root:$6$secret-hash:19000:0:99999:7:::\n', { mode: 0o600 });
    const r = await call([secret]);
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/browser mode imports are uploads/);
    expect(r.body).not.toContain('secret-hash');
  });

  it('imports an upload', async () => {
    const bytes = readFileSync(join(dir, 'boot.log'));
    const r = await call([{ name: 'boot.log', bytes: { $bytes: bytes.toString('base64') } }]);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).result.summary.target).toBe('boot.log');
  });
});
