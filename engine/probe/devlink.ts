// fw_devlink: which supplier references become links, the supplier check before a probe, cycles and the
// relaxing of links when drivers are done. Models drivers/base/core.c (fw_devlink_create_devlink,
// device_links_check_suppliers, fw_devlink_relax_cycle / __fw_devlink_relax_cycles,
// fw_devlink_drivers_done) and drivers/of/property.c (of_link_to_phandle); the bindings are suppliers.ts.
// Rules: docs/kernel-model.md §Suppliers and fw_devlink.
import { findNodeByPath, getProperty, walk, stringProp, type DtNode } from '../devicetree/index';
import { nodeAvailable } from './populate';
import { isAncestorOrSelf, OPTIONAL_BINDINGS, supplierRefs, type SupplierRef } from './suppliers';
import { type CoreState, ancestors, type ProbeOutcome, type SimDevice } from './core-state';

/** The supplier references fw_devlink makes links for (property.c; optional ones only when strict). */
export function linkRefs(core: CoreState, node: DtNode): SupplierRef[] {
  if (core.fwMode === 'none' || core.fwMode === 'off') return [];
  const out: SupplierRef[] = [];
  for (const ref of refsOf(core, node)) {
    if (core.profile.optionalIommuBindings && OPTIONAL_BINDINGS.has(ref.binding) && !core.fwStrict) continue;
    if (isAncestorOrSelf(ref.supplier, node)) continue;
    // of_link_to_phandle(): no link to an unavailable supplier or one below an unavailable ancestor
    let ok = true;
    for (let n: DtNode | null = ref.supplier; n && n.parent; n = n.parent) {
      if (core.byNode.has(n)) break;
      if (!nodeAvailable(n, core.popOpts)) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    // fw_devlink_create_devlink(): "Not linking ... might never become dev"
    if (core.initializedWithoutDevice(ref.supplier) || ancestors(ref.supplier).some((a) => core.initializedWithoutDevice(a) && !core.byNode.has(a))) continue;
    const supDev = core.byNode.get(ref.supplier);
    if (core.clkDriverDeclared(ref.supplier) && (!supDev || !supDev.driver)) continue;
    out.push(ref);
  }
  return out;
}

/** supplierRefs() of a node with this profile's bindings, parsed once per prediction. */
function refsOf(core: CoreState, node: DtNode): SupplierRef[] {
  let refs = core.refsCache.get(node);
  if (!refs) core.refsCache.set(node, (refs = supplierRefs(node, core.profile.supplierBindings, core.phandles)));
  return refs;
}

/** device_links_check_suppliers() */
export function deviceLinksCheckSuppliers(core: CoreState, ds: SimDevice): ProbeOutcome | null {
  const node = ds.dev.node;
  if (!node || ds.dev.bus === 'pci' || !core.hasFwnode(ds.dev)) return null;
  if (core.fwMode !== 'on' && core.fwMode !== 'rpm') return null;
  const refs = linkRefs(core, node);
  const cyc = core.cycleNodes.get(node);
  // The stdout-path console is "best effort" (FWNODE_FLAG_BEST_EFFORT, 6.0+): it does not wait for
  // suppliers that have no device or that no driver ever matched (-EAGAIN in core.c).
  const bestEffort = core.profile.hasDriversDone && node === stdoutNode(core);
  // fwnode links first: a supplier node with no device (and no bound ancestor device to pick it up)
  for (const ref of refs) {
    if (cyc?.has(ref.supplier)) continue;
    const sup = core.deviceFor(ref.supplier);
    if (sup && isSelfOrAncestorDevice(core, sup, node)) continue;
    if (sup && (sup.dev.node === ref.supplier || sup.driver)) continue;
    if (bestEffort) continue;
    // %pfwP (node name) in 6.1, %pfwf (full path) from 6.3
    const name = core.profile.version === '6.1' ? ref.supplier.name : core.pathOf(ref.supplier);
    return { kind: 'links-defer', reason: `wait for supplier ${name}`, supplier: ref.supplier, supplierDevice: sup, binding: ref.binding, property: ref.property };
  }
  for (const ref of refs) {
    if (cyc?.has(ref.supplier)) continue;
    const sup = core.deviceFor(ref.supplier);
    if (!sup || sup === ds || sup.driver || isSelfOrAncestorDevice(core, sup, node)) continue;
    if (core.relaxedSuppliers.has(sup) || (core.driversDone && sup.addedAfterDriversDone && !sup.canMatch)) continue;
    if (bestEffort && !sup.canMatch) continue;
    return { kind: 'links-defer', reason: `supplier ${sup.dev.name} not ready`, supplier: ref.supplier, supplierDevice: sup, binding: ref.binding, property: ref.property };
  }
  return null;
}

/** of_stdout: /chosen stdout-path (or linux,stdout-path), through /aliases, options after ':' dropped. */
function stdoutNode(core: CoreState): DtNode | null {
  if (core.stdout !== undefined) return core.stdout;
  const chosen = findNodeByPath(core.tree, '/chosen');
  const raw = chosen ? (stringProp(chosen, 'stdout-path') ?? stringProp(chosen, 'linux,stdout-path')) : undefined;
  core.stdout = null;
  if (!raw) return null;
  const path = raw.split(':')[0]!;
  if (path.startsWith('/')) core.stdout = findNodeByPath(core.tree, path) ?? null;
  else {
    const slash = path.indexOf('/');
    const alias = slash < 0 ? path : path.slice(0, slash);
    const aliases = findNodeByPath(core.tree, '/aliases');
    const target = aliases ? stringProp(aliases, alias) : undefined;
    if (target) core.stdout = findNodeByPath(core.tree, target + (slash < 0 ? '' : path.slice(slash))) ?? null;
  }
  return core.stdout;
}

/**
 * A supplier node whose nearest device is the consumer itself or one of its ancestors: a pin controller's
 * own hog group, a node below the consumer. core.c fw_devlink_create_devlink() resolves a NOT_DEVICE
 * supplier to fwnode_get_next_parent_dev() and never links a device to itself (`con != sup_dev`), and
 * __fw_devlink_relax_cycles() sees "child of" the consumer as a cycle: the link never holds the probe.
 */
function isSelfOrAncestorDevice(core: CoreState, sup: SimDevice, consumer: DtNode): boolean {
  return !!sup.dev.node && sup.dev.bus !== 'pci' && isAncestorOrSelf(sup.dev.node, consumer);
}

/** Strongly connected groups of the node-level supplier graph: links inside one are cycle links. */
export function computeCycles(core: CoreState): void {
  if (core.fwMode === 'none' || core.fwMode === 'off') return;
  const nodes: DtNode[] = [];
  for (const n of walk(core.tree.root)) if (n.parent && getProperty(n, 'compatible')) nodes.push(n);
  const deviceOf = (n: DtNode): DtNode | null => {
    for (let p: DtNode | null = n; p && p.parent; p = p.parent) if (getProperty(p, 'compatible')) return p;
    return null;
  };
  const edges = new Map<DtNode, DtNode[]>();
  for (const n of nodes) {
    const out: DtNode[] = [];
    for (const ref of refsOf(core, n)) {
      if (core.profile.optionalIommuBindings && OPTIONAL_BINDINGS.has(ref.binding) && !core.fwStrict) continue;
      const s = deviceOf(ref.supplier);
      if (s && s !== n && !isAncestorOrSelf(s, n)) out.push(s);
    }
    // a parent depends on its children's suppliers only via its children; children depend on parents implicitly
    edges.set(n, out);
  }
  // Tarjan, iterative
  let idx = 0;
  const index = new Map<DtNode, number>();
  const low = new Map<DtNode, number>();
  const onStack = new Set<DtNode>();
  const stack: DtNode[] = [];
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: { n: DtNode; i: number }[] = [{ n: start, i: 0 }];
    index.set(start, idx);
    low.set(start, idx++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const top = work[work.length - 1]!;
      const succ = edges.get(top.n) ?? [];
      if (top.i < succ.length) {
        const w = succ[top.i++]!;
        if (!index.has(w)) {
          index.set(w, idx);
          low.set(w, idx++);
          stack.push(w);
          onStack.add(w);
          work.push({ n: w, i: 0 });
        } else if (onStack.has(w)) low.set(top.n, Math.min(low.get(top.n)!, index.get(w)!));
      } else {
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1]!.n;
          low.set(parent, Math.min(low.get(parent)!, low.get(top.n)!));
        }
        if (low.get(top.n) === index.get(top.n)) {
          const comp: DtNode[] = [];
          let w: DtNode;
          do {
            w = stack.pop()!;
            onStack.delete(w);
            comp.push(w);
          } while (w !== top.n);
          if (comp.length > 1) {
            const set = new Set(comp);
            for (const c of comp) {
              // every supplier node inside the component (and its sub-nodes) is a cycle supplier for c
              const sups = new Set<DtNode>();
              for (const ref of supplierRefs(c, core.profile.supplierBindings, core.phandles)) {
                const s = deviceOf(ref.supplier);
                if (s && set.has(s)) sups.add(ref.supplier);
              }
              core.cycleNodes.set(c, sups);
            }
          }
        }
      }
    }
  }
}

