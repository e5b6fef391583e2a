// The lab view end to end in Chromium against a real labgrid lab (test/support/labgrid-lab.ts: labgrid 26's own
// coordinator and exporter, Debian's ser2net, a board on a socat pty): the place listed and kept live
// from the subscription (comment, another user holding it, a reservation waiting for it), acquired,
// its console opened in a tab with a recorded boot streaming through it (the board opened with its kernel
// .config, so the probe board ends with 0 mismatches), a second board on a pty beside it with its own
// tree and verdicts and no byte crossing over between the two recordings, release-on-disconnect from the connect bar,
// and release from the lab view seen by labgrid-client. Saves the lab view and the two consoles.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDemoFiles } from '../../electron/services/demo';
import { readRow, summaryChips } from '../support/board-page';
import { labgridBin, startLab, type Lab } from '../support/labgrid-lab';
import { waitForHeld, watchLab } from '../support/lab-page';
import { screenshotPath } from '../support/screenshots';
import { kernelConfig, requireSystem } from '../../scripts/lib/system';
import { repoRoot } from '../../scripts/lib/e2e/renderer-build';
import { openBoard, openPtyPair, openWorkbench, type PtyPair, type Workbench } from '../../scripts/lib/e2e/workbench';

requireSystem('labgrid', 'socat', 'ser2net', 'chromium');

