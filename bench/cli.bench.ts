// `npm run bench cli`: what one `bringup` process costs, start-up included, against Node's own floor
// (`node -e 0`) and `cpp | dtc` on the same board, all measured in this run, interleaved round by round
// so machine load falls on every row alike. Per-process medians of wall time, and of CPU time (user +
// sys, from bash's `times`), which a loaded machine distorts less; the goal is `bringup dt` within 1.5x
// of Node's floor, and `predict` and `parse-log` are measured alike; `bringup dt --help` is start-up
// alone (launcher, bundle, code cache). BENCH_CLI_BASELINE=<other checkout>/bin/bringup.mjs adds its rows,
// BENCH_CLI_RUNS sets the rounds (21). Node reads and parses the whole file NODE_EXTRA_CA_CERTS names at
// every start, before any script runs (a system CA bundle: tens of milliseconds), so where the
// environment sets it, Node's floor and `bringup dt` are measured without it too, and the goal is given
// both ways: the floor with that file in it is not what Node costs elsewhere.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const src = join(homedir(), '.cache', 'bringup-workbench', 'linux-source-6.1');
const prefixes = join(src, 'scripts', 'dtc', 'include-prefixes');
const juno = join(src, 'arch', 'arm64', 'boot', 'dts', 'arm', 'juno-r2.dts');
const runs = Number(process.env.BENCH_CLI_RUNS ?? 21);
const tmp = mkdtempSync(join(tmpdir(), 'bringup-cli-bench-'));
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

if (!existsSync(juno)) {
  console.error(`cli bench: ${juno} is missing (scripts/install-system-deps.sh installs linux-source-6.1)`);
  process.exit(1);
}

interface Row {
  label: string;
  cmd: string;
  ms: number[];
  cpu: number[];
  vsNode?: boolean;
  vsDtc?: boolean;
}

function bringupRows(bin: string, tag: string): Row[] {
  const b = `${q(process.execPath)} ${q(bin)}`;
  return [
    { label: `bringup dt juno-r2${tag}`, cmd: `${b} dt ${q(juno)} -I ${q(prefixes)} -q -O dtb -o ${q(join(tmp, 'ours.dtb'))}`, ms: [], cpu: [], vsNode: true, vsDtc: true },
    { label: `bringup predict demo board${tag}`, cmd: `cd ${q(root)} && ${b} predict resources/demo/board.dts --config resources/demo/config-6.1.0-57-arm64`, ms: [], cpu: [], vsNode: true },
    { label: `bringup parse-log demo log${tag}`, cmd: `cd ${q(root)} && ${b} parse-log resources/demo/boot.typescript`, ms: [], cpu: [], vsNode: true },
    // Launcher, bundle and code cache without the compile: what start-up costs on its own above Node's floor.
    { label: `bringup dt --help (start-up)${tag}`, cmd: `${b} dt --help`, ms: [], cpu: [], vsNode: true },
  ];
}

const nodeFloor: Row = { label: 'node -e 0 (Node floor)', cmd: `${q(process.execPath)} -e 0`, ms: [], cpu: [] };
const extraCaCerts = process.env.NODE_EXTRA_CA_CERTS;
const withoutCa = (cmd: string) => `env -u NODE_EXTRA_CA_CERTS ${cmd}`;
const reference: Row = {
  label: 'cpp | dtc juno-r2 (reference)',
  cmd:
    `cpp -nostdinc -I ${q(prefixes)} -undef -D__DTS__ -x assembler-with-cpp ${q(juno)} | ` +
    `dtc -q -I dts -O dtb -i ${q(dirname(juno))} -i ${q(prefixes)} -o ${q(join(tmp, 'ref.dtb'))} -`,
  ms: [],
  cpu: [],
};
// What `npx bringup` and an installed `bringup` run: package.json's bin.
const bin = join(root, (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: { bringup: string } }).bin.bringup);
const rows: Row[] = [nodeFloor, reference, ...bringupRows(bin, '')];
// Both through env(1), so the two rows pay the same for it.
const floorWithoutCa: Row = { label: 'node -e 0 (no extra CA file)', cmd: withoutCa(`${q(process.execPath)} -e 0`), ms: [], cpu: [] };
const dtWithoutCa: Row = { ...rows[2]!, label: 'bringup dt juno-r2 (no extra CA file)', cmd: withoutCa(rows[2]!.cmd), ms: [], cpu: [], vsNode: false };
if (extraCaCerts) rows.push(floorWithoutCa, dtWithoutCa);
const baseline = process.env.BENCH_CLI_BASELINE;
if (baseline) rows.push(...bringupRows(baseline, ' (baseline)'));

