// The serial service against real lines: a socat pty pair (bytes both ways, DTR/RTS/BREAK, unplug
// by killing socat and reconnection when it comes back at the same link), a raw TCP server, and
// ser2net serving a pty over telnet RFC 2217 with our client changing the pty's termios.
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SERIAL_SETTINGS, type ConnectionStatus } from '../../electron/common/contract';
import { EventHub } from '../../electron/services/events';
import { ConnectionManager } from '../../electron/services/serial/connections';
import { DeviceTransport } from '../../electron/services/serial/device-transport';
import { RecorderProbe } from '../support/recorder-probe';
import { freePort, ser2netRfc2217, socatPtyPair, socatTcpToPty, stty, sttySpeed, tempDir, waitFor, type Proc } from '../support/electron';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('socat', 'ser2net');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function managed(reconnectPollMs = 50) {
  const events = new EventHub();
  const recorder = new RecorderProbe();
  const statuses: ConnectionStatus[] = [];
  events.on('connectionStatus', (s) => statuses.push(s));
  const rx: number[] = [];
  events.on('serialData', (d) => rx.push(...d.bytes));
  const manager = new ConnectionManager({ events, recorder, reconnectPollMs });
  cleanups.push(() => manager.dispose());
  return { events, recorder, statuses, manager, rx, rxText: () => Buffer.from(rx).toString('latin1') };
}

async function openFarEnd(path: string): Promise<{ port: SerialPort; received: () => string }> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  let got = '';
  port.on('data', (d: Buffer) => (got += d.toString('latin1')));
  port.on('error', () => {});
  cleanups.push(() => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())));
  return { port, received: () => got };
}

function write(port: SerialPort, text: string | Buffer): Promise<void> {
  return new Promise((res, rej) => port.write(text, (e) => (e ? rej(e) : port.drain(() => res()))));
}

