// A raw TCP serial server (ser2net `accepter: tcp,…`, socat TCP-LISTEN, a terminal server's raw
// port): bytes only. Line settings and signals cannot travel over it; rfc2217:// carries them.
import { Socket } from 'node:net';
import type { SerialSettings, SignalState } from '../../common/contract';
import type { LineTransport, TransportHandlers } from './transport';

export class TcpTransport implements LineTransport {
  protected socket: Socket | null = null;
  private closing = false;
  private lostReported = false;
  readonly resolvedPath: string;

  constructor(
    protected readonly host: string,
    protected readonly port: number,
    protected readonly handlers: TransportHandlers,
    scheme = 'tcp',
  ) {
    this.resolvedPath = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  async open(): Promise<void> {
    const socket = new Socket();
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => reject(err);
      socket.once('error', fail);
      socket.connect(this.port, this.host, () => {
        socket.off('error', fail);
        resolve();
      });
    });
    this.socket = socket;
    socket.setKeepAlive(true, 5000);
    socket.on('data', (chunk: Buffer) => this.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    socket.on('error', (err) => this.reportLost(err.message));
    socket.on('close', () => this.reportLost('the server closed the connection'));
  }

  protected receive(bytes: Uint8Array): void {
    this.handlers.data(bytes);
  }

  protected reportLost(reason: string): void {
    if (this.closing || this.lostReported) return;
    this.lostReported = true;
    this.socket = null;
    this.handlers.lost(reason);
  }

  protected requireSocket(): Socket {
    if (!this.socket) throw new Error(`${this.resolvedPath} is not open`);
    return this.socket;
  }

  protected send(bytes: Uint8Array): Promise<void> {
    const socket = this.requireSocket();
    return new Promise<void>((resolve, reject) => socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.send(bytes);
  }

  async applySettings(_settings: SerialSettings): Promise<void> {
    // A raw socket has no line settings; the server's own configuration applies.
  }

  async setSignals(_signals: SignalState): Promise<string | undefined> {
    throw new Error(`${this.resolvedPath}: a raw TCP line carries no DTR/RTS; use rfc2217:// for line control`);
  }

  async sendBreak(_ms: number): Promise<string | undefined> {
    throw new Error(`${this.resolvedPath}: a raw TCP line cannot send BREAK; use rfc2217:// for line control`);
  }

  async close(): Promise<void> {
    this.closing = true;
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 500).unref();
    });
  }
}
