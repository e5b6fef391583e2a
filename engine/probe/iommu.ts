// IOMMU instances, groups and contexts as the probe model sees them: group numbers from iommu_group_alloc()'s
// IDA (lowest free id, drivers/iommu/iommu.c), grouping rules per driver (generic_device_group,
// pci_device_group, arm-smmu stream matching, ipmmu-vmsa one group per instance) and the context budget
// per instance (arm-smmu context banks from its context interrupts, ipmmu-vmsa per-SoC contexts).
// Rules: docs/kernel-model.md §IOMMU and DMA configuration.
import { cells, getProperty, nodePath, stringListProp, u32Prop, type DtNode } from '../devicetree/index';

export type GroupingRule = 'per-device' | 'by-stream-id' | 'per-instance';

export function groupingRuleFor(compatibles: readonly string[]): GroupingRule {
  if (compatibles.some((c) => c.startsWith('renesas,ipmmu'))) return 'per-instance';
  if (compatibles.some((c) => /^(arm,smmu-v[12]|arm,mmu-[45]\d\d|cavium,smmu-v2|qcom,smmu-v2|qcom,.*-smmu-500)$/.test(c))) return 'by-stream-id';
  return 'per-device';
}

export interface ContextBudget {
  contexts: number;
  /** Where the number came from: 'user', 'dt' (the binding), 'default' (per compatible), 'unlimited'. */
  source: 'user' | 'dt' | 'default' | 'unlimited';
  note: string;
}

/**
 * Contexts an IOMMU instance can hand out. arm-smmu (v1/v2, MMU-40x/500): one context bank per
 * translating domain; the binding lists the global interrupts then one per context bank, so the DT
 * bounds it (arm_smmu_device_probe refuses fewer context irqs than banks). ipmmu-vmsa: 8 contexts
 * (Gen3), 16 (Gen4), the root reserving one [R]. SMMUv3's ASID/VMID space is effectively unlimited.
 */
export function contextBudget(node: DtNode, userSet: number | undefined): ContextBudget {
  if (userSet !== undefined) return { contexts: userSet, source: 'user', note: `set by the user for ${nodePath(node)}` };
  const compat = stringListProp(node, 'compatible');
  if (groupingRuleFor(compat) === 'by-stream-id') {
    const irqs = getProperty(node, 'interrupts');
    const global = u32Prop(node, '#global-interrupts');
    const parentCells = 3;
    if (irqs && global !== undefined) {
      const n = Math.floor(cells(irqs).length / parentCells) - global;
      if (n > 0) return { contexts: n, source: 'dt', note: `${n} context interrupts after #global-interrupts = <${global}>` };
    }
    return { contexts: 8, source: 'default', note: 'arm-smmu without countable context interrupts: assuming 8 context banks' };
  }
  if (compat.some((c) => c.startsWith('renesas,ipmmu'))) {
    const gen4 = compat.some((c) => /^renesas,ipmmu-r8a779[0-9a-f]$/.test(c) && !/r8a7795|r8a7796|r8a77965|r8a77970|r8a77980|r8a77990|r8a77995/.test(c));
    const n = gen4 ? 16 : 8;
    return { contexts: n, source: 'default', note: `ipmmu-vmsa ${gen4 ? 'Gen4' : 'Gen3'}: ${n} contexts per instance` };
  }
  return { contexts: Number.POSITIVE_INFINITY, source: 'unlimited', note: 'ASID/VMID space large enough for any boot' };
}

/** iommu_group_alloc(): ida_alloc() hands out the lowest free number. */
export class GroupIds {
  private used = new Set<number>();
  /** No id below this is free: a board of thousands of groups must not rescan from 0 on every alloc. */
  private lowestFree = 0;
  alloc(): number {
    let id = this.lowestFree;
    while (this.used.has(id)) id++;
    this.used.add(id);
    this.lowestFree = id + 1;
    return id;
  }
  free(id: number): void {
    if (this.used.delete(id) && id < this.lowestFree) this.lowestFree = id;
  }
}

/** of_dma_is_coherent(): `dma-coherent` on the node or an ancestor (`dma-noncoherent` stops the walk). */
export function isDmaCoherent(node: DtNode | null): boolean {
  for (let n = node; n; n = n.parent) {
    if (getProperty(n, 'dma-coherent')) return true;
    if (getProperty(n, 'dma-noncoherent')) return false;
  }
  return false;
}

/**
 * The highest bus address a device can reach without an IOMMU: the end of its `dma-ranges` (nearest
 * parent that has one), else the 32-bit default coherent mask of DT platform devices (of_platform
 * sets DMA_BIT_MASK(32)).
 */
export function dmaReach(node: DtNode | null): { limit: bigint; from: string } {
  for (let n = node?.parent ?? null; n; n = n.parent) {
    const p = getProperty(n, 'dma-ranges');
    if (!p) continue;
    if (p.value.length === 0) continue;
    const ca = u32Prop(n, '#address-cells') ?? 2;
    const pa = u32Prop(n.parent ?? n, '#address-cells') ?? 2;
    const cs = u32Prop(n, '#size-cells') ?? 1;
    const c = cells(p);
    const stride = ca + pa + cs;
    let end = 0n;
    for (let i = 0; i + stride <= c.length; i += stride) {
      let cpu = 0n;
      for (let k = 0; k < pa; k++) cpu = (cpu << 32n) | BigInt(c[i + ca + k]!);
      let size = 0n;
      for (let k = 0; k < cs; k++) size = (size << 32n) | BigInt(c[i + ca + pa + k]!);
      if (cpu + size > end) end = cpu + size;
    }
    return { limit: end, from: `dma-ranges of ${nodePath(n)}` };
  }
  return { limit: 1n << 32n, from: 'the default 32-bit DMA mask of DT platform devices' };
}

/** Top of RAM from the /memory nodes' `reg`. */
export function ramTop(root: DtNode): bigint {
  let top = 0n;
  const na = u32Prop(root, '#address-cells') ?? 2;
  const ns = u32Prop(root, '#size-cells') ?? 1;
  for (const n of root.children) {
    if (!n.name.startsWith('memory')) continue;
    const reg = getProperty(n, 'reg');
    if (!reg) continue;
    const c = cells(reg);
    for (let i = 0; i + na + ns <= c.length; i += na + ns) {
      let a = 0n;
      for (let k = 0; k < na; k++) a = (a << 32n) | BigInt(c[i + k]!);
      let s = 0n;
      for (let k = 0; k < ns; k++) s = (s << 32n) | BigInt(c[i + na + k]!);
      if (a + s > top) top = a + s;
    }
  }
  return top;
}
