// A lab of one real board, end to end in Chromium (browser mode): labgrid 26's own coordinator and
// exporter (test/support/labgrid-lab.ts) with a place whose console is a QEMU board of the lab's
// `late-iommu` scenario (served by the exporter's ser2net) and whose NetworkPowerPort is labgrid's
// `simplerest` driver switching that QEMU (test/support/power-switch.ts). The user opens the lab view,
// acquires the place, opens its console in a tab, opens the board as the kernel saw it (QEMU's own
// boot-time tree, with Debian's kernel .config), powers the place on from the console's Power… menu and
// watches the boot fill the probe board live, to 0 mismatches; cycles the power through labgrid and sees
// the switch go off and on, a second boot fill the board again, and the power action marked on the
// timeline; then releases the place from the lab view and labgrid-client finds it free.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpBootDtb, scenarioKernels } from '../../scripts/lib/lab/board';
import { scenarioByName } from '../../scripts/lib/lab/scenarios/index';
import { parseTruthBlock, TRUTH_END, type Truth } from '../../scripts/lib/lab/truth';
import { kernelConfig, requireSystem } from '../../scripts/lib/system';
import { openBoard, openWorkbench, type Workbench } from '../../scripts/lib/e2e/workbench';
import { boardStates, readRow, recordBoardStates, waitForLiveState, type BoardState } from '../support/board-page';
import { labgridBin, startLab, type Lab } from '../support/labgrid-lab';
import { startPowerSwitch, type PowerSwitch } from '../support/power-switch';
import { waitForHeld, watchLab } from '../support/lab-page';
import { screenshotPath } from '../support/screenshots';

requireSystem('labgrid', 'socat', 'ser2net', 'qemu', 'kernel-arm64', 'busybox-arm64', 'dtc', 'cpio', 'chromium');

const SCENARIO = scenarioByName('late-iommu');
const KERNEL = scenarioKernels(SCENARIO)[0]!;
const PLACE = 'qemu-virt-1';
const ME = 'bench/erin';
const WAIT = { timeout: 60_000 };
/** A whole QEMU boot (TCG, on a loaded 2-core machine) from power-on to the kernel's `reboot: Power down`. */
const BOOT = { timeout: 300_000 };

/** Waits until a recorded board state satisfies `ok`; returns it. */
async function waitForState(page: Page, what: string, ok: (s: BoardState) => boolean, timeout: number): Promise<BoardState> {
  await expect.poll(async () => (await boardStates(page)).some(ok), { timeout, message: `the board never showed ${what}` }).toBe(true);
  return (await boardStates(page)).find(ok)!;
}

/** The power actions the timeline marks, as the user sees them (line, label, tooltip). */
function powerMarks(page: Page) {
  return page.$$eval('[data-testid=timeline-power]', (els) =>
    els.map((e) => ({ action: e.getAttribute('data-action'), ok: e.getAttribute('data-ok'), before: e.classList.contains('before'), title: e.getAttribute('title') })),
  );
}

/** How many complete truth blocks the console has printed (one per finished boot). */
const truthBlocks = (text: string) => text.split(TRUTH_END).length - 1;

