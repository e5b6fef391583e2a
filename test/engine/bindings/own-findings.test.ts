// Our own binding findings (engine/bindings/cells.ts): an `iommus` whose cell count does not fit its
// IOMMU's #iommu-cells, which dt-validate 2026.9 lets through; labelled as ours, left to dtschema when it
// flags the same property; and the one-line wording the device detail, the why chain and the exports share.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cellCountFindings, findingSentence, findingToDiagnostic, withOwnFindings, type BindingFinding, type BindingsReport } from '../../../engine/bindings';
import { loadDeviceTree } from '../../../engine/devicetree';

const DTS = join(__dirname, '..', '..', 'fixtures', 'dts');
const read = (p: string) => (existsSync(p) ? new Uint8Array(readFileSync(p)) : undefined);
const load = (file: string) => loadDeviceTree(file, { includeDirs: [join(file, '..')], readFile: read }).value;
const lineOf = (file: string, re: RegExp) => readFileSync(file, 'utf8').split('\n').findIndex((l) => re.test(l)) + 1;

describe('iommus cell count against #iommu-cells', () => {
  it('finds the entry that does not fit, at the `iommus` line, labelled as ours', () => {
    const file = join(DTS, 'bindings', 'bad-bindings.dts');
    const found = cellCountFindings(load(file));
    expect(found).toEqual([
      {
        kind: 'cells',
        origin: 'bringup',
        severity: 'error',
        nodePath: '/dma-controller@9100000',
        property: 'iommus',
        message: "`iommus` has the wrong number of cells: /iommu@9050000 has #iommu-cells = <1>, so cell 3 (0x20) should be the next IOMMU's phandle, and no node has that phandle",
        span: expect.objectContaining({ file, line: lineOf(file, /^\s*iommus = </) }),
      },
    ]);
    expect(findingToDiagnostic(found[0]!).message).toMatch(/ \[bringup check, not dtschema\]$/);
  });

  it('too few cells for the last entry, and a provider without #iommu-cells', () => {
    const found = cellCountFindings(load(join(DTS, 'bad-iommus_property.dts')));
    expect(found.map((f) => [f.nodePath, f.message])).toEqual([
      ['/consumer@3000', '`iommus` has the wrong number of cells: /provider@1000 has #iommu-cells = <1>, but 0 cell(s) follow its phandle'],
      ['/consumer@4000', '`iommus` points at /other@2000, which has no `#iommu-cells`'],
    ]);
  });

  it('nothing on a board whose iommus fit', () => {
    const tree = load(join(DTS, 'bindings', 'bad-bindings.dts'));
    const dma = tree.root.children.find((n) => n.name === 'dma-controller@9100000')!;
    const iommus = dma.properties.find((p) => p.name === 'iommus')!;
    iommus.value = iommus.value.slice(0, 8); // <&smmu 0x10>
    expect(cellCountFindings(tree)).toEqual([]);
  });

  it('is added to a report of any status, and left to dtschema when it flags the same property', () => {
    const tree = load(join(DTS, 'bindings', 'bad-bindings.dts'));
    const empty: BindingsReport = { status: { kind: 'not-installed', message: 'm', enable: 'e' }, findings: [], byNode: {} };
    const r = withOwnFindings(empty, tree);
    expect(r.status).toBe(empty.status);
    expect(r.byNode['/dma-controller@9100000']!.map((f) => f.origin)).toEqual(['bringup']);
    const theirs: BindingFinding = { kind: 'validation', severity: 'error', nodePath: '/dma-controller@9100000', property: 'iommus', message: 'x' };
    const checked: BindingsReport = { status: { kind: 'checked', dtschemaVersion: '2026.9', kernelVersion: '6.1.0', jsonOutput: true }, findings: [theirs], byNode: { '/dma-controller@9100000': [theirs] } };
    expect(withOwnFindings(checked, tree).findings).toEqual([theirs]);
  });
});

describe('a finding in one line', () => {
  const f = (over: Partial<BindingFinding>): BindingFinding => ({ kind: 'validation', severity: 'error', nodePath: '/n', message: '', ...over });
  it('says what is missing, each alternative of a conditional, an unmatched compatible, else the property and the first line', () => {
    expect(findingSentence(f({ property: 'clocks', missing: true, message: "'clocks' is a required property" }))).toBe('missing required property `clocks`');
    expect(
      findingSentence(f({ property: 'interrupts', missing: true, message: "'oneOf' conditional failed, one must be fixed:\n'interrupts' is a required property\n'interrupts-extended' is a required property" })),
    ).toBe('missing required property `interrupts` or `interrupts-extended`');
    expect(findingSentence(f({ kind: 'unmatched', severity: 'warning', message: "failed to match any schema with compatible: 'arm,pl06l'" }))).toBe("no schema matches compatible 'arm,pl06l'");
    expect(findingSentence(f({ property: 'dma-coherent', message: "'oneOf' conditional failed, one must be fixed:\nTrue was expected\n1 is not of type 'boolean'" }))).toBe(
      "`dma-coherent`: True was expected; 1 is not of type 'boolean'",
    );
    expect(findingSentence(f({ property: 'reg', message: 'reg is too long' }))).toBe('reg is too long');
  });
});
