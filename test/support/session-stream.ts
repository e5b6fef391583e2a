// Deterministic test streams: chunk i of a synthetic serial stream (variable length, every byte value),
// and a real boot log for the pty tests.
import { readFileSync } from 'node:fs';

export function chunkBytes(i: number): Uint8Array {
  const len = 1 + ((i * 2654435761) >>> 0) % 3000;
  const out = new Uint8Array(len);
  let x = (i + 1) * 0x9e3779b1;
  for (let k = 0; k < len; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[k] = x & 0xff;
  }
  return out;
}

export const LAB_LOGS = ['late-iommu.log', 'no-iommu-driver.log', 'late-iommu-quiet.log'].map((n) => new URL(`../fixtures/bootlog/lab/${n}`, import.meta.url));

/** Real boot logs back to back, repeated to `size` bytes. */
export function bootLogStream(size: number): Uint8Array {
  const logs = LAB_LOGS.map((u) => readFileSync(u));
  const parts: Buffer[] = [];
  let n = 0;
  for (let i = 0; n < size; i++) {
    const b = logs[i % logs.length]!;
    parts.push(b);
    n += b.length;
  }
  return new Uint8Array(Buffer.concat(parts).subarray(0, size));
}
