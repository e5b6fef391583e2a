// The serial connections of one services instance, keyed by id (house style: sessions live in main,
// in a map, and close with the window that opened them). Owns the line lifecycle the contract names:
// connecting → connected → lost → reconnecting → connected … → closed. Every byte in and out, and
// every line event, goes to the ByteRecorder before anyone else sees it.
import { randomUUID } from 'node:crypto';
import type { ConnectionState, ConnectionStatus, ConnectRequest, SerialSettings, SignalState } from '../../common/contract';
import type { EventHub } from '../events';
import { findAdapter, identifyAdapter, parseTarget, type AdapterIdentity, type ParsedTarget, type PortRoots } from '../ports';
import type { LabgridLines, LabgridPlaceLine } from '../labgrid/lines';
import type { PowerAction } from '../labgrid/power';
import type { ByteRecorder, LineMarkerKind } from '../recorder';
import { DeviceTransport } from './device-transport';
import { checkNetworkTarget } from './network-policy';
import { Rfc2217Transport } from './rfc2217-transport';
import { TcpTransport } from './tcp-transport';
import { delay, type LineTransport, type TransportFactory, type TransportHandlers } from './transport';

/** What `demo:` resolves to: a real pty path (socat) or an in-process line. */
export type DemoLineHandle = { path: string; release(): Promise<void> } | { create: TransportFactory; release(): Promise<void> };

export interface DemoLineProvider {
  open(connectionId: string, settings: SerialSettings): Promise<DemoLineHandle>;
}

export interface ConnectionManagerOptions {
  events: EventHub;
  recorder: ByteRecorder;
  demo?: DemoLineProvider;
  /** Consoles of labgrid places (`labgrid://coordinator/place`). */
  labgrid?: LabgridLines;
  roots?: PortRoots;
  /** How often a lost line looks for its adapter again. */
  reconnectPollMs?: number;
}

interface Connection {
  id: string;
  owner: string;
  target: string;
  parsed: ParsedTarget;
  settings: SerialSettings;
  autoReconnect: boolean;
  state: ConnectionState;
  error?: string;
  transport: LineTransport | null;
  identity?: AdapterIdentity;
  demo?: DemoLineHandle;
  labgrid?: LabgridPlaceLine;
  /** Where the place's console is for the next open (host, port, and what served it). */
  labgridConsole?: { host: string; port: number; detail: string };
  releaseOnDisconnect: boolean;
  allowLinkLocal: boolean;
  bytesReceived: number;
  bytesSent: number;
  sessionId?: string;
  /** Bumped on every open, so callbacks from an old transport are ignored. */
  generation: number;
  reconnectTimer?: NodeJS.Timeout;
}

export class ConnectionManager {
  private readonly connections = new Map<string, Connection>();
  private readonly reconnectPollMs: number;

  constructor(private readonly opts: ConnectionManagerOptions) {
    this.reconnectPollMs = opts.reconnectPollMs ?? 250;
  }

  list(): ConnectionStatus[] {
    return [...this.connections.values()].map((c) => this.status(c));
  }

  private status(c: Connection): ConnectionStatus {
    const s: ConnectionStatus = {
      connectionId: c.id,
      target: c.target,
      state: c.state,
      settings: c.settings,
      bytesReceived: c.bytesReceived,
      bytesSent: c.bytesSent,
    };
    if (c.error) s.error = c.error;
    if (c.sessionId) s.sessionId = c.sessionId;
    if (c.parsed.kind === 'labgrid') s.releaseOnDisconnect = c.releaseOnDisconnect;
    return s;
  }

  private setState(c: Connection, state: ConnectionState, error?: string): void {
    c.state = state;
    if (error !== undefined) c.error = error;
    else if (state === 'connected') delete c.error;
    this.opts.events.emit('connectionStatus', this.status(c));
  }

  private marker(c: Connection, kind: LineMarkerKind, detail?: string): void {
    this.opts.recorder.marker(c.id, kind, Date.now(), detail);
  }

  private get(id: string): Connection {
    const c = this.connections.get(id);
    if (!c) throw new Error(`no connection ${JSON.stringify(id)}`);
    return c;
  }

