// The composition root: creates every main-process service once and exposes them as the contract's
// WorkbenchApi, for both adapters (electron/main/index.ts over IPC, electron/host/ over HTTP + WS).
// The session recorder plugs in here through `createSessionService` (electron/services/sessions/);
// without it nothing is recorded and the session verbs say so.
import { join } from 'node:path';
import { LabService } from './labgrid/lab';
import { LabgridLines } from './labgrid/lines';
import type { ConnectRequest, WorkbenchApi } from '../common/contract';
import { BindingsRunner, type CheckFn } from './bindings';
import { BoardService } from './board';
import { DemoService } from './demo';
import { EventHub } from './events';
import { listSerialPorts, type PortRoots } from './ports';
import { createNullSessionService, type SessionService, type SessionServiceFactory } from './recorder';
import { ConnectionManager } from './serial/connections';
import { createSessionService } from './sessions';

export { EventHub } from './events';
export type { ByteRecorder, LineMarkerKind, SessionService, SessionServiceFactory, SessionServiceContext } from './recorder';

export interface WorkbenchServicesOptions {
  /** The project's `resources/` folder (demo board, kernel catalogs). */
  resourcesDir: string;
  /** Where session files are written. */
  sessionsDir: string;
  /**
   * The session recorder's factory (electron/services/sessions/). It receives the event hub to
   * push `sessionStatus` and returns the ByteRecorder every byte goes through plus the session verbs.
   */
  createSessionService?: SessionServiceFactory;
  /** Test seams: sysfs/dev roots, faster reconnect polling, faster demo playback, forced in-process demo. */
  portRoots?: PortRoots;
  reconnectPollMs?: number;
  demoSpeed?: number;
  demoUseSocat?: boolean;
  boardDebounceMs?: number;
  /**
   * Check each board against the kernel's binding schemas (dt-validate) after it opens and push the
   * findings as `boardBindings` (the app: on; default off). An object: a cache folder or check for tests.
   */
  checkBindings?: boolean | { cacheDir?: string; check?: CheckFn };
  /** labgrid: the user's labgrid-client (default: PATH) and the identity to declare (default: as labgrid-client does). */
  labgridClient?: string;
  labgridIdentity?: string;
}

export interface WorkbenchServices {
  events: EventHub;
  /** The API as seen by one caller: `owner` tags the connections it opens (closed with `release`). */
  apiFor(owner: string): WorkbenchApi;
  /** Closes what an owner (a window, a web client) opened. */
  release(owner: string): Promise<void>;
  connections: ConnectionManager;
  boards: BoardService;
  demo: DemoService;
  sessions: SessionService;
  dispose(): Promise<void>;
}

export function createWorkbenchServices(opts: WorkbenchServicesOptions): WorkbenchServices {
  const events = new EventHub();
  const sessions = opts.createSessionService ? opts.createSessionService({ sessionsDir: opts.sessionsDir, events }) : createNullSessionService();
  const recorder = sessions.recorder;
  const demo = new DemoService({
    resourcesDir: opts.resourcesDir,
    ...(opts.demoSpeed !== undefined ? { speed: opts.demoSpeed } : {}),
    ...(opts.demoUseSocat !== undefined ? { useSocat: opts.demoUseSocat } : {}),
  });
  const labgrid = new LabgridLines({
    ...(opts.labgridClient ? { labgridClient: opts.labgridClient } : {}),
    ...(opts.labgridIdentity ? { identity: opts.labgridIdentity } : {}),
  });
  const connections = new ConnectionManager({
    events,
    recorder,
    demo,
    labgrid,
    ...(opts.portRoots ? { roots: opts.portRoots } : {}),
    ...(opts.reconnectPollMs !== undefined ? { reconnectPollMs: opts.reconnectPollMs } : {}),
  });
  const lab = new LabService(labgrid, events);
  const cb = opts.checkBindings;
  const bindings = cb ? new BindingsRunner({ events, ...(typeof cb === 'object' ? cb : {}) }) : undefined;
  const boards = new BoardService({
    events,
    recorder,
    ...(opts.boardDebounceMs !== undefined ? { debounceMs: opts.boardDebounceMs } : {}),
    ...(bindings ? { bindings } : {}),
  });

  const apiFor = (owner: string): WorkbenchApi => ({
    listPorts: async () => listSerialPorts(opts.portRoots),
    connect: (req: ConnectRequest) => connections.connect(req, owner),
    disconnect: (id) => connections.disconnect(id),
    write: (id, data) => connections.write(id, data),
    updateSettings: (id, settings) => connections.updateSettings(id, settings),
    setSignals: (id, signals) => connections.setSignals(id, signals),
    pulseSignal: (id, line, ms) => connections.pulseSignal(id, line, ms),
    sendBreak: (id, ms) => connections.sendBreak(id, ms),
    openBoard: (req) => boards.open(req),
    closeBoard: (id) => boards.close(id),
    demoBoard: async () => demo.board(),
    listSessions: () => sessions.listSessions(),
    openSession: (p) => sessions.openSession(p),
    importLog: (p) => sessions.importLog(p),
    exportSession: (req) => sessions.exportSession(req),
    annotateSession: (id, kind, detail) => sessions.annotateSession(id, kind, detail),
    setReleaseOnDisconnect: async (id, release) => connections.setReleaseOnDisconnect(id, release),
    power: async (id, action) => connections.power(id, action),
    labWatch: (coordinator) => lab.watch(coordinator),
    labAcquire: (coordinator, place) => lab.acquire(coordinator, place),
    labRelease: (coordinator, place) => lab.release(coordinator, place),
    labReserve: (coordinator, filter) => lab.reserve(coordinator, filter),
    labPollReservation: (coordinator, token) => lab.pollReservation(coordinator, token),
    labCancelReservation: (coordinator, token) => lab.cancelReservation(coordinator, token),
  });

  return {
    events,
    apiFor,
    release: (owner) => connections.closeOwnedBy(owner),
    connections,
    boards,
    demo,
    sessions,
    dispose: async () => {
      await connections.dispose();
      lab.dispose();
      await labgrid.dispose();
      await boards.dispose();
      await sessions.dispose?.();
    },
  };
}

// ---- the app's own wiring (both adapters call this) -------------------------------------------------

/**
 * The session recorder the app runs with: the session service of electron/services/sessions/, made
 * for each adapter's context.
 */
const appSessionServiceFactory: SessionServiceFactory | undefined = (ctx) => createSessionService(ctx);

export interface AppPaths {
  /** The project's (or packaged app's) resources/ folder. */
  resourcesDir: string;
  /** Where sessions are written: Electron's userData/sessions, or <project>/.cache/sessions in browser mode. */
  sessionsDir: string;
}

/** The app's services; `overrides` are where the user's labgrid is and who to declare, and the end-to-end
 *  tests' seams (e.g. `checkBindings: false`, their labgrid venv). */
export function createAppServices(paths: AppPaths, overrides: Partial<WorkbenchServicesOptions> = {}): WorkbenchServices {
  return createWorkbenchServices({
    ...paths,
    ...(appSessionServiceFactory ? { createSessionService: appSessionServiceFactory } : {}),
    checkBindings: true,
    ...overrides,
  });
}

export function defaultSessionsDir(projectRoot: string): string {
  return join(projectRoot, '.cache', 'sessions');
}
