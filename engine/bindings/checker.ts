// The binding check as a sequence (the kernel's `make dtbs_check`: dt-mk-schema once, then dt-validate -m
// per DTB), with every side effect behind BindingsHost so the Electron services and the CLI run the same
// steps: the pinned venv, the processed-schema cache keyed by dtschema and kernel version, the refusal of
// a schema from another dtschema release, JSON-output detection with a text fallback, one clear error.
import { writeDtb, type DtTree } from '../devicetree';
import { bindingsReport } from './map';
import { parseValidateJson, parseValidateText } from './parse';
import type { BindingsReport, RawBindingFinding } from './types';

/** The pin; scripts/install-dtschema.sh carries the same number. */
export const DTSCHEMA_VERSION = '2026.9';
export const ENABLE_BINDINGS = 'bash scripts/install-system-deps.sh bindings (installs dtschema from PyPI into a venv in the project cache)';

/** One clear message for anything that stops a check: no schema sources, a build failure, a timeout, a crash. */
export class BindingsError extends Error {}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The side effects a check needs (paths are absolute, `/`-separated). */
export interface BindingsHost {
  /** The project cache (`~/.cache/bringup-workbench`). */
  cacheDir: string;
  exists(path: string): boolean;
  readText(path: string): string;
  /** The last `bytes` bytes of a file as text. */
  readTail(path: string, bytes: number): string;
  writeBytes(path: string, data: Uint8Array): void;
  mkdirp(path: string): void;
  rename(from: string, to: string): void;
  remove(path: string): void;
  /** A fresh private folder. */
  tempDir(): string;
  /** Runs a program; a deadline passed kills it (and its children) and rejects with BindingsError. */
  run(cmd: string, args: string[], opts: { what: string; timeoutMs: number; cwd?: string }): Promise<Ran>;
  /** A number that differs between concurrent checkers (the process id), for temporary names. */
  uniq: string;
}

export interface Dtschema {
  version: string;
  bin: string;
}

/** The pinned venv when scripts/install-dtschema.sh finished it (its .complete stamp), else undefined. */
export function findDtschema(host: BindingsHost): Dtschema | undefined {
  const venv = `${host.cacheDir}/dtschema/venv-${DTSCHEMA_VERSION}`;
  if (!host.exists(`${venv}/.complete`) || !host.exists(`${venv}/bin/dt-validate`)) return undefined;
  return { version: DTSCHEMA_VERSION, bin: `${venv}/bin` };
}

/** `6.1.192` from a kernel source's Makefile (VERSION, PATCHLEVEL, SUBLEVEL). */
export function kernelVersionOf(host: BindingsHost, sourceDir: string): string {
  let text: string;
  try {
    text = host.readText(`${sourceDir}/Makefile`);
  } catch {
    throw new BindingsError(`${sourceDir} is not a kernel source tree (no Makefile)`);
  }
  const get = (k: string) => new RegExp(`^${k} = *(\\d+)`, 'm').exec(text)?.[1];
  const v = get('VERSION');
  const p = get('PATCHLEVEL');
  if (v === undefined || p === undefined) throw new BindingsError(`${sourceDir}/Makefile names no kernel VERSION/PATCHLEVEL`);
  return `${v}.${p}.${get('SUBLEVEL') ?? '0'}`;
}

export function processedSchemaPath(cacheDir: string, dtschemaVersion: string, kernelVersion: string): string {
  return `${cacheDir}/dtschema/schemas/${dtschemaVersion}/linux-${kernelVersion}/processed-schema.json`;
}

/**
 * The dtschema release a processed schema was built by: dt-mk-schema writes it as the top-level `version`
 * key, which its sort_keys puts last, so only the tail is read (a 6.1 schema is ~13 MB).
 */
export function processedSchemaVersion(host: BindingsHost, file: string): string | undefined {
  return /"version":\s*"([^"]+)"\s*}\s*$/.exec(host.readTail(file, 4096))?.[1];
}

