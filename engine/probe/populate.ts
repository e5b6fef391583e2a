// Devices as the kernel creates them from the tree: of_platform_default_populate_init() and
// of_platform_bus_create() (drivers/of/platform.c), AMBA primecells (of_amba_device_create), names from
// of_device_make_bus_id() with of_translate_address() (drivers/of/address.c), and PCI functions the user
// names behind a host bridge (their requester ID mapped through `iommu-map`, drivers/of/base.c of_map_id).
// Rules: docs/kernel-model.md §Population.
import {
  baseName, cells, getProperty, isAvailable, nodePath, stringListProp, u32Prop, walk,
  type DtNode, type DtTree,
} from '../devicetree/index';
import type { KernelProfile } from './profile';

export type DeviceBus = 'platform' | 'amba' | 'pci' | 'serial-base';

export interface PlatformDevice {
  /** dev_name(): `9000000.pl011`, `soc:foo`, `0000:00:01.0`. */
  name: string;
  node: DtNode | null;
  /** DT path of the node (for PCI functions: the host bridge's path plus `/pci@BDF`; for an MFD cell without a node: its parent's path plus `/<name>`). */
  path: string;
  bus: DeviceBus;
  compatible: string[];
  /** The device that created this one (bus parent, or the PCI host bridge). */
  parent: PlatformDevice | null;
  /**
   * Who created it: the default populate, a parent driver's of_platform_populate or MFD cells, PCI
   * enumeration, or the kernel's own init code registering a device by name (init-devices.ts).
   */
  createdBy: 'populate' | 'parent-driver' | 'pci-enumeration' | 'kernel';
  /**
   * pdev->name of a device registered by name (an MFD cell: `basic-mmio-gpio`), what platform_match()
   * compares with a driver's id_table or drv->name; absent for devices made from the tree (of_device_alloc
   * gives them "").
   */
  pdevName?: string;
  /** AMBA: the primecell ID used for matching, and whether it came from the compatible. */
  periphid?: number | null;
  periphidDerived?: boolean;
  /**
   * A probe set dev.of_node alone when it made this device (gpcv2.c, hand-made.ts): device_add() has no
   * dev->fwnode to link through, so fw_devlink never links it and its node's fwnode->dev stays unset.
   */
  withoutFwnode?: boolean;
  /** serial-base: which of the serial core's device types it is (serial-base.ts). */
  serialBase?: 'ctrl' | 'port';
  /** PCI: bus/devfn requester ID and the host bridge device. */
  pci?: { bdf: string; rid: number; host: PlatformDevice; driver: string | null };
}

const OF_BAD_ADDR = -1n;

