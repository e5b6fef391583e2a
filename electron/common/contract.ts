// The one contract between the renderer and the main-process services. Both adapters implement it
// from the same service objects: the Electron IPC layer (ipcMain.handle + preload verbs) and the local
// web host (HTTP for calls, one WebSocket for events). Types only: no runtime imports on either side.
// Every value that crosses is structured-clone / JSON safe (bytes travel as base64 over the web host).
import type { BindingsReport } from '../../engine/bindings';
import type { Diagnostic } from '../../engine/common';

// ---- serial ---------------------------------------------------------------------------------------

export interface PortInfo {
  /** What to connect to: `/dev/ttyUSB0`, a pty, `tcp://host:port`, `rfc2217://host:port`, `demo:` */
  path: string;
  /** `/dev/serial/by-id/usb-FTDI_...` when udev made one. */
  byIdPath?: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  /** `usb`, `pty`, `platform`, `network`, `demo` */
  kind: string;
}

export type Parity = 'none' | 'even' | 'odd' | 'mark' | 'space';
export type FlowControl = 'none' | 'rtscts' | 'xonxoff';

export interface SerialSettings {
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: Parity;
  stopBits: 1 | 1.5 | 2;
  flowControl: FlowControl;
}

export const DEFAULT_SERIAL_SETTINGS: SerialSettings = { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1, flowControl: 'none' };

export interface ConnectRequest {
  target: string;
  settings: SerialSettings;
  /** Reconnect by itself when the same adapter (by-id path / serial number) comes back. */
  autoReconnect: boolean;
  /** labgrid targets: release the place when the console is disconnected (default: keep holding it). */
  releaseOnDisconnect?: boolean;
  /** Network targets on link-local or cloud-metadata addresses are refused unless this is set. */
  allowLinkLocal?: boolean;
}

export type ConnectionState = 'connecting' | 'connected' | 'lost' | 'reconnecting' | 'closed';

export interface ConnectionStatus {
  connectionId: string;
  target: string;
  state: ConnectionState;
  settings: SerialSettings;
  /** Human-readable reason for lost/closed. */
  error?: string;
  bytesReceived: number;
  bytesSent: number;
  /** The session recording this connection. */
  sessionId?: string;
  /** labgrid targets: whether disconnecting releases the place (ConnectRequest.releaseOnDisconnect). */
  releaseOnDisconnect?: boolean;
}

export interface SignalState {
  dtr?: boolean;
  rts?: boolean;
}

// ---- board (device tree + kernel profile) ----------------------------------------------------------

export interface BoardOpenRequest {
  /** A .dts or .dtb path on the machine running the services. */
  path: string;
  includeDirs: string[];
  defines: Record<string, string>;
  /** Kernel .config or /proc/config.gz contents path. */
  configPath?: string;
  /** Kernel profile, e.g. `6.1`. */
  kernel: string;
  /** Modules userspace loads, in load order (the what-if default; `--modules-loaded` of `bringup predict`). */
  modulesLoaded?: string[];
  /** Re-read and re-send when any of the files (the include set included) changes. */
  watch: boolean;
}

export interface BoardFile {
  path: string;
  sha256: string;
  /** Read from outside the board's folder and its include folders: flagged, and only its hash is kept. */
  outsideRoots?: boolean;
}

export interface BoardSource {
  path: string;
  text: string;
}

export interface BoardLoaded {
  boardId: string;
  request: BoardOpenRequest;
  /** The compiled flattened tree (DTB bytes): the renderer's worker reads it with the engine. */
  dtb: Uint8Array;
  /** JSON tree (engine/devicetree's JSON output, schema bringup-dt/1) with every source span: the worker rebuilds the tree from it (treeFromJson). */
  treeJson: unknown;
  /** Every file read: the entry file, its includes, the config. */
  files: BoardFile[];
  /** The text of every device-tree source file read (keyed as the tree's spans name them), for the read-only source view. */
  sources?: BoardSource[];
  /** Kernel .config text, when given. */
  config?: string;
  diagnostics: Diagnostic[];
  /**
   * Present when the services check this compile against the kernel's binding schemas (dt-validate) in the
   * background: the `boardBindings` event with the same `check` carries the findings.
   */
  bindingsCheck?: string;
}

