// The workbench tells the truth while the board boots, end to end in Chromium:
// 1. sampled throughout the demo boot, no row the board ever shows as a mismatch is shown matching at
//    the end (what the kernel has not reached yet is pending, not red);
// 2. the same board and log through `bringup compare --json`, the app (bytes through a pty) and the
//    app's session export give the same verdict for every device, and the two JUnit documents are
//    byte-identical: one comparison pipeline (engine/compare), one JUnit writer.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/lib/e2e/renderer-build';
import { connectTo, openBoard, openPtyPair, openWorkbench, type Workbench } from '../../scripts/lib/e2e/workbench';
import { screenshotPath } from '../support/screenshots';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('socat', 'chromium');

const demoDir = join(repoRoot, 'resources', 'demo');
const board = join(demoDir, 'board.dts');
const config = join(demoDir, 'config-6.1.0-57-arm64');
const log = join(demoDir, 'boot.typescript');
/** Tall enough that the board shows every demo row at once (it renders only the rows in view). */
const TALL = { width: 1600, height: 2600 };

/** Every row on screen: device → verdict (the engine's word, `data-verdict`). */
function rowsOnScreen(wb: Workbench): Promise<Record<string, string>> {
  return wb.page.$$eval('[data-testid=probe-board] .row[data-device]', (rows) => Object.fromEntries(rows.map((r) => [r.getAttribute('data-device')!, r.getAttribute('data-verdict')!])));
}

async function deviceCount(wb: Workbench): Promise<number> {
  return Number(await wb.page.textContent('[data-testid=probe-board] .chip >> nth=0 >> b'));
}

describe('verdicts while the demo boots', () => {
  let wb: Workbench;
  afterAll(async () => {
    await wb?.close();
  });

  it('no row shown as a mismatch is ever shown as matching at the end', async () => {
    wb = await openWorkbench({ query: '&demo=1', viewport: TALL });
    const { page } = wb;
    await page.waitForSelector('[data-testid=status][data-state=connected]', { timeout: 20_000 });
    // Sample in the page, every animation frame: what the user could have seen, not what a poll happened to catch.
    await page.evaluate(() => {
      const seen: Record<string, string[]> = {};
      (window as unknown as { __seen: typeof seen }).__seen = seen;
      const sample = () => {
        for (const r of document.querySelectorAll('[data-testid=probe-board] .row[data-device]')) {
          const d = r.getAttribute('data-device')!;
          const v = r.getAttribute('data-verdict')!;
          const list = (seen[d] ??= []);
          if (list[list.length - 1] !== v) list.push(v);
        }
        requestAnimationFrame(sample);
      };
      requestAnimationFrame(sample);
    });
    // The recording ends with the kernel powering off: the boot has visibly ended and every verdict is final.
    await page.waitForSelector('[data-testid=boot-ended]', { timeout: 90_000 });
    await page.waitForTimeout(500);
    const final = await rowsOnScreen(wb);
    expect(Object.keys(final).length).toBe(await deviceCount(wb));
    const seen = await page.evaluate(() => (window as unknown as { __seen: Record<string, string[]> }).__seen);
    const flashed = Object.entries(seen).filter(([d, vs]) => vs.includes('mismatch') && final[d] !== 'mismatch');
    expect(flashed, JSON.stringify(flashed)).toEqual([]);
    // The devices that used to flash red were held as pending while the kernel had not got there.
    for (const d of ['9030000.pl061', '9020000.fw-cfg']) {
      expect(seen[d], d).toContain('pending');
      expect(final[d], d).toBe('match');
    }
    expect(Object.values(final).filter((v) => v === 'pending')).toEqual([]);
    await page.screenshot({ path: screenshotPath('demo-ended.png') });
    expect(wb.browser.errors).toEqual([]);
  }, 150_000);
});

describe('one comparison: CLI, app and export agree', () => {
  let wb: Workbench;
  const dir = mkdtempSync(join(tmpdir(), 'bringup-truth-'));
  afterAll(async () => {
    await wb?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('same verdict for every device from bringup compare --json, the app through a pty and its export; JUnit byte-identical', async () => {
    wb = await openWorkbench({ viewport: TALL, record: true });
    const { page, services } = wb;
    await openBoard(page, board, { config });
    const pty = await openPtyPair();
    try {
      await connectTo(page, pty.appPath);
      await pty.play(new Uint8Array(readFileSync(log)), 512, 2);
      await page.waitForSelector('[data-testid=boot-ended]', { timeout: 60_000 });
    } finally {
      await pty.close();
    }
    await page.waitForTimeout(500);
    const app = await rowsOnScreen(wb);
    expect(Object.keys(app).length).toBe(await deviceCount(wb));

    const api = services.apiFor('truth-test');
    const [session] = await api.listSessions();
    expect(session).toBeDefined();
    // The app annotates the session once the boot has ended; the export carries those verdicts.
    let exported: { verdicts: { name: string; verdict: string }[] } | null = null;
    for (let i = 0; i < 50; i++) {
      const json = JSON.parse((await api.exportSession({ sessionId: session!.sessionId, format: 'json' })).content!) as { verdicts: { name: string; verdict: string }[] };
      if (json.verdicts.length && !json.verdicts.some((v) => v.verdict === 'pending')) {
        exported = json;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(exported, 'the export carries the final verdicts').not.toBeNull();
    const appJunit = join(dir, 'app.xml');
    await api.exportSession({ sessionId: session!.sessionId, format: 'junit', path: appJunit });

    const cliJunit = join(dir, 'cli.xml');
    const cli = spawnSync(process.execPath, [join(repoRoot, 'bin', 'bringup.mjs'), 'compare', board, log, '--config', config, '--json', '--junit', cliJunit], {
      encoding: 'utf8',
      env: { ...process.env, SOURCE_DATE_EPOCH: String(Math.floor(session!.startedAt / 1000)) },
    });
    expect(cli.stderr).toBe('');
    const cliJson = JSON.parse(cli.stdout) as { comparison: { devices: { name: string; verdict: string }[] } };
    const fromCli = Object.fromEntries(cliJson.comparison.devices.map((d) => [d.name, d.verdict]));
    const fromExport = Object.fromEntries(exported!.verdicts.map((d) => [d.name, d.verdict]));
    expect(Object.keys(fromCli).length).toBeGreaterThan(40);
    expect(app).toEqual(fromCli);
    expect(fromExport).toEqual(fromCli);
    expect(readFileSync(appJunit, 'utf8')).toBe(readFileSync(cliJunit, 'utf8'));
    expect(wb.browser.errors).toEqual([]);
  }, 150_000);
});
