// dtc's semantic warnings that matter for probing (dtc checks.c), as one table: each entry has dtc's
// check name, a per-node function and the fixture test/fixtures/dts/bad-<name>.dts that trips it.
// They run on the public tree (a compiled source or a DTB alike); positions come from the nodes' and
// properties' source spans, in dtc's format `file:line.col-col: Warning (name): /path: message`.
import type { Diagnostic } from '../common';
import { nodePath, phandleIndex, readU32, walk, type DtNode, type DtProperty, type DtTree } from './tree';

interface CheckContext {
  tree: DtTree;
  phandles: Map<number, DtNode>;
  report(node: DtNode, prop: DtProperty | undefined, message: string): void;
}

interface Check {
  name: string;
  fn(ctx: CheckContext, node: DtNode): void;
}

const prop = (node: DtNode, name: string) => node.properties.find((p) => p.name === name);
const cell = (p: DtProperty | undefined) => (p && p.value.length === 4 ? readU32(p.value, 0) : undefined);
const unitName = (node: DtNode) => (node.name.includes('@') ? node.name.slice(node.name.indexOf('@') + 1) : '');

/** checks.c check_property_phandle_args: walk `phandle args...` tuples against the provider's #cells. */
function phandleArgs(ctx: CheckContext, node: DtNode, p: DtProperty, cellsName: string, optional = false): void {
  if (p.value.length % 4) {
    ctx.report(node, p, `property size (${p.value.length}) is invalid, expected multiple of 4`);
    return;
  }
  const n = p.value.length / 4;
  let cellsize = 0;
  for (let i = 0; i < n; i += cellsize + 1) {
    const ph = readU32(p.value, i * 4);
    if (ph === 0 || ph === 0xffffffff) {
      if (ctx.tree.isPlugin) break;
      cellsize = 0;
      continue;
    }
    const refMarkers = p.markers.filter((m) => m.kind === 'ref-phandle');
    if (p.markers.length && !refMarkers.some((m) => m.offset === i * 4) && p.markers.some((m) => m.kind.startsWith('type-'))) {
      ctx.report(node, p, `cell ${i} is not a phandle reference`);
    }
    const provider = ctx.phandles.get(ph);
    if (!provider) {
      ctx.report(node, p, `Could not get phandle node for (cell ${i})`);
      break;
    }
    const cp = prop(provider, cellsName);
    if (cp) cellsize = cell(cp) ?? 0;
    else if (optional) cellsize = 0;
    else {
      ctx.report(node, undefined, `Missing property '${cellsName}' in node ${nodePath(provider)} or bad phandle (referred from ${p.name}[${i}])`);
      break;
    }
    if (p.value.length < (i + cellsize + 1) * 4) ctx.report(node, p, `property size (${p.value.length}) too small for cell size ${cellsize}`);
  }
}

function providerCheck(name: string, propName: string, cellsName: string, optional = false): Check {
  return {
    name,
    fn(ctx, node) {
      const p = prop(node, propName);
      if (p) phandleArgs(ctx, node, p, cellsName, optional);
    },
  };
}

const isInterruptProvider = (n: DtNode) => !!prop(n, 'interrupt-controller') || !!prop(n, 'interrupt-map');

