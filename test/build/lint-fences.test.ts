// The import fences of ../shared/STYLE.md, as the linter keeps them (eslint.config.js): each fence
// refuses an import that crosses it and lets the allowed neighbour through.
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function fenceMessages(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: join(root, file) });
  return r!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

const cases: { file: string; code: string; refused: boolean }[] = [
  { file: 'engine/probe/x.ts', code: "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;", refused: true },
  { file: 'engine/probe/x.ts', code: "import { readFileSync } from 'fs';\nexport const x = readFileSync;", refused: true },
  { file: 'engine/probe/x.ts', code: "import { ref } from 'vue';\nexport const x = ref;", refused: true },
  { file: 'engine/probe/x.ts', code: "import { parse } from '../devicetree/parse';\nexport const x = parse;", refused: true },
  { file: 'engine/probe/x.ts', code: "import { loadDeviceTree } from '../devicetree';\nexport const x = loadDeviceTree;", refused: false },
  { file: 'engine/probe/x.ts', code: "import { simulate } from './simulate';\nexport const x = simulate;", refused: false },
  { file: 'engine/devicetree/preprocess/x.ts', code: "import type { Diagnostic } from '../../common';\nexport type X = Diagnostic;", refused: false },
  { file: 'engine/devicetree/preprocess/x.ts', code: "import type { Diagnostic } from '../../common/diagnostics';\nexport type X = Diagnostic;", refused: true },
  { file: 'engine/session/x.ts', code: "import { gzipSync } from 'fflate';\nexport const x = gzipSync;", refused: false },
  { file: 'electron/services/x.ts', code: "import { app } from 'electron';\nexport const x = app;", refused: true },
  { file: 'electron/host/x.ts', code: "import { app } from 'electron';\nexport const x = app;", refused: true },
  { file: 'electron/services/x.ts', code: "import { createServer } from 'node:net';\nexport const x = createServer;", refused: false },
  { file: 'electron/common/x.ts', code: "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;", refused: true },
  { file: 'renderer/src/x.ts', code: "import { createWorkbenchServices } from '../../electron/services';\nexport const x = createWorkbenchServices;", refused: true },
  { file: 'renderer/src/x.ts', code: "import type { WorkbenchServices } from '../../electron/services';\nexport type X = WorkbenchServices;", refused: false },
  { file: 'renderer/src/x.ts', code: "import { API_METHODS } from '../../electron/common/contract';\nexport const x = API_METHODS;", refused: false },
  { file: 'renderer/src/x.ts', code: "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;", refused: true },
  { file: 'cli/x.ts', code: "import { app } from 'electron';\nexport const x = app;", refused: true },
  { file: 'cli/x.ts', code: "import { startHost } from '../electron/host/server';\nexport const x = startHost;", refused: true },
  { file: 'cli/x.ts', code: "import { findLabgrid } from '../electron/services/labgrid/installation';\nexport const x = findLabgrid;", refused: false },
  { file: 'scripts/lab/x.ts', code: "import { labDir } from '../../test/lab/board';\nexport const x = labDir;", refused: true },
  { file: 'bench/x.bench.ts', code: "import { cacheDir } from '../test/support/system';\nexport const x = cacheDir;", refused: true },
  { file: 'scripts/x.mjs', code: "import { rows } from '../test/support/cpp-compare';\nexport const x = rows;", refused: true },
  { file: 'bench/x.bench.ts', code: "import { cacheDir } from '../scripts/lib/system';\nexport const x = cacheDir;", refused: false },
  { file: 'test/lab/x.ts', code: "import { labDir } from '../../scripts/lib/lab/board';\nexport const x = labDir;", refused: false },
];

describe('import fences (eslint.config.js)', () => {
  for (const c of cases) {
    it(`${c.refused ? 'refuses' : 'allows'} in ${c.file}: ${c.code.split('\n')[0]}`, async () => {
      const messages = await fenceMessages(c.file, c.code);
      if (c.refused) expect(messages.length, 'an import across the fence').toBeGreaterThan(0);
      else expect(messages).toEqual([]);
    }, 60_000);
  }
});
