// The serial core's own bus (v6.5+, drivers/tty/serial/serial_base_bus.c): when a UART driver's probe
// registers a port (uart_add_one_port() → serial_ctrl_register_port() → serial_core_register_port(),
// drivers/tty/serial/serial_core.c), the core adds a controller device for the UART device if it has none
// yet (serial_base_ctrl_add: "<dev_name>:<ctrl_id>") and a port device under it (serial_base_port_add:
// "<dev_name>:<ctrl_id>.<port_id>"), both on the `serial-base` bus, where the `ctrl` and `port` drivers
// that serial_base_init() registers at arch_initcall bind them at once (serial_base_match() pairs a
// device's type with the driver of that name; neither probe can fail or wait).
// The devices take their parent's fwnode (device_set_node with of_node_reused): no node of their own and
// no fw_devlink links (fwnode->dev is already the UART's). The model registers one port per UART device
// (ctrl_id 0, port_id 0 from the IDA): what a device-tree UART driver does; drivers that register several
// ports on one device (PCI multi-port cards, I2C/SPI expanders) are not modelled.
// Which drivers register ports comes from the catalog (CatalogDriver.registersUartPort).
// Rules: docs/kernel-model.md §Population.
import type { CatalogDriver } from './catalog';
import type { PlatformDevice } from './populate';

/** The two drivers serial_base_init() registers: serial_ctrl.c serial_ctrl_driver, serial_port.c serial_port_driver. */
function serialBaseDriver(name: 'ctrl' | 'port', rank: number): CatalogDriver {
  return {
    name, bus: 'serial-base', level: 'arch', order: rank, initcall: 'serial_base_init', kconfig: ['SERIAL_CORE'], module: 'serial_base',
    compatible: [], amba: [], asyncProbe: false, populatesChildren: false, platformIds: null, mfdCells: null, linkedPopulates: [],
    probeLookups: [], childDevices: [], powerOff: { refuses: false, claims: false }, registersUartPort: false, registersWakeupRtc: false,
    file: 'drivers/tty/serial/serial_base_bus.c',
  };
}

/**
 * serial_base_init(): bus_register, then serial_base_ctrl_init() and serial_base_port_init(), in that order.
 * Not in the catalog's link order: a negative order runs it before the catalog's arch initcalls, which
 * no device depends on (ports are registered from device-level probes).
 */
export const SERIAL_BASE_DRIVERS: readonly CatalogDriver[] = [serialBaseDriver('ctrl', -1000), serialBaseDriver('port', -999)];

/**
 * serial_core_register_port() for each of a UART device's `ports` ports: its controller device once, then
 * a port device per port, whose id serial_base_port_add() takes from the controller's IDA (0, 1, ...).
 */
export function serialCoreRegisterPort(uart: PlatformDevice, existing: (name: string) => boolean, ports = 1): PlatformDevice[] {
  const ctrlId = 0;
  const out: PlatformDevice[] = [];
  const ctrlName = `${uart.name}:${ctrlId}`;
  // serial_core_ctrl_find(): a controller already added for this device and ctrl_id is reused
  const ctrl: PlatformDevice = { name: ctrlName, node: null, path: `${uart.path}/${ctrlName}`, bus: 'serial-base', compatible: [], parent: uart, createdBy: 'parent-driver', serialBase: 'ctrl' };
  if (!existing(ctrlName)) out.push(ctrl);
  for (let portId = 0; portId < ports; portId++) {
    const portName = `${uart.name}:${ctrlId}.${portId}`;
    if (!existing(portName)) out.push({ name: portName, node: null, path: `${uart.path}/${portName}`, bus: 'serial-base', compatible: [], parent: ctrl, createdBy: 'parent-driver', serialBase: 'port' });
  }
  return out;
}
