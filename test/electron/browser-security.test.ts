// The web host's protections as a real browser meets them (Chromium via playwright-core): the CSP
// blocks inline script while the page's own scripts run, the page reaches the API and the event
// socket with the token its launch code bought, and a page from another origin on this machine can
// neither call the API (no CORS, JSON needs a preflight) nor drive it with a plain form post.
import { createServer, type Server } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type RunningHost } from '../../electron/host/server';
import { createWorkbenchServices, type WorkbenchServices } from '../../electron/services';
import { tempDir } from '../support/electron';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('chromium');

let host: RunningHost;
let services: WorkbenchServices;
let browser: Browser;
let evil: Server;
let evilPort = 0;

const PAGE_SCRIPT = `
window.externalRan = true;
const launch = new URL(location.href).searchParams.get('launch');
const tokenReady = fetch('/launch', { method: 'POST', headers: { 'content-type': 'application/json', 'x-workbench-launch': launch }, body: '{}' })
  .then((r) => r.json()).then((b) => b.token);
window.apiResult = tokenReady.then((token) => fetch('/api/listPorts', { method: 'POST', headers: { 'content-type': 'application/json', 'x-workbench-token': token }, body: '[]' }))
  .then((r) => r.json());
window.wsOpened = tokenReady.then((token) => new Promise((resolve) => {
  const ws = new WebSocket('ws://' + location.host + '/events', ['workbench', 'token.' + token]);
  ws.onopen = () => resolve('open');
  ws.onerror = () => resolve('error');
}));
`;

beforeAll(async () => {
  const staticDir = tempDir('bringup-csp-');
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'assets', 'page.js'), PAGE_SCRIPT);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>csp</title><script>window.inlineRan = true</script><script src="/assets/page.js"></script><img src="https://example.invalid/x.png">');
  services = createWorkbenchServices({ resourcesDir: tempDir(), sessionsDir: tempDir() });
  host = await startHost({ services, staticDir });
  // Another site on this machine, trying to use the workbench behind the user's back.
  evil = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><body><form id=f method=POST action="http://127.0.0.1:${host.port}/api/connect" enctype="text/plain"><input name='[{"target":"/dev/ttyS0","x":"' value='"}]'></form></body>`);
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  evilPort = (evil.address() as { port: number }).port;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => evil.close(() => r()));
  await host.close();
  await services.dispose();
});

describe('the web host in Chromium', () => {
  it('runs the page scripts, blocks inline script, reaches the API and the event socket', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(host.pageUrl);
    expect(await page.evaluate('window.externalRan')).toBe(true);
    expect(await page.evaluate('window.inlineRan')).toBeUndefined();
    const api = (await page.evaluate('window.apiResult')) as { result: { path: string }[] };
    expect(api.result.map((p) => p.path)).toContain('demo:');
    expect(await page.evaluate('window.wsOpened')).toBe('open');
    expect(violations.some((v) => /inline script/i.test(v))).toBe(true);
    expect(violations.some((v) => /example\.invalid/.test(v))).toBe(true);
    await page.close();
  });

  it('gives another origin nothing: fetch fails, a form post is refused, the socket is closed', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${evilPort}/`);
    const result = (await page.evaluate(`(async (port) => {
      const out = {};
      try {
        const r = await fetch('http://127.0.0.1:' + port + '/api/listPorts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' });
        out.fetch = 'status ' + r.status;
      } catch (e) {
        out.fetch = 'blocked: ' + e.message;
      }
      out.ws = await new Promise((resolve) => {
        const ws = new WebSocket('ws://127.0.0.1:' + port + '/events');
        ws.onopen = () => resolve('open');
        ws.onerror = () => resolve('error');
      });
      return out;
    })(${host.port})`)) as { fetch: string; ws: string };
    expect(result.fetch).toMatch(/^blocked/);
    expect(result.ws).toBe('error');
    // The form post reaches the host but is refused (no token, wrong Origin, not JSON).
    const [response] = await Promise.all([page.waitForResponse(() => true), page.evaluate("document.getElementById('f').submit()")]);
    expect([401, 403, 415]).toContain(response.status());
    expect(services.connections.list()).toEqual([]);
    await page.close();
  });
});
