// The binding checker for the app: the Node side effects (files, a process run with a deadline that kills
// its whole group) behind engine/bindings' BindingsHost, which runs dtschema's dt-mk-schema and
// dt-validate as the kernel's `make dtbs_check` does; and the app's runner, which checks each board after
// it opens, off the call path, and pushes the findings as the `boardBindings` event. Plain Node, never
// Electron; the CLI uses the host and the kernel-tree choice too.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BindingsError, checkBindings, withOwnFindings, type BindingsHost, type BindingsReport, type CheckBindingsOptions, type Ran } from '../../engine/bindings';
import type { DtTree } from '../../engine/devicetree';
import type { BoardOpenRequest } from '../common/contract';
import type { EventHub } from './events';

export function defaultCacheDir(): string {
  return process.env.BRINGUP_CACHE ?? join(homedir(), '.cache', 'bringup-workbench');
}

export function nodeBindingsHost(cacheDir = defaultCacheDir()): BindingsHost {
  return {
    cacheDir,
    exists: (p) => existsSync(p),
    readText: (p) => readFileSync(p, 'utf8'),
    readTail(p, bytes) {
      const fd = openSync(p, 'r');
      try {
        const size = statSync(p).size;
        const len = Math.min(size, bytes);
        const buf = Buffer.alloc(len);
        readSync(fd, buf, 0, len, size - len);
        return buf.toString('utf8');
      } finally {
        closeSync(fd);
      }
    },
    writeBytes: (p, d) => writeFileSync(p, d),
    mkdirp: (p) => void mkdirSync(p, { recursive: true }),
    rename: (a, b) => renameSync(a, b),
    remove: (p) => rmSync(p, { recursive: true, force: true }),
    tempDir: () => mkdtempSync(join(tmpdir(), 'bringup-bindings-')),
    run: runWithDeadline,
    uniq: String(process.pid),
  };
}

/** Runs a program; past the deadline its process group (Python and anything it forked) is killed. */
export function runWithDeadline(cmd: string, args: string[], opts: { what: string; timeoutMs: number; cwd?: string }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // A big board's text output runs to megabytes: keep the tail of stderr, where a crash's reason is.
    child.stdout.on('data', (c: Buffer) => void (stdout.length < 16 << 20 && (stdout += c.toString('utf8'))));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
      if (stderr.length > 64 << 20) stderr = stderr.slice(-(32 << 20));
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already exited
      }
      reject(new BindingsError(`${opts.what} timed out after ${Math.round(opts.timeoutMs / 1000)} s`));
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new BindingsError(`${opts.what}: cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The app's entry: a board's tree (and its DTB when it was opened as one) checked against a kernel's bindings. */
export function checkBoardBindings(tree: DtTree, opts: CheckBindingsOptions, cacheDir?: string): Promise<BindingsReport> {
  return checkBindings(nodeBindingsHost(cacheDir), tree, opts);
}

/**
 * The kernel tree whose bindings apply to a board (an absolute path): the kernel tree it lives in, else
 * `linux-source-<kernel>` in the cache when that is unpacked, else the 6.1 source there.
 */
export function kernelSourceFor(boardPath: string, cacheDir: string, kernel?: string): string {
  for (let d = dirname(boardPath); d !== dirname(d); d = dirname(d)) {
    if (existsSync(join(d, 'Documentation', 'devicetree', 'bindings')) && existsSync(join(d, 'Makefile'))) return d;
  }
  const own = kernel !== undefined ? join(cacheDir, `linux-source-${kernel}`) : undefined;
  return own !== undefined && existsSync(join(own, 'Makefile')) ? own : join(cacheDir, 'linux-source-6.1');
}

export type CheckFn = (tree: DtTree, opts: CheckBindingsOptions) => Promise<BindingsReport>;

export interface BindingsRunnerOptions {
  events: EventHub;
  /** The check (default: dt-validate through nodeBindingsHost); a seam for tests. */
  check?: CheckFn;
  cacheDir?: string;
}

/**
 * The app's binding checks: one at a time (dt-validate is a CPU-bound Python process, a schema build
 * minutes of it), in the background, the newest compile of each board only. A check never fails the board:
 * whatever goes wrong is a `failed` status in the report.
 */
export class BindingsRunner {
  private queue: Promise<void> = Promise.resolve();
  private readonly latest = new Map<string, string>();
  private n = 0;

  constructor(private readonly opts: BindingsRunnerOptions) {}

  /** Queues a check of one compile; returns its id (BoardLoaded.bindingsCheck). */
  request(boardId: string, tree: DtTree, dtb: Uint8Array, req: BoardOpenRequest): string {
    const id = `${boardId}/${++this.n}`;
    this.latest.set(boardId, id);
    const cacheDir = this.opts.cacheDir ?? defaultCacheDir();
    const check = this.opts.check ?? ((t, o) => checkBoardBindings(t, o, cacheDir));
    this.queue = this.queue.then(async () => {
      if (this.latest.get(boardId) !== id) return; // the board changed again or closed
      let report: BindingsReport;
      try {
        report = await check(tree, { kernelSource: kernelSourceFor(req.path, cacheDir, req.kernel), ...(dtb.length ? { dtb } : {}) });
      } catch (e) {
        report = { status: { kind: 'failed', message: `bindings not checked: ${e instanceof Error ? e.message : String(e)}` }, findings: [], byNode: {} };
      }
      report = withOwnFindings(report, tree);
      if (this.latest.get(boardId) === id) this.opts.events.emit('boardBindings', { boardId, check: id, report });
    });
    return id;
  }

  /** The board closed: a queued check of it is dropped, a running one is not reported. */
  forget(boardId: string): void {
    this.latest.delete(boardId);
  }

  /** Resolves when every queued check has finished (tests, dispose). */
  idle(): Promise<void> {
    return this.queue;
  }
}
