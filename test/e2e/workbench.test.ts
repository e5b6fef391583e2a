// The workbench end to end in real Chromium against the browser mode: the real services and web host,
// a socat pty pair carrying a real QEMU boot log (test/fixtures/bootlog/lab) into the app, which is
// connected to the other end through the connect bar. Checks what an engineer sees (live states, bind
// order, deferrals, mismatch marks, what-if re-prediction, typing reaching the board) against the
// kernel's own truth block and log, and saves a screenshot of each view (test/support/screenshots.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDts } from '../../scripts/lib/lab/board';
import { readRow, summaryChips, waitForLiveState } from '../support/board-page';
import { requireSystem, kernelConfig } from '../../scripts/lib/system';
import { repoRoot } from '../../scripts/lib/e2e/renderer-build';
import { connectTo, openBoard, openPtyPair, openWorkbench, type PtyPair, type Workbench } from '../../scripts/lib/e2e/workbench';
import { screenshotPath } from '../support/screenshots';

requireSystem('dtc', 'socat', 'chromium');

const labLogs = join(repoRoot, 'test', 'fixtures', 'bootlog', 'lab');

interface Truth {
  devices: { name: string; driver: string | null; iommuGroup: number | null }[];
  bindOrder: string[];
}

function fixture(name: string): { log: Uint8Array; text: string; truth: Truth } {
  const log = new Uint8Array(readFileSync(join(labLogs, `${name}.log`)));
  return { log, text: new TextDecoder().decode(log), truth: JSON.parse(readFileSync(join(labLogs, `${name}.truth.json`), 'utf8')) as Truth };
}

/** Has the engine's probe model landed? (The board's predicted side needs it.) */
async function predicted(wb: Workbench): Promise<boolean> {
  try {
    await wb.page.waitForFunction(() => document.querySelectorAll('[data-testid=probe-board] .row [data-col=pred-state]:not(.dim)').length > 0, undefined, {
      timeout: 15_000,
    });
    return true;
  } catch {
    return false;
  }
}

