// `bringup`: the command-line face of the engine. Parses the subcommand, hands the rest to it, and
// turns its result into an exit code. Each subcommand lives in cli/commands/<name>.ts and exports
// `run(argv, io): Promise<number>` plus a one-line `summary` and a `usage` text.
import { UsageError } from './args';
import { EXIT_USAGE, processIo, type CliIo } from './io';

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

type Loader = () => Promise<Command>;

// Lazily imported: in a CommonJS bundle esbuild turns each import() into a module initialiser run on
// first use, so even the whole CLI's bundle (cli/bringup.ts) evaluates only the command it runs. A
// command's own bundle (cli/entries/) holds that one command alone.
const commands: Record<string, Loader> = {};

/** Registered by cli/commands/index.ts (every command) or by cli/entries/<name>.ts (that one). */
export function registerCommand(name: string, loader: Loader): void {
  commands[name] = loader;
}

function mainUsage(): string {
  const names = Object.keys(commands).sort();
  return ['usage: bringup <command> [options]', '', 'commands:', ...names.map((n) => `  ${n}`), '', "run 'bringup <command> --help' for a command's options", ''].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.stdout : io.stderr)(mainUsage());
    return name ? 0 : EXIT_USAGE;
  }
  const load = commands[name];
  if (!load) {
    io.stderr(`bringup: unknown command "${name}"\n${mainUsage()}`);
    return EXIT_USAGE;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage.endsWith('\n') ? command.usage : command.usage + '\n');
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`bringup ${name}: ${e.message}\n${command.usage}${command.usage.endsWith('\n') ? '' : '\n'}`);
      return EXIT_USAGE;
    }
    throw e;
  }
}
