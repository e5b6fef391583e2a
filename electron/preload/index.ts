// The preload: the contract's named verbs on `window.workbench`, and nothing else (no ipcRenderer,
// no Node, no generic invoke). Runs sandboxed and context-isolated; bundled to one CommonJS file
// because a sandboxed preload can only require('electron'). Channels: `workbench:<method>` for calls,
// `workbench:event:<name>` for events (electron/main/index.ts checks the sender of every call).
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { EVENT_NAMES, type EventName, type WorkbenchApi, type WorkbenchEvents } from '../common/contract';

const call = (method: keyof WorkbenchApi, ...args: unknown[]) => ipcRenderer.invoke(`workbench:${method}`, ...args);

const workbench: WorkbenchApi & {
  on<E extends EventName>(event: E, listener: (payload: WorkbenchEvents[E]) => void): () => void;
  /** Where a file the user picked (the native dialog of <input type=file>) or dropped lies; '' if nowhere on disk. */
  pathForFile(file: File): string;
} = {
  listPorts: () => call('listPorts'),
  connect: (req) => call('connect', req),
  disconnect: (connectionId) => call('disconnect', connectionId),
  write: (connectionId, data) => call('write', connectionId, data),
  updateSettings: (connectionId, settings) => call('updateSettings', connectionId, settings),
  setSignals: (connectionId, signals) => call('setSignals', connectionId, signals),
  pulseSignal: (connectionId, line, ms) => call('pulseSignal', connectionId, line, ms),
  sendBreak: (connectionId, ms) => call('sendBreak', connectionId, ms),
  openBoard: (req) => call('openBoard', req),
  closeBoard: (boardId) => call('closeBoard', boardId),
  demoBoard: () => call('demoBoard'),
  listSessions: () => call('listSessions'),
  openSession: (pathOrId) => call('openSession', pathOrId),
  importLog: (path) => call('importLog', path),
  exportSession: (req) => call('exportSession', req),
  annotateSession: (sessionId, kind, detail) => call('annotateSession', sessionId, kind, detail),
  setReleaseOnDisconnect: (connectionId, release) => call('setReleaseOnDisconnect', connectionId, release),
  power: (connectionId, action) => call('power', connectionId, action),
  labWatch: (coordinator) => call('labWatch', coordinator),
  labAcquire: (coordinator, place) => call('labAcquire', coordinator, place),
  labRelease: (coordinator, place) => call('labRelease', coordinator, place),
  labReserve: (coordinator, filter) => call('labReserve', coordinator, filter),
  labPollReservation: (coordinator, token) => call('labPollReservation', coordinator, token),
  labCancelReservation: (coordinator, token) => call('labCancelReservation', coordinator, token),
  pathForFile: (file) => webUtils.getPathForFile(file),
  on<E extends EventName>(event: E, listener: (payload: WorkbenchEvents[E]) => void) {
    if (!EVENT_NAMES.includes(event)) throw new Error(`unknown event ${String(event)}`);
    const channel = `workbench:event:${event}`;
    // Hand the page the payload only, never the IpcRendererEvent (it reaches ipcRenderer).
    const handler = (_e: IpcRendererEvent, payload: WorkbenchEvents[E]) => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => void ipcRenderer.removeListener(channel, handler);
  },
};

contextBridge.exposeInMainWorld('workbench', workbench);
