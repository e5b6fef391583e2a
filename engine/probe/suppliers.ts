// Which nodes a device node depends on: drivers/of/property.c of_supplier_bindings[] (parse_clocks,
// parse_iommus, parse_interrupts, parse_regulators, parse_gpios, ...), the table fw_devlink turns into
// fwnode links, and the same resources a driver's probe asks for (clk_get, gpiod_get, platform_get_irq,
// regulator_get) and defers on while their provider is not bound.
// Rules: docs/kernel-model.md §Suppliers and fw_devlink.
import { cells, getProperty, phandleOf, u32Prop, type DtNode, type DtProperty } from '../devicetree/index';

export interface SupplierRef {
  /** The binding as named in the profile's table: `clocks`, `iommus`, `*-supply`, ... */
  binding: string;
  /** The property it came from (`vdd-supply`, `interrupts`). */
  property: DtProperty;
  /** The node the phandle points at (a provider or one of its sub-nodes). */
  supplier: DtNode;
}

/** Bindings that are optional in property.c (skipped by fw_devlink unless fw_devlink.strict=1). */
export const OPTIONAL_BINDINGS = new Set(['iommus', 'iommu-map', 'dmas']);

/** Bindings a driver's own probe does not wait for (the core handles them, or drivers treat them as optional). */
const NOT_PROBE_RESOURCES = new Set(['iommus', 'iommu-map', 'dmas', 'interrupt-parent', 'wakeup-parent', 'remote-endpoint', 'leds', 'backlight', 'panel', 'msi-parent', 'post-init-providers', 'nvmem-cells', 'io-backends', 'access-controllers', 'interrupt-map', 'pses', 'power-supplies']);

const CELLS_NAME: Record<string, string | null> = {
  clocks: '#clock-cells', interconnects: '#interconnect-cells', iommus: '#iommu-cells', mboxes: '#mbox-cells',
  'io-channels': '#io-channel-cells', dmas: '#dma-cells', 'power-domains': '#power-domain-cells', hwlocks: '#hwlock-cells',
  extcon: null, 'nvmem-cells': null, phys: '#phy-cells', 'wakeup-parent': null, pwms: '#pwm-cells', resets: '#reset-cells',
  leds: null, backlight: null, panel: null, 'msi-parent': '#msi-cells', 'interrupt-parent': null, 'remote-endpoint': null,
  'post-init-providers': null, 'io-backends': '#io-backend-cells', 'access-controllers': '#access-controller-cells',
  pses: '#pse-cells', 'power-supplies': null,
  'gpio-compat': '#gpio-cells', '*-gpios': '#gpio-cells', '*-gpio': '#gpio-cells', '*-supply': null,
};

type PhandleIndex = Map<number, DtNode>;

/** of_parse_phandle_with_args over a whole property: each target node (args skipped by the provider's cells). */
function phandleTargets(prop: DtProperty, cellsName: string | null, phandles: PhandleIndex, fixedStride = 0): DtNode[] {
  const c = cells(prop);
  const out: DtNode[] = [];
  let i = 0;
  while (i < c.length) {
    if (fixedStride) {
      const target = phandles.get(c[i + 1] ?? 0);
      if (target) out.push(target);
      i += fixedStride;
      continue;
    }
    const ph = c[i]!;
    const target = phandles.get(ph);
    if (!target) {
      // an empty slot (phandle 0) or a dangling reference: skip one cell, as of_for_each_phandle does for 0
      i += 1;
      continue;
    }
    out.push(target);
    const n = cellsName ? (u32Prop(target, cellsName) ?? (cellsName === '#gpio-cells' ? 2 : 0)) : 0;
    i += 1 + n;
  }
  return out;
}

/** of_irq_find_parent(): `interrupt-parent` on the node or the nearest ancestor that has one. */
export function interruptParent(node: DtNode, phandles: PhandleIndex): DtNode | null {
  for (let n: DtNode | null = node; n; n = n.parent) {
    const ph = u32Prop(n, 'interrupt-parent');
    if (ph !== undefined) {
      const p = phandles.get(ph) ?? null;
      return p === node ? null : p;
    }
    if (n !== node && getProperty(n, 'interrupt-controller')) return n;
  }
  return null;
}

/**
 * The interrupt parents an `interrupt-map` names (6.12 drivers/of/property.c parse_interrupt_map): each
 * entry is the child unit address (#address-cells of the node) and child specifier (#interrupt-cells),
 * the parent's phandle, then the parent's unit address (its #address-cells, 0 when absent) and specifier.
 */
