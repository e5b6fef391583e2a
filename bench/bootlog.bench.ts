// Boot-log parser throughput and memory: a 50 MB stream made of the lab's real QEMU boot logs
// (test/fixtures/bootlog/lab) fed in 64 KiB chunks, as a serial reader would, with the live state
// folded as it goes. Goal: >= 100 MB/s, and heap flat as the stream grows (streaming, no buffering).
// The engine is measured as it ships (bundled by esbuild, as the CLI and the app's worker are), and as
// tsx runs it from source, for comparison.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import * as fromSource from '../engine/bootlog';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LAB = join(ROOT, 'test', 'fixtures', 'bootlog', 'lab');
const bundlePath = join(ROOT, '.cache', 'bench', 'bootlog-engine.mjs');
await build({ entryPoints: [join(ROOT, 'engine', 'bootlog', 'index.ts')], bundle: true, format: 'esm', platform: 'neutral', outfile: bundlePath, logLevel: 'error' });
const shipped = (await import(pathToFileURL(bundlePath).href)) as typeof fromSource;
const useSource = process.argv.includes('--source');
const { createBootLogParser, LiveState } = useSource ? fromSource : shipped;
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
function run(withLiveState: boolean, sample: boolean): { seconds: number; cpuSeconds: number; events: number; heap: number[]; applySeconds: number } {
  let applyNs = 0n;
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
    if (withLiveState) {
      const t = process.hrtime.bigint();
      live.apply(ev);
      applyNs += process.hrtime.bigint() - t;
    }
    if (sample && at + CHUNK >= nextSample) {
      heap.push(heapMb());
      nextSample += step;
    }
  }
  events += parser.finish(bytes.length).length;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { seconds, cpuSeconds: (c.user + c.system) / 1e6, events, heap, applySeconds: Number(applyNs) / 1e9 };
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
run(true, false); // warm-up: the JIT settles over the first passes
run(false, false);
const mb = TARGET / 1048576;
const base = heapMb();
const floor = baseline();
const REPEAT = 3;
// Interleaved, so a change in the shared machine's load hits both modes alike.
const plainRuns: ReturnType<typeof run>[] = [];
const liveRuns: ReturnType<typeof run>[] = [];
for (let i = 0; i < REPEAT; i++) {
  plainRuns.push(run(false, false));
  liveRuns.push(run(true, false));
}
const sampled = run(true, true);
const rate = (r: { cpuSeconds: number }) => mb / r.cpuSeconds;
const wall = (r: { seconds: number }) => mb / r.seconds;
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const best = (xs: number[]) => Math.max(...xs);
const os = await import('node:os');
console.log(`engine: ${useSource ? 'from source under tsx (--source)' : 'bundled by esbuild, as shipped'}`);
console.log(`stream: ${mb.toFixed(0)} MB of ${sources.length} real lab logs (${(period.length / 1024).toFixed(1)} KiB per period), ${CHUNK / 1024} KiB chunks, ${REPEAT} runs each`);
console.log(`reference (TextDecoder + split only): ${wall(floor).toFixed(1)} MB/s wall, ${rate(floor).toFixed(1)} MB/s of CPU time`);
console.log(`parse only:        median ${median(plainRuns.map(rate)).toFixed(1)} MB/s of CPU time (best ${best(plainRuns.map(rate)).toFixed(1)}), median ${median(plainRuns.map(wall)).toFixed(1)} MB/s wall; ${plainRuns[0]!.events} events`);
console.log(`parse + LiveState: median ${median(liveRuns.map(rate)).toFixed(1)} MB/s of CPU time (best ${best(liveRuns.map(rate)).toFixed(1)}), median ${median(liveRuns.map(wall)).toFixed(1)} MB/s wall`);
console.log(`of which LiveState.apply (wall): median ${(median(liveRuns.map((r) => r.applySeconds)) * 1000).toFixed(0)} ms per ${mb.toFixed(0)} MB`);
console.log(`parse + LiveState vs the reference: ${(median(liveRuns.map((r) => r.cpuSeconds)) / floor.cpuSeconds).toFixed(1)}x its CPU time`);
console.log(`load average while measuring: ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} CPUs (the machine is shared; CPU time is the fairer figure)`);
console.log(`heap before: ${base.toFixed(1)} MB; after 10/20/30/40/50 MB streamed: ${sampled.heap.map((h) => h.toFixed(1)).join(' / ')} MB${gc ? '' : ' (no --expose-gc: figures include garbage)'}`);
console.log(`peak rss: ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB (includes the 50 MB input buffer)`);
console.log(`goal >= 100 MB/s (parse + LiveState, median CPU time): ${median(liveRuns.map(rate)) >= 100 ? 'met' : 'NOT met'}`);

// Hostile shapes: what a wrong baud rate, a stuck line or a board printing without newlines sends. Each
// must cost about what real text costs (linear time, bounded memory), so each is reported as a ratio of
// the real-log parse rate above, measured in the same run.
const HOSTILE = 16 * 1024 * 1024;
function hostile(fill: (b: Uint8Array) => void): { cpuSeconds: number; events: number } {
  const b = new Uint8Array(HOSTILE);
  fill(b);
  const parser = createBootLogParser({ maxLineLength: 4096 });
  let events = 0;
  const c0 = process.cpuUsage();
  for (let at = 0; at < b.length; at += CHUNK) events += parser.feed(b.subarray(at, at + CHUNK), at).length;
  events += parser.finish(b.length).length;
  const c = process.cpuUsage(c0);
  return { cpuSeconds: (c.user + c.system) / 1e6, events };
}
let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const shapes: [string, (b: Uint8Array) => void][] = [
  ['one line, no newline', (b) => b.fill(0x41)],
  ['NUL flood', (b) => b.fill(0)],
  ['wrong-baud garbage', (b) => b.forEach((_, k) => (b[k] = 0x80 + Math.floor(random() * 0x80)))],
  ['printk-ish noise', (b) => b.forEach((_, k) => (b[k] = '[] 0123456789.:\n<>probing driver bound deferred'.charCodeAt(Math.floor(random() * 47))))],
];
const realRate = median(plainRuns.map(rate));
for (const [name, fill] of shapes) {
  hostile(fill); // warm-up
  const r = hostile(fill);
  const mbps = HOSTILE / 1048576 / r.cpuSeconds;
  console.log(`hostile: ${name.padEnd(22)} ${mbps.toFixed(1).padStart(7)} MB/s of CPU time, ${(realRate / mbps).toFixed(2)}x the CPU per byte of real logs; ${r.events} events`);
}
