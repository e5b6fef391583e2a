// A place's power, switched the way the lab already switches it: `labgrid-client -p PLACE power
// on|off|cycle` of the user's own installation (labgrid/remote/client.py ClientSession.power), which picks
// the driver for the place's power resource (NetworkPowerPort, USBPowerPort, PDUDaemonPort, …). The
// workbench speaks no PDU protocol of its own. labgrid-client runs under the identity the workbench's
// coordinator session declared, so the place the workbench holds is the place labgrid-client may switch.
import { spawn } from 'node:child_process';
import { POWER_ACTIONS, type PowerAction } from '../../common/contract';
import type { LabgridInstallation } from './installation';

export { POWER_ACTIONS, type PowerAction };

export interface PowerRequest {
  /** host:port of the coordinator. */
  coordinator: string;
  place: string;
  action: PowerAction;
  /** "host/user", as the coordinator knows the holder (LG_HOSTNAME / LG_USERNAME for labgrid-client). */
  identity: string;
  /** `power cycle -t`: seconds between off and on (labgrid's driver default otherwise, 2 s for most). */
  delaySeconds?: number;
  /** labgrid-client is killed after this long (default 60 s plus the delay). */
  timeoutMs?: number;
}

/** The environment labgrid-client reads its identity from (labgrid/remote/client.py gethostname/getuser). */
export function identityEnv(identity: string): { LG_HOSTNAME: string; LG_USERNAME: string } {
  const slash = identity.indexOf('/');
  if (slash <= 0 || slash === identity.length - 1) throw new Error(`not a labgrid identity: ${JSON.stringify(identity)} (expected host/user)`);
  return { LG_HOSTNAME: identity.slice(0, slash), LG_USERNAME: identity.slice(slash + 1) };
}

/** The command line, for the recording and for messages. */
export function powerCommand(install: LabgridInstallation, req: PowerRequest): string[] {
  return [install.client, '-x', req.coordinator, '-p', req.place, 'power', req.action, ...(req.delaySeconds !== undefined ? ['-t', String(req.delaySeconds)] : [])];
}

/**
 * Runs the power action; resolves when labgrid-client has done it, rejects with labgrid-client's own last
 * words (a place not acquired, no power resource, the switch unreachable). Asynchronous on purpose: the
 * console keeps being read and recorded while the board goes off and on.
 */
export function runLabgridPower(install: LabgridInstallation, req: PowerRequest): Promise<void> {
  if (!POWER_ACTIONS.includes(req.action)) return Promise.reject(new Error(`unknown power action ${JSON.stringify(req.action)} (on, off or cycle)`));
  if (req.delaySeconds !== undefined && !(req.delaySeconds >= 0)) return Promise.reject(new Error(`bad power-cycle delay ${String(req.delaySeconds)}`));
  const [cmd, ...args] = powerCommand(install, req);
  const timeoutMs = req.timeoutMs ?? 60_000 + (req.delaySeconds ?? 0) * 1000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...identityEnv(req.identity) } });
    let output = '';
    const keep = (b: Buffer) => {
      output = (output + b.toString('utf8')).slice(-8192);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const last = output.split('\n').map((l) => l.trim()).filter(Boolean).pop();
      const why = timedOut ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (last ?? (signal ? `killed by ${signal}` : `exit status ${code}`));
      reject(new Error(`labgrid-client power ${req.action} on place ${req.place}: ${why}`));
    });
  });
}
