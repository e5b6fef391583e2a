// DMA and IOMMU configuration of a master: bus->dma_configure → of_dma_configure → of_iommu_configure,
// the IOMMU instance an IOMMU driver's bind registers, group allocation and attach, and the consequences
// of direct DMA. Models drivers/of/device.c (of_dma_configure_id), drivers/iommu/of_iommu.c
// (of_iommu_configure, of_iommu_xlate) and drivers/iommu/iommu.c (iommu_device_register,
// iommu_probe_device, iommu_group_add_device, iommu_subsys_init); the per-IOMMU facts are iommu.ts.
// Rules: docs/kernel-model.md §IOMMU and DMA configuration.
import { getProperty, nodePath, stringListProp, cells, u32Prop, type DtNode, type DtProperty } from '../devicetree/index';
import { contextBudget, dmaReach, groupingRuleFor, isDmaCoherent } from './iommu';
import type { IommuPolicy } from './options';
import { mapId, nodeAvailable } from './populate';
import { IOMMU_OF_DECLARED_412 } from './profile';
import { type CoreState, ENODEV, ENOSPC, ETIMEDOUT, type ModelDriver, type ProbeOutcome, type SimDevice, type IommuInstance } from './core-state';

/** iommu_subsys_init() (subsys_initcall): the "Default domain type" line. */
export function iommuSubsysInit(core: CoreState): void {
  if (core.profile.version === '2015-rfc' || core.profile.version === '4.12') return;
  const cmd = core.knobs.iommuPassthrough;
  const passthrough = cmd ?? core.config?.get('IOMMU_DEFAULT_PASSTHROUGH') === 'y';
  // "%s%s" after the 2022-23 whitespace fix; "%s %s" (trailing space) before it
  const sep = core.profile.version === '6.6' || core.profile.version === 'latest' ? '' : ' ';
  const via = cmd !== null ? `${sep === '' ? ' ' : sep}(set via kernel command line)` : sep;
  core.emit('initcall', { name: 'iommu_subsys_init', text: `iommu: Default domain type: ${passthrough ? 'Passthrough' : 'Translated'}${via}` });
}

/** The what-if IOMMU policy for a master: by device name, node path or label, then '*'. */
function policyFor(core: CoreState, ds: SimDevice): IommuPolicy {
  const p = core.opts.iommuPolicy ?? {};
  if (!core.perMasterPolicy) return p['*'] ?? 'kernel';
  const node = ds.dev.node;
  return p[ds.dev.name] ?? (node && ds.dev.bus !== 'pci' ? (p[core.pathOf(node)] ?? node.labels.map((l) => p[l]).find(Boolean)) : undefined) ?? p['*'] ?? 'kernel';
}

/** The master's IOMMU specifier: `iommus` (platform, AMBA) or the host bridge's `iommu-map` for a PCI RID. */
export function iommuSpec(core: CoreState, ds: SimDevice): { node: DtNode; property: DtProperty | null; ids: number[] } | null | 'none' {
  const dev = ds.dev;
  if (dev.bus === 'pci' && dev.pci) {
    const host = dev.pci.host.node;
    if (!host) return 'none';
    const m = mapId(host, 'iommu-map', dev.pci.rid);
    switch (m.kind) {
      case 'absent':
        return 'none';
      case 'no-translation':
        core.emit('iommu-none', { device: dev.name, text: `OF: ${nodePath(host)}: no iommu-map translation for id 0x${dev.pci.rid.toString(16)} on (null)` });
        return 'none';
      case 'bad-length':
      case 'bad-mask':
        return 'none';
      case 'mapped': {
        const target = core.phandles.get(m.target!);
        return target ? { node: target, property: getProperty(host, 'iommu-map') ?? null, ids: [m.id!] } : 'none';
      }
    }
  }
  const node = dev.node;
  if (!node) return 'none';
  const prop = getProperty(node, 'iommus');
  if (!prop) return 'none';
  const c = cells(prop);
  const target = core.phandles.get(c[0] ?? 0);
  if (!target) return 'none';
  const n = u32Prop(target, '#iommu-cells') ?? 1;
  return { node: target, property: prop, ids: c.slice(1, 1 + n) };
}

