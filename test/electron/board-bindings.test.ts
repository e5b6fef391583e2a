// The app's binding check around the board service (electron/services/bindings.ts BindingsRunner): a
// board opens without waiting for it; its findings come later as `boardBindings` with the check id the
// board named; an edit supersedes a check still running (its result is never sent); a check that throws
// is a `failed` status; a closed board gets nothing. The check itself is a stand-in here; the real
// dt-validate runs in test/bindings and test/e2e/bindings.test.ts.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BindingsReport } from '../../engine/bindings';
import type { DtTree } from '../../engine/devicetree';
import type { BoardBindings, BoardLoaded } from '../../electron/common/contract';
import { BindingsRunner, type CheckFn } from '../../electron/services/bindings';
import { BoardService } from '../../electron/services/board';
import { EventHub } from '../../electron/services/events';
import { RecorderProbe } from '../support/recorder-probe';
import { tempDir, waitFor } from '../support/electron';

const FIX = join(__dirname, '..', 'fixtures', 'dts', 'bindings');
const services: BoardService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.dispose();
});

/** A check that waits to be released, and records what it was asked. */
function gatedCheck() {
  const calls: { tree: DtTree; kernelSource: string; dtb?: Uint8Array; release: (r: BindingsReport | Error) => void }[] = [];
  const check: CheckFn = (tree, opts) =>
    new Promise((resolve, reject) => {
      calls.push({ tree, kernelSource: opts.kernelSource, ...(opts.dtb ? { dtb: opts.dtb } : {}), release: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
    });
  return { calls, check };
}

const checked = (): BindingsReport => ({ status: { kind: 'checked', dtschemaVersion: '2026.9', kernelVersion: '6.1.0', jsonOutput: true }, findings: [], byNode: {} });

function setup(check: CheckFn) {
  const dir = tempDir('bringup-board-bindings-');
  for (const f of ['bad-bindings.dts', 'bad-bindings.dtsi']) copyFileSync(join(FIX, f), join(dir, f));
  const cacheDir = tempDir('bringup-cache-');
  const events = new EventHub();
  const got: BoardBindings[] = [];
  const changes: BoardLoaded[] = [];
  events.on('boardBindings', (e) => got.push(e));
  events.on('boardChanged', (b) => changes.push(b));
  const bindings = new BindingsRunner({ events, check, cacheDir });
  const svc = new BoardService({ events, recorder: new RecorderProbe(), debounceMs: 50, bindings });
  services.push(svc);
  return { dir, cacheDir, svc, got, changes, bindings, req: { path: join(dir, 'bad-bindings.dts'), includeDirs: [], defines: {}, kernel: '6.1', watch: true } };
}

describe('binding checks in the board service', () => {
  it('the board opens at once; the findings follow with its check id, ours added', async () => {
    const { calls, check } = gatedCheck();
    const { svc, got, req, cacheDir } = setup(check);
    const b = await svc.open(req);
    expect(b.bindingsCheck).toMatch(/^board-\w+\/\d+$/);
    await waitFor('calls 1', () => calls.length === 1);
    expect(got).toEqual([]);
    // The compiled blob is what dt-validate reads; no kernel tree holds the board, none is unpacked in this cache.
    expect(calls[0]!.dtb).toEqual(b.dtb);
    expect(calls[0]!.kernelSource).toBe(join(cacheDir, 'linux-source-6.1'));
    calls[0]!.release(checked());
    await waitFor('got 1', () => got.length === 1);
    expect(got[0]).toMatchObject({ boardId: b.boardId, check: b.bindingsCheck });
    expect(got[0]!.report.status.kind).toBe('checked');
    expect(got[0]!.report.byNode['/dma-controller@9100000']).toEqual([expect.objectContaining({ origin: 'bringup', property: 'iommus' })]);
  });

  it('an edit supersedes a running check: only the new compile is reported', async () => {
    const { calls, check } = gatedCheck();
    const { svc, got, changes, req, dir } = setup(check);
    const b = await svc.open(req);
    await waitFor('calls 1', () => calls.length === 1);
    const dts = join(dir, 'bad-bindings.dts');
    writeFileSync(dts, readFileSync(dts, 'utf8').replace('iommus = <&smmu 0x10 0x20>;', 'iommus = <&smmu 0x10>;'));
    await waitFor('changes 1', () => changes.length === 1);
    expect(changes[0]!.bindingsCheck).not.toBe(b.bindingsCheck);
    calls[0]!.release(checked());
    await waitFor('calls 2', () => calls.length === 2);
    calls[1]!.release(checked());
    await waitFor('got 1', () => got.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(got.map((e) => e.check)).toEqual([changes[0]!.bindingsCheck]);
    // the edit fixed the cell count: no finding of ours on the new compile
    expect(got[0]!.report.findings).toEqual([]);
  });

  it('a check that throws is a failed status; a closed board gets nothing', async () => {
    const { calls, check } = gatedCheck();
    const { svc, got, req, bindings } = setup(check);
    const b = await svc.open(req);
    await waitFor('calls 1', () => calls.length === 1);
    calls[0]!.release(new Error('spawn EACCES'));
    await waitFor('got 1', () => got.length === 1);
    expect(got[0]!.report.status).toEqual({ kind: 'failed', message: 'bindings not checked: spawn EACCES' });
    const c = await svc.open({ ...req, watch: false });
    await waitFor('calls 2', () => calls.length === 2);
    await svc.close(c.boardId);
    calls[1]!.release(checked());
    await bindings.idle();
    expect(got.map((e) => e.boardId)).toEqual([b.boardId]);
  });

  it('without a runner the board names no check', async () => {
    const svc = new BoardService({ events: new EventHub(), recorder: new RecorderProbe() });
    services.push(svc);
    const b = await svc.open({ path: join(FIX, 'bad-bindings.dts'), includeDirs: [], defines: {}, kernel: '6.1', watch: false });
    expect(b.bindingsCheck).toBeUndefined();
  });
});
