// The browser-mode host's limits, as attacks on the real host over raw sockets: a client that sends its
// headers a byte at a time, more connections and event sockets than the caps, an oversized
// Content-Length, a chunked body that never ends, and two large bodies at once. None of these clients
// has the token except where it says so: a local process without it must not be able to hold the host.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHost, type HostLimits, type RunningHost } from '../../electron/host/server';
import { createWorkbenchServices, type WorkbenchServices } from '../../electron/services';
import { tempDir, waitFor } from '../support/electron';

let services: WorkbenchServices;
const hosts: RunningHost[] = [];
const sockets: Socket[] = [];

beforeAll(() => {
  services = createWorkbenchServices({ resourcesDir: tempDir(), sessionsDir: tempDir() });
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const h of hosts) await h.close();
  await services.dispose();
});

async function hostWith(limits: Partial<HostLimits>): Promise<RunningHost> {
  const h = await startHost({ services, limits });
  hosts.push(h);
  return h;
}

interface Raw {
  socket: Socket;
  /** Everything the host sent. */
  received(): string;
  closed(): boolean;
  /** Resolves when the host has closed the connection (or reset it). */
  ended: Promise<void>;
}

function raw(port: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let text = '';
    let closed = false;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', () => {});
    const ended = new Promise<void>((r) => socket.once('close', () => ((closed = true), r())));
    socket.once('connect', () => resolve({ socket, received: () => text, closed: () => closed, ended }));
    socket.once('error', reject);
  });
}

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

const connections = (h: RunningHost): Promise<number> => new Promise((resolve, reject) => h.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const apiHead = (h: RunningHost, verb: string, extra: string) =>
  `POST /api/${verb} HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nContent-Type: application/json\r\nx-workbench-token: ${h.token}\r\n${extra}\r\n`;

describe('slow and idle clients (F9)', () => {
  it('closes a client that sends its headers a byte at a time, once the headers timeout passes', async () => {
    const h = await hostWith({ headersTimeoutMs: 1500 });
    const c = await raw(h.port);
    const t0 = Date.now();
    c.socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\n`);
    const drip = setInterval(() => {
      if (!c.closed()) c.socket.write('X');
    }, 100);
    try {
      // Node's own default would keep it 60 s (and notice only on a 30 s sweep).
      await within(20_000, 'slow headers closed', c.ended);
    } finally {
      clearInterval(drip);
    }
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408|^$/);
  }, 30_000);

  it('closes a connection that never sends a byte', async () => {
    const h = await hostWith({ headersTimeoutMs: 1500 });
    const c = await raw(h.port);
    await within(20_000, 'idle connection closed', c.ended);
  }, 30_000);

  it('closes a request whose body trickles in past the request timeout', async () => {
    const h = await hostWith({ headersTimeoutMs: 1500, requestTimeoutMs: 3000 });
    const c = await raw(h.port);
    c.socket.write(apiHead(h, 'listPorts', 'Content-Length: 60000\r\n'));
    const drip = setInterval(() => {
      if (!c.closed()) c.socket.write(' ');
    }, 100);
    try {
      await within(20_000, 'slow body closed', c.ended);
    } finally {
      clearInterval(drip);
    }
  }, 30_000);
});

describe('connection and event socket caps (F9)', () => {
  it('refuses connections past the cap at once and serves again when they go', async () => {
    const h = await hostWith({ maxConnections: 4, headersTimeoutMs: 60_000 });
    const held = await Promise.all([0, 1, 2, 3].map(() => raw(h.port)));
    // Node counts a connection when its 'connection' event has run; make sure all four are counted.
    for (const c of held) c.socket.write('GET / HTTP/1.1\r\n');
    await until('four connections counted', async () => (await connections(h)) === 4);
    const extra = await raw(h.port);
    await within(10_000, 'the fifth connection closed', extra.ended);
    expect(extra.received()).toBe('');
    expect(held.every((c) => !c.closed())).toBe(true);
    for (const c of held) c.socket.destroy();
    await until('connections released', async () => (await connections(h)) === 0);
    const again = await raw(h.port);
    again.socket.write(apiHead(h, 'listPorts', 'Content-Length: 2\r\n') + '[]');
    await waitFor('an answer after the others left', () => again.received().startsWith('HTTP/1.1 200'), 10_000);
  }, 30_000);

  it('answers 503 to an event socket past the cap', async () => {
    const h = await hostWith({ maxEventClients: 2 });
    const open = (): Promise<{ ws: WebSocket; status: number }> =>
      new Promise((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${h.port}/events`, ['workbench'], { headers: { 'x-workbench-token': h.token } });
        ws.once('open', () => resolve({ ws, status: 101 }));
        ws.once('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode ?? 0 }));
        ws.once('error', () => resolve({ ws, status: -1 }));
      });
    const a = await open();
    const b = await open();
    expect([a.status, b.status]).toEqual([101, 101]);
    const c = await open();
    expect(c.status).toBe(503);
    a.ws.close();
    await waitFor('a slot freed', () => a.ws.readyState === WebSocket.CLOSED, 10_000);
    // The server sees the close a moment after the client does.
    let d = await open();
    for (let i = 0; d.status !== 101 && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      d = await open();
    }
    expect(d.status).toBe(101);
    b.ws.close();
    d.ws.close();
  }, 30_000);
});