/** bus->dma_configure → of_dma_configure → of_iommu_configure, per version (kernel-semantics §1, §8). */
export function ofDmaConfigure(core: CoreState, d: ModelDriver, ds: SimDevice): ProbeOutcome | null {
  if (ds.dma) return null; // fwspec with ops from an earlier try (or set at creation): reuse
  if (ds.iommuGaveUp || ds.iommuExhausted || ds.iommuRefused) {
    ds.dma = 'direct';
    return null;
  }
  const spec = iommuSpec(core, ds);
  if (spec === 'none' || spec === null) {
    ds.dma = 'direct';
    return null;
  }
  ds.iommuNode = spec.node;
  if (!nodeAvailable(spec.node, core.popOpts)) {
    ds.dma = 'direct';
    return null;
  }
  const inst = core.iommus.get(spec.node);
  if (inst) return iommuAttach(core, d, ds, inst, spec.ids);
  const policy = policyFor(core, ds);
  const iommuDev = core.byNode.get(spec.node) ?? null;
  const iommuHopeless = !iommuDev || !!iommuDev.failure || !core.iommuDrivers.some((x) => core.matches(x, iommuDev));
  if (policy === 'optional' && iommuHopeless) {
    ds.iommuGaveUp = { text: 'IOMMU optional for this master (what-if policy): configured without it', iommu: spec.node };
    ds.dma = 'direct';
    noteDirect(core, ds);
    return null;
  }
  let verdict: 'defer' | 'enodev' | 'etimedout';
  switch (core.profile.iommuMissing) {
    case 'none':
      verdict = 'enodev';
      break;
    case 'declared-until-running': {
      const declared = stringListProp(spec.node, 'compatible').some((c) => IOMMU_OF_DECLARED_412.includes(c) && core.iommuDrivers.some((x) => x.availability === 'builtin' && x.cat.compatible.includes(c)));
      verdict = declared && !core.systemRunning ? 'defer' : 'enodev';
      break;
    }
    case 'check-state':
      verdict = core.driverDeferredProbeCheckState();
      break;
  }
  if (verdict === 'defer') return { kind: 'iommu-defer', iommu: spec.node, property: spec.property };
  if (policy === 'mandatory') return { kind: 'iommu-fail', errno: verdict === 'etimedout' ? -ETIMEDOUT : -ENODEV, iommu: spec.node };
  if (core.profile.iommuMissing === 'check-state') {
    const text = verdict === 'etimedout' ? 'deferred probe timeout, ignoring dependency' : 'ignoring dependency for device, assuming no driver';
    ds.iommuGaveUp = { text, iommu: spec.node };
    core.emit('ignoring-dependency', { device: ds.dev.name, driver: d.cat.name, reason: text, text: `${d.cat.name} ${ds.dev.name}: ${text}` });
  } else {
    ds.iommuGaveUp = { text: 'no IOMMU driver registered: configured without IOMMU', iommu: spec.node };
  }
  ds.dma = 'direct';
  noteDirect(core, ds);
  return null;
}

/** v4.1-v4.11: ops looked up when the device is created; missing ops mean no IOMMU for life. */
export function dmaConfigureAtCreation(core: CoreState, ds: SimDevice): void {
  const spec = iommuSpec(core, ds);
  if (spec === 'none' || spec === null || !nodeAvailable(spec.node, core.popOpts)) return;
  ds.iommuNode = spec.node;
  const inst = core.iommus.get(spec.node);
  if (inst) {
    const drv = { cat: { name: ds.dev.bus } } as ModelDriver;
    iommuAttach(core, drv, ds, inst, spec.ids);
    return;
  }
  const iommuDev = core.byNode.get(spec.node);
  if (iommuDev?.failure) core.emit('iommu-exhausted', { device: ds.dev.name, text: `Failed to set up IOMMU for device ${ds.dev.name}; retaining platform DMA ops` });
  ds.iommuGaveUp = { text: 'no IOMMU ops registered when the device was created: platform DMA ops for good', iommu: spec.node };
  ds.dma = 'direct';
  noteDirect(core, ds);
}

