// The detail view's picture of one DT node: properties decoded for reading (as dtc -O dts would
// print them), and the node's suppliers and consumers through the phandle properties fw_devlink
// follows (drivers/of/property.c of_supplier_bindings[]), each specifier sized by the provider's
// #*-cells (the same walk as of_parse_phandle_with_args()).
import { cells, nodePath, phandleIndex, u32Prop, walk, type DtNode, type DtProperty, type DtTree } from '../../../engine/devicetree';
import type { NodeDetail, NodeLink, NodePropertyView } from './protocol';

/** Property → the provider's cells property (null: a plain phandle list, no arguments). */
const SPECIFIER_PROPS: [RegExp, string | null][] = [
  [/^clocks$/, '#clock-cells'],
  [/^iommus$/, '#iommu-cells'],
  [/^power-domains$/, '#power-domain-cells'],
  [/^resets$/, '#reset-cells'],
  [/^dmas$/, '#dma-cells'],
  [/^phys$/, '#phy-cells'],
  [/^pwms$/, '#pwm-cells'],
  [/^mboxes$/, '#mbox-cells'],
  [/^interconnects$/, '#interconnect-cells'],
  [/^io-channels$/, '#io-channel-cells'],
  [/^interrupts-extended$/, '#interrupt-cells'],
  [/^nvmem-cells$/, null],
  [/^(.+-)?gpios?$/, '#gpio-cells'],
  [/^pinctrl-\d+$/, null],
  [/^interrupt-parent$/, null],
  [/^msi-parent$/, '#msi-cells'],
  [/^(.+-)?supply$/, null],
  [/^remote-endpoint$/, null],
  [/^thermal-sensors$/, '#thermal-sensor-cells'],
  [/^hwlocks$/, '#hwlock-cells'],
  [/^memory-region$/, null],
];

function cellsPropFor(name: string): string | null | undefined {
  for (const [re, c] of SPECIFIER_PROPS) if (re.test(name)) return c;
  return undefined;
}

/** The phandle targets a property names, or [] when it is not a supplier binding. */
export function propertyTargets(prop: DtProperty, byPhandle: Map<number, DtNode>): DtNode[] {
  if (prop.name === 'iommu-map' || prop.name === 'msi-map') {
    // Entries of (rid-base, phandle, specifier..., length); the specifier is #iommu-cells / #msi-cells long.
    const c = cells(prop);
    const out: DtNode[] = [];
    for (let i = 0; i + 1 < c.length; ) {
      const target = byPhandle.get(c[i + 1]!);
      if (!target) break;
      out.push(target);
      const n = u32Prop(target, prop.name === 'iommu-map' ? '#iommu-cells' : '#msi-cells') ?? 1;
      i += 3 + n;
    }
    return out;
  }
  const cellsProp = cellsPropFor(prop.name);
  if (cellsProp === undefined || prop.value.length % 4 !== 0) return [];
  const c = cells(prop);
  const out: DtNode[] = [];
  for (let i = 0; i < c.length; ) {
    const target = byPhandle.get(c[i]!);
    if (!target) {
      // A zero phandle is an allowed hole (`<0>` in *-gpios); anything else means we cannot size the rest.
      if (c[i] === 0) {
        i++;
        continue;
      }
      break;
    }
    out.push(target);
    i += 1 + (cellsProp ? (u32Prop(target, cellsProp) ?? 0) : 0);
  }
  return out;
}

function printable(bytes: Uint8Array): boolean {
  if (bytes.length === 0 || bytes[bytes.length - 1] !== 0) return false;
  let prevNul = true;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0) {
      if (prevNul) return false;
      prevNul = true;
    } else {
      if (b < 0x20 || b > 0x7e) return false;
      prevNul = false;
    }
  }
  return true;
}

const MAX_SHOWN_BYTES = 256;