/** The binding check of one compile of a board (electron/services/bindings.ts), pushed when it finishes. */
export interface BoardBindings {
  boardId: string;
  /** BoardLoaded.bindingsCheck of the compile it checked. */
  check: string;
  report: BindingsReport;
}

// ---- sessions ------------------------------------------------------------------------------------

export interface SessionSummary {
  sessionId: string;
  path: string;
  startedAt: number;
  target?: string;
  bytesReceived: number;
  bytesSent: number;
  /** Recording paused (e.g. disk full); the reason. */
  paused?: string;
}

export type ExportFormat = 'text' | 'json' | 'html' | 'junit' | 'bundle';

/**
 * A boot log, session file or bundle the user picked in the page (browser mode's file input): the
 * page sends the bytes, never a path on the services' machine.
 */
export interface ImportUpload {
  name: string;
  bytes: Uint8Array;
  /** The file's modification time (ms), the base for a log with time-of-day stamps. */
  lastModified?: number;
}

export interface ExportRequest {
  sessionId: string;
  format: ExportFormat;
  /** For text: which timestamps and how. */
  timestamps?: { source: 'host' | 'printk'; style: 'absolute' | 'relative' | 'delta' } | 'none';
  /**
   * Destination path on the services' machine; omitted → returned inline (a download in browser mode).
   * Only Electron's main process sets it, from its own save dialog; both adapters refuse it from a page.
   */
  path?: string;
  /** Replace an existing file at `path`: only after the save dialog asked the user. */
  overwrite?: boolean;
}

export interface ExportResult {
  path?: string;
  /** Inline content when no path was given (text formats). */
  content?: string;
  /** Inline bytes when no path was given (the bundle). */
  bytes?: Uint8Array;
}

/** What a reopened or imported session holds, enough to rebuild every view. */
export interface SessionContents {
  summary: SessionSummary;
  /** Received bytes in order with host receive times (ms since epoch) of each chunk. */
  chunks: { t: number; dir: 'rx' | 'tx'; bytes: Uint8Array }[];
  markers: { t: number; kind: string; detail?: string }[];
  board?: { files: BoardFile[]; dtb?: Uint8Array; settings?: unknown };
}

// ---- labgrid (the lab view) ------------------------------------------------------------------------

export interface LabResourceView {
  exporter: string;
  group: string;
  cls: string;
  name: string;
  avail: boolean;
  /** The place holding the resource, or null. */
  acquired: string | null;
  /** A NetworkSerialPort's `host:port` once its exporter serves it (only while the place is acquired). */
  address?: string;
}

export interface LabPlaceView {
  name: string;
  aliases: string[];
  comment: string;
  tags: Record<string, string>;
  /** Who holds it (`host/user`), or null. */
  acquired: string | null;
  /** The reservation token the place is allocated to, or null. */
  reservation: string | null;
  /** The resources its matches select (what `labgrid-client show` lists). */
  resources: LabResourceView[];
}

/** A coordinator's places as the session sees them now; pushed again (event `labPlaces`) on every change. */
export interface LabSnapshot {
  /** host:port */
  coordinator: string;
  /** The identity this client declared (`host/user`): a place held by it is the user's. */
  identity: string;
  /** False while the session is lost and being re-opened (places are the last ones seen). */
  online: boolean;
  error?: string;
  places: LabPlaceView[];
}

export interface LabReservation {
  token: string;
  owner: string;
  /** labgrid's ReservationState: waiting, allocated, acquired, expired, invalid. */
  state: string;
  /** Filter group → the place allocated to it (`main` only, as labgrid 26 allows). */
  allocations: Record<string, string>;
  /** When the coordinator expires it unless polled again (seconds since epoch). */
  timeout: number;
}

// ---- the API ---------------------------------------------------------------------------------------

