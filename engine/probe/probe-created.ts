// The devices a driver's probe creates by hand, from what the catalog read in the driver's source:
// - MFD cells, mfd_add_devices() (drivers/mfd/mfd-core.c mfd_add_device, mfd_match_of_node_to_dev), named
//   as platform_device_add() names them (drivers/base/platform.c): "name", "name.id" or "name.N.auto";
// - of_platform_populate() on nodes the probe finds by compatible rather than on its own node
//   (drivers/bus/vexpress-config.c vexpress_syscfg_probe: each config bus bridged to its parent's node).
// Rules: docs/kernel-model.md §Population.
import { cells, getProperty, nodePath, stringListProp, u32Prop, walk, type DtNode, type DtTree } from '../devicetree/index';
import type { LinkedPopulate, MfdCell, MfdCells } from './catalog';
import { nodeAvailable, type PlatformDevice, type PopulateOptions } from './populate';

/** include/linux/platform_device.h */
export const PLATFORM_DEVID_NONE = -1;
export const PLATFORM_DEVID_AUTO = -2;

/** Kernel-wide state behind hand-made devices: platform_devid_ida and mfd-core's mfd_of_node_list. */
export interface HandMadeDeviceState {
  /**
   * The next id ida_alloc() hands a PLATFORM_DEVID_AUTO device: MFD cells and the alarmtimer device
   * (init-devices.ts) take theirs in the order they are registered; a device the kernel registers by hand
   * elsewhere that the model does not follow would shift the numbers.
   */
  nextAutoId: number;
  /** Nodes an MFD cell already took as its of_node: the next cell with that compatible skips them. */
  mfdNodes: Set<DtNode>;
  /**
   * kernel/time/alarmtimer.c rtcdev: the device whose RTC alarmtimer_rtc_add_device() took, or null;
   * later RTCs get -EBUSY and add no alarmtimer device.
   */
  rtcdev: string | null;
}

export function newHandMadeDeviceState(): HandMadeDeviceState {
  return { nextAutoId: 0, mfdNodes: new Set(), rtcdev: null };
}

/** platform_device_add(): dev_name() for a platform id. */
export function platformDeviceName(name: string, id: number, state: HandMadeDeviceState): string {
  if (id === PLATFORM_DEVID_NONE) return name;
  if (id === PLATFORM_DEVID_AUTO) return `${name}.${state.nextAutoId++}.auto`;
  return `${name}.${id}`;
}

/** of_n_addr_cells(np): the nearest `#address-cells` from the parent up, else the root default 1. */
function addrCells(node: DtNode): number {
  for (let n: DtNode | null = node.parent ?? node; n; n = n.parent) {
    const v = u32Prop(n, '#address-cells');
    if (v !== undefined) return v;
  }
  return 1;
}

/** of_get_address(np, 0) read with of_n_addr_cells(np): the first address of a node's `reg`, or null. */
function firstRegAddress(node: DtNode): bigint | null {
  const reg = getProperty(node, 'reg');
  if (!reg) return null;
  const na = addrCells(node);
  const c = cells(reg);
  if (c.length < na || na === 0) return null;
  let v = 0n;
  for (let i = 0; i < na; i++) v = (v << 32n) | BigInt(c[i]!);
  return v;
}

/**
 * The cell's of_node (mfd_add_device): the first child of the parent's node compatible with the cell that
 * is available, not taken by an earlier cell and, with use_of_reg, at the cell's address. `skip` when
 * every compatible child is disabled: the kernel then adds no device for the cell at all.
 */
function cellNode(parentNode: DtNode | null, cell: MfdCell, state: HandMadeDeviceState, opts: PopulateOptions | undefined): DtNode | null | 'skip' {
  if (!parentNode || cell.ofCompatible === null) return null;
  let disabled = false;
  for (const child of parentNode.children) {
    if (!stringListProp(child, 'compatible').includes(cell.ofCompatible)) continue;
    if (!nodeAvailable(child, opts)) {
      disabled = true;
      continue;
    }
    if (state.mfdNodes.has(child)) continue;
    if (cell.ofReg !== null && firstRegAddress(child) !== BigInt(cell.ofReg)) continue;
    state.mfdNodes.add(child);
    return child;
  }
  return disabled ? 'skip' : null;
}

/** mfd_add_devices(parent, devid, cells): the cells in table order, as platform devices. */
export function mfdAddDevices(parent: PlatformDevice, table: MfdCells, state: HandMadeDeviceState, opts?: PopulateOptions): PlatformDevice[] {
  const out: PlatformDevice[] = [];
  for (const cell of table.cells) {
    const node = cellNode(parent.node, cell, state, opts);
    if (node === 'skip') continue;
    const id = table.devid === PLATFORM_DEVID_AUTO ? PLATFORM_DEVID_AUTO : table.devid + cell.id;
    const name = platformDeviceName(cell.name, id, state);
    out.push({
      name, node, path: node ? nodePath(node) : `${parent.path}/${name}`, bus: 'platform',
      compatible: node ? stringListProp(node, 'compatible') : [], parent, createdBy: 'parent-driver', pdevName: cell.name,
    });
  }
  return out;
}

/**
 * The nodes a probe hands to of_platform_populate() for one catalog LinkedPopulate, in
 * for_each_compatible_node() order (the whole tree, depth first, available or not): those compatible with
 * it whose phandle property, when the driver checks one, points at the probing device's own node or at
 * its parent's.
 */
export function linkedPopulateRoots(tree: DtTree, link: LinkedPopulate, probing: PlatformDevice, phandles: Map<number, DtNode>): DtNode[] {
  const out: DtNode[] = [];
  const want = link.of === 'parent' ? (probing.parent?.node ?? null) : link.of === 'self' ? probing.node : null;
  for (const n of walk(tree.root)) {
    if (!stringListProp(n, 'compatible').includes(link.compatible)) continue;
    if (link.phandle !== null) {
      // of_parse_phandle(np, prop, 0) != pdev->dev.parent->of_node: skip
      const prop = getProperty(n, link.phandle);
      const target = prop && prop.value.length >= 4 ? (phandles.get(cells(prop)[0]!) ?? null) : null;
      if (target !== want) continue;
    }
    out.push(n);
  }
  return out;
}
