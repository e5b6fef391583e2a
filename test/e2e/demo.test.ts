// The README's first command, end to end: `?demo=1` opens the bundled demo board (resources/demo: a DTS
// and a real recorded boot played at its real pace through a virtual serial line), connects to its
// `demo:` target, and the side-by-side view fills in. Checked against the recording's truth (the lab
// /init's sysfs listing at the end of the same boot, kept beside the recording in
// test/fixtures/demo/boot.truth.json since the recording shows only what a board prints), and the
// prediction takes the live command line and module load times, as `bringup compare` does.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TruthBlock } from '../../scripts/lib/lab/truth';
import { readRow, waitForLiveState } from '../support/board-page';
import { repoRoot } from '../../scripts/lib/e2e/renderer-build';
import { openWorkbench, type Workbench } from '../../scripts/lib/e2e/workbench';
import { screenshotPath } from '../support/screenshots';
import { requireSystem } from '../../scripts/lib/system';

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
    expect(recording).not.toMatch(/LAB:|@@LAB-/);
    const truth = (JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'demo', 'boot.truth.json'), 'utf8')) as { truth: TruthBlock }).truth.truth;
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
    // Once the boot has ended the header holds `ended: …` too. In a narrow window each chip stays on one
    // line, going on to a second row whole, rather than breaking its words inside its border.
    await page.waitForSelector('[data-testid=boot-ended]', { timeout: 30_000 });
    const size = page.viewportSize()!;
    await page.setViewportSize({ width: 1000, height: size.height });
    const broken = await page.$$eval('.chips .chip', (chips) => chips.filter((c) => c.scrollHeight > c.clientHeight + 1).map((c) => c.textContent?.trim()));
    expect(broken, 'chips whose words wrap').toEqual([]);
    await page.setViewportSize(size);
    await page.screenshot({ path: screenshotPath('demo.png') });
    expect(wb.browser.errors).toEqual([]);
  }, 120_000);

  it('predicts with the command line and the module load times the board booted with', async () => {
    const { page } = wb;
    const live = /Kernel command line: (.*)/.exec(readFileSync(join(demoDir, 'boot.typescript'), 'latin1'))![1]!.trim();
    // The recording ran with deferred_probe_timeout=6 and /init loaded qemu_fw_cfg: fw-cfg (behind an IOMMU
    // no driver matches) binds when the timeout fires, 6 s after the module's driver registered. The app,
    // as `bringup compare`, takes both from the log, so the predicted bind lands where the kernel's did.
    expect(live).toContain('deferred_probe_timeout=');
    await page.click('[data-testid=tab-what-if]');
    await page.waitForFunction((cmd) => (document.querySelector('[data-testid=what-if] .cmdline')?.textContent ?? '').includes(cmd), `from the log: ${live.slice(0, 40)}`);
    const firstFwCfg = /\[\s*(\d+\.\d+)\] .*with driver fw_cfg/.exec(readFileSync(join(demoDir, 'boot.typescript'), 'latin1'))![1]!;
    expect(await page.textContent('[data-testid=wi-modules-from-log]')).toContain(`qemu_fw_cfg@${Number(firstFwCfg)}`);
    await page.click('[data-testid=tab-detail]');
    await page.fill('[data-testid=board-filter]', '9020000.fw-cfg');
    if (!(await page.$('.row.sel[data-device="9020000.fw-cfg"]'))) await page.click('.row[data-device="9020000.fw-cfg"]');
    await page.fill('[data-testid=board-filter]', '');
    const [predicted, liveAt] = await page.$$eval('[data-testid=device-detail] tr[data-fact="bound at"] td', (tds) => tds.map((t) => Number(/[\d.]+/.exec(t.textContent ?? '')?.[0])));
    expect(Number.isFinite(liveAt)).toBe(true);
    expect(Math.abs(predicted! - liveAt!)).toBeLessThan(0.1);
    await (await page.$('[data-testid=device-detail]'))!.screenshot({ path: screenshotPath('device-detail-demo.png') });
    await page.click('[data-testid=tab-what-if]');
    await (await page.$('[data-testid=what-if]'))!.screenshot({ path: screenshotPath('what-if-panel.png') });
  }, 60_000);
});
