// electron-vite: three builds into out/. main (ESM, Node services and the board compile's worker
// entry; serialport and ws stay external as native/CommonJS deps), preload (one CommonJS file: a sandboxed preload can only
// require('electron')), renderer (root renderer/, entry renderer/index.html; the browser-mode host
// serves the same out/renderer).
import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

// This file lives in build/; every path below is from the repository root.
const root = resolve(import.meta.dirname, '..');

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // The board compile's worker thread (electron/services/board.ts finds it beside index.js).
      // Their shared chunk stays in out/main too: board.ts looks for the worker beside its own file.
      rolldownOptions: {
        input: { index: resolve(root, 'electron/main/index.ts'), 'board-worker': resolve(root, 'electron/services/board-worker.ts') },
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [vue()],
    worker: { format: 'es' },
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      rolldownOptions: { input: { index: resolve(root, 'renderer/index.html') } },
    },
  },
});
