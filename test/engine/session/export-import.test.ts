// Text export (timestamps from host or printk; absolute, relative, delta; escapes stripped) and the
// import of captures from other tools: each capture of the same boot gives the same console lines.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SessionAssembler, consoleItems, detectLogFormat, exportJsonObject, exportText, importLog, parseLavaItem, printkTime, stripAnsi, utf8Encode, type SessionData } from '../../../engine/session';

const CAPTURES = new URL('../../fixtures/bootlog/captures/', import.meta.url);
const read = (name: string) => new Uint8Array(readFileSync(new URL(name, CAPTURES)));
const plainLines = () => Buffer.from(read('plain.log')).toString('utf8').split(/\r?\n/).filter((l) => l !== '');

function rxLines(data: SessionData): string[] {
  return consoleItems(data.chunks, []).flatMap((i) => (i.kind === 'line' && i.line.dir === 'rx' ? [i.line.text] : [])).filter((l) => l !== '');
}

function session(chunks: { t: number; text: string | Uint8Array }[], markers: SessionData['markers'] = []): SessionData {
  const asm = new SessionAssembler('s', chunks[0]?.t ?? 0);
  asm.add({ type: 'start', t: chunks[0]?.t ?? 0, sessionId: 's', target: '/dev/ttyUSB0' });
  for (const c of chunks) asm.add({ type: 'rx', t: c.t, bytes: typeof c.text === 'string' ? utf8Encode(c.text) : c.text });
  asm.data.markers.push(...markers);
  return asm.data;
}

describe('text export', () => {
  const t0 = Date.UTC(2024, 0, 2, 3, 4, 5, 600);
  // Split inside lines, inside a CRLF and inside an escape sequence, as a serial port delivers them.
  const data = session([
    { t: t0, text: '[    0.000000] Booting Linux\r' },
    { t: t0 + 10, text: '\n[    0.5000' },
    { t: t0 + 20, text: '00] \x1b[1;31mred\x1b[0m text\r\nU-Boot line without stamp\n[    1.250000] later\r\n' },
    { t: t0 + 1000, text: '[    0.000000] Booting Linux again\n' },
  ], [{ t: t0 + 500, kind: 'reset', detail: 'dtr 100ms' }]);

  it('prints host time absolute, relative and delta per line, with markers in place', () => {
    expect(exportText(data, { timestamps: { source: 'host', style: 'absolute' } })).toBe(
      [
        '2024-01-02T03:04:05.600Z [    0.000000] Booting Linux',
        '2024-01-02T03:04:05.610Z [    0.500000] red text',
        '2024-01-02T03:04:05.620Z U-Boot line without stamp',
        '2024-01-02T03:04:05.620Z [    1.250000] later',
        '--- reset dtr 100ms 2024-01-02T03:04:06.100Z ---',
        '2024-01-02T03:04:06.600Z [    0.000000] Booting Linux again',
        '',
      ].join('\n'),
    );
    const rel = exportText(data, { timestamps: { source: 'host', style: 'relative' } }).split('\n');
    expect(rel[1]).toBe('+0.010000 [    0.500000] red text');
    expect(rel[5]).toBe('+1.000000 [    0.000000] Booting Linux again');
    const delta = exportText(data, { timestamps: { source: 'host', style: 'delta' } }).split('\n');
    expect(delta.slice(0, 4).map((l) => l.split(' ')[0])).toEqual(['+0.000000', '+0.010000', '+0.010000', '+0.000000']);
    expect(delta[5]!.split(' ')[0]).toBe('+0.980000');
  });

  it('prints printk time absolute, relative (restarting at a new boot) and delta', () => {
    const abs = exportText(data, { timestamps: { source: 'printk', style: 'absolute' }, markers: false }).split('\n');
    expect(abs[0]).toBe('[    0.000000] Booting Linux');
    expect(abs[1]).toBe('[    0.500000] red text');
    expect(abs[2]).toBe(`${' '.repeat(14)} U-Boot line without stamp`);
    const delta = exportText(data, { timestamps: { source: 'printk', style: 'delta' }, markers: false }).split('\n');
    expect(delta[3]).toBe('+0.750000 later');
    const rel = exportText(data, { timestamps: { source: 'printk', style: 'relative' }, markers: false }).split('\n');
    expect(rel[4]).toBe('+0.000000 Booting Linux again');
  });

  it('strips ANSI and control bytes but keeps the text, and keeps a megabyte line whole', () => {
    expect(stripAnsi('\x1b]0;title\x07a\x1b[2Kb\x1b(Bc\x00d\x07e\tf')).toBe('abcde\tf');
    const big = 'x'.repeat(1 << 20);
    const chunks = [];
    for (let i = 0; i < big.length; i += 4096) chunks.push({ t: i, text: big.slice(i, i + 4096) });
    const lines = exportText(session([...chunks, { t: 1e9, text: '\n' }]), { timestamps: 'none' }).split('\n');
    expect(lines[0]!.length).toBe(1 << 20);
  });

  it('reads printk times with levels and caller ids', () => {
    expect(printkTime('<6>[   12.345678] x')).toBeCloseTo(12.345678, 6);
    expect(printkTime('[    0.000001][    T1] x')).toBeCloseTo(0.000001, 6);
    expect(printkTime('no stamp')).toBeUndefined();
  });
});