describe('serial over a socat pty pair', () => {
  it('moves bytes both ways, records them, and accepts DTR/RTS/BREAK', async () => {
    const dir = tempDir();
    const [app, board] = [join(dir, 'app'), join(dir, 'board')];
    const socat = await socatPtyPair(app, board);
    cleanups.push(() => socat.stop());
    const { manager, recorder, rxText } = managed();
    const far = await openFarEnd(board);

    const st = await manager.connect({ target: app, settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: false });
    expect(st.state).toBe('connected');
    expect(st.sessionId).toBe('session-1');
    expect(recorder.begun[0]!.resolvedPath).toBe(app);

    // Every byte value, including 0x00 and 0xff, in both directions.
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await write(far.port, Buffer.concat([Buffer.from('U-Boot 2024.01\r\n'), all]));
    await waitFor('board bytes at the app', () => rxText().length >= 16 + 256);
    expect(Buffer.from(rxText(), 'latin1').subarray(16)).toEqual(all);
    expect(recorder.rxText()).toBe(rxText());

    await manager.write(st.connectionId, new TextEncoder().encode('root\n'));
    await waitFor('typed bytes at the board', () => far.received().includes('root\n'));
    expect(Buffer.from(recorder.txBytes).toString()).toBe('root\n');

    await manager.setSignals(st.connectionId, { dtr: false, rts: true });
    await manager.pulseSignal(st.connectionId, 'dtr', 20);
    await manager.sendBreak(st.connectionId, 20);
    const kinds = recorder.markers.map((m) => m.kind);
    expect(kinds).toEqual(['connect', 'signals', 'reset', 'break']);
    expect(recorder.markers[2]!.detail).toMatch(/^dtr 20ms/);

    // Asking again for the same line (a reloaded page) hands back the open connection.
    const again = await manager.connect({ target: app, settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: true });
    expect(again.connectionId).toBe(st.connectionId);
    expect(manager.list()).toHaveLength(1);
    // Another owner (another window) cannot open a device this one holds: serialport locks it.
    await expect(manager.connect({ target: app, settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: false }, 'other-window')).rejects.toThrow(/lock/i);

    const status = manager.list()[0]!;
    expect(status.bytesReceived).toBe(16 + 256);
    expect(status.bytesSent).toBe(5);

    await manager.disconnect(st.connectionId);
    expect(recorder.markers.at(-1)!.kind).toBe('disconnect');
    expect(recorder.ended).toBe(1);
  });

  it('changes the baud rate and framing of the pty it opened', async () => {
    const dir = tempDir();
    const [app, board] = [join(dir, 'app'), join(dir, 'board')];
    const socat = await socatPtyPair(app, board);
    cleanups.push(() => socat.stop());
    const { manager, recorder } = managed();
    const st = await manager.connect({ target: app, settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: false });
    expect(sttySpeed(app)).toBe(115200);
    await manager.updateSettings(st.connectionId, { ...DEFAULT_SERIAL_SETTINGS, baudRate: 9600 });
    expect(sttySpeed(app)).toBe(9600);
    expect(stty(app)).toMatch(/(^|\s)-parodd\b/);
    expect(stty(app)).toMatch(/(^|\s)-cstopb\b/);
    await manager.updateSettings(st.connectionId, { baudRate: 57600, dataBits: 7, parity: 'odd', stopBits: 2, flowControl: 'rtscts' });
    const termios = stty(app);
    expect(termios).toMatch(/speed 57600 baud/);
    expect(termios).toMatch(/(^|\s)parodd\b/);
    expect(termios).toMatch(/(^|\s)cstopb\b/);
    expect(termios).toMatch(/(^|\s)crtscts\b/);
    // A pty keeps 8 data bits and no parity bit whatever it is told (drivers/tty/pty.c pty_set_termios).
    expect(termios).toMatch(/\bcs8\b/);
    expect(termios).toMatch(/(^|\s)-parenb\b/);
    expect(recorder.markers.filter((m) => m.kind === 'config')).toHaveLength(2);
    expect(manager.list()[0]!.state).toBe('connected');
  });

  it('shows an unplug at once and reconnects when the same link comes back', async () => {
    const dir = tempDir();
    const [app, board] = [join(dir, 'app'), join(dir, 'board')];
    let socat: Proc = await socatPtyPair(app, board);
    cleanups.push(() => socat.stop());
    const { manager, recorder, statuses, rxText } = managed(50);
    const st = await manager.connect({ target: app, settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: true });
    const firstDevice = realpathSync(app);
    let far = await openFarEnd(board);
    await write(far.port, 'before unplug\n');
    await waitFor('first bytes', () => rxText().includes('before unplug\n'));

    await socat.stop();
    await waitFor('lost status', () => statuses.some((s) => s.state === 'lost'), 10_000, 5);
    expect(statuses.some((s) => s.state === 'reconnecting')).toBe(true);
    await expect(manager.write(st.connectionId, new Uint8Array([65]))).rejects.toThrow(/reconnecting|lost/);
    // Settings changed while the adapter is away apply when it comes back.
    await manager.updateSettings(st.connectionId, { ...DEFAULT_SERIAL_SETTINGS, baudRate: 230400 });

    socat = await socatPtyPair(app, board);
    await waitFor('reconnected', () => manager.list()[0]!.state === 'connected', 15_000);
    far = await openFarEnd(board);
    await write(far.port, 'after replug\n');
    await waitFor('bytes after reconnect', () => rxText().includes('after replug\n'));
    expect(rxText()).toBe('before unplug\nafter replug\n');
    expect(sttySpeed(app)).toBe(230400);
    expect(recorder.rxText()).toBe(rxText());
    expect(recorder.markers.map((m) => m.kind)).toEqual(['connect', 'lost', 'config', 'reconnect']);
    expect(recorder.begun).toHaveLength(1); // one session across the power cycle
    // The link now names the new socat's pty (the kernel may hand out the same number again).
    expect(realpathSync(app)).toMatch(/^\/dev\/pts\/\d+$/);
    expect(firstDevice).toMatch(/^\/dev\/pts\/\d+$/);
    await manager.write(st.connectionId, new TextEncoder().encode('ok\n'));
    await waitFor('typed after reconnect', () => far.received().includes('ok\n'));
  });
});

