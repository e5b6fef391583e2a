// The renderer's one door to the services (electron/common/contract.ts). In Electron the preload
// exposes the contract's named verbs on `window.workbench`; in browser mode the local web host
// (electron/host/) takes HTTP POST /api/<method> for calls and pushes events over one WebSocket. The
// page trades its launch code (or a pasted ?token=) for the token, keeps it in sessionStorage and sends
// it in a header only, never in a URL. Bytes cross the web host as base64 (JSON has no byte type).
import type { ApiMethod, EventName, ExportRequest, ExportResult, WorkbenchApi, WorkbenchEvents } from '../../electron/common/contract';

export type EventListener<E extends EventName> = (payload: WorkbenchEvents[E]) => void;

export interface Transport {
  readonly kind: 'electron' | 'web';
  api: WorkbenchApi;
  on<E extends EventName>(event: E, listener: EventListener<E>): () => void;
  /** Web mode: the event socket is (re)connecting; calls still work. */
  readonly eventsOnline: () => boolean;
}

// ---- bytes over JSON --------------------------------------------------------------------------------
// A Uint8Array travels as {"$bytes": "<base64>"}; everything else is plain JSON.

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) s += String.fromCharCode(...bytes.subarray(i, i + step));
  return btoa(s);
}

export function base64ToBytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function encodeWire(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: bytesToBase64(value) };
  if (Array.isArray(value)) return value.map(encodeWire);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeWire(v);
    return out;
  }
  return value;
}

export function decodeWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeWire);
  if (value && typeof value === 'object') {
    const rec = value as Record<string, unknown>;
    if (typeof rec.$bytes === 'string' && Object.keys(rec).length === 1) return base64ToBytes(rec.$bytes);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rec)) {
      // JSON from the wire never gets to set a prototype.
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
      out[k] = decodeWire(v);
    }
    return out;
  }
  return value;
}

// ---- Electron ------------------------------------------------------------------------------------

function electronTransport(bridge: NonNullable<Window['workbench']>): Transport {
  return {
    kind: 'electron',
    api: bridge,
    on: (event, listener) => bridge.on(event, listener),
    eventsOnline: () => true,
  };
}

// ---- browser mode (local web host) -----------------------------------------------------------------

export class ApiError extends Error {
  constructor(
    readonly method: string,
    message: string,
  ) {
    super(`${method}: ${message}`);
  }
}

const TOKEN_KEY = 'workbench.token';

/**
 * The token for this tab. The launcher opens `/?launch=<single-use code>`: trade it for the token
 * once. Either way the address bar (and so history) loses `launch`/`token` before anything else runs.
 */
async function takeToken(base: URL): Promise<string> {
  const url = new URL(window.location.href);
  const launch = url.searchParams.get('launch');
  const pasted = url.searchParams.get('token');
  if (launch !== null || pasted !== null) {
    url.searchParams.delete('launch');
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url);
  }
  if (pasted) sessionStorage.setItem(TOKEN_KEY, pasted);
  else if (launch) {
    const res = await fetch(new URL('/launch', base), { method: 'POST', headers: { 'content-type': 'application/json', 'x-workbench-launch': launch }, body: '{}' });
    const body = (await res.json().catch(() => ({}))) as { token?: string; error?: string };
    // A reload after the code was used still has the tab's token.
    if (body.token) sessionStorage.setItem(TOKEN_KEY, body.token);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function webTransport(base: URL, tokenReady: Promise<string>): Transport {
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  let socket: WebSocket | null = null;
  let online = false;
  let retryMs = 250;

  const openSocket = async () => {
    const token = await tokenReady;
    const wsUrl = new URL('/events', base);
    wsUrl.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
    // A browser WebSocket cannot carry headers: the token rides as a second offered subprotocol.
    const ws = new WebSocket(wsUrl, ['workbench', `token.${token}`]);
    socket = ws;
    ws.onopen = () => {
      online = true;
      retryMs = 250;
    };
    ws.onmessage = (msg) => {
      if (typeof msg.data !== 'string') return;
      let parsed: { event?: EventName; payload?: unknown };
      try {
        parsed = JSON.parse(msg.data) as typeof parsed;
      } catch {
        return;
      }
      if (!parsed.event) return;
      const set = listeners.get(parsed.event);
      if (!set) return;
      const payload = decodeWire(parsed.payload);
      for (const l of set) l(payload);
    };
    ws.onclose = () => {
      online = false;
      if (socket !== ws) return;
      // The host may restart (npm start reloading); keep the console alive by coming back on our own.
      setTimeout(() => void openSocket(), retryMs);
      retryMs = Math.min(retryMs * 2, 4000);
    };
  };
  void openSocket();

  const call = async (method: ApiMethod, args: unknown[]): Promise<unknown> => {
    const token = await tokenReady;
    const res = await fetch(new URL(`/api/${method}`, base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-workbench-token': token },
      body: JSON.stringify(encodeWire(args)),
    });
    const text = await res.text();
    let body: { result?: unknown; error?: string } = {};
    try {
      body = text ? (JSON.parse(text) as typeof body) : {};
    } catch {
      throw new ApiError(method, `HTTP ${res.status}: ${text.slice(0, 200)}`);
    }
    if (!res.ok || body.error !== undefined) throw new ApiError(method, body.error ?? `HTTP ${res.status}`);
    return decodeWire(body.result);
  };

  const api = new Proxy({} as WorkbenchApi, {
    get: (_t, method: string) => (...args: unknown[]) => call(method as ApiMethod, args),
  });

  return {
    kind: 'web',
    api,
    on: (event, listener) => {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (p: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    eventsOnline: () => online,
  };
}

let transport: Transport | null = null;

/** The transport for this page: Electron's bridge when present, else the web host named by the URL. */
export function getTransport(): Transport {
  if (transport) return transport;
  if (window.workbench) return (transport = electronTransport(window.workbench));
  const base = new URL('/', window.location.href);
  return (transport = webTransport(base, takeToken(base)));
}

/** Tests and the demo-only offline mode install their own transport. */
export function setTransport(t: Transport | null): void {
  transport = t;
}

export function useApi(): WorkbenchApi {
  return getTransport().api;
}

/**
 * Exports a session where the user chooses: in Electron, main shows its own save dialog; in browser
 * mode the host returns the export inline (it accepts no path) and the browser downloads it.
 */
export async function saveExport(req: Omit<ExportRequest, 'path' | 'overwrite'>): Promise<ExportResult> {
  const t = getTransport();
  const result = await t.api.exportSession(req);
  if (t.kind === 'electron' || (result.content === undefined && result.bytes === undefined)) return result;
  const ext = { text: 'txt', json: 'json', html: 'html', junit: 'xml', bundle: 'bwbundle' }[req.format];
  const body: BlobPart = result.bytes ? new Uint8Array(result.bytes) : (result.content ?? '');
  const href = URL.createObjectURL(new Blob([body], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = href;
  a.download = `${req.sessionId}.${ext}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return result;
}