  private requireOpen(c: Connection): LineTransport {
    if (c.state !== 'connected' || !c.transport) throw new Error(`${c.target} is ${c.state}${c.error ? ` (${c.error})` : ''}`);
    return c.transport;
  }

  async connect(req: ConnectRequest, owner = 'default'): Promise<ConnectionStatus> {
    const parsed = parseTarget(req.target);
    validateSettings(req.settings);
    if (parsed.host !== undefined) await checkNetworkTarget(req.target.trim(), parsed.host, req.allowLinkLocal === true);
    // A page reloaded in browser mode (or a renderer that lost track) asks again for a line its
    // owner already holds: hand back that connection rather than fail on the device lock.
    const held = [...this.connections.values()].find((x) => x.owner === owner && x.target === req.target.trim() && x.state !== 'connecting');
    if (held) {
      held.autoReconnect = req.autoReconnect;
      held.releaseOnDisconnect = req.releaseOnDisconnect === true;
      if (JSON.stringify(held.settings) !== JSON.stringify(req.settings)) await this.updateSettings(held.id, req.settings);
      else this.setState(held, held.state, held.error);
      return this.status(held);
    }
    const c: Connection = {
      id: `conn-${randomUUID().slice(0, 8)}`,
      owner,
      target: req.target.trim(),
      parsed,
      settings: { ...req.settings },
      autoReconnect: req.autoReconnect,
      releaseOnDisconnect: req.releaseOnDisconnect === true,
      allowLinkLocal: req.allowLinkLocal === true,
      state: 'connecting',
      transport: null,
      bytesReceived: 0,
      bytesSent: 0,
      generation: 0,
    };
    this.connections.set(c.id, c);
    this.setState(c, 'connecting');
    try {
      if (parsed.kind === 'demo') {
        if (!this.opts.demo) throw new Error('the demo line is not available in this build');
        c.demo = await this.opts.demo.open(c.id, c.settings);
      }
      if (parsed.kind === 'labgrid') {
        if (!this.opts.labgrid) throw new Error('labgrid targets are not available in this build');
        c.labgrid = await this.opts.labgrid.open(parsed.coordinator!, parsed.place!);
      }
      await this.openTransport(c);
      if (!this.connections.has(c.id)) {
        // disconnect() ran while the line was opening
        await c.transport?.close().catch(() => {});
        throw new Error(`${c.target}: disconnected while connecting`);
      }
    } catch (err) {
      this.connections.delete(c.id);
      await c.demo?.release().catch(() => {});
      // A place this connect acquired is not left held by a console that never opened.
      if (c.labgrid?.acquired) await c.labgrid.release().catch(() => {});
      c.state = 'closed';
      c.error = (err as Error).message;
      this.opts.events.emit('connectionStatus', this.status(c));
      throw err;
    }
    if (parsed.kind === 'device') c.identity = identifyAdapter(parsed.path!, this.opts.roots);
    else if (c.demo && 'path' in c.demo) c.identity = { path: c.demo.path };
    c.sessionId = this.opts.recorder.begin(c.id, { target: c.target, resolvedPath: c.transport!.resolvedPath, settings: c.settings }, Date.now());
    if (c.labgrid) this.marker(c, c.labgrid.acquired ? 'acquire' : 'use-held', c.labgridConsole!.detail);
    this.marker(c, 'connect', c.transport!.resolvedPath);
    this.setState(c, 'connected');
    return this.status(c);
  }

  private makeTransport(c: Connection, handlers: TransportHandlers): LineTransport {
    const p = c.parsed;
    switch (p.kind) {
      case 'device':
        return new DeviceTransport(c.identity ? (findAdapter(c.identity, this.opts.roots) ?? p.path!) : p.path!, c.settings, handlers);
      case 'tcp':
        return new TcpTransport(p.host!, p.port!, handlers);
      case 'rfc2217':
        return new Rfc2217Transport(p.host!, p.port!, handlers, c.settings);
      case 'demo': {
        const d = c.demo!;
        return 'path' in d ? new DeviceTransport(d.path, c.settings, handlers) : d.create(handlers);
      }
      case 'labgrid':
        return new Rfc2217Transport(c.labgridConsole!.host, c.labgridConsole!.port, handlers, c.settings);
    }
  }

