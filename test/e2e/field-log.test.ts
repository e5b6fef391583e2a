// A real field log through a real pty into the app, with no board open: the live side of the probe
// board shows, device by device, what `bringup parse-log --json` says of the same bytes (state,
// rejected, IOMMU group, deferrals). The log (../shared/realworld-logs, log 01) has kernel lines that
// start in the middle of a shell trace line (`+ echo ,[   13.387167] platform sfp1: deferred probe pending`).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotPath } from '../support/screenshots';
import { requireSystem } from '../../scripts/lib/system';
import { readRow, waitForLiveState } from '../support/board-page';
import { REALWORLD_LOGS } from '../support/realworld-logs';
import { repoRoot } from '../../scripts/lib/e2e/renderer-build';
import { connectTo, openPtyPair, openWorkbench, type PtyPair, type Workbench } from '../../scripts/lib/e2e/workbench';

requireSystem('socat', 'chromium');

const logFile = join(REALWORLD_LOGS, 'logs', '01-bpi-r4-mt7988-tfa-uboot-6.9.log');

interface ParsedDevice { name: string; state: string; rejected: boolean; iommuGroup: number | null; deferrals: number }

// The log stands beside the checkout or where BRINGUP_REALWORLD_LOGS says (test/support/realworld-logs.ts);
// a clone elsewhere without that variable has none and skips this.
describe.skipIf(!existsSync(logFile))('a field log in the live view equals parse-log (realworld logs absent: skipped)', () => {
  let wb: Workbench;
  let pty: PtyPair;

  beforeAll(async () => {
    wb = await openWorkbench();
    pty = await openPtyPair();
  }, 120_000);

  afterAll(async () => {
    await pty?.close();
    await wb?.close();
  });

  it('shows every device parse-log reports, in the same state, including the ones that start mid-line', async () => {
    const bytes = new Uint8Array(readFileSync(logFile));
    expect(new TextDecoder('latin1').decode(bytes)).toMatch(/\+ echo ,\[\s*13\.387167\] platform sfp1: deferred probe pending/);
    const cli = spawnSync(process.execPath, [join(repoRoot, 'bin', 'bringup.mjs'), 'parse-log', logFile, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(cli.status, cli.stderr).toBe(0);
    const devices = (JSON.parse(cli.stdout) as { devices: ParsedDevice[] }).devices;
    expect(devices.find((d) => d.name === 'sfp1')?.state).toBe('deferred');

    const { page } = wb;
    await connectTo(page, pty.appPath);
    await pty.play(bytes, 512, 2);
    // The last device the log names is the one to wait for: the live side has caught up past it.
    const last = devices[devices.length - 1]!;
    await waitForLiveState(page, last.name, last.rejected ? 'rejected' : last.state, 60_000);

    const differ: string[] = [];
    for (const d of devices) {
      const row = await readRow(page, d.name);
      if (!row) {
        differ.push(`${d.name}: parse-log ${d.state}, the app shows no row`);
        continue;
      }
      const want = { state: d.rejected ? 'rejected' : d.state, grp: d.iommuGroup === null ? '–' : String(d.iommuGroup), def: d.deferrals ? String(d.deferrals) : '' };
      const got = { state: row.liveState, grp: row.liveGrp, def: row.liveDef };
      if (JSON.stringify(want) !== JSON.stringify(got)) differ.push(`${d.name}: parse-log ${JSON.stringify(want)}, app ${JSON.stringify(got)}`);
    }
    // The timeline counts the same deferrals the rows show.
    const defers = devices.reduce((n, d) => n + d.deferrals, 0);
    expect(defers).toBeGreaterThan(0);
    expect(await page.textContent('[data-testid=timeline]')).toContain(`live: ${defers} deferrals`);
    await page.screenshot({ path: screenshotPath('field-log.png') });
    expect(differ).toEqual([]);
    expect(devices.length).toBeGreaterThan(20);
  }, 180_000);
});
