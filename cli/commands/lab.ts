// `bringup lab`: the lab's labgrid coordinator from a shell or CI: list places, acquire, release, and
// switch a place's power. The client is the workbench's own (electron/services/labgrid, plain Node); the
// protocol comes from the user's labgrid installation, and power goes through its labgrid-client
// (electron/services/labgrid/power.ts). Exit 0 done, 1 refused, unreachable or failed, 2 usage.
import { LABGRID_DEFAULT_PORT, parseLabgridTarget } from '../../electron/common/labgrid-target';
import { defaultIdentity, LabgridCoordinator, type LabgridPlace } from '../../electron/services/labgrid/coordinator';
import { findLabgrid } from '../../electron/services/labgrid/installation';
import { POWER_ACTIONS, runLabgridPower, type PowerAction } from '../../electron/services/labgrid/power';
import { parseArgs, UsageError, type FlagSpec } from '../args';
import { EXIT_INPUT_ERROR, EXIT_OK, type CliIo } from '../io';
import type { Command } from '../main';

const FLAGS: FlagSpec[] = [
  { names: ['--json'], key: 'json', kind: 'boolean' },
  { names: ['-x', '--coordinator'], key: 'coordinator', kind: 'string' },
  { names: ['--labgrid-client'], key: 'labgridClient', kind: 'string' },
  { names: ['--timeout'], key: 'timeout', kind: 'string' },
  { names: ['-t', '--delay'], key: 'delay', kind: 'string' },
];

const usage = `usage: bringup lab places [-x COORDINATOR[:PORT]] [--json]
       bringup lab acquire|release PLACE [-x COORDINATOR[:PORT]] [--json]
       bringup lab acquire|release labgrid://COORDINATOR[:PORT]/PLACE [--json]
       bringup lab power PLACE|labgrid://COORDINATOR[:PORT]/PLACE on|off|cycle [-t SECONDS] [--json]

Talks to a labgrid coordinator (labgrid 25 or later, gRPC) as labgrid-client does, with the same
identity (host/user; LG_HOSTNAME and LG_USERNAME as labgrid reads them). The coordinator comes from
-x, the labgrid:// target, or LG_COORDINATOR (default port ${LABGRID_DEFAULT_PORT}). labgrid has no
authentication: see docs/labgrid.md.

power runs labgrid-client -p PLACE power ACTION of the same installation, as the same identity: labgrid's
own driver for the place's power resource switches the board. The place must be held by this identity
(bringup lab acquire, or labgrid-client acquire).

options:
  -x, --coordinator H[:P]  the coordinator
  --labgrid-client PATH    the labgrid-client whose installation provides the protocol (default: PATH)
  --timeout S              seconds to wait for the coordinator (default 10)
  -t, --delay S            power cycle: seconds between off and on (default: the driver's, 2 for most)
  --json                   places: [{name, tags, comment, acquired, resources}]; acquire/release:
                           {place, acquired, alreadyHeld, console}; power: {place, action, identity}

exit status: 0 done, 1 the coordinator refused (held by someone else, no such place) or is unreachable,
or labgrid-client could not switch the power (its own words on stderr), 2 usage
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
  const [verb, arg, action] = positionals;
  if (!verb || !['places', 'acquire', 'release', 'power'].includes(verb)) throw new UsageError(verb ? `unknown lab command "${verb}"` : 'missing lab command');
  const want = verb === 'places' ? 1 : verb === 'power' ? 3 : 2;
  if (positionals.length !== want) throw new UsageError(verb === 'places' ? 'places takes no place' : verb === 'power' ? 'power needs a place and on, off or cycle' : `${verb} needs one place`);
  if (verb === 'power' && !POWER_ACTIONS.includes(action as PowerAction)) throw new UsageError(`power takes on, off or cycle (got "${action}")`);
  const delay = flags.delay === undefined ? undefined : Number(flags.delay);
  if (delay !== undefined && (verb !== 'power' || action !== 'cycle')) throw new UsageError('--delay is for power cycle');
  if (delay !== undefined && !(delay >= 0)) throw new UsageError(`--delay takes seconds (got "${String(flags.delay)}")`);
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
    if (verb === 'power') {
      // labgrid-client does the work (and says when the place is not held, or has no power resource);
      // the identity is the one `lab acquire` declares, so a place acquired there may be switched here.
      const identity = defaultIdentity();
      await runLabgridPower(install, { coordinator, place: place!, action: action as PowerAction, identity, ...(delay !== undefined ? { delaySeconds: delay } : {}) });
      if (flags.json) io.stdout(JSON.stringify({ place, action, identity }, null, 2) + '\n');
      else io.stdout(`${place}: power ${action}\n`);
      return EXIT_OK;
    }
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

export const command: Command = { summary: 'labgrid places: list, acquire, release, power', usage, run };
