// Session bench: record 64 MiB of real boot logs through the SessionWriter to disk (throughput, the
// writer's backlog and the process RSS staying flat), decode it back (throughput), and export text.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionAssembler, SessionDecoder, exportText } from '../engine/session';
import { SessionWriter } from '../electron/services/sessions/writer';

const logs = ['late-iommu.log', 'no-iommu-driver.log', 'late-iommu-quiet.log'].map((n) => readFileSync(new URL(`../test/fixtures/bootlog/lab/${n}`, import.meta.url)));
const TOTAL = 64 << 20;
const CHUNK = 1024;
const dir = mkdtempSync(join(tmpdir(), 'bw-bench-'));
const path = join(dir, 'bench.bwsession');
const mb = (n: number) => (n / (1 << 20)).toFixed(1);

async function record(): Promise<void> {
  const w = SessionWriter.create(path, { sessionId: 'bench', startedAt: Date.now() }, {});
  const rss: number[] = [];
  let maxBacklog = 0;
  let fed = 0;
  let i = 0;
  const start = performance.now();
  while (fed < TOTAL) {
    const log = logs[i++ % logs.length]!;
    for (let o = 0; o < log.length && fed < TOTAL; o += CHUNK) {
      const b = new Uint8Array(log.subarray(o, o + CHUNK));
      w.rx(b, Date.now());
      fed += b.length;
    }
    maxBacklog = Math.max(maxBacklog, w.backlogBytes);
    // Let the pump run as the event loop would between serial reads.
    if (w.backlogBytes > 4 << 20) await new Promise((r) => setImmediate(r));
    if (i % 64 === 0) rss.push(process.memoryUsage().rss);
  }
  await w.close();
  const ms = performance.now() - start;
  const q = Math.floor(rss.length / 4);
  console.log(`record  ${mb(fed)} MiB in ${ms.toFixed(0)} ms = ${(fed / (1 << 20) / (ms / 1000)).toFixed(0)} MiB/s; file ${mb(statSync(path).size)} MiB; max backlog ${mb(maxBacklog)} MiB`);
  console.log(`        RSS first quarter ${mb(Math.max(...rss.slice(0, q)))} MiB, last quarter ${mb(Math.max(...rss.slice(-q)))} MiB (flat = bounded buffers)`);
}

function decode(): void {
  const start = performance.now();
  let records = 0;
  let bytes = 0;
  const dec = new SessionDecoder((r) => {
    records++;
    if (r.type === 'rx') bytes += r.bytes.length;
  });
  const file = readFileSync(path);
  for (let o = 0; o < file.length; o += 1 << 20) dec.push(new Uint8Array(file.buffer, file.byteOffset + o, Math.min(1 << 20, file.length - o)));
  const s = dec.finish();
  const ms = performance.now() - start;
  console.log(`decode  ${records} records, ${mb(bytes)} MiB rx in ${ms.toFixed(0)} ms = ${(file.length / (1 << 20) / (ms / 1000)).toFixed(0)} MiB/s (tail ${s.tailLength})`);
}

function text(): void {
  const file = new Uint8Array(readFileSync(path)).subarray(0, 16 << 20);
  const asm = new SessionAssembler();
  const dec = new SessionDecoder((r) => asm.add(r));
  dec.push(file);
  dec.finish();
  const start = performance.now();
  const out = exportText(asm.data, { timestamps: { source: 'host', style: 'relative' } });
  const ms = performance.now() - start;
  console.log(`text    ${mb(asm.data.bytesReceived)} MiB → ${mb(out.length)} MiB of text in ${ms.toFixed(0)} ms = ${(asm.data.bytesReceived / (1 << 20) / (ms / 1000)).toFixed(0)} MiB/s`);
}

try {
  await record();
  decode();
  text();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
