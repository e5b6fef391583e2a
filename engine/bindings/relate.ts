// Binding findings beside a prediction: the findings on a device's own node and on its suppliers' nodes
// (the providers its clocks / iommus / power-domains … point at, as the probe model's fw_devlink links
// name them), so the why chain can say "deferred on the IOMMU, and `iommus` has the wrong cell count".
import type { BindingFinding, BindingsReport } from './types';

export interface RelatedFindings {
  /** Findings on the device's node. */
  own: BindingFinding[];
  /** Findings on each supplier's node, only suppliers that have any, in the order given. */
  suppliers: { path: string; findings: BindingFinding[] }[];
}

/**
 * The findings that bear on one device: its own, and its suppliers'. A supplier-side finding about a
 * provider property (`#iommu-cells`, `#clock-cells`) explains a consumer's lookup failing just as a finding
 * on the consumer's `iommus` does; both are returned and the caller shows both.
 */
export function findingsForDevice(report: Pick<BindingsReport, 'byNode'>, nodePath: string, supplierPaths: readonly string[] = []): RelatedFindings {
  const own = report.byNode[nodePath] ?? [];
  const suppliers: RelatedFindings['suppliers'] = [];
  const seen = new Set<string>([nodePath]);
  for (const p of supplierPaths) {
    if (seen.has(p)) continue;
    seen.add(p);
    const f = report.byNode[p];
    if (f?.length) suppliers.push({ path: p, findings: f });
  }
  return { own, suppliers };
}

/** Counts for the probe board: errors and warnings per node path. */
export function findingCounts(report: Pick<BindingsReport, 'findings'>): Record<string, { errors: number; warnings: number }> {
  const out: Record<string, { errors: number; warnings: number }> = {};
  for (const f of report.findings) {
    const c = (out[f.nodePath] ??= { errors: 0, warnings: 0 });
    if (f.severity === 'error') c.errors++;
    else c.warnings++;
  }
  return out;
}
