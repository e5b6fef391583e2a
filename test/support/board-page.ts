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

/** What the probe board and the console header in front say at one moment. */
export interface BoardState {
  /** The boot the console header counts (1 for the first; 0 before any kernel line). */
  boot: number;
  lines: number;
  devices: number;
  match: number;
  mismatch: number;
  pending: number;
  /** The board's "ended: …" chip (why the verdicts are final), null while the boot runs. */
  ended: string | null;
  /** Rows on screen whose live side has a state (not the pending dot, not the dash). */
  liveRows: number;
}

/**
 * Records every state the probe board and the console header go through, from now on: a MutationObserver
 * takes a BoardState after each DOM change Vue commits there, so a state that lasted a single render (a
 * boot streaming fast on an idle machine) is not missed, and a slow one is not sampled either. Read the
 * history with boardStates().
 */
export async function recordBoardStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __boardStates?: unknown[] };
    if (w.__boardStates) return;
    const states: unknown[] = [];
    w.__boardStates = states;
    const num = (label: string) => {
      for (const c of document.querySelectorAll('[data-testid=probe-board] .chip')) {
        const text = (c.textContent ?? '').trim();
        const m = /^(\d+)\s+(.*)$/.exec(text);
        if (m && m[2] === label) return Number(m[1]);
      }
      return -1;
    };
    let last = '';
    const take = () => {
      const info = document.querySelector('[data-testid=terminal] .info')?.textContent ?? '';
      const lines = /(\d+) lines/.exec(info);
      const boot = /boot (\d+)/.exec(info);
      const live = [...document.querySelectorAll('[data-testid=probe-board] .row [data-col=live-state]')].filter((c) => !['', '·', '—'].includes(c.textContent?.trim() ?? '')).length;
      const s = {
        boot: boot ? Number(boot[1]) : lines && /\[\s*\d+\.\d+\]/.test(info) ? 1 : 0,
        lines: lines ? Number(lines[1]) : 0,
        devices: num('devices'),
        match: num('match'),
        mismatch: num('mismatch'),
        pending: num('pending'),
        ended: document.querySelector('[data-testid=boot-ended]')?.textContent?.trim() ?? null,
        liveRows: live,
      };
      const key = JSON.stringify(s);
      if (key !== last) {
        last = key;
        states.push(s);
      }
    };
    const observer = new MutationObserver(take);
    const watch = (el: Element | null) => el && observer.observe(el, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-testid'] });
    watch(document.querySelector('[data-testid=probe-board]'));
    // The console headers (their boot summary) come and go with tabs: watch the deck, not a pane.
    watch(document.querySelector('[data-testid=console-tabs]')?.parentElement ?? null);
    take();
  });
}

/** Every BoardState recorded since recordBoardStates(), oldest first. */
export function boardStates(page: Page): Promise<BoardState[]> {
  return page.evaluate(() => ((window as unknown as { __boardStates?: BoardState[] }).__boardStates ?? []).slice());
}
