// The browser-mode host against real sockets: loopback-only binding, the token on HTTP and on the
// WebSocket (header or subprotocol only), the single-use launch code, the asset cookie that is not
// the token, Host and Origin checks, the CSP header, path traversal out of the renderer folder, and
// an API round trip that opens a real socat pty and streams its bytes back over the event socket.
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHost, type RunningHost } from '../../electron/host/server';
import { createWorkbenchServices, type WorkbenchServices } from '../../electron/services';
import { socatPtyPair, tempDir, waitFor, type Proc } from '../support/electron';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('socat');

let host: RunningHost;
let services: WorkbenchServices;
let staticDir: string;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(method: string, path: string, opts: { headers?: Record<string, string>; body?: string; port?: number } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: opts.port ?? host.port, method, path, headers: opts.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

function call(method: string, args: unknown[], extra: Record<string, string> = {}): Promise<Reply> {
  return http('POST', `/api/${method}`, {
    headers: { 'content-type': 'application/json', 'x-workbench-token': host.token, ...extra },
    body: JSON.stringify(args),
  });
}

function openSocket(query: string, headers: Record<string, string> = {}, protocols: string[] = []): Promise<{ ws: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/events${query}`, protocols, { headers });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode }));
    ws.once('error', () => resolve({ ws, status: -1 }));
  });
}

beforeAll(async () => {
  staticDir = tempDir('bringup-renderer-');
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>workbench</title><script type="module" src="/assets/main.js"></script>');
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'assets', 'main.js'), 'console.log("renderer")');
  services = createWorkbenchServices({ resourcesDir: tempDir(), sessionsDir: tempDir() });
  host = await startHost({ services, staticDir });
});

afterAll(async () => {
  await host.close();
  await services.dispose();
});

describe('web host security', () => {
  it('refuses to bind anything but loopback', async () => {
    await expect(startHost({ services, host: '0.0.0.0' })).rejects.toThrow(/loopback only/);
    await expect(startHost({ services, host: '::' })).rejects.toThrow(/loopback only/);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && !a.internal && a.family === 'IPv4');
    if (external) await expect(startHost({ services, host: external.address })).rejects.toThrow(/loopback only/);
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(host.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('requires the token on every HTTP request', async () => {
    expect((await http('GET', '/')).status).toBe(401);
    expect((await http('GET', '/assets/main.js')).status).toBe(401);
    expect((await http('GET', '/?token=wrong')).status).toBe(403);
    const noToken = await http('POST', '/api/listPorts', { headers: { 'content-type': 'application/json' }, body: '[]' });
    expect(noToken.status).toBe(401);
    expect((await call('listPorts', [], { 'x-workbench-token': 'f'.repeat(64) })).status).toBe(403);
  });

  it('serves the page for a launch code, sets a strict asset cookie that is not the token, and a CSP', async () => {
    const page = await http('GET', `/${new URL(host.pageUrl).search}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>workbench</title>');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-(inline|eval)/);
    expect(csp).toContain("frame-ancestors 'none'");
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    // Cookies for 127.0.0.1 reach every port on it, so the cookie must not be the token.
    expect(cookie).not.toContain(host.token);
    const asset = await http('GET', '/assets/main.js', { headers: { cookie: cookie.split(';')[0]! } });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    // The cookie does not authorise API calls: those need the token header.
    const viaCookie = await http('POST', '/api/listPorts', { headers: { 'content-type': 'application/json', cookie: cookie.split(';')[0]! }, body: '[]' });
    expect(viaCookie.status).toBe(401);
  });

  it('redeems a launch code for the token once (F2)', async () => {
    const code = new URL(host.launchUrl()).searchParams.get('launch')!;
    expect(code).not.toContain(host.token);
    const redeem = () => http('POST', '/launch', { headers: { 'content-type': 'application/json', 'x-workbench-launch': code }, body: '{}' });
    const first = await redeem();
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body).token).toBe(host.token);
    expect((await redeem()).status).toBe(403);
    expect((await http('GET', `/?launch=${code}`)).status).toBe(403);
    expect((await http('POST', '/launch', { headers: { 'content-type': 'application/json', 'x-workbench-launch': 'f'.repeat(48) }, body: '{}' })).status).toBe(403);
  });

  it('takes the API token from the header only, never the query string (F11)', async () => {
    const viaQuery = await http('POST', `/api/listPorts?token=${host.token}`, { headers: { 'content-type': 'application/json' }, body: '[]' });
    expect(viaQuery.status).toBe(401);
  });

  it('rejects a foreign Origin and a foreign Host', async () => {
    expect((await call('listPorts', [], { origin: 'http://evil.example' })).status).toBe(403);
    expect((await call('listPorts', [], { origin: `http://127.0.0.1:${host.port + 1}` })).status).toBe(403);
    expect((await call('listPorts', [], { origin: `http://127.0.0.1:${host.port}` })).status).toBe(200);
    // DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends Host: evil.example.
    expect((await call('listPorts', [], { host: `evil.example:${host.port}` })).status).toBe(421);
  });

  it('keeps static files inside the renderer folder', async () => {
    for (const p of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd']) {
      const r = await http('GET', p, { headers: { 'x-workbench-token': host.token } });
      expect(r.status === 403 || r.status === 404).toBe(true);
      expect(r.body).not.toContain('root:');
    }
  });

  it('checks methods, content type and argument shapes', async () => {
    expect((await call('eval', [])).status).toBe(404);
    expect((await call('__proto__', [])).status).toBe(404);
    const form = await http('POST', '/api/listPorts', { headers: { 'content-type': 'text/plain', 'x-workbench-token': host.token }, body: '[]' });
    expect(form.status).toBe(415);
    expect((await call('disconnect', [42])).status).toBe(400);
    expect((await http('POST', '/api/listPorts', { headers: { 'content-type': 'application/json', 'x-workbench-token': host.token }, body: '{not json' })).status).toBe(400);
    const bad = await call('connect', [{ target: '/dev/null', settings: { baudRate: -5, dataBits: 8, parity: 'none', stopBits: 1, flowControl: 'none' }, autoReconnect: false }]);
    expect(bad.status).toBe(500);
    expect(JSON.parse(bad.body).error).toMatch(/baud/);
  });

  it('requires the token and our Origin on the WebSocket', async () => {
    const own = { origin: `http://127.0.0.1:${host.port}` };
    expect((await openSocket('')).status).toBe(401);
    expect((await openSocket('', { 'x-workbench-token': 'nope' })).status).toBe(403);
    expect((await openSocket('', { 'x-workbench-token': host.token, origin: 'http://evil.example' })).status).toBe(403);
    expect((await openSocket('', own, ['workbench', 'token.nope'])).status).toBe(403);
    const ok = await openSocket('', own, ['workbench', `token.${host.token}`]);
    expect(ok.status).toBeUndefined();
    // The answer names the plain protocol: the token is never echoed back.
    expect(ok.ws.protocol).toBe('workbench');
    ok.ws.close();
  });

  it('takes the token alone on /events: neither the cookie nor the query string (F10, F11)', async () => {
    const page = await http('GET', `/${new URL(host.pageUrl).search}`);
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    const own = { origin: `http://127.0.0.1:${host.port}` };
    expect((await openSocket('', { ...own, cookie })).status).toBe(401);
    expect((await openSocket(`?token=${host.token}`, own)).status).toBe(401);
  });
});