export const CHECKS: Check[] = [
  {
    // checks.c check_unit_address_vs_reg
    name: 'unit_address_vs_reg',
    fn(ctx, node) {
      if (node.children.some((c) => c.name === '__overlay__')) return;
      let p = prop(node, 'reg');
      if (!p) {
        p = prop(node, 'ranges');
        if (p && !p.value.length) p = undefined;
      }
      if (p && !unitName(node)) ctx.report(node, undefined, 'node has a reg or ranges property, but no unit name');
      else if (!p && unitName(node)) ctx.report(node, undefined, 'node has a unit name, but no reg or ranges property');
    },
  },
  {
    name: 'reg_format',
    fn(ctx, node) {
      const p = prop(node, 'reg');
      if (!p || !node.parent) return;
      if (!p.value.length) ctx.report(node, p, 'property is empty');
      const ac = cell(prop(node.parent, '#address-cells')) ?? 2;
      const sc = cell(prop(node.parent, '#size-cells')) ?? 1;
      const entry = (ac + sc) * 4;
      if (entry ? p.value.length % entry !== 0 : p.value.length !== 0) ctx.report(node, p, `property has invalid length (${p.value.length} bytes) (#address-cells == ${ac}, #size-cells == ${sc})`);
    },
  },
  providerCheck('clocks_property', 'clocks', '#clock-cells'),
  providerCheck('dmas_property', 'dmas', '#dma-cells'),
  providerCheck('interrupts_extended_property', 'interrupts-extended', '#interrupt-cells'),
  providerCheck('iommus_property', 'iommus', '#iommu-cells'),
  providerCheck('mboxes_property', 'mboxes', '#mbox-cells'),
  providerCheck('msi_parent_property', 'msi-parent', '#msi-cells', true),
  providerCheck('phys_property', 'phys', '#phy-cells'),
  providerCheck('power_domains_property', 'power-domains', '#power-domain-cells'),
  providerCheck('pwms_property', 'pwms', '#pwm-cells'),
  providerCheck('resets_property', 'resets', '#reset-cells'),
  providerCheck('thermal_sensors_property', 'thermal-sensors', '#thermal-sensor-cells'),
  {
    // checks.c check_gpios_property
    name: 'gpios_property',
    fn(ctx, node) {
      if (prop(node, 'gpio-hog')) return;
      for (const p of node.properties) {
        if (p.name.endsWith(',nr-gpios')) continue;
        if (p.name.endsWith('-gpios') || p.name === 'gpios' || p.name.endsWith('-gpio') || p.name === 'gpio') phandleArgs(ctx, node, p, '#gpio-cells');
      }
    },
  },
  {
    // checks.c check_interrupts_property
    name: 'interrupts_property',
    fn(ctx, node) {
      const irq = prop(node, 'interrupts');
      if (!irq) return;
      if (irq.value.length % 4) ctx.report(node, irq, `size (${irq.value.length}) is invalid, expected multiple of 4`);
      let irqNode: DtNode | undefined;
      for (let parent: DtNode | null = node; parent; parent = parent.parent) {
        if (parent !== node && isInterruptProvider(parent)) {
          irqNode = parent;
          break;
        }
        const ip = prop(parent, 'interrupt-parent');
        if (ip) {
          const ph = cell(ip) ?? 0;
          if (ph === 0 || ph === 0xffffffff) {
            if (ctx.tree.isPlugin) return;
            ctx.report(parent, ip, 'Invalid phandle');
            return;
          }
          irqNode = ctx.phandles.get(ph);
          if (!irqNode) {
            ctx.report(parent, ip, 'Bad phandle');
            return;
          }
          if (!isInterruptProvider(irqNode)) ctx.report(irqNode, undefined, 'Missing interrupt-controller or interrupt-map property');
          break;
        }
      }
      if (!irqNode) {
        if (!ctx.tree.isPlugin) ctx.report(node, undefined, 'Missing interrupt-parent');
        return;
      }
      const cellsProp = prop(irqNode, '#interrupt-cells');
      const cells = cell(cellsProp);
      if (cells === undefined) return;
      // dtc names the provider's #interrupt-cells here (its source position too), after the consumer's path.
      if (cells && irq.value.length % (cells * 4)) ctx.report(node, cellsProp, `size is (${irq.value.length}), expected multiple of ${cells * 4}`);
    },
  },
  {
    name: 'interrupt_provider',
    fn(ctx, node) {
      if (!isInterruptProvider(node)) return;
      if (!prop(node, '#interrupt-cells')) ctx.report(node, undefined, 'Missing #interrupt-cells in interrupt provider');
      if (!prop(node, '#address-cells')) ctx.report(node, undefined, 'Missing #address-cells in interrupt provider');
    },
  },
];

/** dtc's warning checks over a tree. Each finding is a `warning` named after its dtc check. */
export function runChecks(tree: DtTree): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let current = '';
  const ctx: CheckContext = {
    tree,
    phandles: phandleIndex(tree),
    report(node, p, message) {
      const span = p?.span ?? node.span;
      const d: Diagnostic = { severity: 'warning', code: current, message, nodePath: p ? `${nodePath(node)}:${p.name}` : nodePath(node) };
      if (span) d.span = span;
      else if (tree.source) d.file = tree.source;
      if (!p && node.alsoAt?.length) d.alsoAt = node.alsoAt;
      diagnostics.push(d);
    },
  };
  for (const check of CHECKS) {
    current = check.name;
    for (const node of walk(tree.root)) check.fn(ctx, node);
  }
  return diagnostics;
}
