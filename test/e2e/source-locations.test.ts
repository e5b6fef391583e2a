// Source locations across every boundary, as a user meets them: on the demo board, a device's detail
// names its node and each property by `board.dts:LINE` (the tree reached the renderer with its spans,
// engine/devicetree treeFromJson), each why-chain step names the DTS line that caused it, and clicking
// one shows that part of the source, read-only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/lib/e2e/renderer-build';
import { openWorkbench, type Workbench } from '../../scripts/lib/e2e/workbench';
import { screenshotPath } from '../support/screenshots';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('socat', 'chromium');

const dts = readFileSync(join(repoRoot, 'resources', 'demo', 'board.dts'), 'utf8').split('\n');
/** The 1-based line of the first source line matching `re` after line `after`. */
const lineOf = (re: RegExp, after = 0) => dts.findIndex((l, i) => i >= after && re.test(l)) + 1;

describe('source locations in the app (demo board)', () => {
  let wb: Workbench;

  beforeAll(async () => {
    wb = await openWorkbench({ query: '&demo=1' });
  }, 120_000);

  afterAll(async () => {
    await wb?.close();
  });

  it('shows board.dts:LINE for the node, its properties and the why chain, and the source on click', async () => {
    const { page } = wb;
    await page.waitForSelector('[data-testid=probe-board] .row[data-device="9020000.fw-cfg"]', { timeout: 30_000 });
    await page.fill('[data-testid=board-filter]', '9020000.fw-cfg');
    await page.click('.row[data-device="9020000.fw-cfg"]');
    await page.click('[data-testid=tab-detail]');
    const nodeLine = lineOf(/^\s*fw-cfg@9020000 \{/);
    const iommusLine = lineOf(/^\s*iommus = <&demo_iommu/);
    expect(nodeLine).toBeGreaterThan(0);
    expect(iommusLine).toBeGreaterThan(nodeLine);
    await page.waitForSelector('[data-testid=node-loc]', { timeout: 10_000 });
    expect(await page.textContent('[data-testid=node-loc]')).toBe(`board.dts:${nodeLine}`);
    expect((await page.textContent('[data-testid=dt-props] tr[data-prop=iommus] [data-testid=loc]'))?.trim()).toBe(`board.dts:${iommusLine}`);
    expect((await page.textContent(`[data-testid=dt-props] tr[data-prop=compatible] [data-testid=loc]`))?.trim()).toMatch(/^board\.dts:\d+$/);

    // The why chain: fw-cfg went without its IOMMU; the step names the `iommus` property that made the link.
    const steps = await page.$$eval('[data-testid=why-chain] li', (lis) => lis.map((li) => ({ text: li.textContent ?? '', loc: li.querySelector('[data-testid=loc]')?.textContent?.trim() ?? null })));
    expect(steps.length).toBeGreaterThan(1);
    for (const s of steps) expect(s.loc, s.text).toMatch(/^board\.dts:\d+$/);
    const iommuStep = steps.findIndex((s) => s.loc === `board.dts:${iommusLine}`);
    expect(iommuStep, JSON.stringify(steps)).toBeGreaterThanOrEqual(0);
    await page.click(`[data-testid=why-chain] li >> nth=${iommuStep} >> [data-testid=loc]`);
    const excerpt = await page.waitForSelector('[data-testid=why-chain] [data-testid=source-excerpt]', { timeout: 5000 });
    const hit = await excerpt.$$eval('.line.hit', (ls) => ls.map((l) => [l.getAttribute('data-line'), l.textContent ?? '']));
    expect(hit).toEqual([[String(iommusLine), `${iommusLine}${dts[iommusLine - 1]}`]]);
    expect(await excerpt.textContent()).toContain(dts[iommusLine - 2]!.trim());
    await (await page.$('[data-testid=device-detail]'))!.screenshot({ path: screenshotPath('device-detail.png') });

    // The node's own location opens its whole definition.
    await page.click('[data-testid=node-loc]');
    const nodeHits = await page.$$eval('[data-testid=device-detail] > [data-testid=source-excerpt] .line.hit', (ls) => ls.map((l) => Number(l.getAttribute('data-line'))));
    expect(nodeHits[0]).toBe(nodeLine);
    expect(nodeHits.length).toBeGreaterThan(2);
    expect(wb.browser.errors).toEqual([]);
  }, 90_000);
});
