// One session file being written: records are framed by the engine (engine/session/format.ts) and
// appended by a single asynchronous pump, so the serial data path never waits on the disk. Batching
// bounds latency (flushDelayMs), fdatasync runs at every marker and at least every syncIntervalMs, and a
// failed write (disk full, quota, I/O error) cuts the file back to its last whole record, pauses, keeps
// a bounded backlog in memory and retries until space returns. The file on disk is valid at all times.
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { constants as fsConstants } from 'node:fs';
import { decodeSession, encodeData, encodeHeader, encodeRecord, type MarkerKind, type SessionRecord } from '../../../engine/session';

export interface SessionWriterOptions {
  /** Longest a received byte waits in memory before its write is issued. */
  flushDelayMs?: number;
  /** fdatasync at least this often while data is being written. */
  syncIntervalMs?: number;
  /** One write() carries at most this much. */
  maxBatchBytes?: number;
  /** While paused, keep at most this much in memory; beyond it, count what is dropped and say so. */
  maxBacklogBytes?: number;
  /** While paused, try writing again this often. */
  retryMs?: number;
  /** Called whenever paused/resumed/closed state changes. */
  onStatus?: (w: SessionWriter) => void;
}

const DEFAULTS = { flushDelayMs: 20, syncIntervalMs: 1000, maxBatchBytes: 1 << 20, maxBacklogBytes: 32 << 20, retryMs: 500 };

export interface SessionIdentity {
  sessionId: string;
  startedAt: number;
  target?: string;
}

interface Pending {
  bytes: Uint8Array;
  rx: number;
  tx: number;
}

