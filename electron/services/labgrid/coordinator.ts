// A labgrid coordinator client in Node: the same session labgrid-client opens (labgrid/remote/client.py):
// one `Coordinator.ClientStream` that sends StartupDone{version, name:"host/user"}, subscribes to all
// places and all resources and syncs, then keeps a live copy of both. Unary calls (AcquirePlace, …) go
// over the SAME HTTP/2 connection, because the coordinator keys a client's session on its peer
// address; `grpc.use_local_subchannel_pool` keeps two clients of one process on two connections.
// labgrid 26 has no authentication: the name is self-declared (see docs/labgrid.md).
import { hostname, userInfo } from 'node:os';
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface LabgridResource {
  exporter: string;
  group: string;
  name: string;
  cls: string;
  params: Record<string, string | number | boolean | null>;
  /** The place name (labgrid stores the place) that holds the resource, or null. */
  acquired: string | null;
  avail: boolean;
}

export interface LabgridPlace {
  name: string;
  aliases: string[];
  comment: string;
  tags: Record<string, string>;
  matches: { exporter: string; group: string; cls: string; name: string | null }[];
  /** Who holds it ("host/user"), or null. */
  acquired: string | null;
  acquiredResources: string[];
  reservation: string | null;
}

export interface ReservationView {
  token: string;
  owner: string;
  /** labgrid's ReservationState: 0 waiting, 1 allocated, 2 acquired, 3 expired, 4 invalid. */
  state: 'waiting' | 'allocated' | 'acquired' | 'expired' | 'invalid' | string;
  allocations: Record<string, string>;
  timeout: number;
}

const RESERVATION_STATES = ['waiting', 'allocated', 'acquired', 'expired', 'invalid'];

type MapValue = { bool_value?: boolean; int_value?: number; uint_value?: number; float_value?: number; string_value?: string; kind?: string };
type RawResource = { path: { exporter_name?: string; group_name: string; resource_name: string }; cls: string; params: Record<string, MapValue>; acquired: string; avail: boolean };
type RawPlace = {
  name: string;
  aliases: string[];
  comment: string;
  tags: Record<string, string>;
  matches: { exporter: string; group: string; cls: string; name?: string }[];
  acquired?: string;
  acquired_resources: string[];
  reservation?: string;
};
type RawReservation = { owner: string; token: string; state: number; allocations: Record<string, string>; timeout: number };

/** The identity labgrid-client declares: LG_HOSTNAME / LG_USERNAME, else the host name and login. */
export function defaultIdentity(): string {
  return `${process.env.LG_HOSTNAME ?? hostname()}/${process.env.LG_USERNAME ?? userInfo().username}`;
}

function mapValue(v: MapValue): string | number | boolean | null {
  switch (v.kind) {
    case 'bool_value':
      return v.bool_value ?? false;
    case 'int_value':
      return Number(v.int_value);
    case 'uint_value':
      return Number(v.uint_value);
    case 'float_value':
      return v.float_value ?? 0;
    case 'string_value':
      return v.string_value ?? '';
    default:
      return null;
  }
}

function resourceOf(r: RawResource): LabgridResource {
  const params: LabgridResource['params'] = {};
  for (const [k, v] of Object.entries(r.params ?? {})) params[k] = mapValue(v);
  return { exporter: r.path.exporter_name ?? '', group: r.path.group_name, name: r.path.resource_name, cls: r.cls, params, acquired: r.acquired || null, avail: r.avail };
}

function placeOf(p: RawPlace): LabgridPlace {
  return {
    name: p.name,
    aliases: [...(p.aliases ?? [])],
    comment: p.comment ?? '',
    tags: { ...(p.tags ?? {}) },
    matches: (p.matches ?? []).map((m) => ({ exporter: m.exporter, group: m.group, cls: m.cls, name: m.name ?? null })),
    acquired: p.acquired || null,
    acquiredResources: [...(p.acquired_resources ?? [])],
    reservation: p.reservation || null,
  };
}

/** `exporter/group/cls[/name]` against a resource, with fnmatch-style `*` as labgrid's ResourceMatch does. */
function matches(m: LabgridPlace['matches'][number], r: LabgridResource): boolean {
  const glob = (pattern: string, s: string): boolean => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(s);
  return glob(m.exporter, r.exporter) && glob(m.group, r.group) && glob(m.cls, r.cls) && (m.name === null || glob(m.name, r.name));
}

