// Serial port enumeration from sysfs, the way udev's path_id/usb_id and pyserial's list_ports_linux
// read it (serialport's own list() spawns `udevadm`, which these machines lack): every
// /sys/class/tty/<name>/device, the USB device above it (idVendor, idProduct, serial, manufacturer,
// product), and the /dev/serial/by-id symlinks udev made. Kernel: drivers/tty/serial/serial_core.c
// (the `type` attribute: 0 is PORT_UNKNOWN, a legacy 8250 slot with no UART behind it).
import { parseLabgridTarget } from '../common/labgrid-target';
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { PortInfo } from '../common/contract';

export interface PortRoots {
  /** `/sys` */
  sys: string;
  /** `/dev` */
  dev: string;
}

const SYSTEM_ROOTS: PortRoots = { sys: '/sys', dev: '/dev' };

export const DEMO_TARGET = 'demo:';

function readAttr(dir: string, name: string): string | undefined {
  try {
    return readFileSync(join(dir, name), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The by-id (and by-path) symlinks, keyed by the device node they point at. */
function udevLinks(roots: PortRoots, folder: 'by-id' | 'by-path'): Map<string, string> {
  const out = new Map<string, string>();
  const dir = join(roots.dev, 'serial', folder);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    const link = join(dir, name);
    try {
      const target = resolve(dir, readlinkSync(link));
      if (!out.has(target)) out.set(target, link);
    } catch {
      // a dangling link: the adapter is going away right now
    }
  }
  return out;
}

/** Walks up from the tty's device to the USB device (the folder holding idVendor). */
function usbDeviceDir(deviceDir: string, sysRoot: string): string | undefined {
  let d = deviceDir;
  for (let i = 0; i < 8 && d.startsWith(sysRoot) && d !== sysRoot; i++) {
    if (existsSync(join(d, 'idVendor'))) return d;
    d = dirname(d);
  }
  return undefined;
}

function subsystemOf(deviceDir: string): string {
  try {
    return basename(realpathSync(join(deviceDir, 'subsystem')));
  } catch {
    return '';
  }
}

/** Every serial device the kernel registered, with its USB identity when it has one, and `demo:`. */
export function listSerialPorts(roots: PortRoots = SYSTEM_ROOTS): PortInfo[] {
  const byId = udevLinks(roots, 'by-id');
  const ports: PortInfo[] = [];
  const classDir = join(roots.sys, 'class', 'tty');
  let names: string[] = [];
  try {
    names = readdirSync(classDir);
  } catch {
    names = [];
  }
  for (const name of names.sort(naturalCompare)) {
    const ttyDir = join(classDir, name);
    const deviceLink = join(ttyDir, 'device');
    let deviceDir: string;
    try {
      deviceDir = realpathSync(deviceLink);
    } catch {
      continue; // virtual consoles, ptmx, console: no device behind them
    }
    const subsystem = subsystemOf(deviceDir);
    // serial_core exposes `type`; PORT_UNKNOWN (0) is an empty legacy 8250 slot.
    const type = readAttr(ttyDir, 'type');
    if (type === '0') continue;
    const path = join(roots.dev, name);
    const info: PortInfo = { path, kind: subsystem === 'usb' || subsystem === 'usb-serial' ? 'usb' : 'platform' };
    const usb = usbDeviceDir(deviceDir, roots.sys);
    if (usb) {
      info.kind = 'usb';
      info.vendorId = readAttr(usb, 'idVendor');
      info.productId = readAttr(usb, 'idProduct');
      info.serialNumber = readAttr(usb, 'serial');
      info.manufacturer = readAttr(usb, 'manufacturer');
      info.product = readAttr(usb, 'product');
    }
    const link = byId.get(path);
    if (link) info.byIdPath = link;
    for (const k of Object.keys(info) as (keyof PortInfo)[]) if (info[k] === undefined) delete info[k];
    ports.push(info);
  }
  ports.push({ path: DEMO_TARGET, kind: 'demo', product: 'Bundled demo board (recorded boot log)' });
  return ports;
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export type TargetKind = 'device' | 'tcp' | 'rfc2217' | 'demo' | 'labgrid';

export interface ParsedTarget {
  kind: TargetKind;
  /** Device path (device), or host and port (tcp, rfc2217; labgrid: the coordinator's). */
  path?: string;
  host?: string;
  port?: number;
  /** labgrid: the coordinator (host:port) and the place. */
  coordinator?: string;
  place?: string;
}

/**
 * Parses what the user typed or picked: a device path, `tcp://host:port`, `rfc2217://host:port`,
 * `labgrid://coordinator[:port]/place`, `demo:`.
 */
export function parseTarget(target: string): ParsedTarget {
  const t = target.trim();
  if (t === DEMO_TARGET || t === 'demo') return { kind: 'demo' };
  if (/^labgrid:\/\//i.test(t)) {
    const lg = parseLabgridTarget(t);
    if ('error' in lg) throw new Error(lg.error);
    if (!lg.value.place) throw new Error(`${target} names no place: labgrid://COORDINATOR[:PORT]/PLACE`);
    return { kind: 'labgrid', host: lg.value.host, port: lg.value.port, coordinator: lg.value.coordinator, place: lg.value.place };
  }
  const m = /^(tcp|rfc2217):\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/i.exec(t);
  if (m) {
    const port = Number(m[3]);
    if (port < 1 || port > 65535) throw new Error(`port out of range in ${target}`);
    const host = m[2]!.replace(/^\[|\]$/g, '');
    return { kind: m[1]!.toLowerCase() as 'tcp' | 'rfc2217', host, port };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) throw new Error(`unsupported target ${target}: use a device path, tcp://host:port, rfc2217://host:port or labgrid://coordinator/place`);
  if (!t.startsWith('/')) throw new Error(`not an absolute device path: ${target}`);
  return { kind: 'device', path: t };
}

/** What identifies the adapter behind a device path, so that it can be found again after a power cycle. */
export interface AdapterIdentity {
  /** The path as the user gave it (a by-id link, a socat `link=`, or /dev/ttyUSB0). */
  path: string;
  byIdPath?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

export function identifyAdapter(path: string, roots: PortRoots = SYSTEM_ROOTS): AdapterIdentity {
  const id: AdapterIdentity = { path };
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    return id;
  }
  const port = listSerialPorts(roots).find((p) => p.path === real);
  if (port) {
    if (port.byIdPath) id.byIdPath = port.byIdPath;
    if (port.serialNumber) id.serialNumber = port.serialNumber;
    if (port.vendorId) id.vendorId = port.vendorId;
    if (port.productId) id.productId = port.productId;
  }
  return id;
}

/**
 * Where the adapter is now, if it is back: the same by-id link, else a port with the same serial
 * number (and VID:PID), else the same path. A re-enumerated FTDI may come back as ttyUSB1.
 */
export function findAdapter(id: AdapterIdentity, roots: PortRoots = SYSTEM_ROOTS): string | undefined {
  if (id.byIdPath && existsSync(id.byIdPath)) return id.byIdPath;
  if (id.serialNumber) {
    const match = listSerialPorts(roots).find(
      (p) => p.serialNumber === id.serialNumber && (!id.vendorId || p.vendorId === id.vendorId) && (!id.productId || p.productId === id.productId),
    );
    if (match) return match.path;
  }
  try {
    if (statSync(id.path).isCharacterDevice()) return id.path;
  } catch {
    // not back yet
  }
  return undefined;
}

/** Unix98 pty slaves (/dev/pts/N, majors 136-143): no modem-control lines, BREAK is a no-op. */
export function isPty(path: string): boolean {
  try {
    const real = realpathSync(path);
    if (real.startsWith('/dev/pts/')) return true;
    const major = Number(BigInt(statSync(real, { bigint: true }).rdev) >> 8n) & 0xfff;
    return major >= 136 && major <= 143;
  } catch {
    return false;
  }
}
