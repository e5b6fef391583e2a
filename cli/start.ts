// Runs `bringup` in this process: the arguments after the script, the exit code from the command, and
// an internal error (a bug, never bad input) reported as one line with exit status 70. Called by every
// bundle's entry: cli/bringup.ts (all commands) and cli/entries/<command>.ts (one command each).
import { writeAllSync } from './io';
import { main } from './main';

export function start(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // Through the same synchronous writer as every other message: a closed stderr (EPIPE) is then
      // ignored, where process.stderr would raise it as an error event and replace exit status 70.
      writeAllSync(2, `bringup: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 70;
    },
  );
}
