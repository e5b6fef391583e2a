// `bringup session` on its own: bin/bringup.cjs runs this entry's bundle for `bringup session …`, so a run
// loads, reads and compiles no other command's code. Registers the command as cli/commands/index.ts does.
import { registerCommand } from '../main';
import { start } from '../start';

registerCommand('session', async () => (await import('../commands/session')).command);
start();
