// A live boot for `bringup compare BOARD TARGET`: the target (a tty or pty, tcp://, rfc2217://,
// labgrid://COORDINATOR/PLACE) opened by the services' connection manager exactly as the app's connect
// bar opens it, recorded by the app's session service into a session file, and read as it arrives by
// the engine's streaming boot-log parser, until a console line matches --until or --timeout runs out.
// Over labgrid the board can be power-cycled once the console is open, so its whole boot is recorded.
import { resolve as resolvePath } from 'node:path';
import { cleanLine, createBootLogParser, LineFramer, type BootEvent, type BootLogStats } from '../engine/bootlog';
import type { SerialSettings } from '../electron/common/contract';
import { EventHub } from '../electron/services/events';
import { LabgridLines } from '../electron/services/labgrid/lines';
import type { ByteRecorder, LineMarkerKind } from '../electron/services/recorder';
import { WorkbenchSessionService } from '../electron/services/sessions/service';
import { ConnectionManager } from '../electron/services/serial/connections';

export interface LiveOptions {
  /** As typed; a relative device path is taken from `cwd`. */
  target: string;
  cwd: string;
  settings: SerialSettings;
  /** Where the session file is written (created if missing). */
  sessionsDir: string;
  until: RegExp | null;
  timeoutMs: number;
  /** labgrid only: `power cycle` once the console is open. */
  powerCycle: boolean;
  powerDelaySeconds?: number;
  labgridClient?: string;
  /** Progress for the user (stderr): where the recording goes, lost and regained lines, power. */
  note(text: string): void;
  /** Aborted on SIGINT / SIGTERM: recording stops, the session is closed whole. */
  signal?: AbortSignal;
}

export interface LiveResult {
  events: BootEvent[];
  stats: BootLogStats;
  sessionPath: string;
  end: 'until' | 'timeout' | 'interrupted';
  /** The console line that matched --until. */
  matchedLine: string | null;
  /** From the console opening to the end of the capture. */
  elapsedMs: number;
  bytesReceived: number;
  /** The line markers written into the recording, in order (connect, acquire, power, lost, …). */
  markers: { kind: LineMarkerKind; detail?: string }[];
  /** Annotates the session (the comparison, as `bringup session export` reads it back), closes the console and the session file. */
  close(annotations: { kind: string; detail: unknown }[]): Promise<void>;
}

/** Thrown when the console cannot be opened (or the power cycle fails): exit 2 in `bringup compare`. */
export class LiveConsoleError extends Error {}

/**
 * The --until watch: console lines framed by the engine's line framer (the parser's own), cleaned as
 * the parser cleans them, and the line still being printed (a prompt waiting for input) tested too.
 * Until armed nothing matches; a line left unfinished when it is armed (the old boot's login prompt,
 * at a power cycle) never matches, even once the new boot's first bytes end it.
 */
export class UntilWatch {
  private readonly framer = new LineFramer(4096);
  private armed: boolean;
  private staleLine = false;
  /** The cleaned line that matched, once one has. */
  matched: string | null = null;

  constructor(
    private readonly pattern: RegExp | null,
    armed = true,
  ) {
    this.armed = armed;
  }

  arm(): void {
    this.staleLine = this.framer.pendingLine !== '';
    this.armed = true;
  }

  /** Returns the matching line the first time one arrives, else null. */
  push(bytes: Uint8Array, hostTime: number): string | null {
    if (this.matched !== null) return null;
    this.framer.push(bytes, hostTime, (line) => this.check(line, true));
    const pending = this.framer.pendingLine;
    if (pending) this.check(pending, false);
    return this.matched;
  }

  private check(line: string, complete: boolean): void {
    if (this.staleLine) {
      if (complete) this.staleLine = false;
      return;
    }
    if (!this.armed || this.matched !== null || !this.pattern) return;
    const text = cleanLine(line);
    if (this.pattern.test(text)) this.matched = text;
  }
}

