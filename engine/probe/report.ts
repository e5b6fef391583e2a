// Per-device verdicts from a finished simulation: the DeviceReport shape shared with the boot-log parser
// (engine/common/device-report.ts), plus DMA mode and flags, and a "why" chain that follows a device's
// blocker to the root cause (a missing driver, a blacklisted initcall, a disabled node, an assumed
// failure) with the DTS span where it lives. What devices_deferred and the log would say, explained.
// Rules: docs/kernel-model.md §Outcomes.
import { getProperty, nodePath, stringListProp, stringProp, type DtNode } from '../devicetree/index';
import type { DeviceReport, WhyStep } from '../common';
import type { SourceSpan } from '../common';
import { availabilityFromConfig, type CatalogDriver, type CatalogIndex } from './catalog';
import { deferText, type SimDevice, type ModelDriver, type SimulationResult } from './core-state';
import { errnoName, type PredictOptions } from './options';
import type { KernelProfile } from './profile';

export interface PredictedDevice extends DeviceReport {
  /** DMA configuration after probe: through the IOMMU, IOMMU in passthrough, or direct. */
  dma: 'iommu' | 'iommu-passthrough' | 'direct' | null;
  /** Consequences worth a look: cache maintenance, bounce buffering, coherency mismatch. */
  flags: string[];
  /** Kernel time of the bind, seconds. */
  bindTime: number | null;
}

interface Ctx {
  sim: SimulationResult;
  index: CatalogIndex | null;
  opts: PredictOptions;
  profile: KernelProfile;
  byNode: Map<DtNode, SimDevice>;
  modelOf: Map<CatalogDriver, ModelDriver>;
}

export function buildReports(sim: SimulationResult, index: CatalogIndex | null, opts: PredictOptions, profile: KernelProfile): PredictedDevice[] {
  const byNode = new Map<DtNode, SimDevice>();
  for (const ds of sim.devices) if (ds.dev.node && ds.dev.bus !== 'pci') byNode.set(ds.dev.node, ds);
  const modelOf = new Map(sim.drivers.map((d) => [d.cat, d] as const));
  const ctx: Ctx = { sim, index, opts, profile, byNode, modelOf };
  const firstProbe = new Map<string, number>();
  for (const e of sim.events) {
    if (!e.device || firstProbe.has(e.device)) continue;
    if (e.kind === 'probe-attempt' || e.kind === 'deferred' || e.kind === 'bound' || e.kind === 'rejected' || e.kind === 'failed') firstProbe.set(e.device, e.step);
  }
  const firstOf = new Map<SimDevice, number>();
  for (const ds of sim.devices) firstOf.set(ds, firstProbe.get(ds.dev.name) ?? Number.POSITIVE_INFINITY);
  const ordered = sim.devices.slice().sort((a, b) => firstOf.get(a)! - firstOf.get(b)! || a.regIndex - b.regIndex);
  const out: PredictedDevice[] = ordered.map((ds) => report(ds, ctx));
  for (const d of sim.disabled) {
    const status = getProperty(d.node, 'status');
    out.push({
      name: d.name, node: nodePath(d.node), state: 'disabled', driver: null, iommuGroup: null, deferrals: 0, bindIndex: null,
      why: [{ subject: nodePath(d.node), text: `status = "${statusText(d.node, opts)}": of_platform_populate creates no device`, ...spanOf(status?.span ?? d.node.span) }],
      bus: stringListProp(d.node, 'compatible').includes('arm,primecell') ? 'amba' : 'platform', deferReason: null, error: null, dma: null, flags: [], bindTime: null,
    });
  }
  return out;
}

function statusText(node: DtNode, opts: PredictOptions): string {
  const path = nodePath(node);
  const o = opts.nodeStatus?.[path];
  if (o) return `${o}" (what-if override) "`.replace(/" \(what-if override\) "$/, '" (what-if)');
  return stringProp(node, 'status') ?? 'okay';
}

function spanOf(span: SourceSpan | undefined): { span?: SourceSpan } {
  return span ? { span } : {};
}

function report(ds: SimDevice, ctx: Ctx): PredictedDevice {
  let state: DeviceReport['state'];
  if (ds.driver) state = 'bound';
  else if (ds.onDeferredList) state = 'deferred';
  // -ENODEV / -ENXIO mean "not my device": the kernel leaves it driverless, not failed
  else if (ds.failure) state = ds.failure.kind === 'rejected' ? 'no-driver' : 'failed';
  else if (!ds.canMatch) state = 'no-driver';
  else state = 'not-probed';
  return {
    name: ds.dev.name,
    node: ds.dev.bus === 'pci' ? null : ds.dev.node ? nodePath(ds.dev.node) : null,
    state,
    driver: ds.driver?.cat.name ?? ds.failure?.driver ?? null,
    iommuGroup: ds.iommuGroup,
    deferrals: ds.deferrals,
    bindIndex: ds.bindIndex,
    why: explain(ds, ctx, new Set()),
    bus: ds.dev.bus,
    deferReason: state === 'deferred' ? (ds.reason ?? '') : null,
    error: ds.failure?.errno ?? null,
    dma: ds.dma,
    flags: ds.flags,
    bindTime: ds.bindTime === null ? null : Math.round(ds.bindTime * 1e6) / 1e6,
  };
}

