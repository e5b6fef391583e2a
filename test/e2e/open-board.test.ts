// Opening a board as people expect, in browser mode (Chromium): a .dts dropped from a file manager
// (its path in text/uri-list) opens; the app asks for the include folder its #include needs and opens
// it once given; a file the browser gives no path for (a drop from elsewhere, the file picker) is
// explained, not silently ignored; and the
// board is remembered across a reload (recent boards); a file it pulls in from outside its folders is flagged.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/lib/e2e/renderer-build';
import { openWorkbench, type Workbench } from '../../scripts/lib/e2e/workbench';
import { screenshotPath } from '../support/screenshots';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('chromium');

const fixtures = join(repoRoot, 'test', 'fixtures', 'dts', 'open-board');
const dts = join(fixtures, 'board', 'needs-include.dts');
const includeDir = join(fixtures, 'include');

/** A drop on the window as a file manager makes it: `text/uri-list` with file:// URIs, and/or File objects. */
async function drop(page: Page, uris: string[], files: string[] = []): Promise<void> {
  const dt = await page.evaluateHandle(
    ([u, f]) => {
      const d = new DataTransfer();
      if (u.length) d.setData('text/uri-list', u.join('\r\n'));
      for (const name of f) d.items.add(new File(['/dts-v1/; / { };'], name));
      return d;
    },
    [uris, files] as const,
  );
  await page.dispatchEvent('[data-testid=workbench]', 'dragover', { dataTransfer: dt });
  await page.dispatchEvent('[data-testid=workbench]', 'drop', { dataTransfer: dt });
}

describe('opening a board in browser mode', () => {
  let wb: Workbench;
  beforeAll(async () => {
    wb = await openWorkbench();
  }, 120_000);
  afterAll(async () => {
    await wb?.close();
  });

  it('drop a .dts, give the include folder it asks for, find it among the recent boards after a reload', async () => {
    const { page } = wb;
    // A file dragged from somewhere that gives no path: said so.
    await drop(page, [], ['board.dts']);
    expect(await page.textContent('[data-testid=drop-note]')).toContain('did not say where this file is');

    await drop(page, [`file://${dts.split('/').map(encodeURIComponent).join('/')}`]);
    await page.waitForSelector('[data-testid=include-ask]', { timeout: 20_000 });
    expect(await page.textContent('[data-testid=include-ask]')).toContain('dt-bindings/demo.h');
    expect(await page.inputValue('[data-testid=board-path]')).toBe(dts);
    await (await page.$('.board-form'))!.screenshot({ path: screenshotPath('open-board-include.png') });
    await page.fill('[data-testid=board-includes]', includeDir);
    await page.click('[data-testid=board-open]');
    await page.waitForSelector('.board-form', { state: 'detached', timeout: 20_000 });
    expect(await page.textContent('[data-testid=board-name]')).toBe('needs-include.dts');
    await page.waitForSelector('[data-testid=probe-board] .row[data-device="9000000.serial"]', { timeout: 20_000 });

    // The picker: Electron's preload says where a picked file lies; a browser never does, and the app says so.
    await page.click('[data-testid=open-board]');
    await page.setInputFiles('[data-testid=board-pick]', dts);
    expect(await page.textContent('[data-testid=pick-note]')).toContain('does not say where needs-include.dts is');
    await page.click('[data-testid=open-board]');

    await page.reload();
    await page.waitForSelector('[data-testid=probe-board]');
    await page.click('[data-testid=open-board]');
    const recent = await page.waitForSelector('[data-testid=recent-boards] button');
    expect(await recent.getAttribute('title')).toBe(dts);
    await recent.click();
    await page.waitForSelector('.board-form', { state: 'detached', timeout: 20_000 });
    expect(await page.textContent('[data-testid=board-name]')).toBe('needs-include.dts');
    expect(wb.browser.errors).toEqual([]);
  }, 90_000);

  it('flags a file the board pulled in from outside its folders, naming it and its hash', async () => {
    const { page } = wb;
    const boardDir = mkdtempSync(join(tmpdir(), 'bringup-e2e-board-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'bringup-e2e-elsewhere-'));
    const secret = join(elsewhere, 'secret.dtsi');
    writeFileSync(secret, '/ { model = "pulled in from elsewhere"; };\n');
    const board = join(boardDir, 'outside.dts');
    writeFileSync(board, `/dts-v1/;\n/ { compatible = "linux,dummy-virt"; #address-cells = <2>; #size-cells = <2>; };\n/include/ "${secret}"\n`);
    try {
      expect(await page.$('[data-testid=outside-files]')).toBeNull();
      await drop(page, [`file://${board.split('/').map(encodeURIComponent).join('/')}`]); // it opens at once: nothing is missing
      const chip = await page.waitForSelector('[data-testid=outside-files]', { timeout: 20_000 });
      expect(await chip.textContent()).toContain('1 file from outside its folders');
      const title = (await chip.getAttribute('title')) ?? '';
      expect(title).toContain(`${secret}  sha256 ${createHash('sha256').update(readFileSync(secret)).digest('hex').slice(0, 16)}`);
      expect(title).not.toContain(board); // the board's own file is inside its folder
      await (await page.$('[data-testid=probe-board] .panel-head'))!.screenshot({ path: screenshotPath('outside-files.png') });
      expect(wb.browser.errors).toEqual([]);
    } finally {
      rmSync(boardDir, { recursive: true, force: true });
      rmSync(elsewhere, { recursive: true, force: true });
    }
  }, 90_000);
});