/** A property value the way dtc prints it: strings, <cells> or [bytes]; long values are cut. */
export function formatValue(prop: DtProperty): string {
  const v = prop.value;
  if (v.length === 0) return '';
  if (printable(v)) {
    return new TextDecoder()
      .decode(v.subarray(0, v.length - 1))
      .split('\0')
      .map((s) => JSON.stringify(s))
      .join(', ');
  }
  if (v.length % 4 === 0) {
    const c = cells(prop);
    const shown = c.slice(0, MAX_SHOWN_BYTES / 4).map((x) => `0x${x.toString(16)}`);
    return `<${shown.join(' ')}${c.length > shown.length ? ` …(${c.length} cells)` : ''}>`;
  }
  const bytes = Array.from(v.subarray(0, MAX_SHOWN_BYTES), (b) => b.toString(16).padStart(2, '0'));
  return `[${bytes.join(' ')}${v.length > MAX_SHOWN_BYTES ? ` …(${v.length} bytes)` : ''}]`;
}

/** A phandle property with its specifiers, the targets named (`<&{/smmuv3@9050000} 0x100>`), as dtc prints a DTS. */
export function formatReferences(prop: DtProperty, byPhandle: Map<number, DtNode>): string | null {
  if (prop.value.length === 0 || prop.value.length % 4 !== 0) return null;
  const c = cells(prop);
  const ref = (n: DtNode) => (n.labels[0] ? `&${n.labels[0]}` : `&{${nodePath(n)}}`);
  const parts: string[] = [];
  const hex = (x: number) => `0x${x.toString(16)}`;
  if (prop.name === 'iommu-map' || prop.name === 'msi-map') {
    for (let i = 0; i + 1 < c.length; ) {
      const t = byPhandle.get(c[i + 1]!);
      if (!t) return null;
      const n = u32Prop(t, prop.name === 'iommu-map' ? '#iommu-cells' : '#msi-cells') ?? 1;
      parts.push([hex(c[i]!), ref(t), ...c.slice(i + 2, i + 3 + n).map(hex)].join(' '));
      i += 3 + n;
    }
    return parts.length ? `<${parts.join(' ')}>` : null;
  }
  const cellsProp = cellsPropFor(prop.name);
  if (cellsProp === undefined) return null;
  for (let i = 0; i < c.length; ) {
    const t = byPhandle.get(c[i]!);
    if (!t) {
      if (c[i] !== 0) return null;
      parts.push('0');
      i++;
      continue;
    }
    const n = cellsProp ? (u32Prop(t, cellsProp) ?? 0) : 0;
    parts.push([ref(t), ...c.slice(i + 1, i + 1 + n).map(hex)].join(' '));
    i += 1 + n;
  }
  return parts.length ? `<${parts.join(' ')}>` : null;
}

export interface LinkIndex {
  byPhandle: Map<number, DtNode>;
  /** Node path → links from consumers to it. */
  consumers: Map<string, NodeLink[]>;
}

export function buildLinkIndex(tree: DtTree): LinkIndex {
  const byPhandle = phandleIndex(tree);
  const consumers = new Map<string, NodeLink[]>();
  for (const node of walk(tree.root)) {
    const from = nodePath(node);
    for (const prop of node.properties) {
      for (const target of propertyTargets(prop, byPhandle)) {
        const to = nodePath(target);
        let list = consumers.get(to);
        if (!list) consumers.set(to, (list = []));
        if (!list.some((l) => l.path === from && l.via === prop.name)) list.push({ path: from, via: prop.name });
      }
    }
  }
  return { byPhandle, consumers };
}

export function nodeDetail(
  node: DtNode,
  links: LinkIndex,
  deviceOfNode: (path: string) => string | undefined,
): NodeDetail {
  const path = nodePath(node);
  const properties: NodePropertyView[] = node.properties.map((p) => {
    const view: NodePropertyView = { name: p.name, text: formatReferences(p, links.byPhandle) ?? formatValue(p) };
    if (p.span) view.span = p.span;
    return view;
  });
  const suppliers: NodeLink[] = [];
  for (const prop of node.properties) {
    for (const t of propertyTargets(prop, links.byPhandle)) {
      const tp = nodePath(t);
      if (!suppliers.some((l) => l.path === tp && l.via === prop.name)) suppliers.push({ path: tp, via: prop.name, device: deviceOfNode(tp) });
    }
  }
  const consumers = (links.consumers.get(path) ?? []).map((l) => ({ ...l, device: deviceOfNode(l.path) }));
  const detail: NodeDetail = { path, labels: node.labels.slice(), properties, suppliers, consumers };
  if (node.span) detail.span = node.span;
  return detail;
}