const PLACE = 'rack1-imx8';
const ME = 'bench/erin';
const logs = join(repoRoot, 'test', 'fixtures', 'bootlog', 'lab');
const WAIT = { timeout: 60_000 };
const demoLog = readFileSync(join(logs, 'demo.log'));
/** The last kernel timestamp of the labgrid board's boot, as the console header shows it. */
const lastKernelTime = [...demoLog.toString('latin1').matchAll(/^\[\s*(\d+\.\d{6})\]/gm)].pop()![1]!;
const demoFiles = findDemoFiles(join(repoRoot, 'resources'))!;
/** The kernel .config the demo board is predicted with (the one the bundled demo opens with). */
const demoConfig = demoFiles.config!;
/** The modules the demo's /init loads (the bundled demo names them; opened from a file, the log tells). */
const demoModules = readFileSync(demoFiles.modules!, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
/** What the kernel itself reported at the end of that boot (the lab's truth block). */
const demoTruth = JSON.parse(readFileSync(join(logs, 'demo.truth.json'), 'utf8')) as { devices: { name: string; driver: string | null; iommuGroup: number | null }[] };

/** What a tab's terminal shows (xterm's DOM rows). */
function termText(page: Page, tab: number): Promise<string> {
  return page.$eval(`[data-testid=terminal][data-tab="${tab}"] .xterm-rows`, (el) => el.textContent ?? '');
}

/** Writes into a pty the way a serial line delivers: small chunks with gaps. */
async function pace(fd: number, bytes: Uint8Array, chunk = 1024, gapMs = 4) {
  for (let i = 0; i < bytes.length; i += chunk) {
    const part = bytes.subarray(i, i + chunk);
    let off = 0;
    while (off < part.length) off += writeSync(fd, part, off);
    await new Promise((r) => setTimeout(r, gapMs));
  }
}

describe('the lab view against a real labgrid coordinator (Chromium, browser mode)', () => {
  let lab: Lab;
  let wb: Workbench;
  let pty: PtyPair;
  let board: number;
  /** The probe board's summary chips for the labgrid tab's boot, once it ended. */
  let summary: Record<string, number> = {};

  beforeAll(async () => {
    lab = await startLab(PLACE, { board: 'imx8mp-evk', rack: '1' });
    wb = await openWorkbench({ record: true, labgrid: { client: join(labgridBin, 'labgrid-client'), identity: ME }, viewport: { width: 1600, height: 1000 } });
    pty = await openPtyPair();
    board = openSync(lab.boardPath, 'r+');
  }, 180_000);

  afterAll(async () => {
    if (board !== undefined) closeSync(board);
    await pty?.close();
    await wb?.close();
    await lab?.close();
  });

  it('lists the place and keeps it live: comment, another holder, a reservation that waits for it', async () => {
    const { page } = wb;
    await watchLab(page, lab.coordinator, PLACE);
    const tags = await page.$$eval(`[data-testid=lab-place][data-place="${PLACE}"] [data-testid=lab-tag]`, (els) => els.map((e) => e.textContent));
    expect(tags).toEqual(['board=imx8mp-evk', 'rack=1']);

    // Changes made with labgrid-client arrive through the subscription, with no reload.
    expect(lab.client(['-p', PLACE, 'set-comment', 'bench 3, shelf 2: i.MX 8M Plus EVK']).status).toBe(0);
    await page.waitForFunction((p) => document.querySelector(`[data-testid=lab-place][data-place="${p}"] .comment`)?.textContent?.includes('bench 3, shelf 2'), PLACE, WAIT);
    expect(lab.client(['-p', PLACE, 'acquire'], { host: 'desk', user: 'frank' }).status).toBe(0);
    await waitForHeld(page, PLACE, 'desk/frank');
    expect(await page.textContent(`[data-testid=lab-place][data-place="${PLACE}"] [data-testid=lab-holder]`)).toBe('held by desk/frank');

    // A reservation by tag waits while frank holds the only matching place, and is allocated once he lets go.
    await page.fill('[data-testid=lab-reserve-filter]', 'board=imx8mp-evk');
    await page.click('[data-testid=lab-reserve]');
    await page.waitForSelector('[data-testid=lab-reservation][data-state=waiting]', WAIT);
    await page.waitForFunction(() => /waiting [1-9]\d* s/.test(document.querySelector('[data-testid=lab-reservation]')?.textContent ?? ''), undefined, WAIT);
    expect(lab.client(['-p', PLACE, 'release'], { host: 'desk', user: 'frank' }).status).toBe(0);
    await page.waitForSelector('[data-testid=lab-reservation][data-state=allocated]', WAIT);
    expect(await page.textContent('[data-testid=lab-reservation]')).toContain(PLACE);
    await waitForHeld(page, PLACE, '');
  }, 180_000);

  it('acquires the place, opens its console in a tab and streams a boot through it', async () => {
    const { page } = wb;
    // The board the place carries, with the kernel's .config, so the probe board has the right prediction to fill in live.
    await openBoard(page, join(logs, 'demo.dtb'), { config: demoConfig });
    await page.click('[data-testid=tab-lab]');
    await page.click(`[data-testid=lab-place][data-place="${PLACE}"] [data-testid=lab-acquire]`);
    await waitForHeld(page, PLACE, ME);
    expect(await page.textContent(`[data-testid=lab-place][data-place="${PLACE}"] [data-testid=lab-holder]`)).toBe('held by you');
    // The reservation the place was allocated to is now acquired (labgrid's reservation states).
    await page.waitForSelector('[data-testid=lab-reservation][data-state=acquired]', WAIT);
    expect(lab.client(['-p', PLACE, 'show']).stdout).toContain(`acquired: ${ME}`);
    // The exporter serves the console once the place is acquired; the view shows where.
    await page.waitForFunction(
      (p) => /^127\.0\.0\.1:\d+$/.test(document.querySelector(`[data-testid=lab-place][data-place="${p}"] [data-testid=lab-console-address]`)?.textContent ?? ''),
      PLACE,
      WAIT,
    );

    await page.click(`[data-testid=lab-place][data-place="${PLACE}"] [data-testid=lab-console]`);
    await page.waitForSelector('[data-testid=console-tab][data-tab="1"][data-state=connected]', WAIT);
    expect(await page.inputValue('[data-testid=target]')).toBe(`labgrid://${lab.coordinator}/${PLACE}`);
    // One console, as for a single board: no second pane.
    expect(await page.$$eval('[data-testid=terminal]', (els) => els.filter((e) => (e as HTMLElement).offsetParent !== null).length)).toBe(1);

    await pace(board, readFileSync(join(logs, 'demo.log')));
    await page.waitForFunction(
      (n) => {
        const m = /rx ([\d.]+) KiB/.exec(document.querySelector('[data-testid=status] .counters')?.textContent ?? '');
        return m !== null && Number(m[1]) >= n;
      },
      Math.floor(readFileSync(join(logs, 'demo.log')).length / 1024),
      WAIT,
    );
    await page.waitForFunction((t) => (document.querySelector('[data-testid=terminal][data-tab="1"] .info')?.textContent ?? '').includes(`[${t}]`), lastKernelTime, WAIT);
    // The boot ran to the kernel's power-off, and the prediction is anchored on the module loads the log
    // showed (the What if… panel says when each was loaded; a re-prediction coalesces them, so on a log
    // streamed this fast it may land just after the power-off): every verdict is final, and right.
    await page.waitForFunction(
      (mods) => {
        const ended = document.querySelector('[data-testid=boot-ended]')?.textContent?.trim() === 'ended: power-off';
        const anchored = document.querySelector('[data-testid=wi-modules-from-log]')?.textContent ?? '';
        return ended && mods.every((m) => anchored.includes(`${m}@`));
      },
      demoModules,
      WAIT,
    );
    summary = await summaryChips(page);
    expect(summary).toMatchObject({ mismatch: 0, pending: 0, 'not seen': 0 });
    expect(summary.match).toBeGreaterThan(20);
    expect(await page.$('[data-testid=console-tab][data-tab="1"] .mm')).toBeNull();
    // Rows carry live states from the stream, as the kernel itself reported them.
    const liveStates = await page.$$eval('[data-testid=probe-board] .row [data-col=live-state]', (els) => els.map((e) => e.textContent?.trim()));
    expect(liveStates.filter((s) => s === 'bound').length).toBeGreaterThan(5);
    // Saved before the filter is used, as the user first sees it.
    await page.screenshot({ path: screenshotPath('lab-view.png') });
    const gpio = (await readRow(page, '9030000.pl061'))!;
    expect(gpio).toMatchObject({ verdict: 'match', liveState: 'bound', liveGrp: String(demoTruth.devices.find((d) => d.name === '9030000.pl061')!.iommuGroup) });
  }, 180_000);

  it('streams two boards side by side, each into its own recording, no byte crossing over', async () => {
    const { page } = wb;
    await page.click('[data-testid=console-split]');
    // The split opens an empty console in front of the labgrid one: the connect bar now fills it.
    await page.waitForSelector('[data-testid=console-tab][data-tab="2"].on', WAIT);
    expect(await page.inputValue('[data-testid=target]')).toBe('');
    await page.fill('[data-testid=target]', pty.appPath);
    await page.click('[data-testid=connect]');
    await page.waitForSelector('[data-testid=console-tab][data-tab="2"][data-state=connected]', WAIT);
    expect(await page.$$eval('[data-testid=terminal]', (els) => els.filter((e) => (e as HTMLElement).offsetParent !== null).length)).toBe(2);
    // A new tab starts with no board of its own; this one gets the tree its boot was made on.
    expect(await page.$('[data-testid=board-name]')).toBeNull();
    await openBoard(page, join(logs, 'fw-devlink-off.dtb'), { config: kernelConfig() });
    await page.waitForFunction(() => document.querySelector('[data-testid=board-name]')?.textContent === 'fw-devlink-off.dtb', undefined, WAIT);

    const a = new TextEncoder().encode('\r\nimx8 login: root\r\nroot@imx8:~# uname -a\r\nLinux imx8 6.1.0-57-arm64 #1 SMP aarch64 GNU/Linux\r\n');
    const second = readFileSync(join(logs, 'fw-devlink-off.log'));
    await Promise.all([pace(board, a), pty.play(second, 512, 3)]);
    await page.waitForFunction(() => /uname -a/.test(document.querySelector('[data-testid=terminal][data-tab="1"] .xterm-rows')?.textContent ?? ''), undefined, WAIT);
    const tail = second.toString('latin1').trim().split(/\r?\n/).pop()!.slice(0, 40);
    await page.waitForFunction((t) => (document.querySelector('[data-testid=terminal][data-tab="2"] .xterm-rows')?.textContent ?? '').includes(t), tail, WAIT);
    expect(await termText(page, 2)).not.toContain('uname -a');
    expect(await termText(page, 1)).not.toContain(tail);

    // Each console recorded its own session, byte for byte.
    const conns = wb.services.connections.list();
    expect(conns).toHaveLength(2);
    const byTarget = new Map(conns.map((c) => [c.target, c]));
    const rx = async (target: string) => {
      const sessionId = byTarget.get(target)!.sessionId!;
      const contents = await wb.services.sessions.openSession(sessionId);
      return Buffer.concat(contents.chunks.filter((c) => c.dir === 'rx').map((c) => c.bytes));
    };
    const lgTarget = `labgrid://${lab.coordinator}/${PLACE}`;
    await expect.poll(async () => (await rx(pty.appPath)).length, WAIT).toBe(second.length);
    expect((await rx(pty.appPath)).equals(second)).toBe(true);
    await expect.poll(async () => (await rx(lgTarget)).length, WAIT).toBe(readFileSync(join(logs, 'demo.log')).length + a.length);
    expect((await rx(lgTarget)).equals(Buffer.concat([readFileSync(join(logs, 'demo.log')), a]))).toBe(true);
    const markers = (await wb.services.sessions.openSession(byTarget.get(lgTarget)!.sessionId!)).markers.map((m) => m.kind);
    expect(markers).toContain('use-held');

    // Each tab compares its own boot with its own board: the second board's boot, in front, ends matching
    // its own prediction, while the labgrid tab beside it keeps its header and its verdicts.
    await page.waitForSelector('[data-testid=boot-ended]', WAIT);
    await expect.poll(async () => (await summaryChips(page)).pending, WAIT).toBe(0);
    expect(await summaryChips(page)).toMatchObject({ mismatch: 0, 'not seen': 0 });
    expect(await page.$('[data-testid=console-tab] [data-testid=tab-mismatches]')).toBeNull();
    expect(await page.textContent('[data-testid=terminal][data-tab="1"] .info')).toContain(`[${lastKernelTime}]`);
    expect(await page.textContent('[data-testid=terminal][data-tab="2"] .info')).not.toContain(`[${lastKernelTime}]`);
    await (await page.$('.a-term'))!.screenshot({ path: screenshotPath('consoles-side-by-side.png') });
    // Back to the labgrid tab: its own board, sent again whole by the worker, with its own boot's verdicts.
    await page.click('[data-testid=console-tab][data-tab="1"]');
    await page.waitForFunction(() => document.querySelector('[data-testid=board-name]')?.textContent === 'demo.dtb', undefined, WAIT);
    await page.waitForSelector('[data-testid=boot-ended]', WAIT);
    await expect.poll(() => summaryChips(page), WAIT).toEqual(summary);
    expect(wb.browser.errors).toEqual([]);
  }, 180_000);

  it('releases the place when its console disconnects, if the connect bar says so; the lab view releases too', async () => {
    const { page } = wb;
    await page.click('[data-testid=console-tab][data-tab="1"]');
    await page.waitForSelector('[data-testid=release-on-disconnect]', WAIT);
    await page.check('[data-testid=release-on-disconnect] input');
    await expect.poll(() => wb.services.connections.list().find((c) => c.target.startsWith('labgrid://'))?.releaseOnDisconnect, WAIT).toBe(true);
    await page.click('[data-testid=connect]');
    await page.waitForSelector('[data-testid=console-tab][data-tab="1"][data-state=disconnected]', WAIT);
    await waitForHeld(page, PLACE, '');
    expect(lab.client(['-p', PLACE, 'show']).stdout).toMatch(/acquired: None/);
    // The other board streams on, untouched.
    expect(await page.getAttribute('[data-testid=console-tab][data-tab="2"]', 'data-state')).toBe('connected');

    // Open again (the console acquires the free place), then release from the lab view: the tab disconnects.
    await page.uncheck('[data-testid=release-on-disconnect] input');
    await page.click(`[data-testid=lab-place][data-place="${PLACE}"] [data-testid=lab-console]`);
    await page.waitForSelector('[data-testid=console-tab][data-tab="1"][data-state=connected]', WAIT);
    await waitForHeld(page, PLACE, ME);
    await page.click(`[data-testid=lab-place][data-place="${PLACE}"] [data-testid=lab-release]`);
    await waitForHeld(page, PLACE, '');
    await page.waitForSelector('[data-testid=console-tab][data-tab="1"][data-state=disconnected]', WAIT);
    expect(lab.client(['-p', PLACE, 'show']).stdout).toMatch(/acquired: None/);
    expect(wb.browser.errors).toEqual([]);
  }, 180_000);
});
