// The UI side of the engine worker: one Worker per window, typed messages both ways.
import type { FromWorker, ToWorker } from './protocol';

export interface EngineClient {
  post(msg: ToWorker): void;
  onMessage(listener: (msg: FromWorker) => void): () => void;
  terminate(): void;
}

export function createEngineClient(): EngineClient {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' });
  const listeners = new Set<(msg: FromWorker) => void>();
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    for (const l of listeners) l(e.data);
  };
  worker.onerror = (e) => {
    for (const l of listeners) l({ type: 'error', tab: null, message: `engine worker: ${e.message}` });
  };
  return {
    post(msg) {
      // Never transfer: the terminal still holds serial chunks (xterm parses them later) and the board
      // store keeps its DTB for re-sends. Structured clone copies them.
      worker.postMessage(msg);
    },
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    terminate() {
      worker.terminate();
      listeners.clear();
    },
  };
}