/** iommu_probe_device() → iommu_group_get_for_dev() / iommu_group_add_device(), with the context budget. */
export function iommuAttach(core: CoreState, d: ModelDriver, ds: SimDevice, inst: IommuInstance, ids: number[]): ProbeOutcome | null {
  const passthrough = core.knobs.iommuPassthrough ?? (core.config?.get('IOMMU_DEFAULT_PASSTHROUGH') === 'y');
  const key = groupKey(core, ds, inst, ids);
  const prefix = core.profile.groupAtIommuRegistration && !ds.driver ? ds.dev.bus : d.cat.name;
  const existing = core.groups.get(key);
  if (existing) {
    existing.members.push(ds);
    ds.iommuGroup = existing.id;
    ds.dma = passthrough ? 'iommu-passthrough' : 'iommu';
    core.emit('iommu-attach', { device: ds.dev.name, driver: d.cat.name, group: existing.id, text: `${prefix} ${ds.dev.name}: Adding to iommu group ${existing.id}` });
    return null;
  }
  // arm_smmu_insert_master(): a stream ID already claimed by another master fails probe_device
  if (inst.streams) {
    for (const sid of ids) {
      const owner = inst.streams.get(sid);
      if (owner && owner !== ds) {
        core.emit('iommu-exhausted', { device: ds.dev.name, driver: d.cat.name, error: -22, text: `${prefix} ${ds.dev.name}: stream ${sid} already in tree from dev ${owner.dev.name}` });
        ds.iommuRefused = `stream ID ${sid} already belongs to ${owner.dev.name}`;
        ds.dma = 'direct';
        noteDirect(core, ds);
        return null;
      }
    }
    for (const sid of ids) inst.streams.set(sid, ds);
  }
  const id = core.groupIds.alloc();
  if (!passthrough && inst.used >= inst.contexts) {
    core.groupIds.free(id);
    ds.iommuExhausted = true;
    const policy = policyFor(core, ds);
    switch (core.profile.exhaustionLog) {
      case '2015':
        core.emit('iommu-exhausted', { device: ds.dev.name, driver: d.cat.name, error: -ENOSPC, text: `Failed to set up IOMMU for device ${ds.dev.name}; retaining platform DMA ops` });
        break;
      case 'failed-to-add':
        core.emit('iommu-exhausted', { device: ds.dev.name, driver: d.cat.name, group: id, error: -ENOSPC, text: `${prefix} ${ds.dev.name}: Failed to add to iommu group ${id}: -28` });
        break;
      case 'add-remove':
        core.emit('iommu-attach', { device: ds.dev.name, driver: d.cat.name, group: id, text: `${prefix} ${ds.dev.name}: Adding to iommu group ${id}` });
        core.emit('iommu-detach', { device: ds.dev.name, driver: d.cat.name, group: id, text: `${prefix} ${ds.dev.name}: Removing from iommu group ${id}` });
        core.emit('iommu-exhausted', { device: ds.dev.name, driver: d.cat.name, error: -ENOSPC, text: `${prefix} ${ds.dev.name}: Adding to IOMMU failed: -28` });
        break;
      case 'add-only':
        core.emit('iommu-attach', { device: ds.dev.name, driver: d.cat.name, group: id, text: `${prefix} ${ds.dev.name}: Adding to iommu group ${id}` });
        core.emit('iommu-exhausted', { device: ds.dev.name, driver: d.cat.name, error: -ENOSPC, text: `${prefix} ${ds.dev.name}: Adding to IOMMU failed: -28` });
        break;
    }
    if (policy === 'mandatory') return { kind: 'iommu-fail', errno: -ENOSPC, iommu: inst.node };
    ds.dma = 'direct';
    noteDirect(core, ds);
    return null;
  }
  if (!passthrough) inst.used++;
  core.groups.set(key, { id, members: [ds], instance: inst });
  ds.iommuGroup = id;
  ds.dma = passthrough ? 'iommu-passthrough' : 'iommu';
  core.emit('iommu-attach', { device: ds.dev.name, driver: d.cat.name, group: id, text: `${prefix} ${ds.dev.name}: Adding to iommu group ${id}` });
  const mc = isDmaCoherent(ds.dev.bus === 'pci' ? (ds.dev.pci?.host.node ?? null) : ds.dev.node);
  if (mc !== inst.coherent) ds.flags.push(`dma-coherent differs: master ${mc ? 'coherent' : 'non-coherent'}, IOMMU ${inst.coherent ? 'coherent' : 'non-coherent'} (${core.pathOf(inst.node)})`);
  return null;
}

