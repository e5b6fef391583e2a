// The browser mode's local host: the same renderer and the same WorkbenchApi as the Electron app,
// over HTTP (POST /api/<method>) and one WebSocket (/events). It listens on loopback only and trusts
// nobody else on the machine either: API calls and the event socket need the random token in a header
// (never a cookie, never a query string); the page's static files need a separate asset secret (an
// HttpOnly cookie, useless for anything else) that a single-use launch code hands out. Every request
// needs a Host naming loopback (no DNS rebinding) and, when a browser sends one, our own Origin.
// Local processes that have no token can still connect, so connections, event clients, header and
// request time and request bodies are capped (HOST_LIMITS, BODY_LIMITS): nobody can hold the host open.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { API_METHODS, type ApiMethod, type EventName, type WorkbenchApi, type WorkbenchEvents } from '../common/contract';
import { decodeWire, encodeWire, type Base64Codec } from '../common/wire';
import { checkArguments } from '../common/api-args';
import type { WorkbenchServices } from '../services';

export const TOKEN_HEADER = 'x-workbench-token';
export const LAUNCH_HEADER = 'x-workbench-launch';
/** Browsers cannot set headers on a WebSocket: the page offers the token as a second subprotocol. */
export const WS_PROTOCOL = 'workbench';
export const WS_TOKEN_PREFIX = 'token.';
/**
 * Cookies for 127.0.0.1 go to every port on it (RFC 6265 ignores ports), so another local server
 * sees this cookie: it holds a secret that unlocks the renderer's static files and nothing else.
 */
export const ASSET_COOKIE = 'workbench_assets';
/** A launch code not redeemed by then is forgotten: it sat on a command line (xdg-open, the browser). */
const LAUNCH_CODE_TTL_MS = 10 * 60_000;

const KiB = 1024;
const MiB = 1024 * KiB;

export interface HostLimits {
  /** From a connection's first byte to the end of its request headers (slowloris). */
  headersTimeoutMs: number;
  /** From the first byte to the end of the body. */
  requestTimeoutMs: number;
  /** Open TCP connections; one more is closed at once. Event sockets count. */
  maxConnections: number;
  /** Open event sockets; one more is answered 503. */
  maxEventClients: number;
  /** Request bodies held in memory at once, over all requests; a body that does not fit is answered 503. */
  maxBodiesInFlight: number;
}

export const HOST_LIMITS: HostLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  maxConnections: 64,
  maxEventClients: 16,
  maxBodiesInFlight: 96 * MiB,
};

/**
 * Body limits per verb, checked against Content-Length before a byte of the body is read and counted
 * while it streams (chunked). Arguments are small; `write` carries a paste, `annotateSession` a comparison.
 */
export const BODY_LIMITS: { default: number } & Partial<Record<ApiMethod | 'launch', number>> = {
  default: 64 * KiB,
  launch: 1 * KiB,
  write: 2 * MiB,
  annotateSession: 8 * MiB,
  /** An uploaded log, session or bundle, base64 in JSON: about 48 MiB of file. */
  importLog: 64 * MiB,
};
/** A client this far behind on events is dropped (it reconnects); the recorder still has every byte. */
const MAX_WS_BACKLOG = 32 * 1024 * 1024;

