// The lab view's side of the services: a coordinator's places as the contract's LabSnapshot, pushed as
// `labPlaces` on every update batch the session's subscription brings (coalesced), the session opened
// again while watched when the coordinator goes away, and acquire / release / reservations through the
// same session the consoles use (one identity per coordinator, as labgrid-client has).
import type { LabPlaceView, LabReservation, LabSnapshot } from '../../common/contract';
import { parseLabgridTarget } from '../../common/labgrid-target';
import type { EventHub } from '../events';
import { checkNetworkTarget } from '../serial/network-policy';
import { CoordinatorError, type LabgridCoordinator, type ReservationView } from './coordinator';
import type { LabgridLines } from './lines';

interface Watch {
  session: LabgridCoordinator | null;
  last: LabSnapshot;
  off: () => void;
  pushTimer?: NodeJS.Timeout;
  retryTimer?: NodeJS.Timeout;
  retryMs: number;
}

/** How long a batch of place and resource updates is gathered into one `labPlaces` event. */
const PUSH_MS = 50;
const RETRY_MS = [1000, 2000, 5000, 10_000];

export class LabService {
  private readonly watches = new Map<string, Watch>();
  private disposed = false;

  constructor(
    private readonly lines: LabgridLines,
    private readonly events: EventHub,
  ) {}

  /** `host[:port]` or `labgrid://host[:port]` → `host:port`, held to the network rule typed targets are. */
  private async address(coordinator: string): Promise<string> {
    const text = coordinator.trim().replace(/\/+$/, '');
    const parsed = parseLabgridTarget(/^labgrid:\/\//i.test(text) ? text : `labgrid://${text}`);
    if ('error' in parsed) throw new Error(`not a labgrid coordinator: ${JSON.stringify(coordinator)} (expected HOST[:PORT])`);
    if (parsed.value.place) throw new Error(`${coordinator}: name the coordinator only (HOST[:PORT]), not a place`);
    await checkNetworkTarget(text, parsed.value.host, false);
    return parsed.value.coordinator;
  }

  private snapshot(address: string, c: LabgridCoordinator): LabSnapshot {
    const places: LabPlaceView[] = c.places().map((p) => ({
      name: p.name,
      aliases: p.aliases,
      comment: p.comment,
      // The coordinator's map has no order: by key, so a place's tags do not shuffle between updates.
      tags: Object.fromEntries(Object.entries(p.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      acquired: p.acquired,
      reservation: p.reservation,
      resources: c.resourcesOf(p.name).map((r) => {
        const port = Number(r.params.port);
        return {
          exporter: r.exporter,
          group: r.group,
          cls: r.cls,
          name: r.name,
          avail: r.avail,
          acquired: r.acquired,
          ...(r.cls === 'NetworkSerialPort' && r.acquired && Number.isInteger(port) && port > 0 ? { address: `${String(r.params.host ?? '')}:${port}` } : {}),
        };
      }),
    }));
    return { coordinator: address, identity: c.identity, online: true, places };
  }

  /** Opens (or joins) the session and keeps pushing its changes until the services are disposed. */
  async watch(coordinator: string): Promise<LabSnapshot> {
    const address = await this.address(coordinator);
    const c = await this.lines.session(address);
    this.follow(address, c);
    return this.watches.get(address)!.last;
  }

  private follow(address: string, c: LabgridCoordinator): void {
    let w = this.watches.get(address);
    if (w?.session === c) return;
    w?.off();
    const push = () => {
      if (!w || w.pushTimer) return;
      w.pushTimer = setTimeout(() => {
        w!.pushTimer = undefined;
        if (w!.session !== c) return;
        w!.last = this.snapshot(address, c);
        this.events.emit('labPlaces', w!.last);
      }, PUSH_MS);
    };
    const lost = (reason: string) => {
      if (!w || w.session !== c) return;
      w.session = null;
      w.last = { ...w.last, online: false, error: `the session with ${address} ended (${reason}); opening it again` };
      this.events.emit('labPlaces', w.last);
      this.retry(address);
    };
    c.on('places', push);
    c.on('resources', push);
    c.on('lost', lost);
    const off = () => {
      c.off('places', push);
      c.off('resources', push);
      c.off('lost', lost);
      if (w?.pushTimer) clearTimeout(w.pushTimer);
    };
    const reopened = w !== undefined;
    if (w?.retryTimer) clearTimeout(w.retryTimer);
    w = { session: c, last: this.snapshot(address, c), off, retryMs: RETRY_MS[0]! };
    this.watches.set(address, w);
    // A session opened again after a loss: the view learns it is live again.
    if (reopened) this.events.emit('labPlaces', w.last);
  }

  private retry(address: string): void {
    const w = this.watches.get(address);
    if (!w || this.disposed) return;
    w.retryTimer = setTimeout(() => {
      w.retryTimer = undefined;
      if (this.disposed || this.watches.get(address) !== w || w.session) return;
      this.lines.session(address).then(
        (c) => {
          if (!this.disposed) this.follow(address, c);
        },
        (e: Error) => {
          w.retryMs = RETRY_MS[Math.min(RETRY_MS.indexOf(w.retryMs) + 1, RETRY_MS.length - 1)]!;
          w.last = { ...w.last, online: false, error: e.message };
          this.events.emit('labPlaces', w.last);
          this.retry(address);
        },
      );
    }, w.retryMs);
  }

  private async session(coordinator: string): Promise<LabgridCoordinator> {
    const address = await this.address(coordinator);
    return this.lines.session(address);
  }

  async acquire(coordinator: string, place: string): Promise<LabPlaceView> {
    const c = await this.session(coordinator);
    const { place: p } = await c.acquire(place);
    const view = this.snapshot(c.address, c).places.find((x) => x.name === p.name);
    if (!view) throw new CoordinatorError(`place ${p.name} went away`);
    return view;
  }

  async release(coordinator: string, place: string): Promise<void> {
    const c = await this.session(coordinator);
    await c.sync();
    const p = c.place(place);
    if (!p) throw new CoordinatorError(`labgrid has no place ${JSON.stringify(place)} at ${c.address}`);
    if (!p.acquired) return;
    // labgrid has no authentication: the coordinator would release anyone's place. Only our own, as
    // labgrid-client releases without --kick.
    if (p.acquired !== c.identity) throw new CoordinatorError(`place ${p.name} is held by ${p.acquired}, not by ${c.identity}`);
    await c.release(p.name);
  }

  async reserve(coordinator: string, filter: Record<string, string>): Promise<LabReservation> {
    if (Object.keys(filter).length === 0) throw new Error('a reservation needs at least one tag, e.g. board=rpi4');
    const c = await this.session(coordinator);
    return reservationOf(await c.createReservation({ ...filter }));
  }

  async pollReservation(coordinator: string, token: string): Promise<LabReservation> {
    const c = await this.session(coordinator);
    return reservationOf(await c.pollReservation(token));
  }

  async cancelReservation(coordinator: string, token: string): Promise<void> {
    const c = await this.session(coordinator);
    await c.cancelReservation(token);
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.watches.values()) {
      w.off();
      if (w.retryTimer) clearTimeout(w.retryTimer);
    }
    this.watches.clear();
  }
}

function reservationOf(r: ReservationView): LabReservation {
  return { token: r.token, owner: r.owner, state: r.state, allocations: r.allocations, timeout: r.timeout };
}
