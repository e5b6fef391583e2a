// The supplier lookups a driver's probe makes, in the order its code makes them, each with the
// dev_err_probe() message it gives when the lookup fails. drivers/base/core.c dev_err_probe() (6.1) and
// __dev_probe_failed() (6.12) store "<drv->name>: <message>" as the device's deferred-probe reason
// (dd.c device_set_deferred_probe_reason), which debugfs devices_deferred prints; a lookup whose failure
// is returned without dev_err_probe leaves the reason empty. A text scanner over one C file: the probe
// function and the file's own static functions it calls, inlined in call order.

// The shapes are the catalog's own (engine/probe/catalog.ts): the scanner writes what the model reads.
import type { LookupKind, ProbeLookup } from '../../engine/probe/catalog';
import { matchBracket } from './c-created-devices';

export type { LookupKind, ProbeLookup };

/** Lookup calls by name: kind and the argument index of the con_id (-1: none the scanner can use). */
const LOOKUPS: { re: RegExp; kind: LookupKind; con: number }[] = [
  { re: /^(?:devm_)?gpiod_get(?:_index)?(?:_optional)?$/, kind: 'gpio', con: 1 },
  { re: /^(?:devm_)?gpiod_get_array(?:_optional)?$/, kind: 'gpio', con: 1 },
  { re: /^devm_fwnode_gpiod_get(?:_index)?$/, kind: 'gpio', con: 2 },
  { re: /^fwnode_gpiod_get_index$/, kind: 'gpio', con: 1 },
  { re: /^(?:of_get_named_gpio|of_get_gpio|devm_gpio_request(?:_one)?)$/, kind: 'gpio', con: -1 },
  { re: /^(?:devm_)?clk_get(?:_optional)?(?:_prepared|_enabled)?$/, kind: 'clock', con: 1 },
  { re: /^(?:devm_)?clk_bulk_get(?:_all|_optional)?$|^of_clk_get(?:_by_name)?$/, kind: 'clock', con: -1 },
  { re: /^(?:devm_)?regulator_get(?:_optional|_exclusive)?$|^devm_regulator_get_enable(?:_optional)?$/, kind: 'supply', con: 1 },
  { re: /^(?:devm_)?regulator_bulk_get$/, kind: 'supply', con: -1 },
  { re: /^(?:devm_)?reset_control_(?:get|array_get)\w*$|^of_reset_control_\w*get\w*$/, kind: 'reset', con: -1 },
  { re: /^(?:devm_)?phy_(?:optional_)?get$/, kind: 'phy', con: 1 },
  { re: /^(?:devm_)?pwm_get$/, kind: 'pwm', con: 1 },
  { re: /^mbox_request_channel(?:_byname)?$/, kind: 'mbox', con: -1 },
  { re: /^platform_get_irq(?:_optional|_byname|_byname_optional)?$|^of_irq_get(?:_byname)?$/, kind: 'irq', con: -1 },
];

function lookupKind(fn: string): { kind: LookupKind; con: number } | null {
  for (const l of LOOKUPS) if (l.re.test(fn)) return { kind: l.kind, con: l.con };
  return null;
}

/** The top-level comma-separated arguments of the call whose '(' is at `open`, and the index past ')'. */
function callArgs(src: string, open: number): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
    } else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(src.slice(start, i).trim());
        return { args, end: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      args.push(src.slice(start, i).trim());
      start = i + 1;
    }
  }
  return { args, end: src.length };
}

/** A C string literal argument (adjacent literals joined), or undefined when it is not one. */
function literal(arg: string): string | undefined {
  const parts = [...arg.matchAll(/"((?:[^"\\]|\\.)*)"/g)];
  if (!parts.length || arg.replace(/"(?:[^"\\]|\\.)*"/g, '').trim() !== '') return undefined;
  return parts.map((p) => p[1]!).join('').replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
}

/** Every function defined in the file: name → body (from its '{'). */
function functionBodies(src: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of src.matchAll(/^[A-Za-z_][\w \t*]*?\b(\w+)\s*\(([^;{}()]|\([^()]*\))*\)\s*\{/gm)) {
    const open = m.index! + m[0].length - 1;
    const end = matchBracket(src, open);
    if (!out.has(m[1]!)) out.set(m[1]!, src.slice(open, end));
  }
  return out;
}

/** How far after a lookup its error path is looked for: the `if (IS_ERR(x)) return dev_err_probe(...)` idiom. */
const ERROR_PATH_WINDOW = 400;

/**
 * The lookups of `probe` (a function of `src`, comments stripped) in code order, following calls to the
 * file's own functions up to a few levels (gpio_keys_probe → gpio_keys_setup_key → devm_fwnode_gpiod_get).
 */