const base64: Base64Codec = {
  encode: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64'),
  decode: (s) => new Uint8Array(Buffer.from(s, 'base64')),
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

/** Node middleware (Vite's dev server in middleware mode fits). */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export interface HostOptions {
  services: WorkbenchServices;
  /** Loopback address to bind; anything else is refused. Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Default: 32 random bytes, hex. */
  token?: string;
  /** The built renderer (electron-vite's out/renderer). */
  staticDir?: string;
  /** Serves the renderer instead of staticDir (Vite dev middleware). */
  renderer?: Middleware;
  /** Defaults: HOST_LIMITS. */
  limits?: Partial<HostLimits>;
}

export interface RunningHost {
  url: string;
  /** A URL to open, with a fresh single-use launch code (never the token). Each read mints a new one. */
  readonly pageUrl: string;
  /** A fresh single-use launch URL with extra query parameters (`demo=1`). */
  launchUrl(query?: Record<string, string>): string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

export function isLoopbackAddress(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    // xterm.js and Vue transitions set inline style attributes; no inline scripts anywhere.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const h = req.headers[name];
  return Array.isArray(h) ? h[0] : h;
}

/** The token a WebSocket client offered: the header (Node clients) or the `token.<hex>` subprotocol. */
function socketToken(req: IncomingMessage): string | undefined {
  const header = headerValue(req, TOKEN_HEADER);
  if (header) return header;
  const offered = (headerValue(req, 'sec-websocket-protocol') ?? '').split(',').map((p) => p.trim());
  return offered.find((p) => p.startsWith(WS_TOKEN_PREFIX))?.slice(WS_TOKEN_PREFIX.length);
}

export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopbackAddress(host)) throw new Error(`the browser-mode host binds loopback only; refusing ${host}`);
  const limits: HostLimits = { ...HOST_LIMITS, ...opts.limits };
  const token = opts.token ?? randomBytes(32).toString('hex');
  if (token.length < 16) throw new Error('token too short');
  const assetSecret = randomBytes(32).toString('hex');
  const launchCodes = new Map<string, number>();
  const mintLaunchCode = (): string => {
    const code = randomBytes(24).toString('hex');
    launchCodes.set(code, Date.now() + LAUNCH_CODE_TTL_MS);
    return code;
  };
  const launchCodeValid = (code: string | null | undefined): code is string => {
    if (!code) return false;
    const until = launchCodes.get(code);
    if (until === undefined) return false;
    if (until < Date.now()) {
      launchCodes.delete(code);
      return false;
    }
    return true;
  };
  const staticRoot = opts.staticDir && existsSync(opts.staticDir) ? realpathSync(opts.staticDir) : undefined;
  const api: WorkbenchApi = opts.services.apiFor('web');
  let port = 0;

  const named = host.includes(':') ? `[${host}]` : host;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${named}:${port}`]);
  const allowedOrigins = () => new Set([...allowedHosts()].map((h) => `http://${h}`));

  /** Host and Origin; returns the HTTP status to refuse with, or 0. */
  const admitPlace = (req: IncomingMessage): number => {
    if (!allowedHosts().has(req.headers.host ?? '')) return 421;
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) return 403;
    return 0;
  };
  /** The API and the event socket: the token itself, from a header only. */
  const admitToken = (given: string | undefined): number => (!given ? 401 : sameToken(given, token) ? 0 : 403);
  /**
   * Static files: the asset cookie, the token header, or (the page itself) a live launch code or the
   * token in the query (a URL pasted by hand; the page moves it out of the address bar at once).
   */
  const admitAsset = (req: IncomingMessage, url: URL): { status: number; setCookie: boolean } => {
    if (sameToken(cookieValue(req, ASSET_COOKIE), assetSecret)) return { status: 0, setCookie: false };
    if (sameToken(headerValue(req, TOKEN_HEADER), token)) return { status: 0, setCookie: false };
    if (launchCodeValid(url.searchParams.get('launch'))) return { status: 0, setCookie: true };
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null) return sameToken(queryToken, token) ? { status: 0, setCookie: true } : { status: 403, setCookie: false };
    return { status: url.searchParams.get('launch') !== null ? 403 : 401, setCookie: false };
  };

  const securityHeaders = (res: ServerResponse) => {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(port));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.end(JSON.stringify(body));
  };

  /** Answers and hangs up without reading what is left of the body. */
  const refuseBody = (req: IncomingMessage, res: ServerResponse, status: number, error: string) => {
    const socket = req.socket;
    req.pause();
    res.setHeader('Connection', 'close');
    res.once('finish', () => socket.destroySoon());
    sendJson(res, status, { error });
  };

  let bodiesInFlight = 0;
  /**
   * The body, or undefined once refused: over `limit` by Content-Length (before reading any of it) or
   * while streaming; 503 when the bodies already held leave no room for it.
   */
  const readBody = (req: IncomingMessage, res: ServerResponse, what: string, limit: number): Promise<Buffer | undefined> => {
    const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    if (declared !== undefined && !(declared <= limit)) {
      refuseBody(req, res, 413, `${what}: a ${req.headers['content-length']}-byte body is over its ${limit}-byte limit`);
      return Promise.resolve(undefined);
    }
    const busy = 'busy: too many request bodies at once; try again';
    let held = declared ?? 0;
    if (bodiesInFlight + held > limits.maxBodiesInFlight) {
      refuseBody(req, res, 503, busy);
      return Promise.resolve(undefined);
    }
    bodiesInFlight += held;
    return new Promise<Buffer | undefined>((resolvePromise) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const finish = (body: Buffer | undefined) => {
        if (settled) return;
        settled = true;
        req.off('data', onData);
        bodiesInFlight -= held;
        resolvePromise(body);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          finish(undefined);
          return refuseBody(req, res, 413, `${what}: the body passed its ${limit}-byte limit`);
        }
        if (size > held) {
          // chunked: reserved as it arrives
          if (bodiesInFlight + (size - held) > limits.maxBodiesInFlight) {
            finish(undefined);
            return refuseBody(req, res, 503, busy);
          }
          bodiesInFlight += size - held;
          held = size;
        }
        chunks.push(chunk);
      };
      req.on('data', onData);
      req.once('end', () => finish(Buffer.concat(chunks, size)));
      req.once('close', () => finish(undefined));
      req.once('error', () => finish(undefined));
    });
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, method: string) => {
    if (req.method !== 'POST') return refuseBody(req, res, 405, 'POST only');
    if (!(API_METHODS as readonly string[]).includes(method)) return refuseBody(req, res, 404, `no such method ${method}`);
    // application/json cannot be sent cross-site without a CORS preflight, which we never answer.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return refuseBody(req, res, 415, 'content-type must be application/json');
    const body = await readBody(req, res, method, BODY_LIMITS[method as ApiMethod] ?? BODY_LIMITS.default);
    if (!body) return;
    let args: unknown;
    try {
      const text = body.toString('utf8');
      args = decodeWire(text ? JSON.parse(text) : [], base64);
    } catch (err) {
      return sendJson(res, 400, { error: `bad JSON: ${(err as Error).message}` });
    }
    if (!Array.isArray(args)) return sendJson(res, 400, { error: 'the body must be the JSON array of arguments' });
    try {
      checkArguments(method as ApiMethod, args);
    } catch (err) {
      return sendJson(res, 400, { error: (err as Error).message });
    }
    // Browser mode has no save dialog: exports come back inline and the page downloads them.
    if (method === 'exportSession' && (args[0] as { path?: unknown; overwrite?: unknown }).path !== undefined) {
      return sendJson(res, 400, { error: 'exportSession: browser mode exports are downloads; a path on this machine is not accepted' });
    }
    // Nor a path to import: the page uploads the file the user picked.
    if (method === 'importLog' && typeof args[0] === 'string') {
      return sendJson(res, 400, { error: 'importLog: browser mode imports are uploads; a path on this machine is not accepted' });
    }
    try {
      const fn = api[method as ApiMethod] as (...a: unknown[]) => Promise<unknown>;
      const result = await fn(...args);
      sendJson(res, 200, { result: encodeWire(result ?? null, base64) });
    } catch (err) {
      sendJson(res, 500, { error: (err as Error).message ?? String(err) });
    }
  };

  /** POST /launch with a live code in the header: the token, once; the code is gone afterwards. */
  const redeemLaunchCode = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST only' });
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return sendJson(res, 415, { error: 'content-type must be application/json' });
    if (!(Number(req.headers['content-length'] ?? 0) <= BODY_LIMITS.launch!)) return refuseBody(req, res, 413, `launch: a body over ${BODY_LIMITS.launch} bytes`);
    const code = headerValue(req, LAUNCH_HEADER);
    if (!launchCodeValid(code)) return sendJson(res, 403, { error: 'launch code unknown, expired or used; start the workbench again or open a new launch URL' });
    launchCodes.delete(code);
    req.resume();
    sendJson(res, 200, { token });
  };

  const serveStatic = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'GET only' });
    if (!staticRoot) {
      res.statusCode = 503;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      return res.end('the renderer is not built: run `npx electron-vite build` (npm start does it)');
    }
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return sendJson(res, 400, { error: 'bad path' });
    }
    if (rel.includes('\0')) return sendJson(res, 400, { error: 'bad path' });
    let file = resolve(staticRoot, `.${rel}`);
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) return sendJson(res, 403, { error: 'outside the renderer' });
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const real = realpathSync(file);
      if (!real.startsWith(staticRoot + sep)) return sendJson(res, 403, { error: 'outside the renderer' });
      const st = statSync(real);
      res.statusCode = 200;
      res.setHeader('Content-Type', MIME[extname(real)] ?? 'application/octet-stream');
      res.setHeader('Content-Length', st.size);
      res.setHeader('Cache-Control', 'no-cache');
      if (req.method === 'HEAD') return res.end();
      createReadStream(real).pipe(res);
    } catch {
      sendJson(res, 404, { error: 'not found' });
    }
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse) => {
    securityHeaders(res);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return sendJson(res, 400, { error: 'bad URL' });
    }
    const refuse = (status: number) => refuseBody(req, res, status, status === 401 ? 'token required' : status === 421 ? 'wrong Host' : 'forbidden');
    const placeRefused = admitPlace(req);
    if (placeRefused) return refuse(placeRefused);
    if (url.pathname === '/launch') return redeemLaunchCode(req, res);
    if (url.pathname.startsWith('/api/')) {
      const refused = admitToken(headerValue(req, TOKEN_HEADER));
      if (refused) return refuse(refused);
      void handleApi(req, res, url.pathname.slice('/api/'.length)).catch((err: Error) => sendJson(res, 500, { error: err.message }));
      return;
    }
    const asset = admitAsset(req, url);
    if (asset.status) return refuse(asset.status);
    if (asset.setCookie) res.setHeader('Set-Cookie', `${ASSET_COOKIE}=${assetSecret}; HttpOnly; SameSite=Strict; Path=/`);
    if (opts.renderer) return opts.renderer(req, res, () => serveStatic(req, res, url));
    serveStatic(req, res, url);
  };

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often Node looks for connections past those timeouts (its default, 30 s, would let a slow
      // client hold a connection half a minute longer than headersTimeout says).
      connectionsCheckingInterval: Math.max(250, Math.min(1000, limits.headersTimeoutMs / 4)),
    },
    handleRequest,
  );
  // Past this many open sockets Node closes a new one at once (no handler runs for it).
  server.maxConnections = limits.maxConnections;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    // Answer with the plain protocol name, never echo the token subprotocol back.
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  const clients = new Set<WebSocket>();
  let upgrading = 0;
  server.on('upgrade', (req, socket, head) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      socket.destroy();
      return;
    }
    let refused = url.pathname === '/events' ? admitPlace(req) || admitToken(socketToken(req)) : 404;
    if (!refused && clients.size + upgrading >= limits.maxEventClients) refused = 503;
    if (refused) {
      const reason = { 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' }[refused as 401 | 404 | 503] ?? 'Forbidden';
      socket.end(`HTTP/1.1 ${refused} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    // Counted from here: a handshake that fails never reaches the callback, only the socket's close.
    upgrading++;
    let pending = true;
    const settle = () => {
      if (pending) upgrading--;
      pending = false;
    };
    socket.once('close', settle);
    wss.handleUpgrade(req, socket, head, (ws) => {
      settle();
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => ws.terminate());
      ws.on('message', () => {}); // events flow one way; anything sent to us is ignored
    });
  });

  const unsubscribe = opts.services.events.onAny(<E extends EventName>(event: E, payload: WorkbenchEvents[E]) => {
    if (clients.size === 0) return;
    const text = JSON.stringify({ event, payload: encodeWire(payload, base64) });
    for (const ws of clients) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > MAX_WS_BACKLOG) {
        ws.terminate();
        continue;
      }
      ws.send(text);
    }
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  port = (server.address() as { port: number }).port;
  const hostForUrl = host.includes(':') ? `[${host}]` : host === 'localhost' ? '127.0.0.1' : host;
  const url = `http://${hostForUrl}:${port}/`;
  const launchUrl = (query: Record<string, string> = {}) => {
    const u = new URL(url);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    u.searchParams.set('launch', mintLaunchCode());
    return u.toString();
  };
  return {
    url,
    get pageUrl() {
      return launchUrl();
    },
    launchUrl,
    port,
    token,
    server,
    close: async () => {
      unsubscribe();
      for (const ws of clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
