// The board service: compiles a board's DTS (or reads its DTB) with the engine, exactly as
// `bringup dt` does, and hands the renderer the JSON tree with every source span (the worker rebuilds
// the tree from it), the DTB bytes, the sources' text and the include set with content hashes; then
// watches every file of that set and re-sends `boardChanged` when one changes. Each compile runs in its
// own worker thread (board-worker.ts) with a heap limit and a deadline; past either it is stopped and the
// board gets one error naming the file.
// Models Kbuild's dtc rule (scripts/Makefile.lib cmd_dtc: cpp -nostdinc -I… -D__DTS__ | dtc).
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, realpathSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FileRefused, readBoundedSourceFileSync, readKernelConfigSync, READ_LIMITS } from './files';
import { loadDeviceTree, looksLikeDtb, readDtb, treeFromJson, treeToJson, writeDtb, type DtTree, type FileContents } from '../../engine/devicetree';
import type { Diagnostic } from '../../engine/common';
import type { BoardFile, BoardLoaded, BoardOpenRequest, BoardSource } from '../common/contract';
import type { BindingsRunner } from './bindings';
import type { EventHub } from './events';
import type { ByteRecorder } from './recorder';

export interface CompiledBoard {
  dtb: Uint8Array;
  treeJson: unknown;
  files: BoardFile[];
  sources: BoardSource[];
  config?: string;
  diagnostics: Diagnostic[];
}

/** Source text sent for the read-only view: enough for any real SoC's include set, bounded for a hostile one. */
const MAX_SOURCE_BYTES = 16 * 1024 * 1024;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Compiles once. Every file the engine reads is recorded: that is the include set. */
export function compileBoard(req: BoardOpenRequest): CompiledBoard {
  const { tree: _tree, ...compiled } = compileBoardTree(req);
  return compiled;
}

