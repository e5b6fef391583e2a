// The subcommand table. One line per command; each module is evaluated only when its command runs.
import { registerCommand } from '../main';

registerCommand('dt', async () => (await import('./dt')).command);
registerCommand('parse-log', async () => (await import('./parse-log')).command);
registerCommand('predict', async () => (await import('./predict')).command);
registerCommand('compare', async () => (await import('./compare')).command);
registerCommand('session', async () => (await import('./session')).command);
registerCommand('lab', async () => (await import('./lab')).command);
