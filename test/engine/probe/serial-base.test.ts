// The serial core's serial-base devices (engine/probe/serial-base.ts): from v6.5, uart_add_one_port() in a
// UART driver's probe → serial_core_register_port() (drivers/tty/serial/serial_core.c) adds a controller
// device "<dev>:0" (serial_base_ctrl_add) and a port device "<dev>:0.0" (serial_base_port_add) on the
// serial-base bus, bound at once by the ctrl and port drivers serial_base_init() registered. Then the
// catalog scanner that tells which probes register ports (scripts/catalog/uart-ports.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCatalog, type DriverCatalog } from '../../../engine/probe/index';
import { probeRegistersUartPort, uartPortEntryPoints } from '../../../scripts/catalog/uart-ports';
import { stripComments } from '../../../scripts/catalog/c-scan';
import { functionBodies } from '../../../scripts/catalog/probe-lookups';
import { kernelSource, requireSystem } from '../../../scripts/lib/system';
import { armBoard, compileDts, run } from '../../support/probe';

requireSystem('dtc');

const catalog612: DriverCatalog = decodeCatalog(JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'resources', 'kernel', '6.12', 'drivers.json'), 'utf8')));

const board = armBoard(
  `pl011@9000000 { compatible = "arm,pl011", "arm,primecell"; reg = <0 0x9000000 0 0x1000>; interrupts = <0 1 4>; clocks = <&pclk>, <&pclk>; clock-names = "uartclk", "apb_pclk"; };`,
  `serial@9100000 { compatible = "ns16550a"; reg = <0 0x9100000 0 0x100>; interrupts = <0 2 4>; clock-frequency = <1843200>; };`,
);

const bindOrder = (r: ReturnType<typeof run>): string[] =>
  r.prediction.devices.filter((d) => d.bindIndex !== null).sort((a, b) => a.bindIndex! - b.bindIndex!).map((d) => d.name);

describe('serial-base devices (serial_core_register_port, serial_base_ctrl_add / serial_base_port_add)', () => {
  it('adds "<dev>:0" and "<dev>:0.0" for each UART whose probe registers a port, bound by ctrl and port before the UART itself', () => {
    const r = run(compileDts(board), { kernel: '6.12', catalog: catalog612 });
    expect(r.device('9000000.pl011:0')).toMatchObject({ state: 'bound', driver: 'ctrl', node: null, bus: 'serial-base' });
    expect(r.device('9000000.pl011:0.0')).toMatchObject({ state: 'bound', driver: 'port', node: null, bus: 'serial-base' });
    // of_serial reaches uart_add_one_port() through serial8250_register_8250_port()
    expect(r.device('9100000.serial:0')).toMatchObject({ state: 'bound', driver: 'ctrl' });
    expect(r.device('9100000.serial:0.0')).toMatchObject({ state: 'bound', driver: 'port' });
    const order = bindOrder(r);
    // added and bound inside the UART's probe: before its own driver_bound()
    expect(order.indexOf('9000000.pl011:0')).toBeLessThan(order.indexOf('9000000.pl011:0.0'));
    expect(order.indexOf('9000000.pl011:0.0')).toBeLessThan(order.indexOf('9000000.pl011'));
    expect(order.indexOf('9100000.serial:0.0')).toBeLessThan(order.indexOf('9100000.serial'));
    // the dd.c lines the kernel prints for them (6.12's dev_dbg form)
    expect(r.has("ctrl 9000000.pl011:0: driver: 'ctrl': driver_bound: bound to device")).toBe(true);
    expect(r.has("serial-base 9000000.pl011:0.0: bus: 'serial-base': really_probe: probing driver port with device")).toBe(true);
  });

  it('adds none while the UART probe has not succeeded (a deferred probe never reached uart_add_one_port)', () => {
    const r = run(compileDts(board), { kernel: '6.12', catalog: catalog612, assume: [{ target: '9000000.pl011', outcome: { kind: 'defer', times: Number.POSITIVE_INFINITY } }] });
    expect(r.prediction.devices.map((d) => d.name)).not.toContain('9000000.pl011:0');
    expect(r.device('9100000.serial:0.0').state).toBe('bound');
  });

  it('does not exist before v6.5: a 6.1 kernel adds no serial-base device', () => {
    const r = run(compileDts(board), { kernel: '6.1' });
    expect(r.prediction.devices.some((d) => d.bus === 'serial-base')).toBe(false);
    expect(r.device('9000000.pl011').state).toBe('bound');
  });
});

describe('which probes register a UART port (scripts/catalog/uart-ports.ts)', () => {
  it('finds the serial core entry points: uart_add_one_port and the exported wrappers that call it', () => {
    requireSystem('linux-source-6.12');
    const points = uartPortEntryPoints(kernelSource('6.12'), stripComments);
    expect(points.has('uart_add_one_port')).toBe(true);
    expect(points.has('serial8250_register_8250_port')).toBe(true);
    // re-adding the legacy port on unregister is no registration for the probing device
    expect(points.has('serial8250_unregister_port')).toBe(false);
  });

  it('follows the probe into the file\'s own helpers', () => {
    // functions start a line, as the kernel's style has them (functionBodies reads them so)
    const src = stripComments(
      [
        'static int foo_register_port(struct foo *f) { return uart_add_one_port(&foo_drv, &f->port); }',
        'static int foo_probe(struct platform_device *pdev) { struct foo *f; return foo_register_port(f); }',
        'static int bar_probe(struct platform_device *pdev) { return 0; }',
      ].join('\n'),
    );
    const bodies = functionBodies(src);
    const points = new Set(['uart_add_one_port']);
    expect(probeRegistersUartPort('foo_probe', bodies, points)).toBe(true);
    expect(probeRegistersUartPort('bar_probe', bodies, points)).toBe(false);
  });

  it('marks the catalog\'s UART drivers', () => {
    const flagged = (name: string): boolean => catalog612.drivers.some((d) => d.name === name && d.registersUartPort);
    expect(flagged('uart-pl011')).toBe(true);
    expect(flagged('of_serial')).toBe(true);
    expect(flagged('imx-uart')).toBe(true);
    expect(flagged('dw-apb-uart')).toBe(true);
    expect(flagged('pl061_gpio')).toBe(false);
  });
});