function interruptMapParents(node: DtNode, prop: DtProperty, phandles: PhandleIndex): DtNode[] {
  const c = cells(prop);
  const childCells = (u32Prop(node, '#address-cells') ?? 0) + (u32Prop(node, '#interrupt-cells') ?? 1);
  const out: DtNode[] = [];
  for (let i = childCells; i < c.length; ) {
    const parent = phandles.get(c[i]!);
    if (!parent) break;
    if (!out.includes(parent)) out.push(parent);
    i += 1 + (u32Prop(parent, '#address-cells') ?? 0) + (u32Prop(parent, '#interrupt-cells') ?? 1) + childCells;
  }
  return out;
}

/** Supplier references of one node's own properties, in the profile's table order. */
export function supplierRefs(node: DtNode, bindings: readonly string[], phandles: PhandleIndex): SupplierRef[] {
  const out: SupplierRef[] = [];
  const push = (binding: string, property: DtProperty, targets: DtNode[]): void => {
    for (const t of targets) if (t !== node) out.push({ binding, property, supplier: t });
  };
  const skipGpioHog = !!getProperty(node, 'gpio-hog');
  for (const binding of bindings) {
    if (binding.startsWith('pinctrl-')) {
      const p = getProperty(node, binding);
      if (p) push(binding, p, phandleTargets(p, null, phandles));
      continue;
    }
    switch (binding) {
      case 'iommu-map': {
        const p = getProperty(node, 'iommu-map');
        if (p) push(binding, p, phandleTargets(p, null, phandles, 4));
        break;
      }
      case 'interrupts': {
        const ext = getProperty(node, 'interrupts-extended');
        if (ext) {
          const c = cells(ext);
          const targets: DtNode[] = [];
          for (let i = 0; i < c.length; ) {
            const t = phandles.get(c[i]!);
            if (!t) break;
            targets.push(t);
            i += 1 + (u32Prop(t, '#interrupt-cells') ?? 1);
          }
          push(binding, ext, targets);
        } else {
          const p = getProperty(node, 'interrupts');
          const parent = p ? interruptParent(node, phandles) : null;
          if (p && parent) push(binding, p, [parent]);
        }
        break;
      }
      case 'interrupt-map': {
        const p = getProperty(node, 'interrupt-map');
        if (p) push(binding, p, interruptMapParents(node, p, phandles));
        break;
      }
      case 'gpio-compat':
        if (skipGpioHog) break;
        for (const name of ['gpio', 'gpios']) {
          const p = getProperty(node, name);
          if (p) push(binding, p, phandleTargets(p, '#gpio-cells', phandles));
        }
        break;
      case 'gpio':
      case 'gpios': {
        if (skipGpioHog) break;
        const p = getProperty(node, binding);
        if (p) push(binding, p, phandleTargets(p, '#gpio-cells', phandles));
        break;
      }
      case '*-supply':
        for (const p of node.properties) if (p.name.endsWith('-supply') && p.value.length === 4) push(binding, p, phandleTargets(p, null, phandles));
        break;
      case '*-gpio':
      case '*-gpios': {
        if (skipGpioHog) break;
        const suffix = binding.slice(1);
        for (const p of node.properties) {
          if (!p.name.endsWith(suffix) || p.name === suffix.slice(1) || p.name.endsWith(',nr-gpios')) continue;
          push(binding, p, phandleTargets(p, '#gpio-cells', phandles));
        }
        break;
      }
      default: {
        const p = getProperty(node, binding);
        if (!p) break;
        const cellsName = binding in CELLS_NAME ? CELLS_NAME[binding]! : null;
        push(binding, p, phandleTargets(p, cellsName, phandles));
      }
    }
  }
  return out;
}

/**
 * Resources the driver's probe asks for: the node's own non-optional bindings plus those of its child
 * nodes that are not devices themselves (gpio-keys buttons, regulator sub-nodes), which drivers walk.
 */
export function probeResources(node: DtNode, bindings: readonly string[], phandles: PhandleIndex): SupplierRef[] {
  const wanted = bindings.filter((b) => !NOT_PROBE_RESOURCES.has(b));
  const out = supplierRefs(node, wanted, phandles);
  for (const child of node.children) {
    if (getProperty(child, 'compatible')) continue;
    for (const r of supplierRefs(child, wanted, phandles)) if (r.supplier !== node) out.push(r);
  }
  return out;
}

/** `true` when `ancestor` is `node` or one of its ancestors. */
export function isAncestorOrSelf(ancestor: DtNode, node: DtNode): boolean {
  for (let n: DtNode | null = node; n; n = n.parent) if (n === ancestor) return true;
  return false;
}

export { phandleOf };
