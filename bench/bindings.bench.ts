// Binding-check time on the largest arm64 board Debian ships (by DTB size): dtschema's dt-validate -m with
// a warm processed-schema cache, and cold (dt-mk-schema over the kernel's bindings first, into a private
// cache that borrows the installed venv). Printed figures, not a timed test.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DTSCHEMA_VERSION, checkBindings } from '../engine/bindings';
import { readDtb } from '../engine/devicetree';
import { nodeBindingsHost } from '../electron/services/bindings';
import { cacheDir, debianDtbDir, kernelSource } from '../scripts/lib/system';

const dir = debianDtbDir('arm64-6.1');
let largest = '';
for (const vendor of readdirSync(dir)) {
  let names: string[];
  try {
    names = readdirSync(join(dir, vendor));
  } catch {
    continue;
  }
  for (const n of names) if (n.endsWith('.dtb') && (!largest || statSync(join(dir, vendor, n)).size > statSync(largest).size)) largest = join(dir, vendor, n);
}
const blob = new Uint8Array(readFileSync(largest));
const tree = readDtb(blob, largest).value;
const src = kernelSource('6.1');

async function timed(label: string, cache: string): Promise<void> {
  const t0 = performance.now();
  const r = await checkBindings(nodeBindingsHost(cache), tree, { kernelSource: src, dtb: blob });
  const s = (performance.now() - t0) / 1000;
  if (r.status.kind !== 'checked') throw new Error(`${label}: ${JSON.stringify(r.status)}`);
  console.log(`${label.padEnd(34)} ${s.toFixed(1).padStart(7)} s   ${r.findings.length} findings`);
}

console.log(`board: ${largest} (${blob.length} bytes), dtschema ${DTSCHEMA_VERSION}, ${src}`);
await timed('warm schema cache', cacheDir);
const cold = mkdtempSync(join(tmpdir(), 'bringup-bindings-bench-'));
try {
  mkdirSync(join(cold, 'dtschema'));
  symlinkSync(join(cacheDir, 'dtschema', `venv-${DTSCHEMA_VERSION}`), join(cold, 'dtschema', `venv-${DTSCHEMA_VERSION}`));
  await timed('cold (dt-mk-schema + dt-validate)', cold);
} finally {
  rmSync(cold, { recursive: true, force: true });
}
