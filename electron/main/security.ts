// The Electron app's security policy in one place, after Electron's security checklist
// (docs/tutorial/security.md) and GitHub Desktop's ipc-main.ts: the renderer is untrusted, loads only
// from our own `workbench://app/` scheme (or the electron-vite dev server when not packaged), gets a
// strict CSP, may not navigate, open windows, attach webviews or ask for any permission, and every
// IPC call is checked against the frame that sent it. Electron is imported for types only.
import type { IpcMainInvokeEvent, Session, WebContents } from 'electron';

export const APP_SCHEME = 'workbench';
export const APP_ORIGIN = `${APP_SCHEME}://app`;

export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'", // xterm.js positions its rows with inline style attributes
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The only pages allowed to call the API: our scheme, or the dev server named at startup. */
export function isTrustedUrl(url: string, devServerUrl?: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (`${u.protocol}//${u.host}` === APP_ORIGIN) return true;
  if (devServerUrl) {
    const dev = new URL(devServerUrl);
    return u.origin === dev.origin && (dev.hostname === 'localhost' || dev.hostname === '127.0.0.1');
  }
  return false;
}

/**
 * Accepts a call only from the main frame of a window this app created, showing our own page.
 * Returns the owner key of that window.
 */
export function validateSender(event: IpcMainInvokeEvent, windows: ReadonlyMap<number, string>, devServerUrl?: string): string {
  const owner = windows.get(event.sender.id);
  const frame = event.senderFrame;
  if (!owner || !frame) throw new Error('IPC from an unknown sender');
  if (frame.parent !== null) throw new Error('IPC from a subframe');
  if (!isTrustedUrl(frame.url, devServerUrl)) throw new Error(`IPC from an untrusted page ${frame.url}`);
  return owner;
}

/** Deny by default: no permission (camera, notifications, serial, HID, clipboard-read…) is ever granted. */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.on('select-serial-port', (event, _ports, _wc, callback) => {
    event.preventDefault();
    callback(''); // the renderer never talks to devices; the services do
  });
  session.on('will-download', (event) => event.preventDefault());
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });
}

/** No navigation away, no new windows, no webviews: the app is one page. */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame) event.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