export async function captureLive(opts: LiveOptions): Promise<LiveResult> {
  const target = /^[a-z][a-z0-9+.-]*:\/\//i.test(opts.target) ? opts.target : resolvePath(opts.cwd, opts.target);
  const events = new EventHub();
  const sessions = new WorkbenchSessionService({ sessionsDir: opts.sessionsDir, events });
  const markers: LiveResult['markers'] = [];
  let sessionPath = '';
  const recorder: ByteRecorder = {
    ...sessions.recorder,
    begin: (id, info, t) => {
      const sessionId = sessions.recorder.begin(id, info, t);
      sessionPath = sessions.writerFor(id)?.path ?? '';
      return sessionId;
    },
    marker: (id, kind, t, detail) => {
      markers.push(detail === undefined ? { kind } : { kind, detail });
      if (kind === 'lost' || kind === 'reconnect' || kind === 'power' || kind === 'power-failed') opts.note(`${kind}${detail ? `: ${detail}` : ''}`);
      sessions.recorder.marker(id, kind, t, detail);
    },
  };
  const labgrid = new LabgridLines(opts.labgridClient ? { labgridClient: opts.labgridClient } : {});
  const manager = new ConnectionManager({ events, recorder, labgrid, reconnectPollMs: 250 });

  // The one parser, fed as the bytes arrive; the --until watch frames the same bytes into console lines.
  const parser = createBootLogParser({ emitText: true });
  const parsed: BootEvent[] = [];
  const watch = new UntilWatch(opts.until, !opts.powerCycle);
  let bytesReceived = 0;
  let done: (end: LiveResult['end']) => void = () => {};
  const ended = new Promise<LiveResult['end']>((r) => (done = r));
  // Only one connection lives in this manager: every serialData event is the board's.
  events.on('serialData', ({ bytes, hostTime }) => {
    bytesReceived += bytes.length;
    for (const e of parser.feed(bytes, hostTime)) parsed.push(e);
    if (watch.push(bytes, hostTime) !== null) done('until');
  });

  let connectionId: string;
  try {
    connectionId = (await manager.connect({ target, settings: opts.settings, autoReconnect: true, releaseOnDisconnect: false })).connectionId;
  } catch (e) {
    await manager.dispose();
    await labgrid.dispose();
    await sessions.dispose();
    throw new LiveConsoleError(`cannot open ${target}: ${(e as Error).message}`);
  }
  const acquired = markers.some((m) => m.kind === 'acquire');
  opts.note(`recording ${target} to ${sessionPath}`);

  const close = async (annotations: { kind: string; detail: unknown }[]): Promise<void> => {
    const sessionId = sessions.writerFor(connectionId)?.identity.sessionId;
    if (sessionId) for (const a of annotations) await sessions.annotateSession(sessionId, a.kind, a.detail).catch(() => {});
    // A place this run acquired is handed back; one the user already held stays theirs.
    await manager.disconnect(connectionId, { release: acquired });
    await manager.dispose();
    await labgrid.dispose();
    await sessions.dispose();
  };

  const started = Date.now();
  const timer = setTimeout(() => done('timeout'), opts.timeoutMs);
  const onAbort = () => done('interrupted');
  opts.signal?.addEventListener('abort', onAbort);
  // Ctrl-C while the console was opening.
  if (opts.signal?.aborted) onAbort();
  try {
    if (opts.powerCycle) {
      // Armed from the moment the power goes off: what the old boot printed before cannot end this one.
      watch.arm();
      const delay = opts.powerDelaySeconds !== undefined ? { delaySeconds: opts.powerDelaySeconds } : {};
      const cycled = manager.power(connectionId, 'cycle', delay).then(
        () => null,
        (e: Error) => e,
      );
      const first = await Promise.race([cycled, ended.then(() => null)]);
      if (first instanceof Error) throw new LiveConsoleError(first.message);
    }
    const end = await ended;
    const elapsedMs = Date.now() - started;
    for (const e of parser.finish(Date.now())) parsed.push(e);
    const stats = parser.stats;
    return {
      events: parsed,
      stats: { ...stats, kernelBoots: stats.kernelBoots.slice(), kernelStartBoots: stats.kernelStartBoots.slice() },
      sessionPath,
      end,
      matchedLine: watch.matched,
      elapsedMs,
      bytesReceived,
      markers,
      close,
    };
  } catch (e) {
    await close([]);
    throw e;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
