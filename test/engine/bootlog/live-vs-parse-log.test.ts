// The live view and `bringup parse-log` must agree: the streaming parser fed the bytes as a pty
// delivers them (small chunks of varying size), folded by one LiveState kept for the whole stream,
// gives the same per-device states as parse-log's JSON for the same file. Run on the format fixtures
// (the mid-line one included) and, when present, on ../shared/realworld-logs.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli';
import { createBootLogParser, LiveState, type LiveDeviceReport } from '../../../engine/bootlog';

const FORMATS = join(__dirname, '../../fixtures/bootlog/formats');
const SHARED = join(__dirname, '../../../../shared/realworld-logs/logs');

async function parseLog(path: string): Promise<{ boot: number; boots: number; devices: LiveDeviceReport[] }> {
  return JSON.parse((await runCli(['parse-log', path, '--json'])).out) as { boot: number; boots: number; devices: LiveDeviceReport[] };
}

/** What the live view holds after the stream, fed in pty-sized chunks (1..255 bytes, deterministic). */
function liveView(bytes: Uint8Array): LiveDeviceReport[] {
  const parser = createBootLogParser();
  const live = new LiveState();
  let seed = 12345;
  let t = 0;
  for (let i = 0; i < bytes.length; ) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const n = 1 + (seed % 255);
    live.apply(parser.feed(bytes.subarray(i, i + n), t++));
    i += n;
  }
  live.apply(parser.finish(t));
  return live.devices();
}

const view = (d: LiveDeviceReport) => ({ name: d.name, state: d.state, driver: d.driver, iommuGroup: d.iommuGroup, deferrals: d.deferrals, bindIndex: d.bindIndex, rejected: d.rejected, evidence: d.evidence, proof: d.proof });

const files = [
  ...readdirSync(FORMATS).filter((f) => f.endsWith('.log')).map((f) => join(FORMATS, f)),
  ...(existsSync(SHARED) ? readdirSync(SHARED).filter((f) => f.endsWith('.log')).map((f) => join(SHARED, f)) : []),
];

describe('live view = parse-log', () => {
  it('has logs', () => expect(files.length).toBeGreaterThan(0));
  for (const path of files) {
    it(path.split('/').slice(-2).join('/'), async () => {
      const doc = await parseLog(path);
      // The live view shows the stream's last boot; parse-log shows the same one unless that boot is
      // a bootloader-only run or a fragment (then the view is of an empty boot, as on the bench).
      if (doc.boot !== doc.boots - 1) return;
      expect(liveView(new Uint8Array(readFileSync(path))).map(view)).toEqual(doc.devices.map(view));
    });
  }
});