function readCells(bytes: Uint8Array, offset: number, count: number): bigint {
  let v = 0n;
  for (let i = 0; i < count; i++) {
    const o = offset + i * 4;
    if (o + 4 > bytes.length) return OF_BAD_ADDR;
    v = (v << 32n) | BigInt(((bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!) >>> 0);
  }
  return v;
}

function addressCells(node: DtNode | null): number {
  return node ? (u32Prop(node, '#address-cells') ?? 2) : 2;
}
function sizeCells(node: DtNode | null): number {
  return node ? (u32Prop(node, '#size-cells') ?? 1) : 1;
}

/**
 * of_translate_address() of the first `reg` entry: walk up through each parent's `ranges`. A parent
 * without `ranges` stops translation (OF_BAD_ADDR); an empty `ranges` is identity. PCI buses are not
 * walked through (their children are not populated as platform devices).
 */
export function translateFirstReg(node: DtNode): bigint | null {
  const reg = getProperty(node, 'reg');
  const parent = node.parent;
  if (!reg || !parent) return null;
  const na = addressCells(parent);
  if (reg.value.length < na * 4 || na === 0) return null;
  let addr = readCells(reg.value, 0, na);
  if (addr === OF_BAD_ADDR) return null;
  // parent is the bus the address lives on; translate upward until the root.
  let bus: DtNode = parent;
  while (bus.parent) {
    const ranges = getProperty(bus, 'ranges');
    if (!ranges) return null;
    if (ranges.value.length === 0) {
      bus = bus.parent;
      continue;
    }
    const cna = addressCells(bus);
    const pna = addressCells(bus.parent);
    const cns = sizeCells(bus);
    const stride = (cna + pna + cns) * 4;
    let found = false;
    for (let off = 0; off + stride <= ranges.value.length; off += stride) {
      let childBase = readCells(ranges.value, off, cna);
      let probe = addr;
      if (cna === 3) {
        // PCI-style: the high cell carries flags; of_bus_pci_map compares the 64-bit address only
        childBase &= (1n << 64n) - 1n;
        probe &= (1n << 64n) - 1n;
      }
      const parentBase = readCells(ranges.value, off + cna * 4, pna);
      const size = readCells(ranges.value, off + (cna + pna) * 4, cns);
      if (probe >= childBase && probe < childBase + size) {
        addr = parentBase + (probe - childBase);
        found = true;
        break;
      }
    }
    if (!found) return null;
    bus = bus.parent;
  }
  return addr;
}

/** of_device_make_bus_id(): the kernel's name for a device created from `node`. */
export function deviceName(node: DtNode, profile: Pick<KernelProfile, 'maskInDeviceName'>): string {
  let name: string | null = null;
  for (let n: DtNode = node; n.parent; n = n.parent) {
    const addr = translateFirstReg(n);
    if (addr !== null) {
      const mask = profile.maskInDeviceName ? u32Prop(n, 'mask') : undefined;
      const head = mask !== undefined ? `${addr.toString(16)}.${ffs(mask) - 1}.${baseName(n)}` : `${addr.toString(16)}.${baseName(n)}`;
      return name ? `${head}:${name}` : head;
    }
    name = name ? `${n.name}:${name}` : n.name;
  }
  return name ?? '';
}

function ffs(x: number): number {
  if (x === 0) return 0;
  let i = 1;
  while (((x >>> (i - 1)) & 1) === 0) i++;
  return i;
}

/** of_default_bus_match_table (CONFIG_ARM_AMBA adds arm,amba-bus). */
export const DEFAULT_BUS_MATCHES = ['simple-bus', 'simple-mfd', 'isa', 'arm,amba-bus'];
/** of_skipped_node_table */
const SKIPPED = ['operating-points-v2'];
/** reserved_mem_matches in of_platform_default_populate_init() (6.1). */
const RESERVED_MEM_MATCHES = ['phram', 'qcom,rmtfs-mem', 'qcom,cmd-db', 'qcom,smem', 'ramoops', 'nvmem-rmem', 'google,open-dice'];

export interface PopulateOptions {
  /** Nodes an early OF_DECLARE initialiser marked OF_POPULATED (of_clk_init, of_irq_init): no device. */
  isPrePopulated?: (node: DtNode) => boolean;
  /** Node status overrides (what-if): path → available. */
  statusOverride?: Map<DtNode, boolean>;
}

export function nodeAvailable(node: DtNode, opts: PopulateOptions | undefined): boolean {
  const o = opts?.statusOverride?.get(node);
  return o ?? isAvailable(node);
}

/**
 * The default populate, in creation order: the explicit /reserved-memory and /firmware cases, the
 * /chosen framebuffer, then every root child depth-first through bus nodes. `parts`: 'tree' is
 * of_platform_default_populate(NULL, NULL, NULL) alone (what an arm machine's init_machine calls).
 */
export function populateDevices(tree: DtTree, profile: KernelProfile, opts?: PopulateOptions, parts: 'all' | 'tree' = 'all'): PlatformDevice[] {
  const out: PlatformDevice[] = [];
  const populated = new Set<DtNode>();
  const populatedBus = new Set<DtNode>();
  const create = (node: DtNode, parent: PlatformDevice | null, createdBy: PlatformDevice['createdBy']): PlatformDevice | null => {
    if (!nodeAvailable(node, opts) || populated.has(node) || opts?.isPrePopulated?.(node)) return null;
    populated.add(node);
    const compatible = stringListProp(node, 'compatible');
    const amba = compatible.includes('arm,primecell');
    const dev: PlatformDevice = { name: deviceName(node, profile), node, path: nodePath(node), bus: amba ? 'amba' : 'platform', compatible, parent, createdBy };
    if (amba) {
      const explicit = u32Prop(node, 'arm,primecell-periphid');
      dev.periphid = periphidFromNode(compatible, explicit);
      dev.periphidDerived = explicit === undefined;
    }
    out.push(dev);
    return dev;
  };
  const busCreate = (node: DtNode, matches: readonly string[] | null, parent: PlatformDevice | null, createdBy: PlatformDevice['createdBy']): void => {
    // of_platform_bus_create(): iterative over an explicit stack so deep trees cannot overflow.
    const stack: { node: DtNode; parent: PlatformDevice | null }[] = [{ node, parent }];
    while (stack.length) {
      const { node: bus, parent: par } = stack.pop()!;
      const compatible = stringListProp(bus, 'compatible');
      if (!getProperty(bus, 'compatible')) continue;
      if (compatible.some((c) => SKIPPED.includes(c))) continue;
      if (populatedBus.has(bus)) continue;
      if (compatible.includes('arm,primecell')) {
        create(bus, par, createdBy);
        continue;
      }
      const dev = create(bus, par, createdBy);
      if (!dev || !matches || !compatible.some((c) => matches.includes(c))) continue;
      for (let i = bus.children.length - 1; i >= 0; i--) stack.push({ node: bus.children[i]!, parent: dev });
      populatedBus.add(bus);
    }
  };
  const root = tree.root;
  if (parts === 'tree') {
    for (const child of root.children) busCreate(child, DEFAULT_BUS_MATCHES, null, 'populate');
    return out;
  }
  const reserved = root.children.find((c) => c.name === 'reserved-memory');
  if (reserved) {
    for (const n of walk(reserved)) {
      if (n === reserved) continue;
      if (stringListProp(n, 'compatible').some((c) => RESERVED_MEM_MATCHES.includes(c))) create(n, null, 'populate');
    }
  }
  const firmware = root.children.find((c) => c.name === 'firmware');
  if (firmware) for (const child of firmware.children) busCreate(child, null, null, 'populate');
  const chosen = root.children.find((c) => c.name === 'chosen');
  const fb = chosen?.children.find((c) => stringListProp(c, 'compatible').includes('simple-framebuffer'));
  if (fb) create(fb, null, 'populate');
  for (const child of root.children) busCreate(child, DEFAULT_BUS_MATCHES, null, 'populate');
  return out;
}

/**
 * of_platform_populate(np, NULL, NULL, parent) from a driver's probe: the children of `np` (the driver's
 * own node for simple-pm-bus and MFDs), no bus table, each device under `parent`.
 */
export function populateChildren(parent: PlatformDevice, profile: KernelProfile, known: Set<DtNode>, opts?: PopulateOptions, np: DtNode | null = parent.node): PlatformDevice[] {
  const out: PlatformDevice[] = [];
  if (!np) return out;
  for (const child of np.children) {
    if (known.has(child) || !getProperty(child, 'compatible') || !nodeAvailable(child, opts) || opts?.isPrePopulated?.(child)) continue;
    const compatible = stringListProp(child, 'compatible');
    if (compatible.some((c) => SKIPPED.includes(c))) continue;
    known.add(child);
    const amba = compatible.includes('arm,primecell');
    const dev: PlatformDevice = { name: deviceName(child, profile), node: child, path: nodePath(child), bus: amba ? 'amba' : 'platform', compatible, parent, createdBy: 'parent-driver' };
    if (amba) {
      const explicit = u32Prop(child, 'arm,primecell-periphid');
      dev.periphid = periphidFromNode(compatible, explicit);
      dev.periphidDerived = explicit === undefined;
    }
    out.push(dev);
  }
  return out;
}

function periphidFromNode(compatibles: readonly string[], explicit: number | undefined): number | null {
  if (explicit !== undefined) return explicit;
  // MMCI's binding names the cell family: PL180/PL181 share part 0x18x
  if (compatibles.includes('arm,pl18x')) return 0x00041180;
  for (const c of compatibles) {
    const m = /^arm,(?:pl|sp)(\d{3})$/.exec(c);
    if (m) return (0x41 << 12) | parseInt(m[1]!, 16);
  }
  return null;
}

// ---- PCI functions ------------------------------------------------------------------------------

export interface PciFunctionSpec {
  /** `0000:00:01.0` (domain optional). */
  bdf: string;
  /** The PCI driver that binds it (its drv->name, e.g. `virtio-pci`), or null for none. */
  driver?: string | null;
  /** Host bridge: DT path or device name; default the first PCI host bridge. */
  host?: string;
}

export function parseBdf(bdf: string): { domain: number; bus: number; dev: number; fn: number } | null {
  const m = /^(?:([0-9a-fA-F]{4,}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(bdf.trim());
  if (!m) return null;
  return { domain: m[1] ? parseInt(m[1], 16) : 0, bus: parseInt(m[2]!, 16), dev: parseInt(m[3]!, 16), fn: parseInt(m[4]!, 10) };
}

export function pciDevice(spec: PciFunctionSpec, host: PlatformDevice): PlatformDevice | null {
  const b = parseBdf(spec.bdf);
  if (!b) return null;
  const name = `${b.domain.toString(16).padStart(4, '0')}:${b.bus.toString(16).padStart(2, '0')}:${b.dev.toString(16).padStart(2, '0')}.${b.fn}`;
  const rid = (b.bus << 8) | (b.dev << 3) | b.fn;
  return { name, node: host.node, path: `${host.path}/pci@${name}`, bus: 'pci', compatible: [], parent: host, createdBy: 'pci-enumeration', pci: { bdf: name, rid, host, driver: spec.driver ?? null } };
}

export interface IdMapResult {
  kind: 'mapped' | 'absent' | 'no-translation' | 'bad-length' | 'bad-mask';
  target?: number;
  id?: number;
}

/** of_map_id(np, id, "iommu-map"|"msi-map", "...-mask"): the phandle and output ID for a requester ID. */
export function mapId(node: DtNode, mapName: string, id: number): IdMapResult {
  const map = getProperty(node, mapName);
  if (!map) return { kind: 'absent' };
  const c = cells(map);
  if (c.length === 0 || c.length % 4 !== 0) return { kind: 'bad-length' };
  const mask = u32Prop(node, `${mapName}-mask`) ?? 0xffffffff;
  const masked = (id & mask) >>> 0;
  for (let i = 0; i < c.length; i += 4) {
    const idBase = c[i]!;
    const phandle = c[i + 1]!;
    const outBase = c[i + 2]!;
    const len = c[i + 3]!;
    if (((idBase & ~mask) >>> 0) !== 0) return { kind: 'bad-mask' };
    if (masked < idBase || masked >= idBase + len) continue;
    return { kind: 'mapped', target: phandle, id: (masked - idBase + outBase) >>> 0 };
  }
  return { kind: 'no-translation' };
}
