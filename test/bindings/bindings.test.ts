// The real dt-validate (dtschema, pinned) on a fixture with known binding mistakes and on a kernel board:
// each finding placed at the right DTS file:line through the compiler's spans, JSON and text output agree,
// a schema from another dtschema release is refused, and a missing install is a status, not a failure.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertSchemaVersion, BindingsError, findingsForDevice, findingToDiagnostic, processedSchemaPath } from '../../engine/bindings';
import { formatDiagnostic } from '../../engine/common';
import { loadDeviceTree } from '../../engine/devicetree';
import { checkBoardBindings, nodeBindingsHost } from '../../electron/services/bindings';
import { cacheDir, debianDtbDir, kernelSource, requireSystem } from '../../scripts/lib/system';
import { readDtb } from '../../engine/devicetree';

requireSystem('bindings', 'linux-source-6.1', 'kernel-arm64');

const FIX = join(__dirname, '..', 'fixtures', 'dts', 'bindings');
const read = (p: string) => (existsSync(p) ? new Uint8Array(readFileSync(p)) : undefined);
const src = kernelSource('6.1');

function load(file: string) {
  const r = loadDeviceTree(file, { includeDirs: [dirname(file), join(src, 'scripts', 'dtc', 'include-prefixes')], readFile: read });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.value;
}

describe('dt-validate on a fixture with known mistakes', () => {
  const tree = load(join(FIX, 'bad-bindings.dts'));
  const checks = [false, true].map((forceText) => checkBoardBindings(tree, { kernelSource: src, forceText }));

  it.each([0, 1])('finds each mistake at its source line (%s: 0 JSON, 1 text)', async (i) => {
    const r = await checks[i]!;
    expect(r.status).toMatchObject({ kind: 'checked', jsonOutput: i === 0 });
    // a missing required property, in the .dtsi, with the include chain
    const uart = r.byNode['/serial@9000000']!.find((f) => f.message.includes("'interrupts' is a required property"))!;
    expect(uart.severity).toBe('error');
    expect(uart.schema).toBe('serial/pl011.yaml');
    expect(uart.span).toMatchObject({ file: join(FIX, 'bad-bindings.dtsi'), line: 13 });
    expect(uart.span!.includedFrom?.[0]).toMatchObject({ file: join(FIX, 'bad-bindings.dts'), line: 4 });
    // a value of the wrong size for its type (one cell where a flag has none), at the property
    const dma = r.byNode['/dma-controller@9100000']!.find((f) => f.property === 'dma-coherent')!;
    expect(dma.span).toMatchObject({ file: join(FIX, 'bad-bindings.dts'), line: 21, col: 3 });
    // an unknown compatible (-m)
    const gpio = r.byNode['/gpio@9200000']!;
    expect(gpio).toEqual([expect.objectContaining({ kind: 'unmatched', severity: 'warning', message: "failed to match any schema with compatible: 'arm,pl06l'" })]);
    expect(gpio[0]!.span).toMatchObject({ file: join(FIX, 'bad-bindings.dts'), line: 23 });
    // nothing on the valid SMMU
    expect(r.byNode['/iommu@9050000']).toBeUndefined();
  }, 600_000);

  it('prints like dtc and relates a device to its supplier', async () => {
    const r = await checks[0]!;
    const uart = r.byNode['/serial@9000000']!.find((f) => f.missing)!;
    expect(formatDiagnostic(findingToDiagnostic(uart))).toMatch(/^.*bad-bindings\.dtsi:13\.\d+-16\.4: ERROR \(binding\): \/serial@9000000: .*'interrupts' is a required property.*\n {2}included from .*bad-bindings\.dts:4$/);
    // the DMA controller's supplier is the SMMU (its iommus): own findings and none on the supplier
    const rel = findingsForDevice(r, '/dma-controller@9100000', ['/iommu@9050000', '/serial@9000000']);
    expect(rel.own.map((f) => f.property)).toContain('dma-coherent');
    expect(rel.suppliers.map((s) => s.path)).toEqual(['/serial@9000000']);
  }, 600_000);
});

describe('dt-validate on a kernel board', () => {
  it("juno-r2: Debian's DTB and our compile of its DTS give the same findings, placed in the kernel's sources", async () => {
    const dts = join(src, 'arch', 'arm64', 'boot', 'dts', 'arm', 'juno-r2.dts');
    const tree = load(dts);
    const r = await checkBoardBindings(tree, { kernelSource: src });
    expect(r.status.kind).toBe('checked');
    expect(r.findings.length).toBeGreaterThan(0);
    for (const f of r.findings) {
      expect(f.span?.file, f.nodePath).toMatch(/arch\/arm64\/boot\/dts\/arm\/juno.*\.dtsi?$/);
    }
    const blob = new Uint8Array(readFileSync(join(debianDtbDir(), 'arm', 'juno-r2.dtb')));
    const fromBlob = await checkBoardBindings(readDtb(blob, 'juno-r2.dtb').value, { kernelSource: src, dtb: blob });
    const key = (f: { nodePath: string; message: string }) => `${f.nodePath} ${f.message}`;
    expect(fromBlob.findings.map(key).sort()).toEqual(r.findings.map(key).sort());
  }, 600_000);
});

describe('bad input and a missing install', () => {
  it('an unreadable DTB is one clear error', async () => {
    const tree = load(join(FIX, 'bad-bindings.dts'));
    const r = await checkBoardBindings(tree, { kernelSource: src, dtb: new TextEncoder().encode('not a device tree blob at all') });
    expect(r.status.kind).toBe('failed');
    expect(r.status.kind === 'failed' && r.status.message).toMatch(/^bindings not checked: dt-validate could not check the DTB: /);
  }, 600_000);

  it('a processed schema from another dtschema release is refused', () => {
    const host = nodeBindingsHost();
    const dir = mkdtempSync(join(tmpdir(), 'bindings-test-'));
    try {
      const f = join(dir, 'processed-schema.json');
      writeFileSync(f, JSON.stringify({ 'http://devicetree.org/schemas/x.yaml#': {}, version: '2024.11' }, null, 4));
      expect(() => assertSchemaVersion(host, f, '2026.9')).toThrow(BindingsError);
      expect(() => assertSchemaVersion(host, f, '2026.9')).toThrow(/built by dtschema 2024\.11, not 2026\.9/);
      copyFileSync(processedSchemaPath(cacheDir, '2026.9', '6.1.' + readFileSync(join(src, 'Makefile'), 'utf8').match(/^SUBLEVEL = (\d+)/m)![1]), f);
      expect(() => assertSchemaVersion(host, f, '2026.9')).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without dtschema the check is a status with how to enable it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'bindings-empty-'));
    try {
      const r = await checkBoardBindings(load(join(FIX, 'bad-bindings.dts')), { kernelSource: src }, empty);
      expect(r.status).toMatchObject({ kind: 'not-installed', enable: expect.stringContaining('install-system-deps.sh bindings') });
      expect(r.findings).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