/** Device first, root cause last. */
export function explain(ds: SimDevice, ctx: Ctx, seen: Set<SimDevice>): WhyStep[] {
  const steps: WhyStep[] = [];
  const node = ds.dev.bus === 'pci' ? ds.dev.pci?.host.node ?? null : ds.dev.node;
  const subject = ds.dev.name;
  if (seen.has(ds)) return [{ subject, text: 'see above (dependency cycle)' }];
  seen.add(ds);
  if (ds.driver) {
    const iommu = ds.iommuGroup !== null ? ` in IOMMU group ${ds.iommuGroup}` : '';
    steps.push({ subject, text: `bound to ${ds.driver.cat.name}${iommu}${ds.deferrals ? ` after ${ds.deferrals} deferral(s)` : ''}`, ...spanOf(node?.span) });
    if (ds.iommuGaveUp) {
      steps.push({ subject, text: `configured without its IOMMU ${nodePath(ds.iommuGaveUp.iommu)}: ${ds.iommuGaveUp.text}`, ...spanOf(iommuPropSpan(ds)) });
      steps.push(...explainIommu(ds.iommuGaveUp.iommu, ctx, seen));
    } else if (ds.iommuExhausted && ds.iommuNode) {
      steps.push({ subject, text: `IOMMU ${nodePath(ds.iommuNode)} ran out of contexts (-ENOSPC): direct DMA`, ...spanOf(iommuPropSpan(ds)) });
    } else if (ds.iommuRefused && ds.iommuNode) {
      steps.push({ subject, text: `IOMMU ${nodePath(ds.iommuNode)} refused the master (${ds.iommuRefused}): direct DMA`, ...spanOf(iommuPropSpan(ds)) });
    }
    return steps;
  }
  if (ds.failure) {
    const how = ds.failure.kind === 'rejected' ? `rejects match ${ds.failure.errno}` : `failed with error ${ds.failure.errno} (${errnoName(ds.failure.errno)})`;
    steps.push({ subject, text: `probe by ${ds.failure.driver} ${how}${ds.failure.assumed ? ' (assumed)' : ''}`, ...spanOf(node?.span) });
    if (ds.iommuExhausted && ds.iommuNode) steps.push({ subject, text: `mandatory IOMMU ${nodePath(ds.iommuNode)} has no free context`, ...spanOf(iommuPropSpan(ds)) });
    else if (ds.iommuNode && !ds.iommuGroup) steps.push(...explainIommu(ds.iommuNode, ctx, seen));
    return steps;
  }
  if (ds.onDeferredList && ds.lastDefer) {
    const o = ds.lastDefer;
    steps.push({ subject, text: `deferred ${ds.deferrals} time(s), still pending: ${deferText(o)}`, ...spanOf(node?.span) });
    switch (o.kind) {
      case 'links-defer':
        steps.push({ subject, text: `fw_devlink: ${o.binding} → ${nodePath(o.supplier)}`, ...spanOf(o.property.span) });
        if (o.supplierDevice && o.supplierDevice !== ds) steps.push(...explain(o.supplierDevice, ctx, seen));
        else steps.push({ subject: nodePath(o.supplier), text: 'this node never becomes a device (not on a bus the default populate walks, and no parent driver creates it)', ...spanOf(o.supplier.span) });
        break;
      case 'pinctrl-defer':
        steps.push({ subject, text: `pinctrl-0 → ${nodePath(o.supplier)}`, ...spanOf(o.property.span) });
        if (o.supplierDevice) steps.push(...explain(o.supplierDevice, ctx, seen));
        break;
      case 'iommu-defer':
        steps.push({ subject, text: `of_iommu: ${nodePath(o.iommu)} has no registered IOMMU instance`, ...spanOf(o.property?.span) });
        steps.push(...explainIommu(o.iommu, ctx, seen));
        break;
      case 'driver-defer':
        if (o.resource) {
          steps.push({ subject, text: `${o.resource.property.name} → ${nodePath(o.resource.supplier)}`, ...spanOf(o.resource.property.span) });
          if (o.supplierDevice && o.supplierDevice !== ds) steps.push(...explain(o.supplierDevice, ctx, seen));
          else steps.push({ subject: nodePath(o.resource.supplier), text: 'provider node never becomes a device', ...spanOf(o.resource.supplier.span) });
        } else steps.push({ subject, text: 'the driver returns -EPROBE_DEFER (assumed)' });
        break;
      case 'match-defer':
        if (o.resource) {
          steps.push({ subject, text: `amba_read_periphid: ${o.resource.property.name} → ${nodePath(o.resource.supplier)}`, ...spanOf(o.resource.property.span) });
          if (o.supplierDevice && o.supplierDevice !== ds) steps.push(...explain(o.supplierDevice, ctx, seen));
          else steps.push({ subject: nodePath(o.resource.supplier), text: 'provider node never becomes a device', ...spanOf(o.resource.supplier.span) });
        } else if (o.never === 'no-pclk') {
          steps.push({ subject, text: 'no arm,primecell-periphid, and clock-names has no "apb_pclk" for amba_read_periphid()', ...spanOf(node ? (getProperty(node, 'clock-names')?.span ?? node.span) : undefined) });
        } else {
          steps.push({ subject, text: 'no arm,primecell-periphid, and the ID registers read back no component ID (assumed: no hardware behind the address)', ...spanOf(node?.span) });
        }
        break;
      default:
        break;
    }
    return steps;
  }
  steps.push(...noDriverWhy(ds, ctx));
  return steps;
}

