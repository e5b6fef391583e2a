// The JSON back end (schema bringup-dt/1, docs/cli-dt.md): decoded chunks follow the source's types,
// blob input decodes with dtc's type guess, and every node and property names where it came from.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDeviceTree, readDtb, treeToJson, writeDtb } from '../../../engine/devicetree';
import { fixtures, readFileOrUndefined } from '../../support/dtc';

describe('treeToJson', () => {
  const file = join(fixtures, 'lang-values.dts');
  const tree = loadDeviceTree(file, { readFile: readFileOrUndefined, preprocess: false }).value;
  const root = treeToJson(tree).nodes[0]!;
  const prop = (name: string) => root.properties.find((p) => p.name === name)!;

  it('decodes values by the types they were written with', () => {
    expect(prop('mixed').decoded).toEqual([
      { type: 'string', values: ['str'] },
      { type: 'u32', values: [1, 2] },
      { type: 'u8', values: [0xab, 0xcd] },
      { type: 'u16', values: [3] },
    ]);
    expect(prop('wide').decoded).toEqual([{ type: 'u64', values: ['0x123456789abcdef0', '0xfffffffffffffffe'] }]);
    expect(prop('compatible').decoded).toEqual([{ type: 'string', values: ['vendor,board'] }, { type: 'string', values: ['vendor,soc'] }]);
    expect(prop('empty')).toMatchObject({ hex: '', length: 0, decoded: [] });
    expect(prop('lbl-in-value').labels).toEqual([]);
    expect(prop('labelled').labels).toEqual(['lbl_prop']);
  });

  it('names the source of nodes and properties', () => {
    expect(root.source).toBe(`${file}:6:3`);
    expect(prop('cells').source).toBe(`${file}:12:2`);
    expect(treeToJson(tree).memreserve).toEqual([
      { address: '0x10000000', size: '0x4000', labels: [] },
      { address: '0x20000000', size: '0x2000', labels: ['rsv'] },
    ]);
  });

  it("decodes a blob with dtc's guess, without sources or references", () => {
    const blob = readDtb(writeDtb(tree)).value;
    const j = treeToJson(blob).nodes[0]!;
    const p = (name: string) => j.properties.find((q) => q.name === name)!;
    expect(p('compatible').decoded).toEqual([{ type: 'string', values: ['vendor,board', 'vendor,soc'] }]);
    expect(p('cells').decoded).toEqual([{ type: 'u32', values: [0, 1, 0xffffffff, 0o777, 97, 10] }]);
    expect(p('bytes').decoded).toEqual([{ type: 'u8', values: [0x00, 0x11, 0x22, 0xaa, 0xbb, 0xcc, 0xdd] }]);
    expect(p('cells').source).toBeUndefined();
    expect(p('cells').refs).toEqual([]);
  });
});
