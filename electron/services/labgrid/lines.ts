// Consoles of labgrid places for the connection manager: one coordinator session per coordinator
// address (shared by every tab on that lab), a place acquired on connect (or used as it is, when this
// identity already holds it), its NetworkSerialPort read again on every (re)open because an exporter
// that restarted serves the console on a new port, and the place released on disconnect when asked.
// Power actions go through labgrid-client (./power.ts) under the same identity.
import { LabgridCoordinator } from './coordinator';
import { findLabgrid, type LabgridInstallation } from './installation';
import { runLabgridPower, type PowerAction } from './power';

export interface LabgridConsole {
  host: string;
  port: number;
  /** For the recording: which place, exporter and coordinator served the console. */
  detail: string;
}

export interface LabgridPlaceLine {
  /** Whether this connect acquired the place (false: the identity already held it). */
  acquired: boolean;
  /** Where the console is now (asks the coordinator again: the port changes when an exporter restarts). */
  console(): Promise<LabgridConsole>;
  release(): Promise<void>;
}

export interface LabgridLineOptions {
  /** labgrid-client of the user's installation (default: PATH). */
  labgridClient?: string;
  identity?: string;
}

export class LabgridLines {
  private installation: LabgridInstallation | null = null;
  private readonly sessions = new Map<string, Promise<LabgridCoordinator>>();

  constructor(private readonly opts: LabgridLineOptions = {}) {}

  /** The session with a coordinator (host:port), opened on first use and again after it was lost. */
  session(coordinator: string): Promise<LabgridCoordinator> {
    let s = this.sessions.get(coordinator);
    if (!s) {
      this.installation ??= findLabgrid(this.opts.labgridClient);
      const inst = this.installation;
      s = LabgridCoordinator.connect(coordinator, { protoPath: inst.protoPath, version: inst.version, ...(this.opts.identity ? { identity: this.opts.identity } : {}) });
      this.sessions.set(coordinator, s);
      s.then(
        (c) => c.once('lost', () => this.sessions.get(coordinator) === s && this.sessions.delete(coordinator)),
        () => this.sessions.delete(coordinator),
      );
    }
    return s;
  }

  async open(coordinator: string, place: string): Promise<LabgridPlaceLine> {
    const c = await this.session(coordinator);
    const { place: p, alreadyHeld } = await c.acquire(place);
    return {
      acquired: !alreadyHeld,
      console: async () => {
        const live = await this.session(coordinator);
        const con = await live.consoleOf(p.name);
        return { host: con.host, port: con.port, detail: `place ${p.name} (${live.identity}) via exporter ${con.exporter} ${con.resource}, coordinator ${coordinator}` };
      },
      release: async () => {
        const live = await this.session(coordinator);
        await live.release(p.name);
      },
    };
  }

  /**
   * Switches a place's power through labgrid-client, as the identity of this coordinator session (the
   * one that holds the place). Returns that identity, for the recording.
   */
  async power(coordinator: string, place: string, action: PowerAction, opts: { delaySeconds?: number } = {}): Promise<string> {
    const c = await this.session(coordinator);
    await runLabgridPower(this.installation!, { coordinator, place, action, identity: c.identity, ...opts });
    return c.identity;
  }

  async dispose(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) (await s.catch(() => null))?.close();
  }
}
