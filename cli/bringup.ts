// Process entry point of the whole `bringup` CLI, every command registered (bundled to .cache/bringup/
// by bin/bringup.cjs). The launcher runs it for what no one command's bundle answers (cli/entries/):
// no command, --help, an unknown command.
import './commands/index';
import { start } from './start';

start();