const seconds = (t: string) => {
  const m = /^(\d+)m([\d.]+)s$/.exec(t);
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
};

/** One run of `row`: wall ms, and the CPU ms of its processes (bash's `times`, second line: children). */
function once(row: Row): { ms: number; cpu: number } {
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', `(${row.cmd}) >/dev/null && times`], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`failed (${r.status}): ${row.cmd}\n${r.stderr}`);
  const [user = '', sys = ''] = (r.stdout.trim().split('\n')[1] ?? '').split(' ');
  return { ms, cpu: (seconds(user) + seconds(sys)) * 1000 };
}

// Outside the timings: build the bundle and write each command's code cache, and let the cache settle
// (the first four complete runs of a command add to it; bin/bringup.cjs's MERGED_RUNS), as any later
// run finds them.
for (const row of rows) for (let i = 0; i < 4; i++) once(row);
for (let i = 0; i < runs; i++) {
  for (const row of rows) {
    const { ms, cpu } = once(row);
    row.ms.push(ms);
    row.cpu.push(cpu);
  }
}
rmSync(tmp, { recursive: true, force: true });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
function ratios(row: Row, of: (r: Row) => number[]): string {
  const m = median(of(row));
  const parts = [row.vsNode ? `${(m / median(of(nodeFloor))).toFixed(2)}x node` : '', row.vsDtc ? `${(m / median(of(reference))).toFixed(2)}x cpp|dtc` : ''];
  return `${m.toFixed(1).padStart(7)} ms ${parts.filter(Boolean).join(' ').padEnd(26)}`;
}
console.log(`one process per run, ${runs} runs each, interleaved; medians`);
console.log(`${''.padEnd(40)} ${'wall'.padEnd(37)} cpu (user+sys)`);
for (const row of rows) console.log(`${row.label.padEnd(40)} ${ratios(row, (r) => r.ms)}  ${ratios(row, (r) => r.cpu)}`);
const vsFloor = (row: Row, floor = nodeFloor) =>
  `wall ${(median(row.ms) / median(floor.ms)).toFixed(2)}x, cpu ${(median(row.cpu) / median(floor.cpu)).toFixed(2)}x`;
// The floor moves by several ms between moments on a shared machine; each round ran every row within
// a few hundred ms, so the ratio of a round's dt to the same round's floor shows how far the verdict
// holds: met when even the upper quartile of those ratios is within the goal.
const perRound = rows[2]!.ms.map((ms, i) => ms / nodeFloor.ms[i]!).sort((a, b) => a - b);
const quartile = (q: number) => perRound[Math.min(perRound.length - 1, Math.floor(q * perRound.length))]!;
const [low, high] = [quartile(0.25), quartile(0.75)];
const verdict = high <= 1.5 ? 'met' : low > 1.5 ? 'not met' : 'borderline';
console.log(`goal: bringup dt within 1.5x of Node's floor: ${vsFloor(rows[2]!)}; per round, wall ${low.toFixed(2)}x-${high.toFixed(2)}x (middle half): ${verdict}`);
if (extraCaCerts) {
  console.log(
    `  NODE_EXTRA_CA_CERTS=${extraCaCerts} is ${(median(nodeFloor.ms) - median(floorWithoutCa.ms)).toFixed(1)} ms of that floor; ` +
      `without it: bringup dt ${vsFloor(dtWithoutCa, floorWithoutCa)} of node -e 0`,
  );
}
console.log(`the same bench: predict ${vsFloor(rows[3]!)}; parse-log ${vsFloor(rows[4]!)}`);
