// Where the end-to-end tests save what the user sees. Every run saves them (look at them after a change);
// only `BRINGUP_SCREENSHOTS=docs` writes the committed ones in docs/screenshots, so a test run leaves
// the work tree clean.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const repoRoot = join(import.meta.dirname, '..', '..');

export function screenshotPath(name: string): string {
  const dir = process.env.BRINGUP_SCREENSHOTS === 'docs' ? join(repoRoot, 'docs', 'screenshots') : join(repoRoot, '.cache', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
