// The host's token, as attacks in real Chromium on the real renderer: a board prints a link to
// another server on 127.0.0.1, the engineer clicks it in the terminal; that server must see no token
// (cookies for 127.0.0.1 go to every port). The token must also leave the address bar, and no request
// the page makes may carry it in a URL.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTo, openPtyPair, openWorkbench, type PtyPair, type Workbench } from '../../scripts/lib/e2e/workbench';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('socat', 'chromium');

let wb: Workbench;
let pty: PtyPair;
let other: Server;
let otherPort = 0;
const otherSaw: { url: string; headers: IncomingHttpHeaders }[] = [];
const pageRequests: string[] = [];

beforeAll(async () => {
  other = createServer((req, res) => {
    otherSaw.push({ url: req.url ?? '', headers: req.headers });
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>another local server</title>');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  otherPort = (other.address() as { port: number }).port;
  wb = await openWorkbench();
  wb.page.on('request', (r) => pageRequests.push(r.url()));
  pty = await openPtyPair();
  await connectTo(wb.page, pty.appPath);
}, 180_000);

afterAll(async () => {
  await pty?.close();
  await wb?.close();
  await new Promise<void>((r) => other?.close(() => r()));
});

describe('the token never leaves the page', () => {
  it('is gone from the address bar once the page has loaded, and the page still works after a reload (F11)', async () => {
    const { page } = wb;
    expect(page.url()).not.toMatch(/[?&](token|launch)=/);
    expect(page.url()).not.toContain(wb.host.token);
    await page.reload();
    await page.waitForSelector('[data-testid=probe-board]');
    // The reloaded page asks for its console back (same target, same connection).
    await connectTo(page, pty.appPath);
    for (const url of pageRequests) expect(url, url).not.toContain(wb.host.token);
    expect(pageRequests.some((u) => u.includes('/api/connect'))).toBe(true);
  }, 60_000);

  it('sends no token to another server on 127.0.0.1 when a link the board printed is clicked (F1)', async () => {
    const { page } = wb;
    const link = `http://127.0.0.1:${otherPort}/help`;
    await pty.play(new TextEncoder().encode(`\r\nU-Boot: see ${link} for help\r\n`));
    const cell = page.locator('.xterm-rows span', { hasText: `127.0.0.1:${otherPort}` }).first();
    await cell.waitFor({ timeout: 10_000 });
    const box = (await cell.boundingBox())!;
    // xterm's link provider finds the link under the mouse; then a click opens it.
    const popup = page.context().waitForEvent('page');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.move(box.x + box.width / 2 + 1, box.y + box.height / 2);
    await page.mouse.click(box.x + box.width / 2 + 1, box.y + box.height / 2);
    const opened = await popup;
    await opened.waitForLoadState();
    expect(otherSaw.length).toBeGreaterThan(0);
    for (const seen of otherSaw) expect(JSON.stringify(seen)).not.toContain(wb.host.token);
    // Whatever cookie it did get unlocks static files only: not the API, not the event socket.
    const cookie = otherSaw.map((s) => s.headers.cookie).find((c) => c) ?? '';
    const api = await fetch(`${wb.host.url}api/listPorts`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: '[]' });
    expect(api.status).toBe(401);
    await opened.close();
  }, 60_000);
});
