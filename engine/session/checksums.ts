// Checksums the session format needs: CRC-32 (IEEE 802.3, the polynomial zlib and PNG use) frames every
// record; SHA-256 (FIPS 180-4, from @noble/hashes) names content in manifests, DT snapshots and the HTML
// report's script hash. Both are incremental so large inputs stream. CRC-32 stays here: fflate computes
// it inside its gzip writer but does not export it, and the test holds it to node:zlib's crc32.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { base64 } from './bytes';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Continues a CRC-32 over `bytes`; start with `crc = 0`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Incremental SHA-256: `new Sha256().update(a).update(b).digestHex()`. */
export class Sha256 {
  private readonly hash = sha256.create();

  update(bytes: Uint8Array): this {
    this.hash.update(bytes);
    return this;
  }

  digestHex(): string {
    return bytesToHex(this.hash.digest());
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/** SHA-256 in the base64 form CSP hash sources use (`'sha256-…'`). */
export function sha256Base64(bytes: Uint8Array): string {
  return base64(sha256(bytes));
}