describe('a pty hang-up, however the read meets it', () => {
  // When socat dies, the read on our end meets either n_tty_read's EIO (the other side closed), a
  // poll error, or, once the tty is fully hung up, end-of-file for ever (tty_io.c hung_up_tty_read).
  // serialport alone spins on that end-of-file and never reports the loss; one cycle in ten or so
  // takes that path, so forty cycles meet it nearly every run.
  it('reports every one of 40 unplugs as lost, with a reason that says the line hung up', async () => {
    const dir = tempDir();
    const [app, board] = [join(dir, 'app'), join(dir, 'board')];
    const reasons: string[] = [];
    for (let i = 0; i < 40; i++) {
      const socat = await socatPtyPair(app, board);
      let lost: string | undefined;
      const line = new DeviceTransport(app, DEFAULT_SERIAL_SETTINGS, { data: () => {}, lost: (why) => (lost = why) });
      await line.open();
      if (i % 2) await new Promise((r) => setTimeout(r, 10));
      socat.child.kill('SIGKILL');
      await socat.stop();
      await waitFor(`unplug ${i + 1} to be seen`, () => lost, 15_000, 5).catch(async (err: unknown) => {
        await line.close();
        throw err;
      });
      reasons.push(lost!);
    }
    expect(reasons.filter((r) => !/^the line hung up \((read: EIO|poll: .+|the tty reads end-of-file)\)$/.test(r))).toEqual([]);
  }, 60_000);
});

describe('serial over raw TCP', () => {
  it('connects to tcp://127.0.0.1:port and moves bytes both ways', async () => {
    const dir = tempDir();
    const port = await freePort();
    const pty = join(dir, 'pty');
    const socat = await socatTcpToPty(port, pty);
    cleanups.push(() => socat.stop());
    const { manager, rxText } = managed();
    const st = await manager.connect({ target: `tcp://127.0.0.1:${port}`, settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: false });
    expect(st.state).toBe('connected');
    await waitFor('pty behind the TCP server', () => {
      try {
        return realpathSync(pty);
      } catch {
        return undefined;
      }
    });
    const far = await openFarEnd(pty);
    await write(far.port, Buffer.from([0xff, 0x00, 0x0d, 0x0a, 0x41]));
    await waitFor('bytes over TCP', () => rxText().length >= 5);
    expect([...Buffer.from(rxText(), 'latin1')]).toEqual([0xff, 0x00, 0x0d, 0x0a, 0x41]);
    await manager.write(st.connectionId, Uint8Array.of(0xff, 0x42));
    await waitFor('bytes to the pty', () => far.received().length >= 2);
    expect([...Buffer.from(far.received(), 'latin1')]).toEqual([0xff, 0x42]);
    await expect(manager.setSignals(st.connectionId, { dtr: true })).rejects.toThrow(/rfc2217/);
  });

  it('shows the server going away and reconnects when it listens again', async () => {
    const dir = tempDir();
    const port = await freePort();
    const pty = join(dir, 'pty');
    let socat = await socatTcpToPty(port, pty);
    cleanups.push(() => socat.stop());
    const { manager, statuses, rxText, recorder } = managed(50);
    const st = await manager.connect({ target: `tcp://127.0.0.1:${port}`, settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: true });
    await socat.stop();
    await waitFor('lost', () => statuses.some((s) => s.state === 'lost'), 15_000, 5);
    socat = await socatTcpToPty(port, pty);
    await waitFor('reconnected', () => manager.list()[0]!.state === 'connected', 15_000);
    await waitFor('pty behind the new server', () => {
      try {
        return realpathSync(pty);
      } catch {
        return undefined;
      }
    });
    const far = await openFarEnd(pty);
    await write(far.port, 'back\n');
    await waitFor('bytes after reconnect', () => rxText().includes('back\n'));
    expect(recorder.markers.map((m) => m.kind)).toEqual(['connect', 'lost', 'reconnect']);
    expect(st.connectionId).toBe(manager.list()[0]!.connectionId);
  });

  it('reports a refused connection', async () => {
    const { manager } = managed();
    const port = await freePort();
    await expect(manager.connect({ target: `tcp://127.0.0.1:${port}`, settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: false })).rejects.toThrow(/ECONNREFUSED/);
    expect(manager.list()).toEqual([]);
  });
});