describe('request bodies (F9)', () => {
  it('answers 413 to an oversized Content-Length without reading the body', async () => {
    const h = await hostWith({});
    const c = await raw(h.port);
    // Headers only: a host that waited for the body would never answer.
    c.socket.write(apiHead(h, 'connect', `Content-Length: ${1024 ** 3}\r\n`));
    await waitFor('413 before any body byte', () => c.received().startsWith('HTTP/1.1 413'), 10_000);
    expect(c.received()).toMatch(/over its \d+-byte limit/);
    await within(10_000, 'closed after the 413', c.ended);
  });

  it('cuts a chunked body that passes the verb limit while it streams', async () => {
    const h = await hostWith({});
    const c = await raw(h.port);
    c.socket.write(apiHead(h, 'connect', 'Transfer-Encoding: chunked\r\n'));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    let sent = 0;
    // 48 MiB: under the old single 64 MiB cap, far over connect's limit. Kernel buffers on loopback
    // take a few MiB the host never reads; stop when the host hangs up.
    while (!c.closed() && sent < 48 * 1024 * 1024 && !c.received().startsWith('HTTP/1.1 413')) {
      if (!c.socket.write(frame)) await Promise.race([new Promise((r) => c.socket.once('drain', r)), c.ended, new Promise((r) => setTimeout(r, 2000))]);
      sent += chunk.length;
    }
    await within(10_000, 'the host hangs up', c.ended);
    expect(sent).toBeLessThan(48 * 1024 * 1024);
    // The 413 arrives unless the reset of the unread bytes overtook it; nothing else may.
    const answer = c.received();
    expect(answer === '' || /^HTTP\/1\.1 413[\s\S]*passed its \d+-byte limit/.test(answer)).toBe(true);
  }, 60_000);

  it('answers 503 to a large body while others hold the in-flight budget', async () => {
    const h = await hostWith({ maxBodiesInFlight: 3 * 1024 * 1024 });
    // `write` takes a 2 MiB body; each of these sends half of one and waits, holding its reservation.
    const a = await raw(h.port);
    const b = await raw(h.port);
    for (const c of [a, b]) c.socket.write(apiHead(h, 'write', `Content-Length: ${2 * 1024 * 1024}\r\n`) + ' '.repeat(1024 * 1024));
    // Whichever the host read second does not fit beside the first.
    const refused = await waitFor('503 for one of the two', () => [a, b].find((c) => c.received().startsWith('HTTP/1.1 503')), 10_000);
    const holding = refused === a ? b : a;
    expect(holding.received()).toBe('');
    expect(holding.closed()).toBe(false);
    // A small call still goes through.
    const small = await raw(h.port);
    small.socket.write(apiHead(h, 'listPorts', 'Content-Length: 2\r\n') + '[]');
    await waitFor('a small call answered', () => small.received().startsWith('HTTP/1.1 200'), 10_000);
    holding.socket.destroy();
  });
});