describe('a QEMU board in a labgrid lab: acquire, watch it boot, power-cycle it, release (Chromium, browser mode)', () => {
  let lab: Lab<PowerSwitch>;
  let wb: Workbench;
  let dir: string;
  let dtb: string;
  /** Everything the console received, as the services saw it. */
  let consoleText = '';
  let truth: Truth;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bringup-lab-qemu-'));
    // The tree the kernel really gets: QEMU edits the -dtb it is handed (memory, /chosen, PSCI), and
    // dumps that tree with the very same arguments the power switch boots it with.
    dtb = join(dir, `${SCENARIO.name}.dtb`);
    writeFileSync(dtb, dumpBootDtb(SCENARIO, { kernel: KERNEL }));
    lab = await startLab(PLACE, { soc: 'qemu-virt', scenario: SCENARIO.name }, { power: (boardPath) => startPowerSwitch(SCENARIO, boardPath, { kernel: KERNEL }) });
    wb = await openWorkbench({ record: true, labgrid: { client: join(labgridBin, 'labgrid-client'), identity: ME }, viewport: { width: 1600, height: 1000 } });
    wb.services.events.on('serialData', (e) => (consoleText += Buffer.from(e.bytes).toString('latin1')));
  }, 300_000);

  afterAll(async () => {
    await wb?.close();
    await lab?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the place with its console and power resources, acquires it and opens its console in a tab', async () => {
    const { page } = wb;
    await watchLab(page, lab.coordinator, PLACE);
    const place = `[data-testid=lab-place][data-place="${PLACE}"]`;
    expect(await page.$$eval(`${place} [data-testid=lab-tag]`, (els) => els.map((e) => e.textContent).sort())).toEqual(['scenario=late-iommu', 'soc=qemu-virt']);
    // The exporter's two resources: the console (ser2net) and the power port (the simplerest switch).
    await page.waitForFunction(
      (sel) => [...document.querySelectorAll(`${sel} .res > .mono:first-child`)].map((e) => e.textContent).sort().join() === 'NetworkPowerPort,NetworkSerialPort',
      place,
      WAIT,
    );

    await page.click(`${place} [data-testid=lab-acquire]`);
    await waitForHeld(page, PLACE, ME);
    expect(await page.textContent(`${place} [data-testid=lab-holder]`)).toBe('held by you');
    expect(lab.client(['-p', PLACE, 'show']).stdout).toContain(`acquired: ${ME}`);
    await page.waitForFunction((sel) => /^127\.0\.0\.1:\d+$/.test(document.querySelector(`${sel} [data-testid=lab-console-address]`)?.textContent ?? ''), place, WAIT);

    await page.click(`${place} [data-testid=lab-console]`);
    await page.waitForSelector('[data-testid=console-tab][data-tab="1"][data-state=connected]', WAIT);
    expect(await page.textContent('[data-testid=console-tab][data-tab="1"] .title')).toBe(PLACE);
    expect(await page.inputValue('[data-testid=target]')).toBe(`labgrid://${lab.coordinator}/${PLACE}`);
    expect(await page.textContent(`${place} [data-testid=lab-console]`)).toContain('Show console');
    // Nothing switched yet: the board is off.
    expect(lab.power!.log).toEqual([]);
    expect(lab.power!.running()).toBe(false);
  }, 180_000);

  it('opens the board as the kernel saw it, powers the place on, and the boot fills the probe board live, to 0 mismatches', async () => {
    const { page } = wb;
    await openBoard(page, dtb, { config: kernelConfig(KERNEL), kernel: '6.1' });
    await page.waitForFunction((name) => document.querySelector('[data-testid=board-name]')?.textContent === name, `${SCENARIO.name}.dtb`, WAIT);
    await recordBoardStates(page);
    const before = await waitForState(page, 'a prediction', (s) => s.devices > 0 && s.pending > 0, WAIT.timeout);
    // Nothing live yet (rows the prediction leaves unbound already agree with a board that shows nothing).
    expect(before).toMatchObject({ boot: 0, mismatch: 0, liveRows: 0, ended: null });

    await page.selectOption('[data-testid=power]', 'on');
    await expect.poll(() => lab.power!.log, WAIT).toEqual(['on']);
    // The menu is an action, not a setting: it is back on its label.
    expect(await page.inputValue('[data-testid=power]')).toBe('');

    // Live: rows take their live states while the boot still runs. The kernel prints its first bind about
    // 2.4 s (kernel time, which TCG keeps to the host's clock) before its last line, so the board renders
    // this state many times over; recordBoardStates sees every render.
    await waitForState(page, 'rows filling in while the boot runs', (s) => s.boot === 1 && s.liveRows > 0 && s.ended === null, BOOT.timeout);
    await expect.poll(() => truthBlocks(consoleText), BOOT).toBe(1);
    const done = await waitForState(page, 'the first boot ended', (s) => s.boot === 1 && s.ended !== null, BOOT.timeout);
    expect(done.ended).toBe('ended: power-off');
    expect(done.pending).toBe(0);
    expect(done.mismatch).toBe(0);
    expect(done.match).toBeGreaterThan(20);
    expect(await page.textContent('[data-testid=chip-mismatch]')).toMatch(/^\s*0\s+mismatch\s*$/);
    expect(await page.$('[data-testid=console-tab][data-tab="1"] .mm')).toBeNull();
    // The timeline marks the power-on at the start of the boot it started.
    expect(await powerMarks(page)).toEqual([{ action: 'on', ok: 'true', before: true, title: expect.stringMatching(/^power on at .* via labgrid-client \(done\): this boot followed it$/) }]);

    // The board agrees with the kernel's own account of the same boot (the lab's truth block).
    truth = parseTruthBlock(consoleText)!.truth;
    const order = truth.bindOrder!;
    await waitForLiveState(page, order.at(-1)!, 'bound', WAIT.timeout);
    const gpio = (await readRow(page, '9030000.pl061'))!;
    expect(gpio.verdict).toBe('match');
    expect(gpio.liveState).toBe('bound');
    expect(Number(gpio.liveDef)).toBeGreaterThanOrEqual(1);
    expect(gpio.liveGrp).toBe(String(truth.devices.find((d) => d.name === '9030000.pl061')!.iommuGroup));
    expect(await page.textContent('[data-testid=conn-error]')).toBe('');
    expect(wb.browser.errors).toEqual([]);
  }, 600_000);

  it('cycles the power from the console: labgrid switches it off then on, and a new boot fills the board again', async () => {
    const { page } = wb;
    const seen = (await boardStates(page)).length;
    await page.selectOption('[data-testid=power]', 'cycle');
    await expect.poll(() => lab.power!.log, WAIT).toEqual(['on', 'off', 'on']);
    expect(lab.power!.boots()).toBe(2);

    // The live side starts over with the new boot (the first boot ended with nothing pending: rows pending
    // again say its verdicts were dropped), and fills again while that boot runs.
    const after = async () => (await boardStates(page)).slice(seen);
    const restarted = (s: BoardState) => s.boot === 2 && s.ended === null && s.pending > 0;
    await expect.poll(async () => (await after()).some(restarted), { ...BOOT, message: 'the live side never restarted' }).toBe(true);
    const filling = async () => {
      const states = await after();
      return states.slice(states.findIndex(restarted)).some((s) => s.boot === 2 && s.ended === null && s.liveRows > 0);
    };
    await expect.poll(filling, { ...BOOT, message: 'the second boot never filled the board live' }).toBe(true);
    await expect.poll(() => truthBlocks(consoleText), BOOT).toBe(2);
    await expect.poll(async () => (await after()).find((s) => s.boot === 2 && s.ended !== null), BOOT).toMatchObject({ ended: 'ended: power-off', pending: 0, mismatch: 0 });
    expect(await page.textContent('[data-testid=terminal][data-tab="1"] .info')).toMatch(/ · boot 2\b/);
    // Same board, same kernel: the second boot ends where the first did.
    expect(parseTruthBlock(consoleText)!.truth.devices).toEqual(truth.devices);

    // The recording carries both power actions, as issued through labgrid-client.
    const conn = wb.services.connections.list().find((c) => c.target === `labgrid://${lab.coordinator}/${PLACE}`)!;
    const markers = (await wb.services.sessions.openSession(conn.sessionId!)).markers;
    expect(markers.filter((m) => m.kind === 'power').map((m) => m.detail)).toEqual([
      `on place ${PLACE} via labgrid-client, coordinator ${lab.coordinator}`,
      `cycle place ${PLACE} via labgrid-client, coordinator ${lab.coordinator}`,
    ]);
    expect(markers.map((m) => m.kind)).not.toContain('power-failed');
    // The timeline shows the boot on screen with the cycle that started it; the power-on of the boot
    // before bears on this one no more.
    expect(await powerMarks(page)).toEqual([{ action: 'cycle', ok: 'true', before: true, title: expect.stringMatching(/^power cycle at .* \(done\): this boot followed it$/) }]);
    expect(await page.textContent('[data-testid=conn-error]')).toBe('');
    await page.screenshot({ path: screenshotPath('lab-qemu-power-cycle.png') });
    expect(wb.browser.errors).toEqual([]);
  }, 600_000);

  it('releases the place from the lab view; labgrid-client finds it free', async () => {
    const { page } = wb;
    const place = `[data-testid=lab-place][data-place="${PLACE}"]`;
    await page.click(`${place} [data-testid=lab-release]`);
    await waitForHeld(page, PLACE, '');
    await page.waitForSelector('[data-testid=console-tab][data-tab="1"][data-state=disconnected]', WAIT);
    expect(await page.textContent(`${place} [data-testid=lab-holder]`)).toBe('free');
    expect(lab.client(['-p', PLACE, 'show']).stdout).toMatch(/acquired: None/);
    // Free for anyone: another user takes it with labgrid-client, and the lab view shows it.
    expect(lab.client(['-p', PLACE, 'acquire'], { host: 'desk', user: 'frank' }).status).toBe(0);
    await waitForHeld(page, PLACE, 'desk/frank');
    expect(lab.client(['-p', PLACE, 'release'], { host: 'desk', user: 'frank' }).status).toBe(0);
    await waitForHeld(page, PLACE, '');
    expect(wb.browser.errors).toEqual([]);
  }, 180_000);
});
