// Which drivers' probes register a UART port with the serial core, read from the kernel source.
// uart_add_one_port() (drivers/tty/serial/serial_port.c, v6.5+: → serial_ctrl_register_port() →
// serial_core_register_port()) is the serial core's entry point; other serial-core code exports wrappers
// that call it for a driver (8250_core.c serial8250_register_8250_port()). Those wrappers are found by
// scanning the serial drivers' directory for exported functions that call uart_add_one_port(), so the
// list is the kernel's own, not a hand list of drivers.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { functionBodies } from './probe-lookups';

export const UART_ADD_ONE_PORT = 'uart_add_one_port';

/**
 * uart_add_one_port and every function exported under drivers/tty/serial whose body calls it; `strip`
 * removes comments (c-scan.ts stripComments, passed in so the scanner and this file do not import each other).
 */
export function uartPortEntryPoints(srcDir: string, strip: (src: string) => string): Set<string> {
  const out = new Set<string>([UART_ADD_ONE_PORT]);
  const root = join(srcDir, 'drivers', 'tty', 'serial');
  if (!existsSync(root)) return out;
  const call = new RegExp(`\\b${UART_ADD_ONE_PORT}\\s*\\(`);
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) visit(p);
      else if (name.endsWith('.c')) {
        const src = strip(readFileSync(p, 'latin1'));
        if (!call.test(src)) continue;
        const exported = new Set([...src.matchAll(/\bEXPORT_SYMBOL(?:_GPL)?\s*\(\s*(\w+)\s*\)/g)].map((m) => m[1]!));
        for (const [fn, body] of functionBodies(src)) {
          // serial8250_unregister_port() re-adds the freed legacy port (the serial8250 device's, not the
          // caller's): an unregister path registers nothing for the device being probed
          if (!exported.has(fn) || fn === UART_ADD_ONE_PORT || /unregister|remove/.test(fn)) continue;
          if (call.test(body)) out.add(fn);
        }
      }
    }
  };
  visit(root);
  return out;
}

/**
 * Whether `probe` (a function of the file, `bodies`: every function) calls one of `entryPoints`, itself or
 * through the file's own functions a few levels down (pl011_probe → pl011_register_port → uart_add_one_port).
 */
export function probeRegistersUartPort(probe: string, bodies: Map<string, string>, entryPoints: ReadonlySet<string>): boolean {
  const seen = new Set<string>();
  const visit = (fn: string, depth: number): boolean => {
    const body = bodies.get(fn);
    if (!body || seen.has(fn)) return false;
    seen.add(fn);
    for (const c of body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) {
      if (entryPoints.has(c[1]!)) return true;
      if (depth < 3 && bodies.has(c[1]!) && visit(c[1]!, depth + 1)) return true;
    }
    return false;
  };
  return visit(probe, 0);
}
