// Port enumeration without udevadm: on this machine's real /sys and /dev, and target parsing.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listSerialPorts, parseTarget } from '../../electron/services/ports';

describe('listSerialPorts on this machine', () => {
  const ports = listSerialPorts();

  it('lists every tty the kernel backs with a device (and nothing else), plus demo:', () => {
    const expected: string[] = [];
    for (const name of readdirSync('/sys/class/tty')) {
      try {
        realpathSync(`/sys/class/tty/${name}/device`);
      } catch {
        continue;
      }
      let type: string | undefined;
      try {
        type = readFileSync(`/sys/class/tty/${name}/type`, 'utf8').trim();
      } catch {
        type = undefined;
      }
      if (type !== '0') expected.push(`/dev/${name}`);
    }
    const listed = ports.filter((p) => p.kind !== 'demo').map((p) => p.path);
    expect(listed.sort()).toEqual(expected.sort());
    for (const p of listed) expect(statSync(p).isCharacterDevice()).toBe(true);
    expect(ports.at(-1)).toMatchObject({ path: 'demo:', kind: 'demo' });
  });
});

describe('parseTarget', () => {
  it('reads device paths, tcp://, rfc2217:// and demo:', () => {
    expect(parseTarget('/dev/ttyUSB0')).toEqual({ kind: 'device', path: '/dev/ttyUSB0' });
    expect(parseTarget(' tcp://127.0.0.1:2000 ')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 2000 });
    expect(parseTarget('rfc2217://[::1]:7000')).toEqual({ kind: 'rfc2217', host: '::1', port: 7000 });
    expect(parseTarget('RFC2217://lab-ts.local:4001/')).toEqual({ kind: 'rfc2217', host: 'lab-ts.local', port: 4001 });
    expect(parseTarget('demo:')).toEqual({ kind: 'demo' });
  });

  it('refuses what it cannot open', () => {
    expect(() => parseTarget('ttyUSB0')).toThrow(/absolute/);
    expect(() => parseTarget('telnet://host:23')).toThrow(/unsupported/);
    expect(() => parseTarget('tcp://host:99999')).toThrow(/range/);
    expect(() => parseTarget('tcp://host')).toThrow();
  });
});