describe('web host API round trip', () => {
  let socat: Proc;
  afterAll(async () => socat?.stop());

  it('lists ports, connects to a pty, streams its bytes over the event socket and writes back', async () => {
    const ports = await call('listPorts', []);
    expect(ports.status).toBe(200);
    expect(JSON.parse(ports.body).result).toContainEqual(expect.objectContaining({ path: 'demo:', kind: 'demo' }));

    const dir = tempDir();
    const [app, board] = [join(dir, 'app'), join(dir, 'board')];
    socat = await socatPtyPair(app, board);
    const { ws } = await openSocket('', { origin: `http://127.0.0.1:${host.port}`, 'x-workbench-token': host.token });
    const events: { event: string; payload: Record<string, unknown> }[] = [];
    ws.on('message', (m) => events.push(JSON.parse(String(m))));

    const connected = await call('connect', [{ target: app, settings: { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1, flowControl: 'none' }, autoReconnect: false }]);
    expect(connected.status).toBe(200);
    const status = JSON.parse(connected.body).result;
    expect(status.state).toBe('connected');

    const far = new SerialPort({ path: board, baudRate: 115200, autoOpen: false });
    await new Promise<void>((r, j) => far.open((e) => (e ? j(e) : r())));
    let farGot = Buffer.alloc(0);
    far.on('data', (d: Buffer) => (farGot = Buffer.concat([farGot, d])));
    const payload = Buffer.from([0x5b, 0x20, 0x30, 0x2e, 0x30, 0x5d, 0xff, 0x00, 0x0a]);
    await new Promise<void>((r) => far.write(payload, () => far.drain(() => r())));

    const data = await waitFor('serialData over the WebSocket', () => {
      const got = events.filter((e) => e.event === 'serialData').map((e) => Buffer.from((e.payload.bytes as { $bytes: string }).$bytes, 'base64'));
      const all = Buffer.concat(got);
      return all.length >= payload.length ? all : undefined;
    });
    expect(data).toEqual(payload);
    expect(events.some((e) => e.event === 'connectionStatus' && e.payload.state === 'connected')).toBe(true);

    const sent = await call('write', [status.connectionId, { $bytes: Buffer.from('root\r').toString('base64') }]);
    expect(sent.status).toBe(200);
    await waitFor('bytes at the board end', () => farGot.length >= 5);
    expect(farGot.toString()).toBe('root\r');

    expect((await call('disconnect', [status.connectionId])).status).toBe(200);
    await waitFor('closed status', () => events.some((e) => e.event === 'connectionStatus' && e.payload.state === 'closed'));
    await new Promise<void>((r) => far.close(() => r()));
    ws.close();
  });
});
