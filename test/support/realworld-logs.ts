// Where the real field logs are (see their README: they are not the project's to copy). They stand
// beside the checkout in ../shared/realworld-logs, as on every machine of this workplace and in CI. A clone
// made elsewhere (the /tmp clone a change is checked in before it lands) names them with
// BRINGUP_REALWORLD_LOGS; without either, the tests that read them skip.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const named = process.env.BRINGUP_REALWORLD_LOGS;
export const REALWORLD_LOGS = named ?? join(__dirname, '..', '..', '..', 'shared', 'realworld-logs');
// Asked for by name, the logs must be there: a wrong path fails rather than skipping.
if (named !== undefined && !existsSync(join(named, 'logs'))) throw new Error(`BRINGUP_REALWORLD_LOGS=${named}: no logs/ folder there`);
/** Whether the logs are here to read. */
export const haveRealworldLogs = existsSync(join(REALWORLD_LOGS, 'logs'));