function iommuPropSpan(ds: SimDevice): SourceSpan | undefined {
  if (ds.dev.bus === 'pci') return ds.dev.pci?.host.node ? getProperty(ds.dev.pci.host.node, 'iommu-map')?.span : undefined;
  return ds.dev.node ? getProperty(ds.dev.node, 'iommus')?.span : undefined;
}

function explainIommu(iommu: DtNode, ctx: Ctx, seen: Set<SimDevice>): WhyStep[] {
  const dev = ctx.byNode.get(iommu);
  if (!dev) {
    const status = getProperty(iommu, 'status');
    return [{ subject: nodePath(iommu), text: status ? 'IOMMU node is not available: no device' : 'IOMMU node never became a device', ...spanOf(status?.span ?? iommu.span) }];
  }
  return explain(dev, ctx, seen);
}

function noDriverWhy(ds: SimDevice, ctx: Ctx): WhyStep[] {
  const subject = ds.dev.name;
  const node = ds.dev.node;
  const span = spanOf(node?.span);
  if (ds.dev.bus === 'pci') {
    const drv = ds.dev.pci?.driver;
    if (!drv) return [{ subject, text: 'no PCI driver named for this function' }];
    return [{ subject, text: `PCI driver ${drv} ${ctx.sim.drivers.some((d) => d.cat.name === drv) ? 'is a module that was not loaded' : 'is not in this kernel'}` }];
  }
  if (!ctx.index) return [{ subject, text: 'no driver catalog: nothing can bind', ...span }];
  const compat = ds.dev.compatible;
  const candidates = ds.dev.bus === 'amba'
    ? ds.dev.periphid !== null && ds.dev.periphid !== undefined ? ctx.index.ambaDriversFor(ds.dev.periphid, ds.dev.periphidDerived) : ctx.index.ambaDriversByModel(compat)
    : ctx.index.platformDriversFor(compat, ds.dev.pdevName);
  const compatSpan = spanOf(node ? getProperty(node, 'compatible')?.span ?? node.span : undefined);
  if (candidates.length === 0) {
    const what = ds.dev.bus === 'amba' ? `primecell ID ${ds.dev.periphid === null || ds.dev.periphid === undefined ? 'unknown' : '0x' + ds.dev.periphid.toString(16).padStart(8, '0')}` : `compatible ${compat.map((c) => `"${c}"`).join(', ')}`;
    return [{ subject, text: `no driver in the ${ctx.index.catalog.version} catalog matches ${what}`, ...compatSpan }];
  }
  const steps: WhyStep[] = [];
  for (const c of candidates) {
    const model = ctx.modelOf.get(c);
    if (model && model.availability === 'builtin' && c.initcall && ctx.sim.blacklisted.has(c.initcall)) {
      steps.push({ subject, text: `${c.name} never registers: initcall_blacklist=${c.initcall} on the command line`, ...compatSpan });
    } else if (model && model.availability === 'module' && !model.registered) {
      steps.push({ subject, text: `${c.name} is a module (${c.module}.ko) that was not loaded`, ...compatSpan });
    } else if (!model) {
      const forced = ctx.opts.drivers?.[c.name] ?? ctx.opts.drivers?.[c.module];
      const unset = c.kconfig.filter((k) => availabilityFromConfig([k], ctx.opts.config ?? null) === 'absent');
      steps.push({ subject, text: forced === 'missing' ? `${c.name} removed (what-if)` : `${c.name} is not built: CONFIG_${unset[0] ?? c.kconfig[0]} is not set`, ...compatSpan });
    } else if (model.registered) {
      steps.push({ subject, text: `${c.name} registered but never probed this device`, ...compatSpan });
    }
  }
  return steps.length ? steps : [{ subject, text: 'no driver matched', ...compatSpan }];
}
