// What each contract verb accepts, checked before a service sees it: both adapters (Electron IPC and
// the web host) take calls from a renderer that must be treated as untrusted (it shows bytes from a
// board and names from a DTS). Shapes only; the services check meaning (settings ranges, paths).
import { POWER_ACTIONS, type ApiMethod } from './contract';

type Check = (v: unknown) => boolean;

const str: Check = (v) => typeof v === 'string' && v.length > 0 && v.length <= 4096;
const num: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const bytes: Check = (v) => v instanceof Uint8Array;
const obj: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const line: Check = (v) => v === 'dtr' || v === 'rts';
const any: Check = () => true;
const bool: Check = (v) => typeof v === 'boolean';
const powerAction: Check = (v) => (POWER_ACTIONS as readonly unknown[]).includes(v);
/** A labgrid tag filter: a few short string pairs (the coordinator checks the tag syntax). */
const tags: Check = (v) => obj(v) && Object.keys(v as object).length <= 32 && Object.entries(v as object).every(([k, x]) => k.length <= 128 && typeof x === 'string' && x.length <= 256);
const upload: Check = (v) => obj(v) && str((v as { name?: unknown }).name) && bytes((v as { bytes?: unknown }).bytes) && ['undefined', 'number'].includes(typeof (v as { lastModified?: unknown }).lastModified);

export const API_ARGUMENTS: Record<ApiMethod, Check[]> = {
  listPorts: [],
  connect: [obj],
  disconnect: [str],
  write: [str, bytes],
  updateSettings: [str, obj],
  setSignals: [str, obj],
  pulseSignal: [str, line, num],
  sendBreak: [str, num],
  openBoard: [obj],
  closeBoard: [str],
  demoBoard: [],
  listSessions: [],
  openSession: [str],
  importLog: [(v) => str(v) || upload(v)],
  exportSession: [obj],
  annotateSession: [str, str, any],
  setReleaseOnDisconnect: [str, bool],
  power: [str, powerAction],
  labWatch: [str],
  labAcquire: [str, str],
  labRelease: [str, str],
  labReserve: [str, tags],
  labPollReservation: [str, str],
  labCancelReservation: [str, str],
};

/** Throws when a call's arguments do not have the contract's shape. */
export function checkArguments(method: ApiMethod, args: unknown[]): void {
  const checks = API_ARGUMENTS[method];
  if (!checks) throw new Error(`no such method ${String(method)}`);
  if (args.length > checks.length) throw new Error(`${method}: expected ${checks.length} arguments, got ${args.length}`);
  checks.forEach((check, i) => {
    if (!check(args[i])) throw new Error(`${method}: argument ${i + 1} has the wrong type`);
  });
}
