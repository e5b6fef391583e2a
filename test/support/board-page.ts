// Reading the probe board the way an engineer does: filter to a device, read its row. The board is
// virtualized, so a row exists in the DOM only while it is in view; the filter brings it there.
import type { Page } from 'playwright-core';

export interface RowView {
  verdict: string;
  predState: string;
  predGrp: string;
  predDef: string;
  predOrd: string;
  liveState: string;
  liveGrp: string;
  liveDef: string;
  liveOrd: string;
  /** data-col names of live cells marked as differing. */
  marked: string[];
  note: string;
}

export async function readRow(page: Page, device: string): Promise<RowView | null> {
  await page.fill('[data-testid=board-filter]', device);
  const sel = `[data-testid=probe-board] .row[data-device="${device}"]`;
  try {
    await page.waitForSelector(sel, { timeout: 3000 });
  } catch {
    await page.fill('[data-testid=board-filter]', '');
    return null;
  }
  const row = await page.$eval(sel, (el) => {
    const cell = (c: string) => el.querySelector(`[data-col=${c}]`)?.textContent?.trim() ?? '';
    return {
      verdict: el.getAttribute('data-verdict') ?? '',
      predState: cell('pred-state'),
      predGrp: cell('pred-grp'),
      predDef: cell('pred-def'),
      predOrd: cell('pred-ord'),
      liveState: cell('live-state'),
      liveGrp: cell('live-grp'),
      liveDef: cell('live-def'),
      liveOrd: cell('live-ord'),
      marked: [...el.querySelectorAll('.d')].map((d) => d.getAttribute('data-col') ?? ''),
      note: el.querySelector('.c-note')?.textContent?.trim() ?? '',
    };
  });
  await page.fill('[data-testid=board-filter]', '');
  return row;
}

/** Waits until the board's live side says `state` for a device (rows fill in as the log streams). */
export async function waitForLiveState(page: Page, device: string, state: string, timeout = 20_000): Promise<void> {
  await page.waitForFunction(
    ([d, s]) => {
      const input = document.querySelector<HTMLInputElement>('[data-testid=board-filter]');
      if (input && input.value !== d) {
        input.value = d!;
        input.dispatchEvent(new Event('input'));
        return false;
      }
      const cell = document.querySelector(`[data-testid=probe-board] .row[data-device="${d}"] [data-col=live-state]`);
      return cell?.textContent?.trim() === s;
    },
    [device, state] as const,
    { timeout, polling: 100 },
  );
  await page.fill('[data-testid=board-filter]', '');
}

export async function summaryChips(page: Page): Promise<Record<string, number>> {
  return page.$$eval('[data-testid=probe-board] .chip', (chips) => {
    const out: Record<string, number> = {};
    for (const c of chips) {
      const n = Number(c.querySelector('b')?.textContent ?? NaN);
      const label = (c.textContent ?? '').replace(/^\s*\d+\s*/, '').trim();
      if (Number.isFinite(n)) out[label] = n;
    }
    return out;
  });
}
