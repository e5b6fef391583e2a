// The README's first command, end to end: `?demo=1` opens the bundled demo board (resources/demo: a DTS
// and a real recorded boot played at its real pace through a virtual serial line), connects to its
// `demo:` target, and the side-by-side view fills in. Checked against the recording's own truth block
// (the lab /init's sysfs listing at the end of the same boot), and the live command line adopted by
// the what-if panel changes the prediction.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTruthBlock } from '../lab/truth';
import { readRow, waitForLiveState } from './support/board-page';
import { repoRoot } from './support/renderer-build';
import { openWorkbench, type Workbench } from './support/workbench';
import { screenshotPath } from '../support/screenshots';
import { requireSystem } from '../support/system';

requireSystem('socat', 'chromium');

const demoDir = join(repoRoot, 'resources', 'demo');

describe('demo board (no hardware)', () => {
  let wb: Workbench;

  beforeAll(async () => {
    wb = await openWorkbench({ query: '&demo=1' });
  }, 120_000);

  afterAll(async () => {
    await wb?.close();
  });

  it('opens the demo board, connects to its serial line and fills in live rows as the recording plays', async () => {
    expect(existsSync(join(demoDir, 'boot.typescript')), 'resources/demo is bundled').toBe(true);
    const { page } = wb;
    await page.waitForSelector('[data-testid=status][data-state=connected]', { timeout: 20_000 });
    expect(await page.inputValue('[data-testid=target]')).toMatch(/^demo:/);
    expect(await page.textContent('[data-testid=board-name]')).toMatch(/\.dts$/);
    const recording = readFileSync(join(demoDir, 'boot.typescript'), 'latin1');
    const truth = parseTruthBlock(recording)!.truth;
    const order = truth.bindOrder!;
    // Rows fill in while the recording plays at its real pace: the first bind shows before the last.
    await waitForLiveState(page, order[0]!, 'bound', 20_000);
    const early = await readRow(page, order[order.length - 1]!);
    expect(early?.liveState ?? '·').not.toBe('bound');
    await waitForLiveState(page, order[order.length - 1]!, 'bound', 60_000);
    for (const d of truth.devices.filter((x) => x.driver !== null)) {
      const row = await readRow(page, d.name);
      expect(row, d.name).not.toBeNull();
      expect(row!.liveState, d.name).toBe('bound');
      expect(row!.liveGrp, d.name).toBe(d.iommuGroup === null ? '–' : String(d.iommuGroup));
    }
    await page.screenshot({ path: screenshotPath('demo.png') });
    expect(wb.browser.errors).toEqual([]);
  }, 120_000);

  it('re-predicts with the command line the board booted with', async () => {
    const { page } = wb;
    await page.click('[data-testid=tab-what-if]');
    const live = /Kernel command line: (.*)/.exec(readFileSync(join(demoDir, 'boot.typescript'), 'latin1'))![1]!.trim();
    await page.waitForSelector('[data-testid=wi-use-live-cmdline]');
    // The recording ran with deferred_probe_timeout=6: fw-cfg (behind an IOMMU no driver matches) binds
    // when the timeout fires. With the live command line the predicted bind time moves to the live one.
    expect(live).toContain('deferred_probe_timeout=');
    const boundAt = async () => {
      await page.fill('[data-testid=board-filter]', '9020000.fw-cfg');
      // (a click on the selected row deselects it)
      if (!(await page.$('.row.sel[data-device="9020000.fw-cfg"]'))) await page.click('.row[data-device="9020000.fw-cfg"]');
      await page.fill('[data-testid=board-filter]', '');
      return page.$$eval('[data-testid=device-detail] tr[data-fact="bound at"] td', (tds) => tds.map((t) => Number(/[\d.]+/.exec(t.textContent ?? '')?.[0])));
    };
    expect(await page.textContent('[data-testid=what-if] .cmdline')).toContain('(kernel defaults)');
    await page.waitForTimeout(300);
    await page.click('[data-testid=tab-detail]');
    const [predBefore, liveAt] = await boundAt();
    await page.click('[data-testid=tab-what-if]');
    await page.click('[data-testid=wi-use-live-cmdline]');
    await page.waitForFunction((cmd) => (document.querySelector('[data-testid=what-if] .cmdline')?.textContent ?? '').includes(cmd), live.slice(0, 40));
    await page.waitForTimeout(300);
    await page.click('[data-testid=tab-detail]');
    const [predAfter] = await boundAt();
    expect(Number.isFinite(liveAt)).toBe(true);
    expect(Math.abs(predAfter! - liveAt!)).toBeLessThan(Math.abs(predBefore! - liveAt!));
    await (await page.$('[data-testid=device-detail]'))!.screenshot({ path: screenshotPath('device-detail-demo.png') });
    await page.click('[data-testid=tab-what-if]');
    await page.click('[data-testid=what-if-reset]');
    await (await page.$('[data-testid=what-if]'))!.screenshot({ path: screenshotPath('what-if-panel.png') });
  }, 60_000);
});
