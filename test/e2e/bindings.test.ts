// Binding findings in the app, end to end with the real dt-validate: a board whose nodes break their
// bindings opens at once, the services check it in the background and push the findings; the probe board
// counts them, the device detail lists each with its DTS file:line (the include chain for a .dtsi) and
// opens the source there, the why chain of a device that found no driver ends with its unmatched
// compatible, and our own `iommus` cell count is labelled as not dtschema's. A recording session then
// carries the findings into its JSON and HTML exports.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/lib/e2e/renderer-build';
import { connectTo, openBoard, openPtyPair, openWorkbench, type Workbench } from '../../scripts/lib/e2e/workbench';
import { screenshotPath } from '../support/screenshots';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('chromium', 'bindings', 'linux-source-6.1');

const fixtures = join(repoRoot, 'test', 'fixtures', 'dts', 'bindings');
const dts = join(fixtures, 'bad-bindings.dts');
const lineIn = (file: string, re: RegExp) => readFileSync(join(fixtures, file), 'utf8').split('\n').findIndex((l) => re.test(l)) + 1;

/** The detail of one device, as a user reaches it: filter, click the row, the detail tab. */
async function detailOf(page: Page, device: string): Promise<void> {
  await page.fill('[data-testid=board-filter]', device);
  await page.click(`.row[data-device="${device}"]`);
  await page.click('[data-testid=tab-detail]');
  await page.waitForSelector(`[data-testid=device-detail] .name:text-is("${device}")`);
}

const findings = (page: Page) =>
  page.$$eval('[data-testid=binding-finding]', (lis) =>
    lis.map((li) => ({ text: li.querySelector('.text')?.textContent ?? '', loc: li.querySelector('[data-testid=loc]')?.textContent?.trim() ?? null, own: li.getAttribute('data-own') })),
  );