  private async openTransport(c: Connection): Promise<void> {
    // The exporter starts ser2net on a port of its choosing, again after it restarts: ask each time.
    if (c.labgrid) {
      c.labgridConsole = await c.labgrid.console();
      // The exporter's address comes from the coordinator: held to the same rule as a typed target.
      await checkNetworkTarget(c.target, c.labgridConsole.host, c.allowLinkLocal);
    }
    const generation = ++c.generation;
    const transport = this.makeTransport(c, {
      data: (bytes) => {
        if (c.generation !== generation) return;
        const t = Date.now();
        c.bytesReceived += bytes.length;
        this.opts.recorder.rx(c.id, bytes, t);
        this.opts.events.emit('serialData', { connectionId: c.id, hostTime: t, bytes });
      },
      lost: (reason) => {
        if (c.generation !== generation) return;
        this.onLost(c, reason);
      },
    });
    await transport.open();
    c.transport = transport;
  }

  private onLost(c: Connection, reason: string): void {
    c.transport = null;
    this.marker(c, 'lost', reason);
    this.setState(c, 'lost', reason);
    if (c.autoReconnect && c.parsed.kind !== 'demo') this.scheduleReconnect(c);
  }

  private scheduleReconnect(c: Connection): void {
    if (c.state === 'closed') return;
    if (c.state !== 'reconnecting') this.setState(c, 'reconnecting', c.error);
    const pollMs = c.parsed.kind === 'device' ? this.reconnectPollMs : Math.max(this.reconnectPollMs, 1000);
    c.reconnectTimer = setTimeout(() => void this.tryReconnect(c), pollMs);
  }

  private async tryReconnect(c: Connection): Promise<void> {
    c.reconnectTimer = undefined;
    if (c.state !== 'reconnecting' || !this.connections.has(c.id)) return;
    if (c.parsed.kind === 'device' && c.identity && !findAdapter(c.identity, this.opts.roots)) {
      this.scheduleReconnect(c);
      return;
    }
    try {
      await this.openTransport(c);
    } catch {
      c.transport = null;
      if (c.state === 'reconnecting') this.scheduleReconnect(c);
      return;
    }
    if (c.state !== 'reconnecting') {
      // Disconnected while the open was in flight.
      await c.transport?.close().catch(() => {});
      c.transport = null;
      return;
    }
    this.marker(c, 'reconnect', c.transport!.resolvedPath);
    this.setState(c, 'connected');
  }

  /**
   * Switches the board's power through its labgrid place (labgrid-client of the user's installation),
   * with a `power` marker when it is issued and `power-failed` when it fails. The console stays open and
   * recorded throughout, so the boot that follows is in the same session.
   */
  async power(id: string, action: PowerAction, opts: { delaySeconds?: number } = {}): Promise<void> {
    const c = this.get(id);
    if (c.parsed.kind !== 'labgrid' || !this.opts.labgrid) throw new Error(`${c.target}: power needs a labgrid place (labgrid://COORDINATOR/PLACE)`);
    this.marker(c, 'power', `${action} place ${c.parsed.place} via labgrid-client, coordinator ${c.parsed.coordinator}`);
    try {
      await this.opts.labgrid.power(c.parsed.coordinator!, c.parsed.place!, action, opts);
    } catch (e) {
      this.marker(c, 'power-failed', (e as Error).message);
      throw e;
    }
  }

  /** `release` overrides the connection's releaseOnDisconnect (the CLI releases only a place it acquired). */
  async disconnect(id: string, opts: { release?: boolean } = {}): Promise<void> {
    const c = this.connections.get(id);
    if (!c) return;
    this.connections.delete(id);
    if (c.reconnectTimer) clearTimeout(c.reconnectTimer);
    c.generation++;
    const t = c.transport;
    c.transport = null;
    await t?.close().catch(() => {});
    await c.demo?.release().catch(() => {});
    this.marker(c, 'disconnect');
    if (c.labgrid && (opts.release ?? c.releaseOnDisconnect)) {
      try {
        await c.labgrid.release();
        this.marker(c, 'release', c.labgridConsole?.detail);
      } catch (e) {
        this.marker(c, 'release-failed', (e as Error).message);
      }
    }
    this.opts.recorder.end(c.id, Date.now());
    this.setState(c, 'closed');
  }