export interface CoordinatorOptions {
  /** From the user's labgrid installation (findLabgrid().protoPath). */
  protoPath: string;
  /** What StartupDone declares as the client version (the user's labgrid version). */
  version: string;
  /** "host/user", as labgrid-client declares it, so places held by the user's own labgrid-client are theirs here too. */
  identity?: string;
  /** How long to wait for the coordinator to answer the first sync. */
  timeoutMs?: number;
}

export class CoordinatorError extends Error {
  constructor(
    message: string,
    readonly code: grpc.status | null = null,
  ) {
    super(message);
  }
}

/**
 * One session with a coordinator. Emits `places` and `resources` (after each update batch) and `lost`
 * when the stream ends (the coordinator restarted or went away).
 */
export class LabgridCoordinator extends EventEmitter {
  readonly identity: string;
  private readonly placesByName = new Map<string, LabgridPlace>();
  private readonly resourcesByPath = new Map<string, LabgridResource>();
  private stream: grpc.ClientDuplexStream<unknown, unknown> | null = null;
  private nextSync = 1;
  private readonly syncWaiters = new Map<number, () => void>();
  private closed = false;

  private constructor(
    readonly address: string,
    private readonly client: grpc.Client & Record<string, (...args: unknown[]) => unknown>,
    private readonly opts: CoordinatorOptions,
  ) {
    super();
    // As labgrid-client names itself (labgrid/remote/client.py: LG_HOSTNAME, LG_USERNAME), so a place the
    // user holds there is theirs here too.
    this.identity = opts.identity ?? defaultIdentity();
  }

