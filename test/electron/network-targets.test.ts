// Serial targets on the network may not reach link-local or cloud-metadata addresses unless the user
// allows it: refused before any packet is sent, with one sentence; loopback and lab addresses connect.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SERIAL_SETTINGS } from '../../electron/common/contract';
import { EventHub } from '../../electron/services/events';
import { ConnectionManager } from '../../electron/services/serial/connections';
import { isLinkLocalOrMetadata } from '../../electron/services/serial/network-policy';
import { RecorderProbe } from '../support/recorder-probe';

describe('network serial targets', () => {
  it('knows the link-local and metadata addresses', () => {
    for (const a of ['169.254.169.254', '169.254.0.1', 'fe80::1', '[fe80::1]', 'FEBF::2', 'fd00:ec2::254', '100.100.100.200', '::ffff:169.254.169.254']) expect(isLinkLocalOrMetadata(a), a).toBe(true);
    for (const a of ['127.0.0.1', '10.0.0.5', '192.168.1.20', '::1', 'fd00::1', '100.100.100.201']) expect(isLinkLocalOrMetadata(a), a).toBe(false);
  });

  it('refuses tcp://, rfc2217:// and labgrid:// targets there, and records nothing', async () => {
    const recorder = new RecorderProbe();
    const m = new ConnectionManager({ events: new EventHub(), recorder });
    try {
      for (const target of ['tcp://169.254.169.254:80', 'rfc2217://[fe80::1]:2000', 'labgrid://169.254.169.254/place']) {
        await expect(m.connect({ target, settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: false })).rejects.toThrow(/link-local or cloud-metadata address; refused unless link-local targets are allowed/);
      }
      expect(recorder.begun).toEqual([]);
    } finally {
      await m.dispose();
    }
  });

  it('connects to a loopback console server as before', async () => {
    const server = createServer((s) => s.end('hello\r\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const recorder = new RecorderProbe();
    const m = new ConnectionManager({ events: new EventHub(), recorder });
    try {
      const st = await m.connect({ target: `tcp://127.0.0.1:${port}`, settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: false });
      expect(st.state).toBe('connected');
    } finally {
      await m.dispose();
      server.close();
    }
  });
});
