// Disk full on a real 256 KiB tmpfs: recording pauses with a clear error and a status event, the file
// stays valid (whole records only) at every moment, and recording resumes by itself once space is freed,
// with nothing lost while the backlog fits in memory and an honest `gap` marker when it does not.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { SessionAssembler, decodeSession } from '../../engine/session';
import { SessionWriter } from '../../electron/services/sessions/writer';
import { bootLogStream } from '../support/session-stream';

const mountPoint = mkdtempSync(join(tmpdir(), 'bw-tmpfs-'));
let mounted = false;

beforeAll(() => {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]);
  mounted = true;
});
afterAll(() => {
  if (mounted) {
    try {
      execFileSync('umount', [mountPoint]);
    } catch {
      execFileSync('umount', ['-l', mountPoint]); // a failed test left a file open
    }
  }
  rmSync(mountPoint, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function decodeRx(path: string) {
  const { records, summary } = decodeSession(new Uint8Array(readFileSync(path)), path);
  const asm = new SessionAssembler();
  for (const r of records) asm.add(r);
  const rx = Buffer.concat(asm.data.chunks.filter((c) => c.dir === 'rx').map((c) => c.bytes));
  return { summary, rx, markers: asm.data.markers };
}

describe('disk full on a 256 KiB tmpfs', () => {
  it('pauses with a clear error, keeps the file valid, and resumes when space returns', async () => {
    const filler = join(mountPoint, 'filler');
    writeFileSync(filler, new Uint8Array(128 * 1024));
    const path = join(mountPoint, 'full.bwsession');
    const statuses: (string | undefined)[] = [];
    const w = SessionWriter.create(path, { sessionId: 'full', startedAt: 0 }, { flushDelayMs: 1, retryMs: 50, onStatus: (x) => statuses.push(x.paused) });
    onTestFinished(async () => {
      await w.close();
      rmSync(path, { force: true });
      rmSync(filler, { force: true });
    });
    const stream = bootLogStream(400 * 1024);
    let fed = 0;
    // Stream as a console would until the disk is full.
    while (!w.paused && fed < stream.length) {
      const n = Math.min(1024, stream.length - fed);
      w.rx(stream.subarray(fed, fed + n), fed);
      fed += n;
      await sleep(1);
    }
    expect(w.paused).toMatch(/^disk full: no space left on the device holding .*full\.bwsession; recording paused, it resumes when space is freed$/);
    expect(statuses.at(-1)).toBe(w.paused);

    // While paused, the file holds whole records only, and exactly the bytes the writer says are on disk.
    const during = decodeRx(path);
    expect(during.summary.tailLength).toBe(0);
    expect(during.summary.skippedBytes).toBe(0);
    expect(during.rx.length).toBe(w.bytesReceivedOnDisk);
    expect(during.rx.equals(Buffer.from(stream.subarray(0, during.rx.length)))).toBe(true);

    // More data arrives while paused: it waits in memory (bounded). Retries may write some of it into
    // space the cut-back freed and pause again; the file stays whole records either way.
    for (let k = 0; k < 20 && fed < stream.length; k++) {
      const n = Math.min(1024, stream.length - fed);
      w.rx(stream.subarray(fed, fed + n), fed);
      fed += n;
    }
    await sleep(200);
    // A retry that finds a little room writes into it and may be cut back mid-record, so the file is
    // read between writes, as the writer's own crash recovery would find it.
    await until('no write in flight', () => !w.writing);
    expect(decodeRx(path).summary.tailLength).toBe(0);
    expect(w.bytesReceivedOnDisk).toBeLessThan(fed);

    rmSync(filler);
    await until('recording to resume', () => w.paused === undefined);
    expect(statuses.at(-1)).toBeUndefined();
    await w.close();
    const after = decodeRx(path);
    expect(after.summary.tailLength).toBe(0);
    expect(after.rx.length).toBe(fed);
    expect(after.rx.equals(Buffer.from(stream.subarray(0, fed)))).toBe(true);
    expect(after.markers.map((m) => m.kind)).toContain('resumed');
  }, 60_000);

  it('when the backlog limit is reached, drops what does not fit and records a gap with its size', async () => {
    const filler = join(mountPoint, 'filler2');
    writeFileSync(filler, new Uint8Array(200 * 1024));
    const path = join(mountPoint, 'gap.bwsession');
    const w = SessionWriter.create(path, { sessionId: 'gap', startedAt: 0 }, { flushDelayMs: 1, retryMs: 50, maxBacklogBytes: 16 * 1024 });
    onTestFinished(async () => {
      await w.close();
      rmSync(path, { force: true });
      rmSync(filler, { force: true });
    });
    const stream = bootLogStream(300 * 1024);
    let fed = 0;
    /** The backlog when the pause was first seen: what was pending when the disk filled, at least. */
    let atPause: number | undefined;
    while (fed < stream.length) {
      const n = Math.min(1024, stream.length - fed);
      w.rx(stream.subarray(fed, fed + n), fed);
      fed += n;
      if (w.paused) atPause ??= w.backlogBytes;
      else await sleep(1);
    }
    expect(w.paused).toBeDefined();
    expect(w.droppedBytes).toBeGreaterThan(0);
    // While paused, bytes are taken only while the backlog stays within the limit. What was already pending
    // when the disk filled is kept whatever its size (on a loaded machine the flush can be late, so more
    // than the limit can be pending then): nothing accepted before the pause is dropped.
    expect(w.backlogBytes).toBeLessThanOrEqual(Math.max(16 * 1024, atPause!));
    rmSync(filler);
    await until('recording to resume', () => w.paused === undefined);
    await w.close();
    const after = decodeRx(path);
    expect(after.summary.tailLength).toBe(0);
    expect(after.rx.length).toBe(fed - w.droppedBytes);
    const gap = after.markers.find((m) => m.kind === 'gap');
    expect(gap?.detail).toBe(`${w.droppedBytes} bytes received while recording was paused were not recorded`);
  }, 60_000);
});
