// The AMBA bus's lazy primecell ID read (drivers/amba/bus.c amba_read_periphid() / amba_match(), 6.1 and
// 6.12 alike) as the model runs it: which reads fail for now, which fail for good, that any AMBA driver's
// match (the amba-proxy stub's too) puts such a cell on the deferred list, and that the deferred work reads
// again instead of probing. Boards on Debian's arm64 6.1 .config (pl011, pl061, pl031 built in).
import { describe, expect, it } from 'vitest';
import { armBoard, catalog, compileDts, noModulesConfig, type Run, run } from '../../support/probe';
import { requireSystem } from '../../../scripts/lib/system';

requireSystem('dtc');

const rtc = (extra = 'clocks = <&pclk>; clock-names = "apb_pclk";'): string => `rtc@9010000 { compatible = "arm,pl031", "arm,primecell"; reg = <0 0x9010000 0 0x1000>; ${extra} };`;
/** A PL341 memory controller: no driver in any catalog matches its ID. */
const pl341 = `memory-controller@9200000 { compatible = "arm,pl341", "arm,primecell"; reg = <0 0x9200000 0 0x1000>; clocks = <&pclk>; clock-names = "apb_pclk"; };`;
const absent = (...targets: string[]): { target: string; outcome: { kind: 'absent' } }[] => targets.map((target) => ({ target, outcome: { kind: 'absent' } }));

const matchDeferred = (r: Run, name: string): boolean => r.has(`amba ${name}: Device match requests probe deferral`);
const probed = (r: Run, name: string): boolean => r.prediction.events.some((e) => e.kind === 'probe-attempt' && e.device === name);

describe('a cell with nothing behind its ID registers (no arm,primecell-periphid in the tree)', () => {
  const tree = compileDts(armBoard(rtc(), pl341));

  it('is deferred at its first match and for good, with no devices_deferred reason, though its driver is built in', () => {
    const r = run(tree, { assume: absent('9010000.rtc') });
    expect(r.device('9010000.rtc')).toMatchObject({ state: 'deferred', deferReason: '', driver: null });
    expect(r.device('9010000.rtc').deferrals).toBeGreaterThan(1);
    expect(matchDeferred(r, '9010000.rtc')).toBe(true);
    // the deferred work and the timeout retry the match, never the driver's probe
    expect(probed(r, '9010000.rtc')).toBe(false);
    expect(r.has('amba 9010000.rtc: deferred probe pending')).toBe(true);
    expect(r.device('9010000.rtc').why.map((w) => w.text).join(' | ')).toContain('read back no component ID');
  });

  it('is deferred the same when no driver matches it at all: any AMBA driver registering runs amba_match()', () => {
    const r = run(tree, { assume: absent('9200000.memory-controller') });
    expect(r.device('9200000.memory-controller')).toMatchObject({ state: 'deferred', deferReason: '' });
    // with the hardware there, the ID is read and nothing matches it
    expect(run(tree, {}).device('9200000.memory-controller')).toMatchObject({ state: 'no-driver', deferrals: 0 });
  });

  it('with arm,primecell-periphid the registers are not read at match: the driver probes and rejects (-ENODEV)', () => {
    const r = run(compileDts(armBoard(rtc('clocks = <&pclk>; clock-names = "apb_pclk"; arm,primecell-periphid = <0x00041031>;'))), { assume: absent('9010000.rtc') });
    expect(r.device('9010000.rtc')).toMatchObject({ state: 'no-driver', deferrals: 0 });
    expect(r.has('rtc-pl031: probe of 9010000.rtc rejects match -19')).toBe(true);
  });
});

describe('the amba-proxy stub (amba_stub_drv_init, late_initcall_sync, only with CONFIG_MODULES)', () => {
  // every AMBA driver but the stub missing: only amba-proxy can make amba_match() run
  const onlyStub = Object.fromEntries(catalog.drivers.filter((d) => d.bus === 'amba' && d.initcall !== 'amba_stub_drv_init').map((d) => [d.name, 'missing' as const]));
  const tree = compileDts(armBoard(pl341));

  it('reads the ID of a cell no driver matches, so a cell with nothing behind it is deferred from late_initcall_sync', () => {
    const r = run(tree, { assume: absent('9200000.memory-controller'), drivers: onlyStub });
    expect(r.device('9200000.memory-controller')).toMatchObject({ state: 'deferred', deferReason: '' });
    const deferredAt = r.prediction.events.find((e) => e.kind === 'deferred' && e.device === '9200000.memory-controller')!.time;
    expect(deferredAt).toBeGreaterThanOrEqual(r.prediction.milestones.lateInitcall);
  });

  it('is not registered without CONFIG_MODULES: nothing ever matches the cell', () => {
    const r = run(tree, { config: noModulesConfig, assume: absent('9200000.memory-controller'), drivers: onlyStub });
    expect(r.device('9200000.memory-controller')).toMatchObject({ state: 'no-driver', deferrals: 0 });
  });
});

describe("what amba_read_periphid() needs before it reads: apb_pclk, the PM domain, resets", () => {
  it('no "apb_pclk" in clock-names: clk_get() fails every time, so the cell is never probed', () => {
    const r = run(compileDts(armBoard(rtc('clocks = <&pclk>; clock-names = "rtcclk";'))), {});
    expect(r.device('9010000.rtc')).toMatchObject({ state: 'deferred', deferReason: '' });
    expect(probed(r, '9010000.rtc')).toBe(false);
  });

  it('an apb_pclk found on a parent with clock-ranges (of_parse_clkspec) is enough', () => {
    const r = run(compileDts(armBoard(`bus@9000000 { compatible = "simple-bus"; #address-cells = <2>; #size-cells = <2>; ranges; clock-ranges; clocks = <&pclk>; clock-names = "apb_pclk";
    ${rtc('')} };`)), {});
    expect(r.device('9010000.rtc')).toMatchObject({ state: 'bound', driver: 'rtc-pl031', deferrals: 0 });
  });

  it('an apb_pclk provider that never binds: every retry of the deferred work reads again and the driver never probes', () => {
    const r = run(compileDts(armBoard('clkc: clock-controller@9300000 { compatible = "vendor,no-such-clkc"; reg = <0 0x9300000 0 0x1000>; #clock-cells = <0>; };', rtc('clocks = <&clkc>; clock-names = "apb_pclk";'))), {});
    expect(r.device('9010000.rtc')).toMatchObject({ state: 'deferred', deferReason: '' });
    expect(r.device('9010000.rtc').deferrals).toBeGreaterThan(1);
    expect(probed(r, '9010000.rtc')).toBe(false);
    expect(r.device('9010000.rtc').why.map((w) => w.text)).toContain('amba_read_periphid: clocks → /clock-controller@9300000');
  });

  it('genpd attaches exactly one power domain: with two, the read does not wait for their provider', () => {
    const pd = 'pd: power-controller@9400000 { compatible = "vendor,no-such-pd"; reg = <0 0x9400000 0 0x1000>; #power-domain-cells = <1>; };';
    const one = run(compileDts(armBoard(pd, rtc('clocks = <&pclk>; clock-names = "apb_pclk"; power-domains = <&pd 0>;'))), {});
    const two = run(compileDts(armBoard(pd, rtc('clocks = <&pclk>; clock-names = "apb_pclk"; power-domains = <&pd 0>, <&pd 1>;'))), {});
    expect(matchDeferred(one, '9010000.rtc')).toBe(true);
    expect(matchDeferred(two, '9010000.rtc')).toBe(false);
  });
});