describe('workbench in Chromium (browser mode)', () => {
  let wb: Workbench;
  let pty: PtyPair;
  const scenario = fixture('no-iommu-driver');

  beforeAll(async () => {
    wb = await openWorkbench();
    pty = await openPtyPair();
  }, 120_000);

  afterAll(async () => {
    await pty?.close();
    await wb?.close();
  });

  it('opens with no errors and the console, board, timeline and side panel in place', async () => {
    for (const id of ['connect-bar', 'probe-board', 'timeline', 'terminal', 'device-detail']) {
      expect(await wb.page.isVisible(`[data-testid=${id}]`), id).toBe(true);
    }
    expect(wb.browser.errors).toEqual([]);
  });

  it('connects to a pty through the connect bar and fills in live states from a real boot log', async () => {
    const { page } = wb;
    await openBoard(page, compileDts('virt-gpio-iommu.dts'), { config: kernelConfig() });
    await connectTo(page, pty.appPath);
    await pty.play(scenario.log, 256, 3);
    const last = scenario.truth.bindOrder[scenario.truth.bindOrder.length - 1]!;
    await waitForLiveState(page, last, 'bound');

    // Every device the kernel's sysfs says has a driver shows bound, in the kernel's bind order.
    const bound = scenario.truth.devices.filter((d) => d.driver !== null);
    expect(bound.length).toBeGreaterThan(5);
    for (const d of bound) {
      const row = await readRow(page, d.name);
      expect(row, d.name).not.toBeNull();
      expect(row!.liveState, d.name).toBe('bound');
      expect(row!.liveGrp, d.name).toBe(d.iommuGroup === null ? '–' : String(d.iommuGroup));
      expect(row!.liveOrd, d.name).toBe(String(scenario.truth.bindOrder.indexOf(d.name) + 1));
    }
    // The pl061 was deferred: as many deferrals as the kernel printed "Added to deferred list" for it.
    const defers = scenario.text.match(/9030000\.pl061: Added to deferred list/g)?.length ?? 0;
    expect(defers).toBeGreaterThan(0);
    expect((await readRow(page, '9030000.pl061'))!.liveDef).toBe(String(defers));

    // The console got every byte, and its header read the kernel version from the stream.
    const header = await page.textContent('[data-testid=terminal] .info');
    expect(header).toContain(/Linux version (\S+)/.exec(scenario.text)![1]!);
    await page.waitForFunction(
      (n) => /rx ([\d.]+) (B|KiB)/.test(document.querySelector('[data-testid=status]')?.textContent ?? '') && n > 0,
      scenario.log.length,
    );
    const rx = await page.textContent('[data-testid=status] .counters');
    expect(rx).toContain(`rx ${(scenario.log.length / 1024).toFixed(1)} KiB`);
  }, 120_000);

  it('predicts with the live command line; a what-if command line of its own re-predicts and highlights what differs', async () => {
    const { page } = wb;
    expect(await predicted(wb), 'the board shows predictions (engine/probe)').toBe(true);
    // The kernel under test never registered its SMMU driver (initcall_blacklist on its command line). The
    // app, as `bringup compare`, predicts with the command line the log printed: no IOMMU group, a match.
    const live = /Kernel command line: (.*)/.exec(scenario.text)![1]!.trim();
    expect(live).toContain('initcall_blacklist=arm_smmu_driver_init');
    await page.click('[data-testid=tab-what-if]');
    expect(await page.textContent('[data-testid=what-if] .cmdline')).toContain(`from the log: ${live}`);
    const before = (await readRow(page, '9030000.pl061'))!;
    expect(before.predGrp).toBe('–');
    expect(before.liveGrp).toBe('–');
    expect(before.verdict).toBe('match');

    // What if the kernel had booted without that blacklist? The panel's own command line replaces the log's:
    // the SMMU driver registers, the GPIO is predicted in a group the live boot never made.
    await page.fill('[data-testid=what-if] input[placeholder="key=value …"]', 'console=ttyAMA0');
    await page.press('[data-testid=what-if] input[placeholder="key=value …"]', 'Tab');
    await page.waitForFunction(() => {
      const input = document.querySelector<HTMLInputElement>('[data-testid=board-filter]');
      if (input && input.value !== '9030000.pl061') {
        input.value = '9030000.pl061';
        input.dispatchEvent(new Event('input'));
      }
      const grp = document.querySelector('.row[data-device="9030000.pl061"] [data-col=pred-grp]')?.textContent?.trim();
      return grp !== undefined && grp !== '–';
    });
    const after = (await readRow(page, '9030000.pl061'))!;
    expect(after.predGrp).not.toBe('–');
    expect(after.verdict).toBe('mismatch');
    expect(after.marked).toContain('live-grp');
    const chips = await summaryChips(page);
    expect(chips.mismatch).toBeGreaterThan(0);
    expect(await page.$eval('[data-testid=chip-mismatch]', (el) => el.classList.contains('hot'))).toBe(true);
    await page.screenshot({ path: screenshotPath('what-if.png') });
    await page.click('[data-testid=what-if-reset]');
    await page.click('[data-testid=tab-detail]');
  }, 60_000);

  it('shows a device in detail: facts side by side, the DT node with its properties, suppliers', async () => {
    const { page } = wb;
    await page.fill('[data-testid=board-filter]', '9030000.pl061');
    await page.click('.row[data-device="9030000.pl061"]');
    await page.fill('[data-testid=board-filter]', '');
    await page.waitForSelector('[data-testid=dt-props]');
    const props = await page.$$eval('[data-testid=dt-props] th', (ths) => ths.map((t) => t.textContent));
    // The lab DTS gives the GPIO a compatible, a reg and an iommus pointing at the SMMU.
    const dts = readFileSync(join(repoRoot, 'test', 'lab', 'boards', 'virt-gpio-iommu.dts'), 'utf8');
    expect(dts).toMatch(/pl061@9030000[\s\S]*?iommus/);
    expect(props).toEqual(expect.arrayContaining(['compatible', 'reg', 'iommus']));
    const suppliers = await page.$$eval('[data-testid=device-detail] .links > div:first-child .link', (els) => els.map((e) => e.textContent ?? ''));
    expect(suppliers.some((s) => s.includes('iommus') && s.includes('smmuv3'))).toBe(true);
    await page.screenshot({ path: screenshotPath('workbench.png') });
    await (await page.$('[data-testid=device-detail]'))!.screenshot({ path: screenshotPath('device-detail-lab.png') });
    await (await page.$('[data-testid=probe-board]'))!.screenshot({ path: screenshotPath('probe-board.png') });
    await (await page.$('[data-testid=timeline]'))!.screenshot({ path: screenshotPath('timeline.png') });
  }, 60_000);

  it('sends what is typed in the console to the board, and stamps lines with host time on demand', async () => {
    const { page } = wb;
    await page.click('[data-testid=terminal] .xterm-host');
    await page.keyboard.type('cat /proc/cmdline');
    await page.keyboard.press('Enter');
    const t0 = Date.now();
    while (!pty.received().toString().includes('cat /proc/cmdline\r') && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 50));
    expect(pty.received().toString()).toContain('cat /proc/cmdline\r');

    await page.click('[data-testid=timestamps]');
    await pty.play(new TextEncoder().encode('console=ttyAMA0 loglevel=8\r\n# '), 64, 0);
    await page.waitForFunction(() => /\[\d\d:\d\d:\d\d\.\d{3}\] console=ttyAMA0/.test(document.querySelector('[data-testid=terminal] .xterm-rows')?.textContent ?? ''));
    await (await page.$('[data-testid=terminal]'))!.screenshot({ path: screenshotPath('terminal.png') });
    await page.click('[data-testid=timestamps]');
  }, 30_000);

  it('shows hostile device names from the log as text and never runs them', async () => {
    const { page } = wb;
    const name = '<img/src=x/onerror=window.__pwned=1>';
    // (a fresh line first: the shell prompt of the previous test left one open)
    await pty.play(new TextEncoder().encode(`\r\n[   12.000001] platform ${name}: Added to deferred list\r\n`), 64, 0);
    await page.fill('[data-testid=board-filter]', 'onerror');
    await page.waitForSelector('[data-testid=probe-board] .row .c-name');
    const shown = await page.$$eval('[data-testid=probe-board] .row .c-name', (els) => els.map((e) => e.textContent));
    expect(shown).toContain(name);
    expect(await page.$$('[data-testid=probe-board] img')).toHaveLength(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.fill('[data-testid=board-filter]', '');
  }, 30_000);

  it('shows an unplug at once: the link goes lost/reconnecting and the console says so', async () => {
    const { page } = wb;
    await pty.close(); // socat gone: both pty ends vanish, as a USB adapter does on unplug
    // The loss is pushed by the line itself (no polling on the way), so it shows as soon as the page gets the event.
    await page.waitForSelector('[data-testid=status][data-state=lost], [data-testid=status][data-state=reconnecting]', { timeout: 10_000 });
    await page.waitForFunction(() => /── (lost|reconnecting) /.test(document.querySelector('[data-testid=terminal] .xterm-rows')?.textContent ?? ''));
    await (await page.$('[data-testid=connect-bar]'))!.screenshot({ path: screenshotPath('connect-bar-lost.png') });
    pty = await openPtyPair(); // a fresh line for what follows
  }, 30_000);

  it('lists ports with their details in the port picker', async () => {
    const { page } = wb;
    await page.click('[data-testid=connect]'); // disconnect
    await page.waitForSelector('[data-testid=status][data-state=disconnected]');
    await page.fill('[data-testid=target]', '');
    await page.click('[data-testid=port-picker]');
    await page.waitForSelector('[data-testid=port-list]');
    const listed = await wb.services.apiFor('check').listPorts();
    const items = await page.$$eval('[data-testid=port-list] .port-item', (els) => els.length);
    expect(items).toBe(listed.length);
    await (await page.$('[data-testid=connect-bar]'))!.screenshot({ path: screenshotPath('connect-bar.png') });
    await page.screenshot({ path: screenshotPath('port-picker.png'), clip: { x: 0, y: 0, width: 900, height: 420 } });
    await page.keyboard.press('Escape');
    expect(wb.browser.errors).toEqual([]);
  }, 30_000);
});
