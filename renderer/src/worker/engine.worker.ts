// The engine in a Web Worker: one BoardWorkspace per console tab (workspace.ts: its board, prediction,
// live parse and comparison), made on the tab's first message and dropped when the tab closes. The
// catalogs are shared: one decoded copy per kernel version, whichever tabs predict with it.
import { catalogVersionFor, decodeCatalog, type DriverCatalog } from '../../../engine/probe';
import type { FromWorker, ToWorker } from './protocol';
import { BoardWorkspace } from './workspace';

/** How often a quiet stream's clock is looked at: pending verdicts fall due while nothing is printed. */
const TICK_MS = 500;

interface WorkerScope {
  postMessage(msg: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

function post(msg: FromWorker) {
  scope.postMessage(msg);
}

// The driver catalogs shipped in resources/kernel/<version>/drivers.json, loaded on first use.
const catalogFiles = import.meta.glob<unknown>('../../../resources/kernel/*/drivers.json', { import: 'default' });
const catalogs = new Map<string, DriverCatalog>();

async function catalogFor(kernel: string): Promise<{ catalog: DriverCatalog | null; warning: string | null }> {
  const versions = Object.keys(catalogFiles).map((f) => /kernel\/([^/]+)\/drivers\.json$/.exec(f)![1]!);
  // The exact version's catalog, else the newest shipped one not newer than it (the CLI's rule).
  const v = catalogVersionFor(kernel, versions);
  const warning = v && v !== kernel ? `no driver catalog for kernel ${kernel}: using the ${v} catalog` : v ? null : 'no driver catalog shipped';
  if (!v) return { catalog: null, warning };
  let c = catalogs.get(v);
  if (!c) {
    const file = Object.keys(catalogFiles).find((f) => f.includes(`/kernel/${v}/`))!;
    c = decodeCatalog(await catalogFiles[file]!());
    catalogs.set(v, c);
  }
  return { catalog: c, warning };
}

const workspaces = new Map<number, BoardWorkspace>();

function workspace(tab: number): BoardWorkspace {
  let w = workspaces.get(tab);
  if (!w) workspaces.set(tab, (w = new BoardWorkspace(tab, post, catalogFor)));
  return w;
}

// The worker lives as long as its page: the tick never needs stopping.
setInterval(() => {
  for (const w of workspaces.values()) w.tick();
}, TICK_MS);

scope.onmessage = (e) => {
  const msg = e.data;
  try {
    if (msg.type === 'closeTab') {
      workspaces.get(msg.tab)?.close();
      workspaces.delete(msg.tab);
      return;
    }
    const w = workspace(msg.tab);
    switch (msg.type) {
      case 'board':
        w.board(msg.dtb, msg.treeJson, msg.config, msg.fileName);
        break;
      case 'options':
        w.setOptions(msg.options);
        break;
      case 'serial':
        w.serial(msg.bytes, msg.hostTime);
        break;
      case 'resetLive':
        w.resetLive();
        break;
      case 'show':
        w.show();
        break;
      case 'endBoot':
        w.endBoot();
        break;
      case 'report':
        post({ type: 'report', tab: msg.tab, requestId: msg.requestId, report: w.report() });
        break;
      case 'node':
        post({ type: 'node', tab: msg.tab, requestId: msg.requestId, detail: w.node(msg.path) });
        break;
    }
  } catch (err) {
    post({ type: 'error', tab: msg.tab, message: `engine: ${err instanceof Error ? err.message : String(err)}` });
  }
};