describe('serial over RFC 2217 (ser2net)', () => {
  it('negotiates COM-PORT-OPTION, moves bytes (0xff escaped) and changes the pty baud rate', async () => {
    const dir = tempDir();
    const [dev, board] = [join(dir, 'dev'), join(dir, 'board')];
    const socat = await socatPtyPair(dev, board);
    cleanups.push(() => socat.stop());
    const port = await freePort();
    const ser2net = await ser2netRfc2217(dir, port, dev);
    cleanups.push(() => ser2net.stop());
    const { manager, rxText, recorder } = managed();
    const st = await manager.connect({ target: `rfc2217://127.0.0.1:${port}`, settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: false });
    expect(st.state).toBe('connected');
    // ser2net opened the pty with our settings.
    await waitFor('ser2net opened the pty at 115200', () => sttySpeed(dev) === 115200);

    await manager.updateSettings(st.connectionId, { ...DEFAULT_SERIAL_SETTINGS, baudRate: 9600 });
    expect(sttySpeed(dev)).toBe(9600);
    await manager.updateSettings(st.connectionId, { baudRate: 19200, dataBits: 7, parity: 'odd', stopBits: 2, flowControl: 'none' });
    const termios = stty(dev);
    expect(termios).toMatch(/speed 19200 baud/);
    expect(termios).toMatch(/(^|\s)parodd\b/);
    expect(termios).toMatch(/(^|\s)cstopb\b/);
    // Data size and the parity bit never show on a pty (drivers/tty/pty.c forces CS8, clears PARENB).
    expect(termios).toMatch(/\bcs8\b/);
    await manager.updateSettings(st.connectionId, DEFAULT_SERIAL_SETTINGS);

    const far = await openFarEnd(board);
    const payload = Buffer.from([0x41, 0xff, 0xff, 0x0d, 0x00, 0x0a, 0xfa, 0xf0]);
    await write(far.port, payload);
    await waitFor('bytes through ser2net', () => rxText().length >= payload.length);
    expect(Buffer.from(rxText(), 'latin1')).toEqual(payload);
    await manager.write(st.connectionId, Uint8Array.from([0xff, 0x0d, 0x00, 0x42]));
    await waitFor('bytes to the pty through ser2net', () => far.received().length >= 4);
    expect([...Buffer.from(far.received(), 'latin1')]).toEqual([0xff, 0x0d, 0x00, 0x42]);
    expect(recorder.txBytes).toEqual([0xff, 0x0d, 0x00, 0x42]);

    // DTR/RTS/BREAK travel as SET-CONTROL; ser2net answers each one.
    await manager.setSignals(st.connectionId, { dtr: true, rts: false });
    await manager.pulseSignal(st.connectionId, 'rts', 10);
    await manager.sendBreak(st.connectionId, 10);
    expect(recorder.markers.map((m) => m.kind)).toEqual(['connect', 'config', 'config', 'config', 'signals', 'reset', 'break']);
    // ser2net answers BREAK; behind a pty it leaves DTR/RTS unanswered (TIOCMSET fails), and the record says so.
    expect(recorder.markers[4]!.detail).toMatch(/not confirmed/);
    expect(recorder.markers[6]!.detail).toBe('10ms');
  });
});

describe('RFC 2217 server restart', () => {
  it('renegotiates and re-applies the settings when ser2net comes back', async () => {
    const dir = tempDir();
    const [dev, board] = [join(dir, 'dev'), join(dir, 'board')];
    const socat = await socatPtyPair(dev, board);
    cleanups.push(() => socat.stop());
    const port = await freePort();
    let ser2net = await ser2netRfc2217(dir, port, dev);
    cleanups.push(() => ser2net.stop());
    const { manager, statuses, recorder } = managed(50);
    const st = await manager.connect({ target: `rfc2217://127.0.0.1:${port}`, settings: { ...DEFAULT_SERIAL_SETTINGS, baudRate: 57600 }, autoReconnect: true });
    await waitFor('57600 on the pty', () => sttySpeed(dev) === 57600);
    await ser2net.stop();
    await waitFor('lost', () => statuses.some((s) => s.state === 'lost'), 15_000, 5);
    // While the server is away the line is set to something else: only our client re-applying its
    // settings after the reconnect can bring 57600 back (ser2net itself opens it at 115200).
    expect(spawnSync('stty', ['-F', dev, '9600']).status).toBe(0);
    expect(sttySpeed(dev)).toBe(9600);
    ser2net = await ser2netRfc2217(dir, port, dev);
    await waitFor('reconnected', () => manager.list()[0]!.state === 'connected', 15_000);
    await waitFor('57600 again on the pty', () => sttySpeed(dev) === 57600, 15_000);
    expect(recorder.markers.map((m) => m.kind)).toEqual(['connect', 'lost', 'reconnect']);
    expect(manager.list()[0]!.connectionId).toBe(st.connectionId);
  });
});
