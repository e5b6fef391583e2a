// `bringup lab` on its own: bin/bringup.cjs runs this entry's bundle for `bringup lab …`, so a run
// loads, reads and compiles no other command's code. Registers the command as cli/commands/index.ts does.
import { registerCommand } from '../main';
import { start } from '../start';

registerCommand('lab', async () => (await import('../commands/lab')).command);
start();
