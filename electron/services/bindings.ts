// The binding checker for the app: the Node side effects (files, a process run with a deadline that kills
// its whole group) behind engine/bindings' BindingsHost, which runs dtschema's dt-mk-schema and
// dt-validate as the kernel's `make dtbs_check` does. Plain Node, never Electron; the CLI uses it too.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BindingsError, checkBindings, type BindingsHost, type BindingsReport, type CheckBindingsOptions, type Ran } from '../../engine/bindings';
import type { DtTree } from '../../engine/devicetree';

export function nodeBindingsHost(cacheDir = process.env.BRINGUP_CACHE ?? join(homedir(), '.cache', 'bringup-workbench')): BindingsHost {
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
