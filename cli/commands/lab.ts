// `bringup lab`: the lab's labgrid coordinator from a shell or CI: list places, acquire, release. The
// client is the workbench's own (electron/services/labgrid, plain Node); the protocol comes from the
// user's labgrid installation. Exit 0 done, 1 refused or unreachable, 2 usage.
import { LABGRID_DEFAULT_PORT, parseLabgridTarget } from '../../electron/common/labgrid-target';
import { LabgridCoordinator, type LabgridPlace } from '../../electron/services/labgrid/coordinator';
import { findLabgrid } from '../../electron/services/labgrid/installation';
import { parseArgs, UsageError, type FlagSpec } from '../args';
import { EXIT_INPUT_ERROR, EXIT_OK, type CliIo } from '../io';
import type { Command } from '../main';

const FLAGS: FlagSpec[] = [
  { names: ['--json'], key: 'json', kind: 'boolean' },
  { names: ['-x', '--coordinator'], key: 'coordinator', kind: 'string' },
  { names: ['--labgrid-client'], key: 'labgridClient', kind: 'string' },
  { names: ['--timeout'], key: 'timeout', kind: 'string' },
];

const usage = `usage: bringup lab places [-x COORDINATOR[:PORT]] [--json]
       bringup lab acquire|release PLACE [-x COORDINATOR[:PORT]] [--json]
       bringup lab acquire|release labgrid://COORDINATOR[:PORT]/PLACE [--json]

Talks to a labgrid coordinator (labgrid 25 or later, gRPC) as labgrid-client does, with the same
identity (host/user; LG_HOSTNAME and LG_USERNAME as labgrid reads them). The coordinator comes from
-x, the labgrid:// target, or LG_COORDINATOR (default port ${LABGRID_DEFAULT_PORT}). labgrid has no
authentication: see docs/labgrid.md.

options:
  -x, --coordinator H[:P]  the coordinator
  --labgrid-client PATH    the labgrid-client whose installation provides the protocol (default: PATH)
  --timeout S              seconds to wait for the coordinator (default 10)
  --json                   places: [{name, tags, comment, acquired, resources}]; acquire/release:
                           {place, acquired, alreadyHeld, console}

exit status: 0 done, 1 the coordinator refused (held by someone else, no such place) or is unreachable, 2 usage
`;

function placeJson(c: LabgridCoordinator, p: LabgridPlace): Record<string, unknown> {
  return {
    name: p.name,
    aliases: p.aliases,
    tags: p.tags,
    comment: p.comment,
    acquired: p.acquired,
    resources: c.resourcesOf(p.name).map((r) => ({ exporter: r.exporter, group: r.group, name: r.name, cls: r.cls, avail: r.avail, acquired: r.acquired })),
  };
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { flags, positionals } = parseArgs(argv, FLAGS);
  const [verb, arg] = positionals;
  if (!verb || !['places', 'acquire', 'release'].includes(verb)) throw new UsageError(verb ? `unknown lab command "${verb}"` : 'missing lab command');
  if (verb === 'places' ? positionals.length !== 1 : positionals.length !== 2) throw new UsageError(verb === 'places' ? 'places takes no place' : `${verb} needs one place`);
  let coordinator = (flags.coordinator as string | undefined) ?? process.env.LG_COORDINATOR ?? null;
  let place: string | null = arg ?? null;
  if (place?.startsWith('labgrid://')) {
    const t = parseLabgridTarget(place);
    if ('error' in t) throw new UsageError(t.error);
    coordinator = t.value.coordinator;
    place = t.value.place;
    if (verb !== 'places' && !place) throw new UsageError(`${arg} names no place`);
  }
  if (!coordinator) throw new UsageError('no coordinator: give -x HOST[:PORT], a labgrid:// target, or set LG_COORDINATOR');
  if (!/:\d+$/.test(coordinator)) coordinator = `${coordinator}:${LABGRID_DEFAULT_PORT}`;
  const timeoutS = flags.timeout === undefined ? 10 : Number(flags.timeout);
  if (!(timeoutS > 0)) throw new UsageError(`--timeout must be a positive number of seconds, not ${String(flags.timeout)}`);

  let c: LabgridCoordinator | null = null;
  try {
    const install = findLabgrid(flags.labgridClient as string | undefined);
    c = await LabgridCoordinator.connect(coordinator, { protoPath: install.protoPath, version: install.version, timeoutMs: timeoutS * 1000 });
    if (verb === 'places') {
      const places = c.places();
      if (flags.json) io.stdout(JSON.stringify(places.map((p) => placeJson(c!, p)), null, 2) + '\n');
      else {
        const rows = places.map((p) => [p.name, p.acquired ?? '-', Object.entries(p.tags).map(([k, v]) => `${k}=${v}`).join(',') || '-', p.comment]);
        const w = [0, 1, 2].map((i) => Math.max(['place', 'acquired', 'tags'][i]!.length, ...rows.map((r) => r[i]!.length)));
        io.stdout([['place', 'acquired', 'tags', 'comment'], ...rows].map((r) => r.map((x, i) => (i < 3 ? x.padEnd(w[i]!) : x)).join('  ').trimEnd()).join('\n') + '\n');
      }
      return EXIT_OK;
    }
    if (verb === 'acquire') {
      const { place: p, alreadyHeld } = await c.acquire(place!);
      let console: Awaited<ReturnType<LabgridCoordinator['consoleOf']>> | null = null;
      if (c.resourcesOf(p.name).some((r) => r.cls === 'NetworkSerialPort')) console = await c.consoleOf(p.name);
      if (flags.json) io.stdout(JSON.stringify({ place: p.name, acquired: p.acquired, alreadyHeld, console }, null, 2) + '\n');
      else io.stdout(`${p.name}: ${alreadyHeld ? 'already held' : 'acquired'} by ${p.acquired}${console ? `; console rfc2217://${console.host}:${console.port}` : ''}\n`);
      return EXIT_OK;
    }
    await c.release(place!);
    if (flags.json) io.stdout(JSON.stringify({ place, acquired: c.place(place!)?.acquired ?? null }, null, 2) + '\n');
    else io.stdout(`${place}: released\n`);
    return EXIT_OK;
  } catch (e) {
    // The coordinator's refusals (CoordinatorError), and a labgrid that cannot be found or reached.
    if (e instanceof Error) {
      io.stderr(`bringup lab ${verb}: ${e.message}\n`);
      return EXIT_INPUT_ERROR;
    }
    throw e;
  } finally {
    c?.close();
  }
}

export const command: Command = { summary: 'labgrid places: list, acquire, release', usage, run };
