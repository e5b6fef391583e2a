// Opening a board the way people hand it over: files dropped from a file manager (their paths come as
// file:// URIs in `text/uri-list`, RFC 2483), classified by name as dtc and Kbuild name them (.dts,
// .dtb, a kernel .config or /proc/config.gz), the boards opened before (remembered), and the include
// folders a DTS turns out to need (the preprocessor's include_not_found diagnostics).
import type { Diagnostic } from '../../../engine/common';
import type { BoardOpenRequest } from '../../../electron/common/contract';

export type BoardFileKind = 'board' | 'config' | 'other';

export function kindOf(path: string): BoardFileKind {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (/\.(dts|dtb|dtbo)$/i.test(name)) return 'board';
  if (name === '.config' || /^config([-.].*)?$/i.test(name) || /\.config$/i.test(name) || name === 'config.gz') return 'config';
  return 'other';
}

/** Local paths named by a `text/uri-list` (comments and non-file URIs skipped). */
export function pathsFromUriList(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const l = line.trim();
    if (!l || l.startsWith('#')) continue;
    try {
      const u = new URL(l);
      if (u.protocol === 'file:' && (u.hostname === '' || u.hostname === 'localhost')) out.push(decodeURIComponent(u.pathname));
    } catch {
      // not a URI: ignore, as RFC 2483 readers do
    }
  }
  return out;
}

export interface DroppedBoard {
  board?: string;
  config?: string;
  /** Dropped files the browser gave no path for (dragged from somewhere that is not a file manager). */
  withoutPath: string[];
  ignored: string[];
}

export function classifyDrop(paths: readonly string[], fileNames: readonly string[]): DroppedBoard {
  const out: DroppedBoard = { withoutPath: [], ignored: [] };
  for (const p of paths) {
    const k = kindOf(p);
    if (k === 'board' && !out.board) out.board = p;
    else if (k === 'config' && !out.config) out.config = p;
    else out.ignored.push(p);
  }
  const named = new Set(paths.map((p) => p.slice(p.lastIndexOf('/') + 1)));
  for (const f of fileNames) if (!named.has(f)) out.withoutPath.push(f);
  return out;
}

/** The headers a DTS included that no include folder holds (`dt-bindings/gpio/gpio.h`). */
export function missingIncludes(diagnostics: readonly Diagnostic[]): string[] {
  const out: string[] = [];
  for (const d of diagnostics) {
    if (d.code !== 'include_not_found') continue;
    const m = /^(.*?): No such file or directory/.exec(d.message);
    if (m && !out.includes(m[1]!)) out.push(m[1]!);
  }
  return out;
}

const RECENT_KEY = 'bringup.recentBoards';
const RECENT_MAX = 8;

/** Boards opened before, newest first (kept in the page's localStorage, per origin). */
export function recentBoards(storage: Pick<Storage, 'getItem'> | null = globalThis.localStorage ?? null): BoardOpenRequest[] {
  try {
    const v = JSON.parse(storage?.getItem(RECENT_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((r): r is BoardOpenRequest => typeof r === 'object' && r !== null && typeof (r as BoardOpenRequest).path === 'string' && Array.isArray((r as BoardOpenRequest).includeDirs)) : [];
  } catch {
    return [];
  }
}

export function rememberBoard(req: BoardOpenRequest, storage: Pick<Storage, 'getItem' | 'setItem'> | null = globalThis.localStorage ?? null): BoardOpenRequest[] {
  const list = [req, ...recentBoards(storage).filter((r) => r.path !== req.path)].slice(0, RECENT_MAX);
  try {
    storage?.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {
    // storage full or denied: the list lives for this page only
  }
  return list;
}

/**
 * Where a picked or dropped file lies on disk: Electron's preload says (webUtils.getPathForFile); a browser
 * never does, so '' there.
 */
export function pathForFile(file: File): string {
  const wb = (globalThis as { workbench?: { pathForFile?: (f: File) => string } }).workbench;
  try {
    return wb?.pathForFile?.(file) ?? '';
  } catch {
    return '';
  }
}