export interface WorkbenchApi {
  listPorts(): Promise<PortInfo[]>;
  connect(req: ConnectRequest): Promise<ConnectionStatus>;
  disconnect(connectionId: string): Promise<void>;
  write(connectionId: string, data: Uint8Array): Promise<void>;
  updateSettings(connectionId: string, settings: SerialSettings): Promise<void>;
  setSignals(connectionId: string, signals: SignalState): Promise<void>;
  /** Assert a line for `ms`, then release it: the usual board reset wiring. */
  pulseSignal(connectionId: string, line: 'dtr' | 'rts', ms: number): Promise<void>;
  sendBreak(connectionId: string, ms: number): Promise<void>;

  openBoard(req: BoardOpenRequest): Promise<BoardLoaded>;
  closeBoard(boardId: string): Promise<void>;
  /** The bundled demo board: its request, ready to open, and the demo serial target. */
  demoBoard(): Promise<{ board: BoardOpenRequest; target: string }>;

  listSessions(): Promise<SessionSummary[]>;
  openSession(pathOrId: string): Promise<SessionContents>;
  /**
   * A path only from Electron main's own open dialog (a path from the renderer opens that dialog
   * instead); from a page, the uploaded bytes. The browser-mode host refuses a path.
   */
  importLog(source: string | ImportUpload): Promise<SessionContents>;
  exportSession(req: ExportRequest): Promise<ExportResult>;
  /** Anything the renderer knows that the recorder should keep (prediction settings, comparison). */
  annotateSession(sessionId: string, kind: string, detail: unknown): Promise<void>;

  /** labgrid targets: release the place on disconnect, or keep holding it (changeable while connected). */
  setReleaseOnDisconnect(connectionId: string, release: boolean): Promise<void>;
  /**
   * labgrid targets: switch the place's power (labgrid-client power on|off|cycle) with the console open;
   * the recording gets a `power` marker when it is issued and `power-failed` with labgrid-client's words.
   */
  power(connectionId: string, action: PowerAction): Promise<void>;
  /** Opens (or joins) the session with a coordinator (`host[:port]`); its changes arrive as `labPlaces`. */
  labWatch(coordinator: string): Promise<LabSnapshot>;
  labAcquire(coordinator: string, place: string): Promise<LabPlaceView>;
  /** Releases a place this identity holds (a place someone else holds is refused, as labgrid-client does without --kick). */
  labRelease(coordinator: string, place: string): Promise<void>;
  /** A reservation for the first free place whose tags match `filter` (labgrid-client reserve). */
  labReserve(coordinator: string, filter: Record<string, string>): Promise<LabReservation>;
  /** Its state now; polling also keeps it from expiring (the coordinator drops one not polled for 60 s). */
  labPollReservation(coordinator: string, token: string): Promise<LabReservation>;
  labCancelReservation(coordinator: string, token: string): Promise<void>;
}

/** Events pushed from the services to every renderer. */
export interface WorkbenchEvents {
  serialData: { connectionId: string; hostTime: number; bytes: Uint8Array };
  connectionStatus: ConnectionStatus;
  boardChanged: BoardLoaded;
  /** A board's binding findings, seconds to minutes after it opened or changed (dt-validate is slow). */
  boardBindings: BoardBindings;
  sessionStatus: SessionSummary;
  labPlaces: LabSnapshot;
}

/** What labgrid-client's `power` verb does to a place. */
export type PowerAction = 'on' | 'off' | 'cycle';
export const POWER_ACTIONS: readonly PowerAction[] = ['on', 'off', 'cycle'];

export type ApiMethod = keyof WorkbenchApi;
export type EventName = keyof WorkbenchEvents;

/** The channel list both adapters check calls against (deny anything else). */
export const API_METHODS: readonly ApiMethod[] = [
  'listPorts',
  'connect',
  'disconnect',
  'write',
  'updateSettings',
  'setSignals',
  'pulseSignal',
  'sendBreak',
  'openBoard',
  'closeBoard',
  'demoBoard',
  'listSessions',
  'openSession',
  'importLog',
  'exportSession',
  'annotateSession',
  'setReleaseOnDisconnect',
  'power',
  'labWatch',
  'labAcquire',
  'labRelease',
  'labReserve',
  'labPollReservation',
  'labCancelReservation',
];

export const EVENT_NAMES: readonly EventName[] = ['serialData', 'connectionStatus', 'boardChanged', 'boardBindings', 'sessionStatus', 'labPlaces'];
