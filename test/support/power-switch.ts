// A power switch for the test lab that labgrid's own driver talks to: an HTTP server speaking the
// protocol of labgrid's `simplerest` power backend (labgrid/driver/power/simplerest.py: GET
// `/power/{index}/{value}` switches, GET `/power/{index}` answers "1" or "0"), served to the place as
// the exporter's `NetworkPowerPort`. Switching on boots a real QEMU board whose console is the board end
// of the lab's pty pair (QEMU opens it as a host serial device); switching off kills that QEMU. So
// `labgrid-client power cycle` (and the workbench through it) really restarts a booting board.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, realpathSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { consoleSerialArgs, prepareBoot, type BootOptions, type Scenario } from '../../scripts/lib/lab/board';

export interface PowerSwitch {
  /** The exporter's NetworkPowerPort `host` (with labgrid's `{index}` and `{value}` placeholders). */
  url: string;
  /** Every switching request, in order: 'on' or 'off'. */
  log: string[];
  /** Whether a board QEMU runs now. */
  running(): boolean;
  /** How many times the board was started. */
  boots(): number;
  close(): Promise<void>;
}

/** `boardPath`: the board end of the lab's pty pair (Lab.boardPath). */
export async function startPowerSwitch(scenario: Scenario, boardPath: string, opts: BootOptions = {}): Promise<PowerSwitch> {
  const prep = prepareBoot(scenario, opts);
  const tty = realpathSync(boardPath);
  // Held open while QEMUs come and go, so the pty pair never sees its last reader leave.
  const hold = openSync(tty, 'r+');
  let qemu: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let boots = 0;
  const log: string[] = [];

  const off = async (): Promise<void> => {
    if (qemu && qemu.exitCode === null && qemu.signalCode === null) qemu.kill('SIGKILL');
    await exited;
    qemu = null;
  };
  const on = (): void => {
    if (qemu && qemu.exitCode === null && qemu.signalCode === null) return;
    const argv = [...prep.argv, '-display', 'none', '-monitor', 'none', ...consoleSerialArgs(scenario, tty)];
    const child = spawn(prep.qemu, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, QEMU_AUDIO_DRV: 'none' } });
    child.stderr!.resume();
    exited = new Promise((r) => child.once('exit', () => r()));
    qemu = child;
    boots++;
  };

  const server: Server = createServer((req, res) => {
    const m = /^\/power\/(\d+)(?:\/([01]))?$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !m) {
      res.writeHead(404).end();
      return;
    }
    if (m[2] === undefined) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(qemu && qemu.exitCode === null ? '1' : '0');
      return;
    }
    const value = m[2] === '1' ? 'on' : 'off';
    log.push(value);
    void (value === 'on' ? Promise.resolve(on()) : off()).then(
      () => res.writeHead(200).end(),
      (e: Error) => res.writeHead(500).end(e.message),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/power/{index}/{value}`,
    log,
    running: () => qemu !== null && qemu.exitCode === null && qemu.signalCode === null,
    boots: () => boots,
    async close() {
      await off();
      await new Promise((r) => server.close(r));
      closeSync(hold);
    },
  };
}