  /** The connect bar's setting, changed while the console is open: the disconnect reads it. */
  setReleaseOnDisconnect(id: string, release: boolean): void {
    const c = this.get(id);
    if (c.parsed.kind !== 'labgrid') throw new Error(`${c.target} is not a labgrid place: there is nothing to release`);
    c.releaseOnDisconnect = release === true;
    this.setState(c, c.state, c.error);
  }

  async write(id: string, data: Uint8Array): Promise<void> {
    const c = this.get(id);
    const t = this.requireOpen(c);
    const bytes = data instanceof Uint8Array ? data : Uint8Array.from(data as ArrayLike<number>);
    this.opts.recorder.tx(c.id, bytes, Date.now());
    c.bytesSent += bytes.length;
    await t.write(bytes);
  }

  async updateSettings(id: string, settings: SerialSettings): Promise<void> {
    validateSettings(settings);
    const c = this.get(id);
    if (c.state === 'lost' || c.state === 'reconnecting') {
      // Applied when the adapter comes back (the reopen uses c.settings).
      c.settings = { ...settings };
      this.marker(c, 'config', JSON.stringify(settings));
      this.setState(c, c.state, c.error);
      return;
    }
    const t = this.requireOpen(c);
    await t.applySettings({ ...settings });
    c.settings = { ...settings };
    this.marker(c, 'config', JSON.stringify(settings));
    this.setState(c, 'connected');
  }

  async setSignals(id: string, signals: SignalState): Promise<void> {
    const c = this.get(id);
    const note = await this.requireOpen(c).setSignals(signals);
    this.marker(c, 'signals', JSON.stringify(signals) + (note ? ` (${note})` : ''));
  }

  async pulseSignal(id: string, line: 'dtr' | 'rts', ms: number): Promise<void> {
    if (line !== 'dtr' && line !== 'rts') throw new Error(`unknown line ${String(line)}`);
    const hold = clampMs(ms);
    const c = this.get(id);
    const t = this.requireOpen(c);
    const note = await t.setSignals({ [line]: true });
    await delay(hold);
    await t.setSignals({ [line]: false });
    this.marker(c, 'reset', `${line} ${hold}ms` + (note ? ` (${note})` : ''));
  }

  async sendBreak(id: string, ms: number): Promise<void> {
    const hold = clampMs(ms);
    const c = this.get(id);
    const note = await this.requireOpen(c).sendBreak(hold);
    this.marker(c, 'break', `${hold}ms` + (note ? ` (${note})` : ''));
  }

  /** Closes every connection a window (or web client) opened: called when it goes away. */
  async closeOwnedBy(owner: string): Promise<void> {
    await Promise.all([...this.connections.values()].filter((c) => c.owner === owner).map((c) => this.disconnect(c.id)));
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.connections.keys()].map((id) => this.disconnect(id)));
  }
}

function clampMs(ms: number): number {
  if (!Number.isFinite(ms)) throw new Error(`not a duration: ${String(ms)}`);
  return Math.min(Math.max(Math.round(ms), 1), 10_000);
}

const BAUD_MAX = 16_000_000;

/** Settings arrive from an untrusted renderer: check every field before any ioctl sees it. */
export function validateSettings(s: SerialSettings): void {
  if (!s || typeof s !== 'object') throw new Error('serial settings missing');
  if (!Number.isInteger(s.baudRate) || s.baudRate < 50 || s.baudRate > BAUD_MAX) throw new Error(`bad baud rate ${String(s.baudRate)}`);
  if (![5, 6, 7, 8].includes(s.dataBits)) throw new Error(`bad data bits ${String(s.dataBits)}`);
  if (!['none', 'even', 'odd', 'mark', 'space'].includes(s.parity)) throw new Error(`bad parity ${String(s.parity)}`);
  if (![1, 1.5, 2].includes(s.stopBits)) throw new Error(`bad stop bits ${String(s.stopBits)}`);
  if (!['none', 'rtscts', 'xonxoff'].includes(s.flowControl)) throw new Error(`bad flow control ${String(s.flowControl)}`);
}