describe('binding findings in the app', () => {
  let wb: Workbench;

  beforeAll(async () => {
    wb = await openWorkbench({ bindings: true, record: true });
  }, 120_000);

  afterAll(async () => {
    await wb?.close();
  });

  it('counts them on the probe board and shows each in the device detail at its file:line', async () => {
    const { page } = wb;
    await openBoard(page, dts);
    // The board is usable before the check ends: its rows are there while dt-validate runs.
    await page.waitForSelector('.row[data-device="9000000.serial"]', { timeout: 30_000 });
    // A cold schema cache is minutes of dt-mk-schema on a loaded machine; a warm one, seconds.
    await page.waitForSelector('[data-testid=binding-count] b', { timeout: 540_000 });
    // 3 dt-validate errors and 1 warning (test/bindings/cli.test.ts counts the same), and our iommus finding
    expect((await page.textContent('[data-testid=binding-count]'))?.trim()).toBe('5 binding findings');
    expect(await page.getAttribute('.row[data-device="9000000.serial"] .c-name', 'data-bindings')).toBe('1');
    expect(await page.getAttribute('.row[data-device="9050000.iommu"] .c-name', 'data-bindings')).toBeNull();
    await (await page.$('[data-testid=probe-board]'))!.screenshot({ path: screenshotPath('probe-board-bindings.png') });

    // A missing required property, in the .dtsi, named with the line that included it.
    const uartLine = lineIn('bad-bindings.dtsi', /^\s*uart0: serial@9000000 \{/);
    const includeLine = lineIn('bad-bindings.dts', /#include "bad-bindings\.dtsi"/);
    await detailOf(page, '9000000.serial');
    await page.waitForSelector('[data-testid=binding-finding]');
    expect(await findings(page)).toEqual([
      { text: 'binding: missing required property `interrupts` or `interrupts-extended`', loc: `bad-bindings.dtsi:${uartLine} ← bad-bindings.dts:${includeLine}`, own: 'dtschema' },
    ]);
    expect(await page.textContent('[data-testid=binding-status]')).toMatch(/^checked with dtschema 2026\.9 against Linux 6\.1\.\d+$/);
    // The location opens the source there, like every other location in the detail.
    await page.click('[data-testid=binding-finding] [data-testid=loc]');
    const excerpt = await page.waitForSelector('[data-testid=binding-finding] [data-testid=source-excerpt]', { timeout: 5000 });
    const hits = await excerpt.$$eval('.line.hit', (ls) => ls.map((l) => Number(l.getAttribute('data-line'))));
    expect(hits[0]).toBe(uartLine);
    expect(await excerpt.textContent()).toContain('compatible = "arm,pl011", "arm,primecell";');
    await (await page.$('[data-testid=device-detail]'))!.screenshot({ path: screenshotPath('device-detail-bindings.png') });

    // No driver matches the misspelt compatible, and no schema does: the why chain ends with that finding.
    await detailOf(page, '9200000.gpio');
    await page.waitForSelector('[data-testid=why-binding]');
    const steps = await page.$$eval('[data-testid=why-chain] li', (lis) =>
      lis.map((li) => [li.getAttribute('data-testid'), li.querySelector('.subj')?.textContent, li.querySelector('.text')?.textContent, li.querySelector('[data-testid=loc]')?.textContent?.trim()]),
    );
    expect(steps.length).toBeGreaterThan(1);
    await (await page.$('[data-testid=device-detail]'))!.screenshot({ path: screenshotPath('why-chain-binding.png') });
    expect(steps[steps.length - 1]).toEqual(['why-binding', '/gpio@9200000', "binding: no schema matches compatible 'arm,pl06l'", `bad-bindings.dts:${lineIn('bad-bindings.dts', /^\s*gpio@9200000 \{/)}`]);

    // dtschema's finding and ours side by side; ours says it is ours. The DMA controller bound, so its
    // why chain has no binding step.
    await detailOf(page, '9100000.dma-controller');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=binding-finding]').length === 2);
    const dma = await findings(page);
    expect(dma[0]).toMatchObject({ own: 'dtschema', loc: `bad-bindings.dts:${lineIn('bad-bindings.dts', /^\s*dma-coherent = /)}` });
    expect(dma[0]!.text).toMatch(/^binding: `dma-coherent`: /);
    expect(dma[1]).toEqual({
      own: 'bringup',
      loc: `bad-bindings.dts:${lineIn('bad-bindings.dts', /^\s*iommus = </)}`,
      text: 'binding: `iommus` has the wrong number of cells: /iommu@9050000 has #iommu-cells = <1>, so cell 3 (0x20) should be the next IOMMU\'s phandle, and no node has that phandle (bringup check, not dtschema)',
    });
    expect(await page.$$('[data-testid=why-binding]')).toEqual([]);
    expect(wb.browser.errors).toEqual([]);
  }, 600_000);

  it("a recording session's JSON and HTML exports carry the findings", async () => {
    const { page, services } = wb;
    const pty = await openPtyPair();
    try {
      await connectTo(page, pty.appPath);
      const api = services.apiFor('bindings-test');
      const [session] = await api.listSessions();
      // The app annotates the session with the findings once it knows its id, and with the comparison
      // (the verdicts) within seconds of connecting.
      type Exported = { bindings: { status: { kind: string }; findings: { nodePath: string; span?: { line: number } }[] } | null; verdicts: { name: string; bindings?: string[] }[] };
      const exportJson = async () => JSON.parse((await api.exportSession({ sessionId: session!.sessionId, format: 'json' })).content!) as Exported;
      let json = await exportJson();
      for (let i = 0; i < 150 && !(json.bindings && json.verdicts.length); i++) {
        await new Promise((r) => setTimeout(r, 200));
        json = await exportJson();
      }
      expect(json.bindings?.status.kind).toBe('checked');
      expect(json.bindings!.findings).toHaveLength(5);
      expect(json.bindings!.findings.find((f) => f.nodePath === '/serial@9000000')?.span?.line).toBe(lineIn('bad-bindings.dtsi', /^\s*uart0: serial@9000000 \{/));
      expect(json.verdicts.find((v) => v.name === '9200000.gpio')?.bindings).toEqual(["binding: no schema matches compatible 'arm,pl06l'"]);
      const html = (await api.exportSession({ sessionId: session!.sessionId, format: 'html' })).content!;
      const section = /<section id="bindings">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
      expect(section).toContain(`${join(fixtures, 'bad-bindings.dtsi')}:${lineIn('bad-bindings.dtsi', /^\s*uart0: serial@9000000 \{/)}.`);
      expect(section).toContain('bringup check, not dtschema');
    } finally {
      await pty.close();
    }
  }, 120_000);
});
