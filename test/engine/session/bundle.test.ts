// The engine's own gzip (fflate): a bundle it writes is ordinary gzip (node:zlib reads it), it reopens
// byte for byte, the same session gives the same bytes, and a gzip bomb is refused before it inflates.
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildBundle, encodeHeader, gunzipBounded, gzipBundle, openBundle } from '../../../engine/session';

const sessionFile = encodeHeader(1_700_000_000_000);

describe('session bundle gzip in the engine', () => {
  it('writes gzip that node:zlib reads back to the same tar, deterministically', () => {
    const gz = gzipBundle(sessionFile, 'b-1', 1_700_000_000_000);
    expect(gz.subarray(0, 2)).toEqual(new Uint8Array([0x1f, 0x8b]));
    expect(new Uint8Array(gunzipSync(gz))).toEqual(buildBundle(sessionFile, 'b-1', 1_700_000_000_000));
    expect(gzipBundle(sessionFile, 'b-1', 1_700_000_000_000)).toEqual(gz);
  });

  it('opens its own bundle and one node:zlib compressed', () => {
    const ours = openBundle(gzipBundle(sessionFile, 'b-1', 1_700_000_000_000));
    expect(ours.diagnostics).toEqual([]);
    expect(ours.value!.sessionFile).toEqual(sessionFile);
    const theirs = openBundle(new Uint8Array(gzipSync(buildBundle(sessionFile, 'b-1', 1_700_000_000_000))));
    expect(theirs.value!.sessionFile).toEqual(sessionFile);
  });

  it('refuses a gzip bomb at the limit, and bad gzip with a message', () => {
    const bomb = new Uint8Array(gzipSync(Buffer.alloc(64 * 1024 * 1024)));
    expect(bomb.length).toBeLessThan(100_000);
    const r = gunzipBounded(bomb, 1024 * 1024);
    expect(r).toEqual({ error: 'inflates past the 1048576-byte limit' });
    const small = gunzipBounded(new Uint8Array(gzipSync(Buffer.from('hello'))), 1024);
    expect(small).toEqual({ value: new Uint8Array(Buffer.from('hello')) });
    const bad = openBundle(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff]), undefined, 'x.bwbundle');
    expect(bad.value).toBeNull();
    expect(bad.diagnostics[0]!.code).toBe('unsafe_archive');
    expect(bad.diagnostics[0]!.file).toBe('x.bwbundle');
  });
});
