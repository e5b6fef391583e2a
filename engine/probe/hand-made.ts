// Platform devices a driver's probe creates by hand for child nodes: platform_device_alloc(name, id),
// dev.of_node = child, platform_device_add() (drivers/base/platform.c), as drivers/soc/imx/gpc.c
// imx_gpc_probe and gpcv2.c imx_gpcv2_probe do for their `pgc` power domains. The name is "<name>.<id>"
// (PLATFORM_DEVID_NONE: "<name>"), its pdev->name what platform_match() compares with id_tables. Which
// drivers do this comes from their source (CatalogDriver.childDevices).
import { getProperty, isAvailable, nodePath, stringListProp, u32Prop, type DtNode } from '../devicetree/index';
import type { HandMadeChildren } from './catalog';
import type { PlatformDevice } from './populate';

/** The devices one probe's loop creates, in child order; children already devices are left alone. */
export function handMadeDevices(parent: PlatformDevice, spec: HandMadeChildren, known: Set<DtNode>): PlatformDevice[] {
  const out: PlatformDevice[] = [];
  const node = parent.node;
  if (!node) return out;
  const holder = spec.under === '' ? node : node.children.find((c) => c.name === spec.under);
  if (!holder) return out;
  for (const child of holder.children) {
    if (known.has(child) || (spec.availableOnly && !isAvailable(child))) continue;
    let id: number | null;
    if (spec.id === 'none') id = null;
    else if (spec.id === 'reg') {
      // of_property_read_u32(np, "reg", &idx) failing ends the probe's loop with an error
      if (!getProperty(child, 'reg')) break;
      id = u32Prop(child, 'reg') ?? null;
      if (id === null) break;
    } else id = spec.id;
    known.add(child);
    out.push({
      name: id === null ? spec.name : `${spec.name}.${id}`,
      node: child,
      path: nodePath(child),
      bus: 'platform',
      compatible: stringListProp(child, 'compatible'),
      parent,
      createdBy: 'parent-driver',
      pdevName: spec.name,
      ...(spec.fwnode ? {} : { withoutFwnode: true }),
    });
  }
  return out;
}