/** Refuses a processed schema from another dtschema release (dt-validate itself would stop on it midway). */
export function assertSchemaVersion(host: BindingsHost, file: string, dtschemaVersion: string): void {
  const v = processedSchemaVersion(host, file);
  if (v !== dtschemaVersion) {
    throw new BindingsError(`${file} was built by dtschema ${v ?? '(unknown)'}, not ${dtschemaVersion}: delete it and rebuild with dt-mk-schema ${dtschemaVersion}`);
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

export interface SchemaOptions {
  kernelSource: string;
  /** dt-mk-schema over ~4,000 YAML files takes minutes on a loaded machine. */
  schemaTimeoutMs?: number;
}

/** The processed schema for a kernel source: built once per dtschema and kernel version, then cached. */
export async function ensureProcessedSchema(host: BindingsHost, dt: Dtschema, opts: SchemaOptions): Promise<{ file: string; kernelVersion: string; built: boolean }> {
  const kernelVersion = kernelVersionOf(host, opts.kernelSource);
  const file = processedSchemaPath(host.cacheDir, dt.version, kernelVersion);
  if (host.exists(file)) {
    assertSchemaVersion(host, file, dt.version);
    return { file, kernelVersion, built: false };
  }
  const bindings = `${opts.kernelSource}/Documentation/devicetree/bindings`;
  if (!host.exists(bindings)) throw new BindingsError(`no binding schemas in ${bindings}`);
  host.mkdirp(file.slice(0, file.lastIndexOf('/')));
  // A private temporary name, renamed into place: a second checker never reads a half-written schema.
  const tmp = `${file}.${host.uniq}.tmp`;
  try {
    const r = await host.run(`${dt.bin}/dt-mk-schema`, ['-j', '-o', tmp, bindings], { what: `dt-mk-schema on ${bindings}`, timeoutMs: opts.schemaTimeoutMs ?? 20 * 60_000 });
    if (r.code !== 0 || !host.exists(tmp)) throw new BindingsError(`dt-mk-schema could not build a schema from ${bindings}: ${lastLine(r.stderr) || `exit status ${r.code}`}`);
    assertSchemaVersion(host, tmp, dt.version);
    host.rename(tmp, file);
  } finally {
    host.remove(tmp);
  }
  return { file, kernelVersion, built: true };
}

const jsonFlag = new Map<string, boolean>();

/** dt-validate grew `--json-output` in 2026; older releases only print text. Asked once per install. */
export async function hasJsonOutput(host: BindingsHost, dt: Dtschema): Promise<boolean> {
  let v = jsonFlag.get(dt.bin);
  if (v === undefined) {
    const r = await host.run(`${dt.bin}/dt-validate`, ['--help'], { what: 'dt-validate --help', timeoutMs: 120_000 });
    v = r.stdout.includes('--json-output');
    jsonFlag.set(dt.bin, v);
  }
  return v;
}

export interface ValidateOptions {
  schema: string;
  timeoutMs?: number;
  /** Read the text output even where the JSON flag exists (what an older dtschema gives). */
  forceText?: boolean;
}

/** dt-validate -m on one DTB: the raw findings, from its JSON output when it has one, else its text. */
export async function runDtValidate(host: BindingsHost, dt: Dtschema, dtb: Uint8Array, opts: ValidateOptions): Promise<{ raws: RawBindingFinding[]; jsonOutput: boolean }> {
  const dir = host.tempDir();
  try {
    host.writeBytes(`${dir}/board.dtb`, dtb);
    const json = !opts.forceText && (await hasJsonOutput(host, dt));
    const args = ['-m', '-s', opts.schema, ...(json ? ['--json-output', 'findings.json'] : []), 'board.dtb'];
    // Run in the private folder so dt-validate names the DTB `board.dtb` (its _display_path is relative).
    const r = await host.run(`${dt.bin}/dt-validate`, args, { what: 'dt-validate', timeoutMs: opts.timeoutMs ?? 10 * 60_000, cwd: dir });
    // dt-validate exits 0 whether or not the board validates (dt-schema PR #157); a non-zero status is a
    // crash (a DTB it cannot decode, a schema it cannot load) and its last stderr line says why.
    if (r.code !== 0) throw new BindingsError(`dt-validate could not check the DTB: ${lastLine(r.stderr) || `exit status ${r.code}`}`);
    if (!json) return { raws: parseValidateText(r.stderr, ['board.dtb', `${dir}/board.dtb`]), jsonOutput: false };
    if (!host.exists(`${dir}/findings.json`)) throw new BindingsError('dt-validate wrote no --json-output file');
    try {
      return { raws: parseValidateJson(host.readText(`${dir}/findings.json`)), jsonOutput: true };
    } catch (e) {
      throw new BindingsError(`dt-validate's JSON output is unreadable: ${e instanceof Error ? e.message : String(e)}`);
    }
  } finally {
    host.remove(dir);
  }
}

export interface CheckBindingsOptions extends SchemaOptions {
  /** The blob to check; without it the tree is written by the engine's DTB writer (dtc's output). */
  dtb?: Uint8Array;
  validateTimeoutMs?: number;
  forceText?: boolean;
}

/**
 * Checks a board. Never throws for the environment: no install gives status `not-installed` with how to
 * enable it, any failure status `failed` with one message; findings are then empty.
 */
export async function checkBindings(host: BindingsHost, tree: DtTree, opts: CheckBindingsOptions): Promise<BindingsReport> {
  const dt = findDtschema(host);
  if (!dt) {
    return { status: { kind: 'not-installed', message: `bindings not checked: dtschema ${DTSCHEMA_VERSION} is not installed`, enable: ENABLE_BINDINGS }, findings: [], byNode: {} };
  }
  try {
    const schema = await ensureProcessedSchema(host, dt, opts);
    const v = await runDtValidate(host, dt, opts.dtb ?? writeDtb(tree), {
      schema: schema.file,
      ...(opts.validateTimeoutMs !== undefined ? { timeoutMs: opts.validateTimeoutMs } : {}),
      ...(opts.forceText ? { forceText: true } : {}),
    });
    return bindingsReport({ kind: 'checked', dtschemaVersion: dt.version, kernelVersion: schema.kernelVersion, jsonOutput: v.jsonOutput }, v.raws, tree);
  } catch (e) {
    if (!(e instanceof BindingsError)) throw e;
    return { status: { kind: 'failed', message: `bindings not checked: ${e.message}` }, findings: [], byNode: {} };
  }
}
