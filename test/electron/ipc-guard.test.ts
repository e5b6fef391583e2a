// The Electron adapter's guards as plain functions (Electron itself cannot run here): which pages
// may call the API, which senders are refused, and the argument shapes every verb accepts. The
// events are the plain data Electron hands an ipcMain.handle listener (sender id, sender frame URL
// and parent).
import { describe, expect, it } from 'vitest';
import { API_METHODS } from '../../electron/common/contract';
import { API_ARGUMENTS, checkArguments } from '../../electron/common/api-args';
import { APP_ORIGIN, isTrustedUrl, RENDERER_CSP, validateSender } from '../../electron/main/security';

// Electron's event type, taken from the guard's signature (tests never import 'electron', not even types).
type IpcMainInvokeEvent = Parameters<typeof validateSender>[0];

function event(senderId: number, url: string, parent: object | null = null): IpcMainInvokeEvent {
  return { sender: { id: senderId }, senderFrame: { url, parent } } as unknown as IpcMainInvokeEvent;
}

describe('IPC sender validation', () => {
  const windows = new Map([[7, 'window-7']]);

  it('trusts our scheme, and the dev server only when named and on loopback', () => {
    expect(isTrustedUrl(`${APP_ORIGIN}/index.html?demo=1`)).toBe(true);
    expect(isTrustedUrl('workbench://other/index.html')).toBe(false);
    expect(isTrustedUrl('file:///work/main/out/renderer/index.html')).toBe(false);
    expect(isTrustedUrl('https://example.com/')).toBe(false);
    expect(isTrustedUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isTrustedUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isTrustedUrl('http://evil.example:5173/', 'http://evil.example:5173')).toBe(false);
    expect(isTrustedUrl('not a url')).toBe(false);
  });

  it('accepts the main frame of our window on our page and names its owner', () => {
    expect(validateSender(event(7, `${APP_ORIGIN}/index.html`), windows)).toBe('window-7');
  });

  it('refuses unknown windows, subframes, foreign pages and destroyed frames', () => {
    expect(() => validateSender(event(8, `${APP_ORIGIN}/index.html`), windows)).toThrow(/unknown sender/);
    expect(() => validateSender(event(7, `${APP_ORIGIN}/index.html`, {}), windows)).toThrow(/subframe/);
    expect(() => validateSender(event(7, 'https://example.com/'), windows)).toThrow(/untrusted/);
    const gone = { sender: { id: 7 }, senderFrame: null } as unknown as IpcMainInvokeEvent;
    expect(() => validateSender(gone, windows)).toThrow(/unknown sender/);
  });
});

describe('argument shapes', () => {
  it('has a rule for every verb of the contract', () => {
    expect(Object.keys(API_ARGUMENTS).sort()).toEqual([...API_METHODS].sort());
  });

  it('accepts the contract shapes and refuses others', () => {
    expect(() => checkArguments('write', ['conn-1', new Uint8Array([1])])).not.toThrow();
    expect(() => checkArguments('write', ['conn-1', [1, 2]])).toThrow(/argument 2/);
    expect(() => checkArguments('pulseSignal', ['conn-1', 'dtr', 100])).not.toThrow();
    expect(() => checkArguments('pulseSignal', ['conn-1', 'cts', 100])).toThrow(/argument 2/);
    expect(() => checkArguments('sendBreak', ['conn-1', Number.NaN])).toThrow(/argument 2/);
    expect(() => checkArguments('listPorts', ['extra'])).toThrow(/expected 0/);
    expect(() => checkArguments('connect', [null])).toThrow(/argument 1/);
    expect(() => checkArguments('disconnect', ['x'.repeat(5000)])).toThrow(/argument 1/);
    expect(() => checkArguments('nope' as never, [])).toThrow(/no such method/);
  });
});

describe('renderer CSP', () => {
  it('allows no inline or eval script and no remote origin', () => {
    const script = RENDERER_CSP.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src'))!;
    expect(script).toBe("script-src 'self'");
    expect(RENDERER_CSP).toContain("default-src 'none'");
    expect(RENDERER_CSP).not.toMatch(/https?:|\*/);
  });
});
