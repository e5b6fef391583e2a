// A recorder in its own process, for the crash test: appends a deterministic stream (chunk i is
// chunkBytes(i)) with a marker every 64 chunks until it is killed. Usage: record-child.ts <session file>
import { SessionWriter } from '../../electron/services/sessions/writer';
import { chunkBytes } from './session-stream';

const path = process.argv[2]!;
const w = SessionWriter.create(path, { sessionId: 'crash', startedAt: 1_000, target: 'child' }, { flushDelayMs: 2, maxBatchBytes: 64 * 1024 });
let i = 0;
let announced = false;
function step(): void {
  for (let k = 0; k < 32; k++, i++) {
    w.rx(chunkBytes(i), 1_000 + i);
    if (i % 64 === 63) void w.marker('config', 1_000 + i, `after chunk ${i}`);
  }
  if (!announced && w.length > 0) {
    announced = true;
    process.stdout.write('recording\n');
  }
  // Keep the backlog bounded the way the serial path does: the pump keeps up or the writer batches.
  if (w.backlogBytes > 4 << 20) setTimeout(step, 1);
  else setImmediate(step);
}
step();