/** The line fw_devlink prints when a device inside a dependency cycle is added (fw_devlink_relax_cycle, __fw_devlink_relax_cycles). */
export function reportCycles(core: CoreState, ds: SimDevice): void {
  const sups = ds.dev.node ? core.cycleNodes.get(ds.dev.node) : undefined;
  if (!sups || !ds.dev.node) return;
  for (const s of sups) {
    const text = core.profile.cycleLog === 'fixed'
      ? `${core.pathOf(ds.dev.node)}: Fixed dependency cycle(s) with ${core.pathOf(s)}`
      : `${ds.dev.bus} ${ds.dev.name}: Fixing up cyclic dependency with ${s.name}`;
    if (core.profile.cycleLog !== 'none') core.emit('cycle', { device: ds.dev.name, text });
  }
}

/** fw_devlink_drivers_done(): relax links whose supplier no driver ever matched. */
export function fwDevlinkDriversDone(core: CoreState): void {
  if (core.fwMode === 'none' || !core.profile.hasDriversDone) return;
  core.driversDone = true;
  for (const ds of core.devices) {
    if (ds.canMatch) continue;
    core.relaxedSuppliers.add(ds);
  }
  for (const ds of core.devices) {
    if (ds.driver || !ds.dev.node || ds.dev.bus === 'pci') continue;
    for (const ref of linkRefs(core, ds.dev.node)) {
      const sup = core.deviceFor(ref.supplier);
      if (sup && core.relaxedSuppliers.has(sup) && sup.dev.node === ref.supplier) core.emit('devlink-relaxed', { device: ds.dev.name, text: `${ds.dev.bus} ${ds.dev.name}: Relaxing link with ${sup.dev.name}` });
    }
  }
}
