// A small, strict command-line parser shared by every `bringup` subcommand: declared flags only,
// repeatable flags collect into arrays, `-IDIR` / `-DNAME=V` / `--flag=value` forms, and a typed
// UsageError for anything unexpected (the CLI maps it to exit code 2).

export class UsageError extends Error {}

export interface FlagSpec {
  /** Names as typed, e.g. ['-I', '--include']. */
  names: string[];
  /** Key in the result. */
  key: string;
  /** 'boolean' takes no value; 'string' takes one; 'list' takes one per use and repeats. */
  kind: 'boolean' | 'string' | 'list';
  /** Allowed values for 'string'. */
  choices?: readonly string[];
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  for (const s of specs) if (s.kind === 'list') flags[s.key] = [];
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) for (const n of s.names) byName.set(n, s);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let spec = byName.get(arg);
    let inline: string | undefined;
    if (!spec && arg.startsWith('--') && arg.includes('=')) {
      const eq = arg.indexOf('=');
      spec = byName.get(arg.slice(0, eq));
      inline = arg.slice(eq + 1);
    }
    if (!spec && !arg.startsWith('--') && arg.length > 2) {
      // -IDIR, -DNAME=VALUE, -Odtb
      spec = byName.get(arg.slice(0, 2));
      if (spec && spec.kind !== 'boolean') inline = arg.slice(2);
      else spec = undefined;
    }
    if (!spec) throw new UsageError(`unknown option ${arg}`);
    if (spec.kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`option ${spec.names[0]} takes no value`);
      flags[spec.key] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`option ${arg} needs a value`);
    if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(`option ${spec.names[0]} takes one of ${spec.choices.join(', ')} (got "${value}")`);
    }
    if (spec.kind === 'list') (flags[spec.key] as string[]).push(value);
    else flags[spec.key] = value;
  }
  return { flags, positionals };
}
