// serialport's own Unix read (@serialport/bindings-cpp unix-read.js) treats a read of 0 bytes as "try
// again" and loops at once. But 0 bytes is exactly what a hung-up tty returns, for ever:
// drivers/tty/tty_io.c replaces a hung-up file's operations with hung_up_tty_fops, whose read returns
// 0. A USB adapter pulled out (usb_serial_disconnect -> tty_port_tty_vhangup) or a pty whose master
// went away (pty_close -> tty_vhangup of the other end) ends that way, unless the read happened to
// land first on n_tty_read's -EIO for TTY_OTHER_CLOSED. So the loss was seen only when that race went
// our way: otherwise the port spun on empty reads and never reported the line gone.
//
// The port is opened raw with VMIN=1 and O_NONBLOCK, so "no data yet" is EAGAIN, never 0; this read
// treats 0 as the hang-up it is, which the stream reports as a disconnect (close with an error).
import { read as fsRead } from 'node:fs';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';

type Binding = typeof SerialPort.binding;
type OpenOptions = Parameters<Binding['open']>[0];
type PortBinding = Awaited<ReturnType<Binding['open']>>;

interface UnixPortBinding {
  fd: number | null;
  readonly isOpen: boolean;
  poller: { once(event: 'readable', cb: (err: Error | null) => void): unknown };
}

const readAsync = promisify(fsRead);
const RETRY = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

function canceled(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}

function hungUp(detail: string, cause?: unknown): Error {
  return Object.assign(new Error(`the line hung up (${detail})`, { cause }), { code: 'EIO', disconnect: true });
}

/** Read errors that mean the device or the other end of the pty is gone. */
const GONE = new Set(['EIO', 'ENXIO', 'ENODEV', 'EBADF']);

async function readUntilHangup(port: UnixPortBinding, buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }> {
  for (;;) {
    if (!port.isOpen || port.fd === null) throw canceled();
    let bytesRead: number;
    try {
      ({ bytesRead } = await readAsync(port.fd, buffer, offset, length, null));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (GONE.has(code) && port.isOpen) throw hungUp(`read: ${code}`, err);
      if (!RETRY.has(code)) throw err;
      if (!port.isOpen) throw canceled();
      // A hung-up tty polls as an error (the poller reports it as a bad descriptor): the line is gone.
      await new Promise<void>((resolve, reject) =>
        port.poller.once('readable', (e) => {
          if (!e) resolve();
          else reject((e as Error & { canceled?: boolean }).canceled ? e : hungUp(`poll: ${e.message}`, e));
        }),
      );
      continue;
    }
    if (bytesRead === 0 && length > 0) throw hungUp('the tty reads end-of-file');
    return { bytesRead, buffer };
  }
}

function isUnixPort(port: PortBinding): port is PortBinding & UnixPortBinding {
  const p = port as unknown as Partial<UnixPortBinding>;
  return 'fd' in p && typeof p.poller?.once === 'function';
}

/** The platform's binding, with a read that reports a hung-up tty instead of spinning on it. */
export const hangupAwareBinding: Binding = {
  ...SerialPort.binding,
  async open(options: OpenOptions): Promise<PortBinding> {
    const port = await SerialPort.binding.open(options);
    if (isUnixPort(port)) port.read = (buffer: Buffer, offset: number, length: number) => readUntilHangup(port, buffer, offset, length);
    return port;
  },
};
