// `bringup` run in the test's own process, as the tests of each command drive it: every command
// registered, the process's files and working folder, its output captured.
import '../../cli/commands/index';
import { processIo, type CliIo } from '../../cli/io';
import { main } from '../../cli/main';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runCli(args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: CliIo = { ...processIo(), stdout: (t) => void (out += t), stderr: (t) => void (err += t) };
  const code = await main(args, io);
  return { code, out, err };
}
