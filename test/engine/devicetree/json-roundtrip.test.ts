// treeFromJson, the way back from the JSON back end (engine/devicetree/json.ts): the tree the app's
// renderer rebuilds must be the tree the main process compiled, spans and all.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findNodeByPath, loadDeviceTree, printDts, readDtb, treeFromJson, treeToJson, walk, writeDtb, type DtTree } from '../../../engine/devicetree';
import { fixtures, readFileOrUndefined } from '../../support/dtc';

const demo = join(__dirname, '../../../resources/demo/board.dts');
const readFile = (p: string) => {
  try {
    return new Uint8Array(readFileSync(p));
  } catch {
    return undefined;
  }
};

function spans(tree: DtTree) {
  const out: unknown[] = [];
  for (const n of walk(tree.root)) out.push([n.name, n.span, n.alsoAt, n.properties.map((p) => [p.name, p.span])]);
  return out;
}

describe('treeFromJson', () => {
  it('gives back the demo board with the same blob and every source span', () => {
    const tree = loadDeviceTree(demo, { includeDirs: [], readFile }).value;
    const back = treeFromJson(JSON.parse(JSON.stringify(treeToJson(tree))));
    expect(back.diagnostics).toEqual([]);
    expect(writeDtb(back.value)).toEqual(writeDtb(tree));
    expect(spans(back.value)).toEqual(spans(tree));
    expect(findNodeByPath(back.value, '/pl061@9030000')!.properties.find((p) => p.name === 'iommus')!.span).toMatchObject({ file: demo, line: 408 });
  });

  it('keeps types and references, so the DTS prints the same', () => {
    const file = join(fixtures, 'lang-values.dts');
    const tree = loadDeviceTree(file, { readFile: readFileOrUndefined, preprocess: false }).value;
    // Labels inside a value (`<1 mid: 2>`) are not in the JSON schema; nothing after the compiler reads them.
    for (const n of walk(tree.root)) n.properties = n.properties.filter((p) => !p.markers.some((m) => m.kind === 'label'));
    const back = treeFromJson(treeToJson(tree)).value;
    expect(printDts(back)).toBe(printDts(tree));
    expect(treeToJson(back)).toEqual(treeToJson(tree));
  });

  it('reads a blob-derived document (no spans) and an old one with only file:line:col', () => {
    const tree = loadDeviceTree(demo, { includeDirs: [], readFile }).value;
    const blob = readDtb(writeDtb(tree)).value;
    expect(writeDtb(treeFromJson(treeToJson(blob)).value)).toEqual(writeDtb(blob));
    const doc = treeToJson(tree);
    for (const n of doc.nodes) {
      delete n.span;
      for (const p of n.properties) delete p.span;
    }
    const old = treeFromJson(doc).value;
    expect(findNodeByPath(old, '/pl061@9030000')!.span).toMatchObject({ file: demo, line: 280, col: 16 });
  });

  it('reports what it cannot read and keeps the rest', () => {
    const doc = treeToJson(loadDeviceTree(demo, { includeDirs: [], readFile }).value);
    doc.nodes[3]!.properties[0]!.hex = 'zz';
    (doc.nodes[5] as { parent: string }).parent = '/nowhere';
    const r = treeFromJson(doc);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['json_tree', 'json_tree']);
    expect(r.diagnostics[1]!.nodePath).toBe(doc.nodes[5]!.path);
    expect(treeFromJson({ schema: 'other' }).diagnostics[0]!.message).toMatch(/not a bringup-dt\/1/);
  });
});
