// Two projects by speed. `unit` (seconds; `npm run test:unit` is the fast loop) is everything that runs
// in-process or against small real parts (ptys, ser2net, dtc on a fixture). `system` boots QEMU, drives
// Chromium or walks a whole kernel corpus. `npm test` runs both.
import { defineConfig } from 'vitest/config';

const system = [
  'test/corpus/**/*.test.ts',
  'test/lab/**/*.test.ts',
  'test/e2e/**/*.test.ts',
  // labgrid's coordinator, exporter and ser2net
  'test/labgrid/**/*.test.ts',
  // the real dt-validate over kernel boards
  'test/bindings/**/*.test.ts',
  // Chromium
  'test/electron/browser-security.test.ts',
  'test/sessions/report.test.ts',
  // cpp over 210 kernel boards; the electronegativity scanner over the Electron code; a recorder killed mid-write, over and over
  'test/engine/devicetree/preprocess/against-cpp.test.ts',
  'test/electron/electronegativity.test.ts',
  'test/sessions/crash.test.ts',
];

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 300_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: system } },
      { extends: true, test: { name: 'system', include: system } },
    ],
  },
});