export function probeLookups(src: string, probe: string, bodies: Map<string, string> = functionBodies(src)): ProbeLookup[] {
  const out: ProbeLookup[] = [];
  const walkBody = (fn: string, depth: number, stack: string[]): void => {
    const body = bodies.get(fn);
    if (!body) return;
    const calls = [...body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)];
    for (let ci = 0; ci < calls.length; ci++) {
      const m = calls[ci]!;
      const name = m[1]!;
      // dev_get_regmap(dev->parent, ...) / dev_get_drvdata(pdev->dev.parent), or the parent node fetched to
      // ask its driver (of_get_parent() → rpi_firmware_get()): data only the parent's bound driver provides
      // (an MFD child). A syscon lookup (below) needs no driver; the engine takes a probe with both as syscon.
      if (name === 'of_get_parent' || ((name === 'dev_get_regmap' || name === 'dev_get_drvdata') && /\bparent\b/.test(callArgs(body, m.index! + m[0].length - 1).args[0] ?? ''))) {
        out.push({ kind: 'parent', message: null });
        continue;
      }
      // drivers/mfd/syscon.c: a syscon regmap is made on demand from the node, with or without a driver
      if (/^(?:syscon_node_to_regmap|device_node_to_regmap|syscon_regmap_lookup_by_\w+)$/.test(name)) {
        out.push({ kind: 'syscon', message: null });
        continue;
      }
      const kind = lookupKind(name);
      if (!kind) {
        if (depth < 3 && bodies.has(name) && !stack.includes(name) && name !== fn) walkBody(name, depth + 1, [...stack, name]);
        continue;
      }
      const open = m.index! + m[0].length - 1;
      const { args, end } = callArgs(body, open);
      let con: string | null | undefined;
      if (kind.con >= 0 && args[kind.con] !== undefined) {
        const a = args[kind.con]!;
        con = a === 'NULL' ? null : literal(a);
      }
      // The value the error path tests: the lookup's left-hand side, and what PTR_ERR() of it is stored in.
      const stmtStart = Math.max(body.lastIndexOf(';', m.index!), body.lastIndexOf('{', m.index!), body.lastIndexOf('}', m.index!)) + 1;
      const lhs = /([\w.>[\]-]+)\s*=\s*$/.exec(body.slice(stmtStart, m.index!).replace(/\s+/g, ' '))?.[1]?.trim();
      const nextLookup = calls.slice(ci + 1).find((c) => c.index! > end && lookupKind(c[1]!));
      const window = body.slice(end, Math.min(end + ERROR_PATH_WINDOW, nextLookup ? nextLookup.index! : body.length));
      let message: string | null = null;
      if (lhs) {
        const names = new Set([lhs]);
        const esc = lhs.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        for (const a of window.matchAll(new RegExp(`\\b(\\w+)\\s*=\\s*PTR_ERR\\s*\\(\\s*${esc}\\s*\\)`, 'g'))) names.add(a[1]!);
        for (const e of window.matchAll(/\bdev_err_probe\s*\(/g)) {
          const { args: ea } = callArgs(window, e.index! + e[0].length - 1);
          const err = ea[1] ?? '';
          const uses = [...names].some((n) => err === n || err.replace(/\s+/g, '') === `PTR_ERR(${n})`);
          if (!uses) continue;
          const fmt = literal(ea[2] ?? '');
          // a format with conversions prints values the catalog cannot know: no message to model
          if (fmt !== undefined && !/%/.test(fmt.replace(/%%/g, ''))) message = fmt.replace(/\n$/, '');
          break;
        }
      }
      out.push(con === undefined ? { kind: kind.kind, message } : { kind: kind.kind, con, message });
    }
  };
  walkBody(probe, 0, [probe]);
  return out;
}

export { functionBodies };

/**
 * How a probe uses the legacy pm_power_off hook (include/linux/pm.h): `refuses` when it fails with -EBUSY
 * once something else holds it (6.1 drivers/power/reset/syscon-poweroff.c: "pm_power_off already claimed"),
 * `claims` when it installs its own handler there.
 */
export function powerOffUse(probe: string, bodies: Map<string, string>): { refuses: boolean; claims: boolean } {
  let text = '';
  const seen = new Set<string>();
  const visit = (fn: string, depth: number): void => {
    const body = bodies.get(fn);
    if (!body || seen.has(fn)) return;
    seen.add(fn);
    text += body;
    if (depth < 2) for (const c of body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) if (bodies.has(c[1]!)) visit(c[1]!, depth + 1);
  };
  visit(probe, 0);
  return {
    refuses: /\bif\s*\(\s*pm_power_off(?:\s*!=\s*NULL)?\s*\)[^;]*?(?:\{[^}]*?)?return\s+-EBUSY\b/.test(text),
    claims: /\bpm_power_off\s*=\s*&?\s*(?!NULL\b)[A-Za-z_]\w*\s*;/.test(text),
  };
}
