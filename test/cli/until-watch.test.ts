// The --until watch of `bringup compare` on a live console: a match wherever the stream is split, a
// prompt still waiting for input, colour codes removed, nothing before it is armed, and the old boot's
// unfinished prompt at a power cycle never taken for the new boot's.
import { describe, expect, it } from 'vitest';
import { UntilWatch } from '../../cli/live';

const enc = (s: string) => new TextEncoder().encode(s);

describe('UntilWatch', () => {
  const boot = '[    1.234567] Run /init as init process\r\nStarting syslogd: OK\r\n\r\nWelcome\r\n\x1b[1mrig7 login:\x1b[0m ';

  it('matches the waiting prompt wherever the stream is split', () => {
    const bytes = enc(boot);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const w = new UntilWatch(/login:/);
      const first = w.push(bytes.subarray(0, cut), 0);
      const second = w.push(bytes.subarray(cut), 0);
      // The line as it stood when it matched: the prompt, and whatever of the rest had arrived (a colour
      // code cut in half is not yet one the cleaning knows).
      expect(first ?? second, `split at ${cut}`).toMatch(/^rig7 login:/);
      expect(first === null || second === null).toBe(true);
    }
  });

  it('matches a whole line, and nothing once it has matched', () => {
    const w = new UntilWatch(/^Starting syslogd/);
    expect(w.push(enc(boot), 0)).toBe('Starting syslogd: OK');
    expect(w.push(enc('Starting syslogd: again\r\n'), 0)).toBeNull();
    expect(w.matched).toBe('Starting syslogd: OK');
  });

  it('matches nothing before it is armed, and without a pattern', () => {
    const w = new UntilWatch(/login:/, false);
    expect(w.push(enc('old login: \r\n'), 0)).toBeNull();
    w.arm();
    expect(w.push(enc('new login: '), 0)).toBe('new login: ');
    expect(new UntilWatch(null).push(enc(boot), 0)).toBeNull();
  });

  it('never takes the prompt left unfinished at a power cycle for the new boot', () => {
    const w = new UntilWatch(/login:/, false);
    expect(w.push(enc('rig7 login: '), 0)).toBeNull();
    w.arm();
    // The new boot's first bytes end the old prompt's line; the old prompt is still not this boot's.
    expect(w.push(enc('\r\n[    0.000000] Booting Linux on physical CPU 0x0\r\n'), 0)).toBeNull();
    expect(w.push(enc('rig7 login: '), 0)).toBe('rig7 login: ');
  });
});
