// Lint, and the import fences of ../shared/STYLE.md as rules: the engine imports no Node, Electron or
// DOM-side library and reaches other engine folders only through their index; services and the
// browser-mode host never import Electron; the renderer takes only types from the main side, apart
// from the pure electron/common; the CLI stays off Electron, the Electron adapter and the renderer;
// scripts and benches never import test code (what they share with the tests is in scripts/lib/).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const uiLibraries = ['@xterm/*', '@vitejs/*'];
const uiPackages = ['vue', 'pinia', 'electron', 'serialport', 'ws', 'vite'];

const fence = (message, patterns, { allowTypeImports = false, names = [], regex } = {}) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      paths: names.map((name) => ({ name, message, allowTypeImports })),
      patterns: [
        ...(patterns.length ? [{ group: patterns, message, allowTypeImports }] : []),
        ...(regex ? [{ regex, message, allowTypeImports }] : []),
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', '.cache/**', 'test/fixtures/**', 'resources/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Console text is full of control bytes (ANSI, BEL, NUL); the parsers match them on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['engine/**/*.ts'],
    languageOptions: { globals: {} },
    rules: fence(
      'engine/ is pure TypeScript: no Node, Electron, DOM-side library, and other engine folders only through their index',
      [...uiLibraries, '**/electron/**', '**/renderer/**', '**/cli/**', '**/test/**'],
      // `../probe/dd` reaches past probe's index; `../lex` (a sibling in the same folder) does not.
      { names: [...nodeBuiltins, ...uiPackages], regex: '^(\\.\\./)+[^./][^/]*/(?!index$)[^/]+' },
    ),
  },
  {
    files: ['electron/common/**/*.ts'],
    rules: fence('electron/common is pure: importable by the renderer', [...uiLibraries, '../services/**', '../main/**', '../host/**', '../preload/**'], { names: [...nodeBuiltins, ...uiPackages] }),
  },
  {
    files: ['electron/services/**/*.ts', 'electron/host/**/*.ts'],
    rules: fence('services and the browser-mode host are plain Node: never Electron', ['**/electron/main/**', '**/electron/preload/**', '**/renderer/**'], { names: ['electron'] }),
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: fence(
      'the renderer takes only types from the main side (runtime values only from electron/common)',
      ['**/electron/services', '**/electron/services/**', '**/electron/main', '**/electron/main/**', '**/electron/host', '**/electron/host/**', '**/electron/preload', '**/electron/preload/**', '**/cli', '**/cli/**'],
      { allowTypeImports: true, names: [...nodeBuiltins, 'electron', 'serialport', 'ws'] },
    ),
  },
  {
    files: ['cli/**/*.ts'],
    // The CLI may use the plain-Node services (the labgrid client, the serial transports) as the host does.
    rules: fence('the CLI is Node over the engine and the plain-Node services: no Electron, no renderer', ['@xterm/*', '**/electron/main', '**/electron/main/**', '**/electron/preload', '**/electron/preload/**', '**/electron/host', '**/electron/host/**', '**/renderer', '**/renderer/**'], { names: ['electron', 'vue', 'pinia'] }),
  },
  {
    files: ['scripts/**/*.ts', 'scripts/**/*.mjs', 'bench/**/*.ts'],
    rules: fence('scripts/ and bench/ do not import test code: what they share with the tests lives in scripts/lib/', ['**/test', '**/test/**']),
  },
);
