// The board compile's own thread: board.ts (compileInWorker) starts one per compile with a heap limit
// and a deadline, so a hostile DTS (a runaway macro, a tree that never ends) costs that thread and not
// the services. Bundled next to its caller: out/main/board-worker.js (electron-vite), .cache/host/ (esbuild).
import { parentPort, workerData } from 'node:worker_threads';
import type { BoardOpenRequest } from '../common/contract';
import { compileBoard } from './board';

const result = compileBoard(workerData as BoardOpenRequest);
parentPort!.postMessage(result, [result.dtb.buffer as ArrayBuffer]);
