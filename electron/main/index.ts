// The Electron adapter: one BrowserWindow per workbench, sandboxed and context-isolated, showing
// the renderer from our own `workbench://app/` scheme (with the CSP header on every file), and the
// contract's verbs over ipcMain.handle, each call checked against its sender frame. Connections
// a window opened close when its webContents is destroyed. The services know nothing of Electron.
import { app, BrowserWindow, dialog, ipcMain, net, protocol, session, type IpcMainInvokeEvent } from 'electron';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { API_METHODS, EVENT_NAMES, type ApiMethod, type EventName, type ExportFormat, type ExportRequest, type ExportResult, type SessionContents, type WorkbenchEvents } from '../common/contract';
import { checkArguments } from '../common/api-args';
import { APP_ORIGIN, APP_SCHEME, RENDERER_CSP, hardenSession, hardenWebContents, validateSender } from './security';
import { createAppServices, type WorkbenchServices } from '../services';

const here = dirname(fileURLToPath(import.meta.url));
/** out/main → the project (or app.asar) root. */
const appRoot = resolve(here, '..', '..');
const rendererDir = join(appRoot, 'out', 'renderer');
const preloadPath = join(appRoot, 'out', 'preload', 'index.cjs');
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const demoMode = process.argv.includes('--demo');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
app.enableSandbox();

/** webContents id → owner key of the connections that window opened. */
const windows = new Map<number, string>();
let services: WorkbenchServices;

function serveRenderer(): void {
  if (!existsSync(join(rendererDir, 'index.html'))) throw new Error(`no renderer at ${rendererDir}: run \`npx electron-vite build\` (npm start does)`);
  const root = realpathSync(rendererDir);
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'app') return new Response('not found', { status: 404 });
    const file = resolve(root, `.${decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)}`);
    if (!file.startsWith(root + sep) || !existsSync(file)) return new Response('not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', RENDERER_CSP);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
}

const EXPORT_EXTENSIONS: Record<ExportFormat, string> = { text: 'txt', json: 'json', html: 'html', junit: 'xml', bundle: 'bwbundle' };

/**
 * The only way a file is written where the user chose: the path comes from this process's own save
 * dialog (which asked before replacing a file), never from the renderer. Cancelled → nothing written.
 */
async function exportThroughSaveDialog(event: IpcMainInvokeEvent, req: ExportRequest): Promise<ExportResult> {
  const { path: _fromRenderer, overwrite: _alsoIgnored, ...rest } = req;
  const win = BrowserWindow.fromWebContents(event.sender);
  const ext = EXPORT_EXTENSIONS[req.format] ?? 'txt';
  const options = {
    title: 'Export session',
    defaultPath: join(app.getPath('documents'), `${req.sessionId}.${ext}`),
    filters: [{ name: req.format, extensions: [ext] }],
    properties: ['showOverwriteConfirmation' as const, 'createDirectory' as const],
  };
  const chosen = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
  if (chosen.canceled || !chosen.filePath) return {};
  return services.sessions.exportSession({ ...rest, path: chosen.filePath, overwrite: true });
}

/**
 * The only way the app reads a file to import by path: the path comes from this process's own open
 * dialog, never from the renderer (which could name /etc/shadow and read it back as a session).
 * Cancelled → an error saying so; nothing is read.
 */
async function importThroughOpenDialog(event: IpcMainInvokeEvent, owner: string): Promise<SessionContents> {
  const win = BrowserWindow.fromWebContents(event.sender);
  const options = {
    title: 'Import a boot log, session or bundle',
    defaultPath: app.getPath('documents'),
    properties: ['openFile' as const],
  };
  const chosen = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  if (chosen.canceled || !chosen.filePaths[0]) throw new Error('importLog: cancelled; nothing imported');
  return services.apiFor(owner).importLog(chosen.filePaths[0]);
}

function registerHandlers(): void {
  for (const method of API_METHODS) {
    ipcMain.handle(`workbench:${method}`, async (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      const owner = validateSender(event, windows, devServerUrl);
      checkArguments(method, args);
      if (method === 'exportSession') return exportThroughSaveDialog(event, args[0] as ExportRequest);
      if (method === 'importLog' && typeof args[0] === 'string') return importThroughOpenDialog(event, owner);
      const api = services.apiFor(owner);
      return (api[method as ApiMethod] as (...a: unknown[]) => Promise<unknown>)(...args);
    });
  }
  services.events.onAny(<E extends EventName>(event: E, payload: WorkbenchEvents[E]) => {
    if (!EVENT_NAMES.includes(event)) return;
    for (const win of BrowserWindow.getAllWindows()) {
      const wc = win.webContents;
      if (!wc.isDestroyed() && windows.has(wc.id)) wc.send(`workbench:event:${event}`, payload);
    }
  });
}

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1480,
    height: 920,
    title: 'Bring-up Workbench',
    show: false,
    backgroundColor: '#111418',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      // Middle-click opens links in new windows without passing the window-open handler.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  const wc = win.webContents;
  const owner = `window-${wc.id}`;
  windows.set(wc.id, owner);
  hardenWebContents(wc);
  wc.once('destroyed', () => {
    windows.delete(wc.id);
    void services.release(owner);
  });
  win.once('ready-to-show', () => win.show());
  const query = demoMode ? '?demo=1' : '';
  void win.loadURL(devServerUrl ? `${devServerUrl}${query}` : `${APP_ORIGIN}/index.html${query}`);
}

app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

app.whenReady().then(() => {
  services = createAppServices({ resourcesDir: join(appRoot, 'resources'), sessionsDir: join(app.getPath('userData'), 'sessions') });
  hardenSession(session.defaultSession);
  serveRenderer();
  registerHandlers();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let disposed = false;
app.on('will-quit', (event) => {
  if (disposed || !services) return;
  event.preventDefault();
  disposed = true;
  void services.dispose().finally(() => app.quit());
});