/** compileBoard, and the tree itself (for the binding check, which places findings on its spans). */
function compileBoardTree(req: BoardOpenRequest): CompiledBoard & { tree?: DtTree } {
  const files = new Map<string, string>();
  const texts = new Map<string, Uint8Array>();
  const diagnostics: Diagnostic[] = [];
  const entry = resolve(req.path);
  // Reads go through files.ts (regular files only, non-blocking open, size caps), each path once.
  const read = boundedReader(diagnostics);
  const readFile = (p: string): FileContents | undefined => {
    const contents = read(p);
    if (contents) {
      files.set(resolve(p), sha256(contents.bytes));
      // Keyed by the path as the engine was given it: that is what its spans name.
      texts.set(p, contents.bytes);
    }
    return contents;
  };
  let tree: DtTree | undefined;
  let dtb: Uint8Array = new Uint8Array(0);
  const head = readFile(entry)?.bytes;
  if (!head) {
    diagnostics.push({ severity: 'error', code: 'file_not_found', message: `cannot read ${entry}`, file: entry });
  } else if (looksLikeDtb(head)) {
    const r = readDtb(head, entry);
    diagnostics.push(...r.diagnostics);
    tree = r.value;
    dtb = head;
  } else {
    const defines = Object.entries(req.defines ?? {}).map(([k, v]) => (v === '' ? k : `${k}=${v}`));
    const r = loadDeviceTree(entry, { includeDirs: [dirname(entry), ...req.includeDirs.map((d) => resolve(d))], defines, readFile, now: new Date() });
    diagnostics.push(...r.diagnostics);
    tree = r.value;
    if (!diagnostics.some((d) => d.severity === 'error')) dtb = writeDtb(tree);
  }
  const roots = [dirname(entry), ...req.includeDirs.map((d) => resolve(d))].map(realOrSelf);
  const outside = new Set([...files.keys()].filter((p) => !roots.some((r) => isWithin(realOrSelf(p), r))));
  for (const p of outside) {
    diagnostics.push({ severity: 'warning', code: 'include_outside_roots', message: `${p} is outside the board's folder and include folders; only its hash is recorded`, file: p });
  }
  let config: string | undefined;
  if (req.configPath) {
    const path = resolve(req.configPath);
    try {
      const text = readKernelConfigSync(path);
      files.set(path, sha256(new TextEncoder().encode(text)));
      if (text.trim() !== '' && !/^(# )?CONFIG_\w+/m.test(text)) throw new Error(`${path}: not a kernel .config (no CONFIG_ lines)`);
      config = text;
    } catch (err) {
      diagnostics.push({ severity: 'error', code: 'file_not_found', message: `cannot read kernel config: ${(err as Error).message}`, file: path });
    }
  }
  const sources: BoardSource[] = [];
  let budget = MAX_SOURCE_BYTES;
  for (const [path, bytes] of texts) {
    // A file from outside the board's folders is named by its hash only (never its text).
    if (outside.has(resolve(path)) || looksLikeDtb(bytes) || bytes.length > budget) continue;
    budget -= bytes.length;
    sources.push({ path, text: Buffer.from(bytes).toString('utf8') });
  }
  return {
    dtb,
    treeJson: tree ? treeToJson(tree) : null,
    files: [...files].map(([path, hash]) => ({ path, sha256: hash, ...(outside.has(path) ? { outsideRoots: true } : {}) })),
    sources,
    ...(config !== undefined ? { config } : {}),
    diagnostics,
    ...(tree ? { tree } : {}),
  };
}

/** One read per path per compile; a refusal (FIFO, device, over the cap) becomes one error naming the file. */
function boundedReader(diagnostics: Diagnostic[]): (p: string) => FileContents | undefined {
  const seen = new Map<string, FileContents | undefined>();
  return (p) => {
    const path = resolve(p);
    if (seen.has(path)) return seen.get(path);
    let contents: FileContents | undefined;
    try {
      contents = readBoundedSourceFileSync(path, /\.(dts|dtsi|h)$/.test(path) ? READ_LIMITS.dtsSource : READ_LIMITS.binary);
    } catch (err) {
      if (err instanceof FileRefused) diagnostics.push({ severity: 'error', code: 'file_refused', message: err.message, file: path });
    }
    seen.set(path, contents);
    return contents;
  };
}

/** What one compile may take. Kernel boards compile in well under a second and a few tens of MiB. */
export interface CompileLimits {
  timeoutMs: number;
  /** The worker's V8 old generation (maxOldGenerationSizeMb). */
  heapMb: number;
}

export const COMPILE_LIMITS: CompileLimits = { timeoutMs: 20_000, heapMb: 512 };

let workerScript: Promise<string> | undefined;

/**
 * The worker's entry: the bundle beside this module (out/main/board-worker.js, .cache/host/
 * board-worker.mjs), or, run from the repository's TypeScript (tests), board-worker.ts bundled once
 * with the same esbuild helper the CLI and the host use.
 */
function boardWorkerScript(): Promise<string> {
  const here = fileURLToPath(import.meta.url);
  for (const name of ['board-worker.mjs', 'board-worker.js']) {
    const p = join(dirname(here), name);
    if (existsSync(p)) return Promise.resolve(p);
  }
  if (!here.endsWith('.ts')) return Promise.reject(new Error(`board-worker.js is missing beside ${here}`));
  workerScript ??= (async () => {
    const root = resolve(dirname(here), '..', '..');
    const helper = pathToFileURL(join(root, 'build', 'node-bundle.mjs')).href;
    const { bundleIfStale } = (await import(/* @vite-ignore */ helper)) as {
      bundleIfStale(o: { root: string; name: string; entry: string }): Promise<string>;
    };
    return bundleIfStale({ root, name: 'board-worker', entry: join(dirname(here), 'board-worker.ts') });
  })();
  workerScript.catch(() => (workerScript = undefined));
  return workerScript;
}

/** The result of a compile that was stopped: one error naming the file, and the file to watch for a fix. */
function stopped(req: BoardOpenRequest, message: string): CompiledBoard {
  const entry = resolve(req.path);
  return {
    dtb: new Uint8Array(0),
    treeJson: null,
    files: [{ path: entry, sha256: '' }],
    sources: [],
    diagnostics: [{ severity: 'error', code: 'compile_limit', message: `${entry}: ${message}`, file: entry }],
  };
}

/** compileBoard in its own thread, stopped past `limits` (heap or time) with an error naming the file. */
export async function compileInWorker(req: BoardOpenRequest, limits: CompileLimits = COMPILE_LIMITS): Promise<CompiledBoard> {
  const script = await boardWorkerScript();
  return new Promise((resolvePromise) => {
    let done = false;
    const finish = (r: CompiledBoard) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolvePromise(r);
    };
    const worker = new Worker(script, { workerData: req, resourceLimits: { maxOldGenerationSizeMb: limits.heapMb }, stdout: false, stderr: false });
    const timer = setTimeout(() => {
      finish(stopped(req, `compiling took longer than ${limits.timeoutMs / 1000} s; stopped (a runaway macro or include?)`));
      void worker.terminate();
    }, limits.timeoutMs);
    worker.once('message', (r: CompiledBoard) => finish(r));
    worker.once('error', (err: Error & { code?: string }) =>
      finish(
        stopped(
          req,
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `compiling needed more than its ${limits.heapMb} MiB of memory; stopped (a runaway macro or include?)`
            : `compiling failed: ${err.message}`,
        ),
      ),
    );
    worker.once('exit', (code) => finish(stopped(req, `compiling stopped (worker exit ${code})`)));
  });
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function isWithin(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

interface OpenBoard {
  loaded: BoardLoaded;
  watchers: FSWatcher[];
  timer?: NodeJS.Timeout;
  /** Bumped per recompile, so a slow one that finishes after a newer one is dropped. */
  generation: number;
}

export interface BoardServiceOptions {
  events: EventHub;
  recorder: ByteRecorder;
  /** Debounce for editor saves that touch a file several times. */
  debounceMs?: number;
  /** Checks each compile against the kernel's binding schemas in the background (absent: not checked). */
  bindings?: BindingsRunner;
  /** Default: COMPILE_LIMITS. */
  compileLimits?: Partial<CompileLimits>;
}

export class BoardService {
  private readonly boards = new Map<string, OpenBoard>();

  constructor(private readonly opts: BoardServiceOptions) {}

  async open(req: BoardOpenRequest): Promise<BoardLoaded> {
    validateBoardRequest(req);
    const boardId = `board-${randomUUID().slice(0, 8)}`;
    const loaded = this.loaded(boardId, { ...req }, await this.compile(req));
    const board: OpenBoard = { loaded, watchers: [], generation: 0 };
    this.boards.set(boardId, board);
    if (req.watch) this.watchFiles(board);
    this.opts.recorder.board(loaded, Date.now());
    return loaded;
  }

  /**
   * A compile as the renderer gets it; the binding check of a compile that gave a DTB is queued, on
   * the tree rebuilt from its JSON (the compile's own tree stayed in its worker).
   */
  private loaded(boardId: string, request: BoardOpenRequest, compiled: CompiledBoard): BoardLoaded {
    const loaded: BoardLoaded = { boardId, request, ...compiled };
    if (this.opts.bindings && compiled.dtb.length && compiled.treeJson) {
      loaded.bindingsCheck = this.opts.bindings.request(boardId, treeFromJson(compiled.treeJson).value, compiled.dtb, request);
    }
    return loaded;
  }

  private compile(req: BoardOpenRequest): Promise<CompiledBoard> {
    return compileInWorker(req, { ...COMPILE_LIMITS, ...this.opts.compileLimits });
  }

  private watchFiles(board: OpenBoard): void {
    for (const w of board.watchers) w.close();
    board.watchers = [];
    // Watch folders, not files: editors save by writing a new file and renaming it over the old one,
    // which a watch on the old inode never sees.
    const byDir = new Map<string, Set<string>>();
    for (const f of board.loaded.files) {
      const dir = dirname(f.path);
      if (!byDir.has(dir)) byDir.set(dir, new Set());
      byDir.get(dir)!.add(basename(f.path));
    }
    for (const [dir, names] of byDir) {
      try {
        const w = watch(dir, { persistent: false }, (_event, filename) => {
          if (filename === null || names.has(filename.toString())) this.schedule(board);
        });
        w.on('error', () => {});
        board.watchers.push(w);
      } catch {
        // a folder gone already: the next recompile reports the missing file
      }
    }
  }

  private schedule(board: OpenBoard): void {
    if (board.timer) clearTimeout(board.timer);
    board.timer = setTimeout(() => void this.recompile(board), this.opts.debounceMs ?? 150);
  }

  private async recompile(board: OpenBoard): Promise<void> {
    board.timer = undefined;
    if (!this.boards.has(board.loaded.boardId)) return;
    const generation = ++board.generation;
    const next = await this.compile(board.loaded.request);
    // Closed meanwhile, or a later save started a newer compile: this result is stale.
    if (!this.boards.has(board.loaded.boardId) || generation !== board.generation) return;
    const before = board.loaded.files.map((f) => `${f.path}\0${f.sha256}`).join('\n');
    const after = next.files.map((f) => `${f.path}\0${f.sha256}`).join('\n');
    if (before === after) return; // touched, not changed
    board.loaded = this.loaded(board.loaded.boardId, board.loaded.request, next);
    this.watchFiles(board);
    this.opts.recorder.board(board.loaded, Date.now());
    this.opts.events.emit('boardChanged', board.loaded);
  }

  async close(boardId: string): Promise<void> {
    const board = this.boards.get(boardId);
    if (!board) return;
    this.boards.delete(boardId);
    this.opts.bindings?.forget(boardId);
    if (board.timer) clearTimeout(board.timer);
    for (const w of board.watchers) w.close();
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.boards.keys()].map((id) => this.close(id)));
  }
}

function validateBoardRequest(req: BoardOpenRequest): void {
  if (!req || typeof req.path !== 'string' || req.path === '') throw new Error('board path missing');
  if (!Array.isArray(req.includeDirs) || req.includeDirs.some((d) => typeof d !== 'string')) throw new Error('includeDirs must be a list of folders');
  if (req.defines && (typeof req.defines !== 'object' || Object.values(req.defines).some((v) => typeof v !== 'string'))) throw new Error('defines must map names to strings');
  if (req.configPath !== undefined && typeof req.configPath !== 'string') throw new Error('configPath must be a path');
}
