// The board's binding findings in the session exports: the app's 'bindings' annotation read back, the
// JSON export's `bindings` key (added within version 1) and each device verdict's findings, the HTML
// report's section with every finding at its file:line and include chain, escaped; a malformed
// annotation is left out, not trusted.
import { describe, expect, it } from 'vitest';
import type { BindingFinding } from '../../../engine/bindings';
import { emptySession, exportHtml, exportJsonObject, reportInputsFromAnnotations, type SessionData } from '../../../engine/session';

const uart: BindingFinding = {
  kind: 'validation',
  severity: 'error',
  nodePath: '/serial@9000000',
  property: 'interrupts',
  missing: true,
  message: "'oneOf' conditional failed, one must be fixed:\n'interrupts' is a required property\n'interrupts-extended' is a required property",
  schema: 'serial/pl011.yaml',
  span: { file: '/b/soc.dtsi', line: 13, col: 24, endLine: 16, endCol: 4, includedFrom: [{ file: '/b/board.dts', line: 4 }] },
};
const ours: BindingFinding = { kind: 'cells', origin: 'bringup', severity: 'error', nodePath: '/dma@1', property: 'iommus', message: '`iommus` has <script> cells', span: { file: '/b/board.dts', line: 20, col: 3, endLine: 20, endCol: 30 } };

function session(bindings: unknown): SessionData {
  const data = emptySession('s', 1_700_000_000_000);
  const dev = (name: string, node: string) => ({ name, node, state: 'bound' as const, driver: null, iommuGroup: null, deferrals: 0, bindIndex: 0, why: [] });
  data.annotations.push({ t: 1, kind: 'predicted', detail: [dev('9000000.serial', '/serial@9000000'), dev('1.dma', '/dma@1'), dev('2.gpio', '/gpio@2')] });
  data.annotations.push({ t: 2, kind: 'bindings', detail: bindings });
  return data;
}
const checked = { kind: 'checked', dtschemaVersion: '2026.9', kernelVersion: '6.1.192', jsonOutput: true };

describe('binding findings in the exports', () => {
  it('JSON: the findings as annotated, and each device verdict names its own', () => {
    const data = session({ board: '/b/board.dts', status: checked, findings: [uart, ours] });
    const j = exportJsonObject(data, reportInputsFromAnnotations(data));
    expect(j.bindings).toEqual({ board: '/b/board.dts', status: checked, findings: [uart, ours] });
    const verdicts = j.verdicts as { name: string; bindings?: string[] }[];
    expect(verdicts.find((v) => v.name === '9000000.serial')!.bindings).toEqual(['binding: missing required property `interrupts` or `interrupts-extended`']);
    expect(verdicts.find((v) => v.name === '1.dma')!.bindings).toEqual(['binding: `iommus` has <script> cells (bringup check, not dtschema)']);
    expect(verdicts.find((v) => v.name === '2.gpio')).not.toHaveProperty('bindings');
  });

  it('HTML: a section with each finding at its location, ours labelled, all text escaped', () => {
    const data = session({ board: '/b/board.dts', status: checked, findings: [uart, ours] });
    const html = exportHtml(data, reportInputsFromAnnotations(data));
    const section = /<section id="bindings">[\s\S]*?<\/section>/.exec(html)![0];
    expect(section).toContain('Checked with dtschema 2026.9 (dt-validate) against the bindings of Linux 6.1.192.');
    expect(section).toContain('/b/soc.dtsi:13.24-16.4<br>included from /b/board.dts:4');
    expect(section).toContain('dtschema serial/pl011.yaml');
    expect(section).toContain('bringup check, not dtschema');
    expect(section).not.toContain('<script>');
    expect(section).toContain('&#60;script&#62;');
    expect(html).toContain('<a href="#bindings">bindings</a>');
  });

  it('a session without a check says so; a malformed annotation is not read', () => {
    for (const bad of [undefined, 'x', { status: checked, findings: [{ nodePath: 3 }] }, { findings: [] }]) {
      const data = session(bad);
      const inputs = reportInputsFromAnnotations(data);
      expect(inputs.bindings).toBeUndefined();
      expect(exportJsonObject(data, inputs).bindings).toBeNull();
      expect(exportHtml(data, inputs)).toContain("The board's bindings were not checked in this session.");
    }
  });
});
