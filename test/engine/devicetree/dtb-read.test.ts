import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findNodeByPath, nodePath, readDtb, stringListProp, walk } from '../../../engine/devicetree';
import { requireSystem, debianDtbDir } from '../../../scripts/lib/system';

requireSystem('dtc', 'kernel-arm64');

describe('readDtb', () => {
  it('reads a Debian-built board DTB with the same nodes dtc sees', () => {
    const file = join(debianDtbDir(), 'arm', 'juno-r2.dtb');
    const bytes = new Uint8Array(readFileSync(file));
    const { value: tree, diagnostics } = readDtb(bytes, file);
    expect(diagnostics).toEqual([]);
    const dts = execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', file], { encoding: 'utf8' });
    const dtcNodes = (dts.match(/^\s*[^\s]+ \{$/gm) ?? []).length;
    expect([...walk(tree.root)].length).toBe(dtcNodes);
    expect(stringListProp(tree.root, 'compatible')).toContain('arm,juno-r2');
    const smmu = [...walk(tree.root)].find((n) => stringListProp(n, 'compatible').includes('arm,mmu-401'));
    expect(smmu && findNodeByPath(tree, nodePath(smmu))).toBe(smmu);
  });

  it('names the byte offset of a damaged blob', () => {
    const bytes = new Uint8Array(64);
    bytes.set([0xd0, 0x0d, 0xfe, 0xed]);
    const r = readDtb(bytes, 'bad.dtb');
    expect(r.diagnostics[0]).toMatchObject({ severity: 'error', file: 'bad.dtb' });
    expect(r.diagnostics[0]!.byteOffset).toBeTypeOf('number');
    expect(readDtb(new Uint8Array(0), 'empty.dtb').diagnostics[0]!.message).toMatch(/too short/);
  });
});
