// The lab view as the e2e tests drive it in Chromium: open a coordinator, and wait for a place to be
// held by someone (or free) as the view shows it.
import type { Page } from 'playwright-core';

const WAIT = { timeout: 60_000 };

/** Waits until the lab view shows `place` held by `held` (`''`: free). */
export async function waitForHeld(page: Page, place: string, held: string): Promise<void> {
  await page.waitForSelector(`[data-testid=lab-place][data-place="${place}"][data-held="${held}"]`, WAIT);
}

/** Opens the Lab panel on a coordinator and waits for it to be online with `place` listed free. */
export async function watchLab(page: Page, coordinator: string, place: string): Promise<void> {
  await page.click('[data-testid=tab-lab]');
  await page.fill('[data-testid=lab-coordinator]', coordinator);
  await page.click('[data-testid=lab-watch]');
  await waitForHeld(page, place, '');
  await page.waitForSelector('[data-testid=lab-status][data-online="true"]', WAIT);
}