/** Which masters share a group: the device_group() rule of the IOMMU driver (pci_device_group for PCI). */
function groupKey(core: CoreState, ds: SimDevice, inst: IommuInstance, ids: number[]): string {
  if (ds.dev.bus === 'pci' && ds.dev.pci) {
    const rid = ds.dev.pci.rid;
    // functions of one multi-function device without ACS share a group (pci_device_group)
    const siblings = (core.opts.pciFunctions ?? []).filter((s) => s.bdf.replace(/\.\d$/, '') === ds.dev.pci!.bdf.replace(/\.\d$/, '') || s.bdf.replace(/\.\d$/, '').endsWith(ds.dev.pci!.bdf.replace(/\.\d$/, '').slice(5)));
    return siblings.length > 1 ? `pci:${core.pathOf(inst.node)}:${rid >> 3}` : `pci:${core.pathOf(inst.node)}:${rid}`;
  }
  switch (inst.grouping) {
    case 'per-instance':
      return `inst:${core.pathOf(inst.node)}`;
    case 'by-stream-id':
      return `sid:${core.pathOf(inst.node)}:${ids.join(',')}`;
    case 'per-device':
      return `dev:${ds.dev.name}`;
  }
}

/** Consequences of a master running without its IOMMU (kernel-semantics §6.3). */
function noteDirect(core: CoreState, ds: SimDevice): void {
  const node = ds.dev.bus === 'pci' ? (ds.dev.pci?.host.node ?? null) : ds.dev.node;
  const coherent = isDmaCoherent(node);
  if (!coherent) ds.flags.push('non-coherent master without IOMMU: every DMA buffer needs cache maintenance');
  const reach = dmaReach(node);
  if (core.ramTop > reach.limit) ds.flags.push(`DMA reach 0x${reach.limit.toString(16)} (${reach.from}) is below the top of RAM 0x${core.ramTop.toString(16)}: buffers above it are bounced through swiotlb`);
  const inst = ds.iommuNode ? core.iommus.get(ds.iommuNode) : undefined;
  const iommuCoherent = ds.iommuNode ? isDmaCoherent(ds.iommuNode) : coherent;
  if (inst && coherent && !iommuCoherent) ds.flags.push('master marked dma-coherent while its IOMMU is not: coherency was only guaranteed through the IOMMU');
}

/** iommu_device_register(): an IOMMU driver's bind makes its instance available to masters. */
export function iommuDeviceRegister(core: CoreState, ds: SimDevice): void {
  const node = ds.dev.node!;
  const userSet = lookupNumber(core, core.opts.iommuContexts ?? {}, ds);
  const budget = contextBudget(node, userSet);
  const compat = stringListProp(node, 'compatible');
  const inst: IommuInstance = { node, device: ds, contexts: budget.contexts, contextNote: budget.note, used: 0, grouping: groupingRuleFor(compat), coherent: isDmaCoherent(node), streams: compat.includes('arm,smmu-v3') ? new Map() : null };
  core.iommus.set(node, inst);
  if (!core.profile.groupAtIommuRegistration) return;
  // v6.15+: bus_iommu_probe() configures every present master without a driver right away
  for (const m of core.devices) {
    if (m.driver || m.iommuGaveUp || m === ds) continue;
    const spec = iommuSpec(core, m);
    if (!spec || spec === 'none' || spec.node !== node) continue;
    m.iommuNode = node;
    const drv = { cat: { name: m.dev.bus } } as ModelDriver;
    iommuAttach(core, drv, m, inst, spec.ids);
  }
}

/** A per-device number from a what-if map: by device name, node path or label. */
function lookupNumber(core: CoreState, map: Record<string, number>, ds: SimDevice): number | undefined {
  const node = ds.dev.node;
  return map[ds.dev.name] ?? (node ? (map[core.pathOf(node)] ?? node.labels.map((l) => map[l]).find((x) => x !== undefined)) : undefined);
}