function describeWriteError(err: unknown, path: string): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOSPC':
      return `disk full: no space left on the device holding ${path}; recording paused, it resumes when space is freed`;
    case 'EDQUOT':
      return `disk quota exceeded for ${path}; recording paused, it resumes when space is freed`;
    case 'EFBIG':
      return `session file too large for its file system: ${path}; recording paused`;
    case 'EROFS':
      return `file system is read-only: ${path}; recording paused`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to write ${path}; recording paused`;
    default:
      return `cannot write ${path}: ${e.message ?? String(err)}; recording paused`;
  }
}

export class SessionWriter {
  readonly path: string;
  readonly identity: SessionIdentity;
  /** Bytes of the file that hold whole records (the header included). */
  length = 0;
  bytesReceived = 0;
  bytesSent = 0;
  /** Received bytes on disk (whole records written). */
  bytesReceivedOnDisk = 0;
  /** Why recording is paused, when it is. */
  paused: string | undefined;
  /** Bytes dropped while paused with a full backlog (a `gap` marker records each run of them). */
  droppedBytes = 0;
  closed = false;

  private readonly opts: Required<Omit<SessionWriterOptions, 'onStatus'>> & Pick<SessionWriterOptions, 'onStatus'>;
  private fh: FileHandle | null = null;
  private opening: Promise<void> | null = null;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private running: Promise<void> | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private syncTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** The retry the timer started, while it runs: close() waits for it rather than racing it. */
  private retryRun: Promise<void> | null = null;
  private dirty = false;
  private syncing: Promise<void> | null = null;
  private droppedSinceGap = 0;
  private pausedAt = 0;
  /** A retry is writing the backlog: `paused` stays set (and reported) until it has all succeeded. */
  private retrying = false;

  private constructor(path: string, identity: SessionIdentity, opts: SessionWriterOptions) {
    this.path = path;
    this.identity = identity;
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** Creates a new session file (never overwrites one) and queues its header and start record. */
  static create(path: string, identity: SessionIdentity, opts: SessionWriterOptions = {}, meta?: Record<string, unknown>): SessionWriter {
    const w = new SessionWriter(path, identity, opts);
    w.queue(encodeHeader(identity.startedAt), 0, 0);
    const start: SessionRecord = { type: 'start', t: identity.startedAt, sessionId: identity.sessionId, tool: 'bringup-workbench' };
    if (identity.target !== undefined) start.target = identity.target;
    if (meta) start.meta = meta;
    w.queue(encodeRecord(start), 0, 0);
    w.opening = w.openFile('wx');
    w.opening.catch(() => {}); // reported through pause(); the pump retries
    w.startSyncTimer();
    w.kickSoon();
    return w;
  }

  /**
   * Reopens a session file after a crash or power loss: cuts the torn tail at the last whole record
   * (never earlier), then appends after it, starting with a `resumed` marker.
   */
  static async resume(path: string, opts: SessionWriterOptions = {}, now = Date.now(), how: { marker?: boolean } = {}): Promise<{ writer: SessionWriter; cutBytes: number }> {
    const bytes = new Uint8Array(await readFile(path));
    const { records, summary } = decodeSession(bytes, path);
    if (summary.fatal) throw new Error(summary.diagnostics.map((d) => d.message).join('; '));
    const start = records.find((r) => r.type === 'start');
    const identity: SessionIdentity = start && start.type === 'start' ? { sessionId: start.sessionId, startedAt: start.t, ...(start.target ? { target: start.target } : {}) } : { sessionId: '', startedAt: summary.header?.createdAt ?? now };
    const w = new SessionWriter(path, identity, opts);
    for (const r of records) {
      if (r.type === 'rx') w.bytesReceived += r.bytes.length;
      if (r.type === 'tx') w.bytesSent += r.bytes.length;
    }
    w.bytesReceivedOnDisk = w.bytesReceived;
    const fh = await open(path, fsConstants.O_RDWR);
    w.fh = fh;
    if (!summary.header) {
      // Not even the header made it: write it again.
      await fh.truncate(0);
      w.queue(encodeHeader(now), 0, 0);
    } else {
      await fh.truncate(summary.validLength);
      await fh.datasync();
      w.length = summary.validLength;
    }
    if (how.marker !== false || summary.tailLength > 0) w.queue(encodeRecord({ type: 'marker', t: now, kind: 'resumed', detail: summary.tailLength ? `torn tail of ${summary.tailLength} bytes cut` : 'reopened' }), 0, 0);
    w.startSyncTimer();
    w.kickSoon();
    return { writer: w, cutBytes: summary.tailLength };
  }

  rx(bytes: Uint8Array, t: number): void {
    this.data('rx', bytes, t);
  }

  tx(bytes: Uint8Array, t: number): void {
    this.data('tx', bytes, t);
  }

  /** Markers are durability points: everything before them is flushed and fdatasync'd. */
  marker(kind: MarkerKind, t: number, detail?: string): Promise<void> {
    this.record(detail === undefined ? { type: 'marker', t, kind } : { type: 'marker', t, kind, detail });
    return this.durable();
  }

  record(rec: SessionRecord): void {
    if (this.closed) return;
    if (rec.type === 'rx' || rec.type === 'tx') return this.data(rec.type, rec.bytes, rec.t);
    this.queue(encodeRecord(rec), 0, 0);
    this.kickSoon();
  }

  /** Resolves once everything queued so far is written and fdatasync'd (or recording is paused). */
  async durable(): Promise<void> {
    await this.drain();
    await this.sync();
  }

  /** True while a write, a retry or an fdatasync is in flight: the file may end in a record being written. */
  get writing(): boolean {
    return this.running !== null || this.retrying || this.retryRun !== null || this.syncing !== null;
  }

  async close(t = Date.now()): Promise<void> {
    if (this.closed) return;
    await this.durable().catch(() => {});
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.retryRun) await this.retryRun;
    if (this.paused) {
      // One last try; what cannot be written is reported, not silently lost.
      await this.retry();
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      await this.durable().catch(() => {});
    }
    void t;
    this.closed = true;
    for (const timer of [this.flushTimer, this.syncTimer, this.retryTimer]) if (timer) clearTimeout(timer);
    this.flushTimer = this.syncTimer = this.retryTimer = null;
    await this.fh?.close().catch(() => {});
    this.fh = null;
    this.opts.onStatus?.(this);
  }

  /**
   * Bytes waiting in memory. Bounded by maxBatchBytes while writing; while paused, new bytes are taken
   * only while this stays within maxBacklogBytes, and what was pending when the disk filled is kept.
   */
  get backlogBytes(): number {
    return this.pendingBytes;
  }

  private data(dir: 'rx' | 'tx', bytes: Uint8Array, t: number): void {
    if (this.closed || bytes.length === 0) return;
    if (dir === 'rx') this.bytesReceived += bytes.length;
    else this.bytesSent += bytes.length;
    if (this.paused && this.pendingBytes + bytes.length > this.opts.maxBacklogBytes) {
      this.droppedBytes += bytes.length;
      this.droppedSinceGap += bytes.length;
      return;
    }
    for (const rec of encodeData(dir, t, bytes)) this.queue(rec, dir === 'rx' ? rec.length - 20 : 0, dir === 'tx' ? rec.length - 20 : 0);
    if (!this.paused && this.pendingBytes >= this.opts.maxBatchBytes) this.kick();
    else this.kickSoon();
  }

  private queue(bytes: Uint8Array, rx: number, tx: number): void {
    this.pending.push({ bytes, rx, tx });
    this.pendingBytes += bytes.length;
  }

  private async openFile(flags: string): Promise<void> {
    try {
      await mkdir(dirname(this.path), { recursive: true });
      // 0600: a session holds whatever was typed, passwords at a login prompt included.
      this.fh = await open(this.path, flags, 0o600);
    } catch (err) {
      this.opening = null;
      this.pause(err);
      throw err;
    }
  }

  private startSyncTimer(): void {
    this.syncTimer = setInterval(() => {
      if (this.dirty && !this.syncing) void this.sync().catch(() => {});
    }, this.opts.syncIntervalMs);
    this.syncTimer.unref?.();
  }

  private kickSoon(): void {
    if (this.flushTimer || this.paused || this.closed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.kick();
    }, this.opts.flushDelayMs);
  }

  private kick(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (!this.running) {
      this.running = this.pump().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending.length && !this.paused && !this.closed) await this.kick();
    if (this.running) await this.running;
  }

  private async sync(): Promise<void> {
    if (this.syncing) return this.syncing;
    if (!this.dirty || !this.fh) return;
    this.dirty = false;
    const fh = this.fh;
    this.syncing = fh
      .datasync()
      .catch((err: unknown) => {
        this.dirty = true;
        this.pause(err);
      })
      .finally(() => {
        this.syncing = null;
      });
    return this.syncing;
  }

  private async pump(): Promise<void> {
    if (!this.fh) {
      if (!this.opening) {
        this.opening = this.openFile('wx');
        this.opening.catch(() => {});
      }
      try {
        await this.opening;
      } catch {
        return;
      }
    }
    // close() may have run while the file was being opened.
    const fh = this.fh;
    if (!fh || this.closed) return;
    while (this.pending.length && (!this.paused || this.retrying)) {
      // Take whole records up to one batch.
      let n = 0;
      let size = 0;
      while (n < this.pending.length && (n === 0 || size + this.pending[n]!.bytes.length <= this.opts.maxBatchBytes)) size += this.pending[n++]!.bytes.length;
      const batch = this.pending.slice(0, n);
      const buf = n === 1 ? batch[0]!.bytes : Buffer.concat(batch.map((p) => p.bytes), size);
      let done = 0;
      try {
        while (done < size) {
          const { bytesWritten } = await fh.write(buf, done, size - done, this.length + done);
          if (bytesWritten === 0) throw Object.assign(new Error('write returned 0 bytes'), { code: 'ENOSPC' });
          done += bytesWritten;
        }
      } catch (err) {
        // Keep the records that made it whole, cut the partial one, queue the rest again.
        let whole = 0;
        let k = 0;
        while (k < n && whole + batch[k]!.bytes.length <= done) whole += batch[k++]!.bytes.length;
        this.commit(batch.slice(0, k), whole);
        this.pending.splice(0, k);
        await fh.truncate(this.length).catch(() => {});
        this.pause(err);
        return;
      }
      this.commit(batch, size);
      this.pending.splice(0, n);
    }
  }

  private commit(written: Pending[], size: number): void {
    for (const p of written) {
      this.pendingBytes -= p.bytes.length;
      this.bytesReceivedOnDisk += p.rx;
    }
    this.length += size;
    if (size > 0) this.dirty = true;
  }

  private pause(err: unknown): void {
    const message = describeWriteError(err, this.path);
    const changed = this.paused !== message;
    if (!this.paused) this.pausedAt = Date.now();
    this.paused = message;
    if (!this.retryTimer && !this.closed) this.armRetry();
    if (changed) this.opts.onStatus?.(this);
  }

  private armRetry(): void {
    this.retryTimer = setTimeout(() => {
      this.retryRun = this.retry().finally(() => {
        this.retryRun = null;
      });
    }, this.opts.retryMs);
  }

  private async retry(): Promise<void> {
    this.retryTimer = null;
    if (!this.paused) return;
    const wasPaused = this.paused;
    const pausedAt = this.pausedAt;
    if (this.droppedSinceGap > 0) {
      this.queue(encodeRecord({ type: 'marker', t: Date.now(), kind: 'gap', detail: `${this.droppedSinceGap} bytes received while recording was paused were not recorded` }), 0, 0);
      this.droppedSinceGap = 0;
    }
    const failed = (): boolean => this.retryTimer !== null; // pause() re-armed the timer
    this.retrying = true;
    try {
      if (this.running) await this.running;
      await this.kick();
      if (failed()) return;
      if (this.dirty && this.fh) {
        this.dirty = false;
        try {
          await this.fh.datasync();
        } catch (err) {
          this.dirty = true;
          this.pause(err);
          return;
        }
      }
    } finally {
      this.retrying = false;
    }
    if (failed() || this.pending.length) {
      if (!failed() && !this.closed) this.armRetry();
      return;
    }
    this.paused = undefined;
    this.record({ type: 'marker', t: Date.now(), kind: 'resumed', detail: `recording resumed after ${Math.round((Date.now() - pausedAt) / 1000)} s paused (${wasPaused})` });
    this.opts.onStatus?.(this);
    await this.durable();
  }
}
