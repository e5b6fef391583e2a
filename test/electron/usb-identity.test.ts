// Adapter identity without udevadm, on a sysfs-shaped tree laid out as the kernel lays out an FTDI
// adapter (drivers/usb/serial: /sys/devices/…/usb1/1-2/1-2:1.0/ttyUSB0, the USB device's idVendor,
// idProduct, serial, manufacturer, product; udev's /dev/serial/by-id link) with real character device
// nodes (mknod, as root). No USB adapter is attached to the CI machines: this is the layout, the
// reading code is the one the app runs against /sys.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findAdapter, identifyAdapter, listSerialPorts, type PortRoots } from '../../electron/services/ports';
import { tempDir } from '../support/electron';

const canMknod = (() => {
  const dir = tempDir();
  return spawnSync('mknod', [join(dir, 'probe'), 'c', '1', '3']).status === 0;
})();

const USB_DEV = 'devices/pci0000:00/0000:00:14.0/usb1/1-2';

function fixture(): PortRoots & { plug(tty: string, byId: boolean): void; unplug(tty: string): void } {
  const root = tempDir('bringup-sysfs-');
  const sys = join(root, 'sys');
  const dev = join(root, 'dev');
  mkdirSync(join(sys, 'class', 'tty'), { recursive: true });
  mkdirSync(join(sys, 'bus', 'usb-serial'), { recursive: true });
  mkdirSync(join(dev, 'serial', 'by-id'), { recursive: true });
  const usb = join(sys, USB_DEV);
  mkdirSync(usb, { recursive: true });
  for (const [k, v] of Object.entries({ idVendor: '0403', idProduct: '6001', serial: 'A50285BI', manufacturer: 'FTDI', product: 'FT232R USB UART' })) writeFileSync(join(usb, k), `${v}\n`);
  // A legacy 8250 slot with no UART behind it (type 0) and a real one (type 4).
  for (const [name, type] of [['ttyS0', '4'], ['ttyS1', '0']] as const) {
    const d = join(sys, 'devices', 'pnp0', `00:0${name.at(-1)}`);
    mkdirSync(d, { recursive: true });
    mkdirSync(join(sys, 'class', 'tty', name));
    symlinkSync(relative(join(sys, 'class', 'tty', name), d), join(sys, 'class', 'tty', name, 'device'));
    writeFileSync(join(sys, 'class', 'tty', name, 'type'), `${type}\n`);
    spawnSync('mknod', [join(dev, name), 'c', '4', String(64 + Number(name.at(-1)))]);
  }
  mkdirSync(join(sys, 'class', 'tty', 'tty1')); // a virtual console: no device link
  const byIdName = 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0';
  return {
    sys,
    dev,
    plug(tty, byId) {
      const iface = join(usb, '1-2:1.0', tty);
      mkdirSync(iface, { recursive: true });
      symlinkSync(relative(iface, join(sys, 'bus', 'usb-serial')), join(iface, 'subsystem'));
      mkdirSync(join(sys, 'class', 'tty', tty));
      symlinkSync(relative(join(sys, 'class', 'tty', tty), iface), join(sys, 'class', 'tty', tty, 'device'));
      spawnSync('mknod', [join(dev, tty), 'c', '188', tty.slice(-1)]);
      if (byId) symlinkSync(`../../${tty}`, join(dev, 'serial', 'by-id', byIdName));
    },
    unplug(tty) {
      rmSync(join(usb, '1-2:1.0', tty), { recursive: true, force: true });
      rmSync(join(sys, 'class', 'tty', tty), { recursive: true, force: true });
      rmSync(join(dev, tty), { force: true });
      rmSync(join(dev, 'serial', 'by-id', byIdName), { force: true });
    },
  };
}

// Character-device nodes need CAP_MKNOD (root). CI and the project's machines run as root, so this runs
// there; a developer's unprivileged checkout skips it rather than fake a device node.
describe.skipIf(!canMknod)('USB adapter identity from sysfs', () => {
  it('lists the adapter with VID:PID, serial, names and its by-id link; skips empty 8250 slots', () => {
    const f = fixture();
    f.plug('ttyUSB0', true);
    const ports = listSerialPorts(f);
    expect(ports.map((p) => p.path)).toEqual([join(f.dev, 'ttyS0'), join(f.dev, 'ttyUSB0'), 'demo:']);
    expect(ports[1]).toEqual({
      path: join(f.dev, 'ttyUSB0'),
      kind: 'usb',
      vendorId: '0403',
      productId: '6001',
      serialNumber: 'A50285BI',
      manufacturer: 'FTDI',
      product: 'FT232R USB UART',
      byIdPath: join(f.dev, 'serial', 'by-id', 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0'),
    });
    expect(ports[0]).toEqual({ path: join(f.dev, 'ttyS0'), kind: 'platform' });
  });

  it('finds the same adapter after a power cycle: by-id link, else serial number, else nothing', () => {
    const f = fixture();
    f.plug('ttyUSB0', true);
    const id = identifyAdapter(join(f.dev, 'ttyUSB0'), f);
    expect(id).toMatchObject({ serialNumber: 'A50285BI', vendorId: '0403', productId: '6001' });
    f.unplug('ttyUSB0');
    expect(findAdapter(id, f)).toBeUndefined();
    // Re-enumerated as ttyUSB1, and udev has not made the by-id link yet.
    f.plug('ttyUSB1', false);
    expect(findAdapter(id, f)).toBe(join(f.dev, 'ttyUSB1'));
    f.unplug('ttyUSB1');
    f.plug('ttyUSB1', true);
    expect(findAdapter(id, f)).toBe(id.byIdPath);
  });
});
