// The seam between the serial services and the session recorder: every byte received and
// sent, and every line event (connect, lost, reset, BREAK, settings), passes through a ByteRecorder.
// The session service (electron/services/sessions/) implements SessionService; the composition
// root (./index.ts) takes its factory as `createSessionService`. Without one, NullSessionService keeps
// the app working and says plainly that nothing is recorded.
import type { BoardLoaded, SerialSettings, WorkbenchApi } from '../common/contract';
import type { EventHub } from './events';

/** Line events the recorder keeps as markers (connect, disconnect, reset, BREAK, config change). */
export type LineMarkerKind =
  | 'connect' // port opened (first time)
  | 'disconnect' // closed by the user
  | 'lost' // the device went away (unplug, socat killed, TCP reset)
  | 'reconnect' // the same adapter came back and was reopened
  | 'config' // serial settings changed (detail: JSON of SerialSettings)
  | 'signals' // DTR/RTS set (detail: JSON of SignalState)
  | 'reset' // DTR/RTS pulse (detail: `dtr 100ms`)
  | 'break' // BREAK sent (detail: `250ms`)
  | 'acquire' // a labgrid place acquired for this console (detail: place, identity, exporter, coordinator)
  | 'use-held' // a labgrid place this identity already held, used as it was
  | 'release' // the labgrid place released on disconnect
  | 'release-failed' // releasing it failed (detail: the coordinator's words)
  | 'power' // a labgrid power action issued (detail: `cycle place P (identity) via labgrid-client`)
  | 'power-failed'; // it failed (detail: labgrid-client's words)

export interface RecorderConnectionInfo {
  target: string;
  /** The device path actually opened (`/dev/pts/3` behind a `link=` symlink, `tcp://…` as given). */
  resolvedPath: string;
  settings: SerialSettings;
}

/** Called synchronously from the data path: implementations must not block (append + flush async). */
export interface ByteRecorder {
  /** A connection starts being recorded; returns the session id shown in ConnectionStatus.sessionId. */
  begin(connectionId: string, info: RecorderConnectionInfo, hostTime: number): string | undefined;
  /** Bytes from the board, in arrival order, with the host receive time (ms since the epoch). */
  rx(connectionId: string, bytes: Uint8Array, hostTime: number): void;
  /** Bytes written to the board (typed, pasted, sent by the app), at the time they were handed to the OS. */
  tx(connectionId: string, bytes: Uint8Array, hostTime: number): void;
  marker(connectionId: string, kind: LineMarkerKind, hostTime: number, detail?: string): void;
  /** The connection is gone for good (disconnect or window closed): flush and close its session file. */
  end(connectionId: string, hostTime: number): void;
  /** A board was opened or changed on disk: the DT snapshot (hashes, include set, DTB) for the open sessions. */
  board(board: BoardLoaded, hostTime: number): void;
}

/** The session verbs of the contract, served by the session service. */
export type SessionApi = Pick<WorkbenchApi, 'listSessions' | 'openSession' | 'importLog' | 'exportSession' | 'annotateSession'>;

export interface SessionService extends SessionApi {
  recorder: ByteRecorder;
  /** Flush and close every open session (app quit). */
  dispose?(): Promise<void> | void;
}

export interface SessionServiceContext {
  /** Where session files live (the user-data folder in Electron, `.cache/sessions` in browser mode). */
  sessionsDir: string;
  /** Emit `sessionStatus` (and nothing else) through this. */
  events: EventHub;
}

export type SessionServiceFactory = (ctx: SessionServiceContext) => SessionService;

export const nullRecorder: ByteRecorder = {
  begin: () => undefined,
  rx: () => {},
  tx: () => {},
  marker: () => {},
  end: () => {},
  board: () => {},
};

/** Stand-in until a session service is plugged in: records nothing and says so on every session verb. */
export function createNullSessionService(): SessionService {
  const missing = async (): Promise<never> => {
    throw new Error('no session recorder is installed in this build (electron/services/index.ts)');
  };
  return {
    recorder: nullRecorder,
    listSessions: async () => [],
    openSession: missing,
    importLog: missing,
    exportSession: missing,
    annotateSession: async () => {},
  };
}