  static async connect(address: string, opts: CoordinatorOptions): Promise<LabgridCoordinator> {
    const def = protoLoader.loadSync(opts.protoPath, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { labgrid: { Coordinator: grpc.ServiceClientConstructor } };
    const Client = pkg.labgrid.Coordinator;
    const client = new Client(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }) as unknown as grpc.Client &
      Record<string, (...args: unknown[]) => unknown>;
    const c = new LabgridCoordinator(address, client, opts);
    const timeoutMs = opts.timeoutMs ?? 10_000;
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(new CoordinatorError(`no labgrid coordinator answers at ${address}: ${err.message}`)) : resolve())),
    ).catch((e) => {
      client.close();
      throw e;
    });
    c.open();
    try {
      await c.sync(timeoutMs);
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  private open(): void {
    const stream = (this.client.ClientStream as () => grpc.ClientDuplexStream<unknown, unknown>)();
    this.stream = stream;
    stream.on('data', (msg: { sync?: { id: number } | null; updates: { kind: string; resource?: RawResource; del_resource?: RawResource['path']; place?: RawPlace; del_place?: string }[] }) => {
      let places = false;
      let resources = false;
      for (const u of msg.updates ?? []) {
        if (u.kind === 'place' && u.place) {
          this.placesByName.set(u.place.name, placeOf(u.place));
          places = true;
        } else if (u.kind === 'del_place' && u.del_place !== undefined) {
          this.placesByName.delete(u.del_place);
          places = true;
        } else if (u.kind === 'resource' && u.resource) {
          const r = resourceOf(u.resource);
          this.resourcesByPath.set(`${r.exporter}/${r.group}/${r.cls}/${r.name}`, r);
          resources = true;
        } else if (u.kind === 'del_resource' && u.del_resource) {
          const p = u.del_resource;
          for (const key of [...this.resourcesByPath.keys()]) if (key.startsWith(`${p.exporter_name ?? ''}/${p.group_name}/`) && key.endsWith(`/${p.resource_name}`)) this.resourcesByPath.delete(key);
          resources = true;
        }
      }
      if (places) this.emit('places', this.places());
      if (resources) this.emit('resources', this.resources());
      if (msg.sync) {
        const w = this.syncWaiters.get(Number(msg.sync.id));
        this.syncWaiters.delete(Number(msg.sync.id));
        w?.();
      }
    });
    const ended = (err?: Error): void => {
      if (this.stream !== stream) return;
      this.stream = null;
      for (const w of this.syncWaiters.values()) w();
      this.syncWaiters.clear();
      if (!this.closed) this.emit('lost', err?.message ?? 'the coordinator closed the session');
    };
    stream.on('error', ended);
    stream.on('end', () => ended());
    stream.write({ startup: { version: this.opts.version, name: this.identity } });
    stream.write({ subscribe: { all_places: true } });
    stream.write({ subscribe: { all_resources: true } });
  }

  /** Resolves once the coordinator has sent everything it had before this call. */
  sync(timeoutMs = 10_000): Promise<void> {
    const stream = this.stream;
    if (!stream) return Promise.reject(new CoordinatorError(`the session with ${this.address} is closed`));
    const id = this.nextSync++;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.syncWaiters.delete(id);
        reject(new CoordinatorError(`the labgrid coordinator at ${this.address} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.syncWaiters.set(id, () => {
        clearTimeout(timer);
        if (this.stream) resolve();
        else reject(new CoordinatorError(`the session with ${this.address} ended`));
      });
      stream.write({ sync: { id } });
    });
  }

  places(): LabgridPlace[] {
    return [...this.placesByName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  resources(): LabgridResource[] {
    return [...this.resourcesByPath.values()];
  }

  place(name: string): LabgridPlace | null {
    return this.placesByName.get(name) ?? [...this.placesByName.values()].find((p) => p.aliases.includes(name)) ?? null;
  }

  /** The resources a place's matches select (what labgrid-client's `show` lists). */
  resourcesOf(name: string): LabgridResource[] {
    const p = this.place(name);
    if (!p) return [];
    return this.resources().filter((r) => p.matches.some((m) => matches(m, r)));
  }

  private unary<T>(method: string, request: unknown, timeoutMs = 30_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fn = this.client[method];
      if (!fn) return reject(new CoordinatorError(`the coordinator's protocol has no ${method}`));
      fn.call(this.client, request, { deadline: Date.now() + timeoutMs }, (err: grpc.ServiceError | null, res: T) =>
        err ? reject(new CoordinatorError(err.details || err.message, err.code)) : resolve(res),
      );
    });
  }

  /**
   * Acquires a place for this identity. A place this identity already holds (from the user's own
   * labgrid-client, or before a restart) is used as it is; one held by someone else is refused with who.
   */
  async acquire(name: string): Promise<{ place: LabgridPlace; alreadyHeld: boolean }> {
    await this.sync();
    const before = this.place(name);
    if (!before) throw new CoordinatorError(`labgrid has no place ${JSON.stringify(name)} at ${this.address}`);
    if (before.acquired === this.identity) return { place: before, alreadyHeld: true };
    if (before.acquired) throw new CoordinatorError(`place ${before.name} is held by ${before.acquired}`);
    await this.unary('AcquirePlace', { placename: before.name });
    await this.sync();
    return { place: this.place(before.name)!, alreadyHeld: false };
  }

  async release(name: string, opts: { fromUser?: string } = {}): Promise<void> {
    await this.unary('ReleasePlace', opts.fromUser ? { placename: name, fromuser: opts.fromUser } : { placename: name });
    await this.sync();
  }

  async createReservation(filter: Record<string, string>, prio = 0): Promise<ReservationView> {
    const r = await this.unary<{ reservation: RawReservation }>('CreateReservation', { filters: { main: { filter } }, prio });
    return reservationOf(r.reservation);
  }

  async pollReservation(token: string): Promise<ReservationView> {
    const r = await this.unary<{ reservation: RawReservation }>('PollReservation', { token });
    return reservationOf(r.reservation);
  }

  async cancelReservation(token: string): Promise<void> {
    await this.unary('CancelReservation', { token });
  }

  /**
   * The console of an acquired place: its NetworkSerialPort's host and port. The exporter starts ser2net
   * only once the place is acquired, so before that `port` is empty and this waits for the update.
   */
  async consoleOf(name: string, timeoutMs = 15_000): Promise<{ host: string; port: number; speed: number | null; exporter: string; resource: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.sync();
      const serial = this.resourcesOf(name).filter((r) => r.cls === 'NetworkSerialPort');
      if (serial.length === 0) throw new CoordinatorError(`place ${name} has no NetworkSerialPort resource (its exporter may be down)`);
      const r = serial[0]!;
      const port = typeof r.params.port === 'number' ? r.params.port : Number(r.params.port);
      if (r.acquired && Number.isInteger(port) && port > 0) {
        return { host: String(r.params.host ?? ''), port, speed: typeof r.params.speed === 'number' ? r.params.speed : null, exporter: r.exporter, resource: `${r.group}/${r.name}` };
      }
      if (Date.now() > deadline) throw new CoordinatorError(`place ${name}: its exporter published no console port within ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  close(): void {
    this.closed = true;
    this.stream?.end();
    this.stream?.cancel();
    this.stream = null;
    this.client.close();
  }
}

function reservationOf(r: RawReservation): ReservationView {
  return { token: r.token, owner: r.owner, state: RESERVATION_STATES[r.state] ?? String(r.state), allocations: { ...(r.allocations ?? {}) }, timeout: r.timeout };
}
