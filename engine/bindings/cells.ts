// Our own cell-count check, for what dt-validate 2026.9 lets through: an `iommus` entry with more or fewer
// cells than its IOMMU's `#iommu-cells` (the kernel's of_parse_phandle_with_args, drivers/of/base.c, reads
// the entries by that count, so one wrong count misreads every entry after it). Findings carry
// `origin: 'bringup'` and kind `cells`: they are this workbench's, not dtschema's.
import { cells, getProperty, nodePath, phandleIndex, u32Prop, walk, type DtTree } from '../devicetree';
import { groupByNode } from './map';
import type { BindingFinding, BindingsReport } from './types';

/** One table entry per phandle-with-arguments property dtschema does not count: the property and its provider's cells property. */
export const CELL_CHECKS: readonly { property: string; cellsName: string }[] = [{ property: 'iommus', cellsName: '#iommu-cells' }];

const hex = (v: number) => `0x${v.toString(16)}`;

/** Walks each checked property entry by entry, as of_parse_phandle_with_args does; the first misfit is the finding. */
export function cellCountFindings(tree: DtTree): BindingFinding[] {
  const byPhandle = phandleIndex(tree);
  const out: BindingFinding[] = [];
  for (const node of walk(tree.root)) {
    for (const check of CELL_CHECKS) {
      const prop = getProperty(node, check.property);
      if (!prop) continue;
      const v = cells(prop);
      let problem: string | undefined;
      let prev: { path: string; n: number } | undefined;
      for (let i = 0; i < v.length && problem === undefined; ) {
        const provider = byPhandle.get(v[i]!);
        if (!provider) {
          problem = prev
            ? `\`${check.property}\` has the wrong number of cells: ${prev.path} has ${check.cellsName} = <${prev.n}>, so cell ${i + 1} (${hex(v[i]!)}) should be the next IOMMU's phandle, and no node has that phandle`
            : `\`${check.property}\`: cell 1 (${hex(v[i]!)}) is no node's phandle`;
          break;
        }
        const path = nodePath(provider);
        const n = u32Prop(provider, check.cellsName);
        if (n === undefined) {
          problem = `\`${check.property}\` points at ${path}, which has no \`${check.cellsName}\``;
          break;
        }
        if (i + 1 + n > v.length) {
          problem = `\`${check.property}\` has the wrong number of cells: ${path} has ${check.cellsName} = <${n}>, but ${v.length - i - 1} cell(s) follow its phandle`;
          break;
        }
        prev = { path, n };
        i += 1 + n;
      }
      if (problem === undefined) continue;
      const f: BindingFinding = { kind: 'cells', origin: 'bringup', severity: 'error', nodePath: nodePath(node), property: check.property, message: problem };
      if (prop.span) f.span = prop.span;
      out.push(f);
    }
  }
  return out;
}

/**
 * The report with our own findings added (a status of any kind: they need no dtschema). A property dtschema
 * already flagged on the same node is left to dtschema.
 */
export function withOwnFindings(report: BindingsReport, tree: DtTree): BindingsReport {
  const flagged = new Set(report.findings.filter((f) => f.property !== undefined).map((f) => `${f.nodePath}\0${f.property}`));
  const own = cellCountFindings(tree).filter((f) => !flagged.has(`${f.nodePath}\0${f.property}`));
  if (!own.length) return report;
  const findings = [...report.findings, ...own];
  return { ...report, findings, byNode: groupByNode(findings) };
}
