// Two projects by speed. `unit` (`npm run test:unit`, the fast loop: under a minute on 2 cores, with two
// workers; `npm test` keeps vitest's one per project beside the system tests' QEMU) is everything that
// runs in-process or against small real parts (ptys, ser2net, dtc on a fixture). `system` boots QEMU,
// drives Chromium, walks a whole kernel corpus or sweeps exhaustively. `npm test` runs both.
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
  // exhaustive sweeps: every split of every lab log, thousands of fuzzed inputs, hundreds of cpp programs,
  // and CLIs spawned (and bundles rebuilt) over and over
  'test/engine/bootlog/streaming.test.ts',
  'test/engine/bootlog/robustness.test.ts',
  'test/engine/devicetree/robustness.test.ts',
  'test/engine/devicetree/preprocess/differential.test.ts',
  'test/cli/startup.test.ts',
  'test/sessions/cli.test.ts',
  'test/cli/compare-live.test.ts',
  // attacks that take seconds by design: slow clients against the host, runaway compiles in their worker
  'test/electron/host-limits.test.ts',
  'test/electron/compile-limits.test.ts',
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
