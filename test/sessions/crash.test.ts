// A recorder process killed with SIGKILL mid-stream: the session reopens with every whole record in
// order and nothing after the cut; resuming cuts only the torn tail and appends after it. Then a power
// loss is simulated by cutting the killed file inside its last record.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSession, type SessionRecord } from '../../engine/session';
import { SessionWriter } from '../../electron/services/sessions/writer';
import { chunkBytes } from '../support/session-stream';

const dir = mkdtempSync(join(tmpdir(), 'bw-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function checkContiguous(records: SessionRecord[]): number {
  let next = 0;
  for (const r of records) {
    if (r.type !== 'rx') continue;
    if (r.t !== 1_000 + next || !Buffer.from(r.bytes).equals(Buffer.from(chunkBytes(next)))) throw new Error(`rx record ${next} is not chunk ${next}`);
    next++;
  }
  return next;
}

describe('recorder killed mid-write', () => {
  it('reopens with every whole record, then resumes after the cut', async () => {
    const path = join(dir, 'killed.bwsession');
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('../support/record-child.ts', import.meta.url).pathname, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    // Let it write for a while, then kill it without warning while the pump is busy.
    while (statSync(path).size < 2 << 20) await new Promise((r) => setTimeout(r, 20));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;

    const bytes = new Uint8Array(readFileSync(path));
    const { records, summary } = decodeSession(bytes, path);
    expect(summary.fatal).toBe(false);
    expect(summary.skippedBytes).toBe(0);
    expect(records[0]).toMatchObject({ type: 'start', sessionId: 'crash' });
    const chunks = checkContiguous(records);
    expect(chunks).toBeGreaterThan(1000);
    expect(records.filter((r) => r.type === 'marker').length).toBeGreaterThan(10);

    // A power loss leaves part of the last record: cut inside it.
    const lastEnd = summary.validLength;
    truncateSync(path, lastEnd - 7);
    const afterCut = decodeSession(new Uint8Array(readFileSync(path)), path);
    expect(afterCut.records.length).toBe(records.length - 1);
    expect(afterCut.summary.tailLength).toBeGreaterThan(0);

    const { writer, cutBytes } = await SessionWriter.resume(path, { flushDelayMs: 1 });
    expect(cutBytes).toBe(afterCut.summary.tailLength);
    expect(statSync(path).size).toBe(afterCut.summary.validLength);
    writer.rx(new Uint8Array([0x41, 0x42]), 9e12);
    await writer.close();
    const reopened = decodeSession(new Uint8Array(readFileSync(path)), path);
    expect(reopened.summary.tailLength).toBe(0);
    expect(reopened.records.slice(0, afterCut.records.length)).toEqual(afterCut.records);
    expect(reopened.records.slice(afterCut.records.length).map((r) => r.type)).toEqual(['marker', 'rx']);
    expect(reopened.records.at(-2)).toMatchObject({ kind: 'resumed', detail: `torn tail of ${cutBytes} bytes cut` });
  }, 60_000);
});
