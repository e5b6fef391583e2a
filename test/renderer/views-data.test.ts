// The data behind the detail view, the console and the web transport, against independent references:
// suppliers/consumers and phandle rendering of the lab board checked against dtc's own decompilation,
// the console's host-time stamps checked under every chunking, and the renderer's wire codec checked
// against the web host's (electron/common/wire.ts) on random bytes.
// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findNodeByPath, nodePath, readDtb, walk } from '../../engine/devicetree';
import { decodeWire as hostDecode, encodeWire as hostEncode } from '../../electron/common/wire';
import { decodeWire, encodeWire } from '../../renderer/src/api';
import { formatHostTime, stampChunk } from '../../renderer/src/composables/use-xterm';
import { buildLinkIndex, nodeDetail, propertyTargets } from '../../renderer/src/worker/node-view';
import { compileDts, decompileDtb } from '../../scripts/lib/lab/board';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('dtc');

describe('device detail: DT links', () => {
  const dtb = new Uint8Array(readFileSync(compileDts('virt-gpio-iommu.dts')));
  const tree = readDtb(dtb).value;
  const dts = decompileDtb(dtb);
  const links = buildLinkIndex(tree);

  // dtc's decompilation: node path → phandle, and node path → its clocks/iommus/interrupt-parent phandles.
  function dtcView() {
    const phandles = new Map<number, string>();
    const refs: { from: string; prop: string; phandle: number }[] = [];
    const stack: string[] = [];
    for (const line of dts.split('\n')) {
      const open = /^\s*([^\s=]+) \{$/.exec(line);
      if (open) {
        stack.push(open[1] === '/' ? '' : open[1]!);
        continue;
      }
      if (/^\s*\};$/.test(line)) {
        stack.pop();
        continue;
      }
      const path = stack.length <= 1 ? '/' : stack.join('/');
      const ph = /^\s*phandle = <(0x[0-9a-f]+)>;/.exec(line);
      if (ph) phandles.set(Number(ph[1]), path);
      const ref = /^\s*(iommus|clocks|interrupt-parent) = <(0x[0-9a-f]+)/.exec(line);
      if (ref) refs.push({ from: path, prop: ref[1]!, phandle: Number(ref[2]) });
    }
    return { phandles, refs };
  }

  it('every clocks/iommus/interrupt-parent link dtc shows is a supplier and a consumer in the detail view', () => {
    const { phandles, refs } = dtcView();
    expect(refs.length).toBeGreaterThan(3);
    for (const r of refs) {
      const node = findNodeByPath(tree, r.from)!;
      expect(node, r.from).toBeDefined();
      const detail = nodeDetail(node, links, () => undefined);
      const target = phandles.get(r.phandle)!;
      expect(detail.suppliers, `${r.from} ${r.prop}`).toContainEqual(expect.objectContaining({ path: target, via: r.prop }));
      const back = nodeDetail(findNodeByPath(tree, target)!, links, () => undefined);
      expect(back.consumers, target).toContainEqual(expect.objectContaining({ path: r.from, via: r.prop }));
    }
  });

  it('names phandle targets in property values and decodes strings as dtc prints them', () => {
    const gpio = nodeDetail(findNodeByPath(tree, '/pl061@9030000')!, links, () => undefined);
    const prop = (n: string) => gpio.properties.find((p) => p.name === n)!.text;
    expect(prop('iommus')).toBe('<&{/smmuv3@9050000} 0x100>');
    expect(prop('compatible')).toBe('"arm,pl061", "arm,primecell"');
    expect(dts).toMatch(/compatible = "arm,pl061\\0arm,primecell";|compatible = "arm,pl061", "arm,primecell";/);
  });

  it('never throws on any property of the tree, and each target is a real node', () => {
    const byPhandle = links.byPhandle;
    for (const n of walk(tree.root)) {
      for (const p of n.properties) for (const t of propertyTargets(p, byPhandle)) expect(findNodeByPath(tree, nodePath(t))).toBe(t);
      nodeDetail(n, links, () => undefined);
    }
  });
});

describe('console time stamps', () => {
  const text = 'U-Boot 2024.01\r\n[    0.000000] Booting Linux\r\n\r\nlogin: ';
  const bytes = new TextEncoder().encode(text);
  const t = Date.UTC(2026, 0, 2, 3, 4, 5, 6);

  function stamped(cuts: number[]): string {
    let out = '';
    let atStart = true;
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      atStart = stampChunk(bytes.subarray(from, cut), t, atStart, (p) => (out += typeof p === 'string' ? p : new TextDecoder().decode(p)));
      from = cut;
    }
    return out;
  }

  it('puts one stamp before every line, however the bytes are split', () => {
    const whole = stamped([]);
    const stamp = `\x1b[2m[${formatHostTime(t)}]\x1b[22m `;
    expect(whole.split(stamp).length - 1).toBe(text.split('\n').length);
    expect(whole.split(stamp).join('')).toBe(text);
    for (let i = 0; i <= bytes.length; i++) expect(stamped([i])).toBe(whole);
    for (let i = 0; i < bytes.length; i += 3) expect(stamped([i, Math.min(bytes.length, i + 2)])).toBe(whole);
  });
});

describe('web wire codec', () => {
  const b64 = {
    encode: (b: Uint8Array) => Buffer.from(b).toString('base64'),
    decode: (s: string) => new Uint8Array(Buffer.from(s, 'base64')),
  };

  it('round-trips bytes both ways with the host’s codec', () => {
    let seed = 42;
    for (const n of [0, 1, 2, 3, 255, 4096, 100_003]) {
      const bytes = new Uint8Array(n).map(() => (seed = (seed * 1103515245 + 12345) & 0xff));
      const value = { connectionId: 'c1', hostTime: 12.5, bytes, nested: [{ bytes }] };
      const fromRenderer = JSON.parse(JSON.stringify(encodeWire(value)));
      expect(hostDecode(fromRenderer, b64)).toEqual(value);
      const fromHost = JSON.parse(JSON.stringify(hostEncode(value, b64)));
      expect(decodeWire(fromHost)).toEqual(value);
    }
  });
});