describe('import of captures from other tools', () => {
  const base = Date.UTC(2026, 10, 24, 12, 0, 0);
  const expected = plainLines();

  for (const [file, format] of [
    ['plain.log', 'dmesg'],
    ['tio.log', 'tio'],
    ['grabserial.log', 'grabserial'],
    ['minicom.log', 'dmesg'],
    ['lava.yaml.log', 'lava'],
  ] as const) {
    it(`${file} is read as ${format} into the same console lines`, () => {
      const bytes = read(file);
      expect(detectLogFormat(bytes)).toBe(format);
      const { value, diagnostics } = importLog(bytes, { baseTime: base, sessionId: 'imp', source: file });
      expect(diagnostics).toEqual([]);
      expect(rxLines(value)).toEqual(expected);
    });
  }

  it('takes host times from tio, grabserial and LAVA stamps', () => {
    const tio = importLog(read('tio.log'), { baseTime: base, sessionId: 'a' }).value;
    expect(new Date(tio.chunks[1]!.t).toISOString()).toBe('2026-11-24T03:19:01.001Z');
    const grab = importLog(read('grabserial.log'), { baseTime: base, sessionId: 'b' }).value;
    expect(grab.chunks[1]!.t - base).toBeCloseTo(12.3, 3);
    const lava = importLog(read('lava.yaml.log'), { baseTime: base, sessionId: 'c' }).value;
    expect(new Date(lava.chunks[1]!.t).toISOString()).toBe('2026-11-24T03:00:01.000Z');
    expect(lava.annotations.some((a) => a.kind === 'lava')).toBe(true);
  });

  it('keeps a plain capture byte for byte, garbage included', () => {
    const junk = new Uint8Array(300_000).map((_, i) => (i * 7919) & 0xff);
    const { value } = importLog(junk, { baseTime: base, sessionId: 'g' });
    expect(Buffer.concat(value.chunks.map((c) => c.bytes)).equals(Buffer.from(junk))).toBe(true);
  });

  it('parses LAVA YAML flow items with YAML escapes and nested results', () => {
    expect(parseLavaItem(`- {dt: '2024-01-01T00:00:00', lvl: target, msg: "a\\x1b[0mb \\"q\\" \\u00e9"}`)).toEqual({ dt: '2024-01-01T00:00:00', lvl: 'target', msg: 'a\x1b[0mb "q" é' });
    expect(parseLavaItem(`- {"dt": "x", "lvl": "results", "msg": {"case": "t", "result": "pass"}}`)).toEqual({ dt: 'x', lvl: 'results', msg: '{"case":"t","result":"pass"}' });
  });

  it('JSON export lists lines with host and printk time, markers, and verdicts', () => {
    const { value } = importLog(read('tio.log'), { baseTime: base, sessionId: 'j' });
    const j = exportJsonObject(value, {
      predicted: [{ name: 'a.dev', node: '/a', state: 'bound', driver: 'x', iommuGroup: 0, deferrals: 0, bindIndex: 0, why: [] }],
      actual: [{ name: 'a.dev', node: '/a', state: 'deferred', driver: 'x', iommuGroup: null, deferrals: 3, bindIndex: null, why: [] }],
    });
    const events = j.events as { type: string; printk?: number; text?: string }[];
    expect(events[0]!.type).toBe('marker');
    expect(events.filter((e) => e.type === 'line').length).toBe(expected.length);
    expect(events[2]!.printk).toBe(0);
    expect(j.verdicts).toEqual([{ name: 'a.dev', node: '/a', verdict: 'mismatch', differences: ['state: predicted bound, actual deferred', 'IOMMU: predicted group 0, actual none', 'deferred: predicted 0×, actual 3×'] }]);
  });
});
