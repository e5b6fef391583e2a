// Boot-log parser throughput and memory: a 50 MB stream made of the lab's real QEMU boot logs
// (test/fixtures/bootlog/lab) fed in 64 KiB chunks, as a serial reader would, with the live state
// folded as it goes. Goal: >= 100 MB/s, and heap flat as the stream grows (streaming, no buffering).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBootLogParser, LiveState } from '../engine/bootlog';

const LAB = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'bootlog', 'lab');
const TARGET = 50 * 1024 * 1024;
const CHUNK = 64 * 1024;

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 1048576;
};

const sources = readdirSync(LAB)
  .filter((f) => f.endsWith('.log'))
  .sort()
  .map((f) => readFileSync(join(LAB, f)));
if (sources.length === 0) {
  console.log('no lab logs in test/fixtures/bootlog/lab');
  process.exit(1);
}
// One period of real logs; the stream repeats it. Each log starts a new boot, as a board resetting would.
const period = Buffer.concat(sources);
const stream = Buffer.alloc(TARGET);
for (let at = 0; at < TARGET; at += period.length) period.copy(stream, at, 0, Math.min(period.length, TARGET - at));
const bytes = new Uint8Array(stream.buffer, stream.byteOffset, stream.length);

// The machine is shared: CPU time (user+system of this process) is reported beside wall time.
function run(withLiveState: boolean, sample: boolean): { seconds: number; cpuSeconds: number; events: number; heap: number[] } {
  const parser = createBootLogParser();
  const live = new LiveState();
  let events = 0;
  const heap: number[] = [];
  const step = TARGET / 5;
  let nextSample = step;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (let at = 0; at < bytes.length; at += CHUNK) {
    const ev = parser.feed(bytes.subarray(at, at + CHUNK), at);
    events += ev.length;
    if (withLiveState) live.apply(ev);
    if (sample && at + CHUNK >= nextSample) {
      heap.push(heapMb());
      nextSample += step;
    }
  }
  events += parser.finish(bytes.length).length;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { seconds, cpuSeconds: (c.user + c.system) / 1e6, events, heap };
}

/** The floor any JS line parser pays: decode the bytes and split them into lines, nothing else. */
function baseline(): { seconds: number; cpuSeconds: number } {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const decoder = new TextDecoder();
  let lines = 0;
  for (let at = 0; at < bytes.length; at += CHUNK) lines += decoder.decode(bytes.subarray(at, at + CHUNK), { stream: true }).split('\n').length;
  const c = process.cpuUsage(c0);
  if (lines < 0) console.log(lines);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds: (c.user + c.system) / 1e6 };
}

baseline();
run(true, false); // warm-up (twice: the JIT settles on the second pass)
run(false, false);
const mb = TARGET / 1048576;
const base = heapMb();
const floor = baseline();
const plain = run(false, false);
const withLive = run(true, false);
const sampled = run(true, true);
console.log(`stream: ${mb.toFixed(0)} MB of ${sources.length} real lab logs (${(period.length / 1024).toFixed(1)} KiB per period), ${CHUNK / 1024} KiB chunks`);
console.log(`reference (TextDecoder + split only): ${(mb / floor.seconds).toFixed(1)} MB/s wall, ${(mb / floor.cpuSeconds).toFixed(1)} MB/s of CPU time`);
console.log(`parse only:        ${(mb / plain.seconds).toFixed(1)} MB/s wall, ${(mb / plain.cpuSeconds).toFixed(1)} MB/s of CPU time  (${plain.seconds.toFixed(2)} s, ${plain.events} events)`);
console.log(`parse + LiveState: ${(mb / withLive.seconds).toFixed(1)} MB/s wall, ${(mb / withLive.cpuSeconds).toFixed(1)} MB/s of CPU time  (${withLive.seconds.toFixed(2)} s)`);
console.log(`parse + LiveState vs the reference: ${(withLive.cpuSeconds / floor.cpuSeconds).toFixed(1)}x its CPU time`);
console.log(`load average while measuring: ${(await import('node:os')).loadavg()[0]!.toFixed(2)} on ${(await import('node:os')).cpus().length} CPUs`);
console.log(`heap before: ${base.toFixed(1)} MB; after 10/20/30/40/50 MB streamed: ${sampled.heap.map((h) => h.toFixed(1)).join(' / ')} MB${gc ? '' : ' (no --expose-gc: figures include garbage)'}`);
console.log(`peak rss: ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB (includes the 50 MB input buffer)`);
console.log(`goal >= 100 MB/s (parse + LiveState, CPU time): ${mb / withLive.cpuSeconds >= 100 ? 'met' : 'NOT met'}`);
