// Every row of ../shared/kernel-semantics.md §8 (consumer = a platform master with `iommus`), per kernel
// version: the predicted outcome (IOMMU / DIRECT / DEFER / WAIT→x) and the characteristic log lines.
// Boards are compiled by dtc; drivers come from the shipped 6.1 catalog; Debian's .config decides y/m.
// Masters: rtc-pl031 (drivers/rtc, registers after arm-smmu-v3: "ok-early") and pl061 (drivers/gpio,
// registers before it: the IOMMU is "not probed yet" at the master's first probe).
import { describe, expect, it } from 'vitest';
import type { PredictOptions } from '../../../engine/probe/index';
import { compileDts, noModulesConfig, run, type Run } from '../../support/probe';
import { requireSystem } from '../../../scripts/lib/system';

requireSystem('dtc');

interface Board {
  iommuStatus?: 'okay' | 'disabled';
  /** arm,smmu-v3 (default) or arm,mmu-500 with `contexts` context interrupts. */
  iommu?: 'smmu-v3' | 'mmu-500';
  contexts?: number;
  /** Masters: 'early' = rtc-pl031 @9010000, 'late' = pl061 @9030000, 'early2' = a second pl031 @9011000. */
  masters?: ('early' | 'late' | 'early2')[];
}

function board(b: Board = {}): string {
  const masters = b.masters ?? ['early', 'late'];
  const iommu = b.iommu === 'mmu-500'
    ? `smmu: iommu@9050000 { compatible = "arm,mmu-500", "arm,smmu-v2"; reg = <0 0x9050000 0 0x20000>; #iommu-cells = <1>; #global-interrupts = <1>;
         interrupts = <0 74 4>${', <0 75 4>'.repeat(b.contexts ?? 1)}; status = "${b.iommuStatus ?? 'okay'}"; };`
    : `smmu: iommu@9050000 { compatible = "arm,smmu-v3"; reg = <0 0x9050000 0 0x20000>; #iommu-cells = <1>; interrupts = <0 74 1>; status = "${b.iommuStatus ?? 'okay'}"; };`;
  const m: string[] = [];
  if (masters.includes('early')) m.push(`rtc@9010000 { compatible = "arm,pl031", "arm,primecell"; reg = <0 0x9010000 0 0x1000>; clocks = <&pclk>; clock-names = "apb_pclk"; iommus = <&smmu 1>; };`);
  if (masters.includes('early2')) m.push(`rtc@9011000 { compatible = "arm,pl031", "arm,primecell"; reg = <0 0x9011000 0 0x1000>; clocks = <&pclk>; clock-names = "apb_pclk"; iommus = <&smmu 2>; };`);
  if (masters.includes('late')) m.push(`gpio@9030000 { compatible = "arm,pl061", "arm,primecell"; reg = <0 0x9030000 0 0x1000>; clocks = <&pclk>; clock-names = "apb_pclk"; gpio-controller; #gpio-cells = <2>; iommus = <&smmu 8>; };`);
  return `/dts-v1/;
/ {
  #address-cells = <2>; #size-cells = <2>;
  interrupt-parent = <&gic>;
  memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x40000000>; };
  gic: intc@8000000 { compatible = "arm,cortex-a15-gic"; #interrupt-cells = <3>; interrupt-controller; reg = <0 0x8000000 0 0x10000>, <0 0x8010000 0 0x10000>; };
  pclk: apb-pclk { compatible = "fixed-clock"; #clock-cells = <0>; clock-frequency = <24000000>; };
  fw-cfg@9020000 { compatible = "qemu,fw-cfg-mmio"; reg = <0 0x9020000 0 0x18>; };
  ${iommu}
  ${m.join('\n  ')}
};
`;
}

const EARLY = '9010000.rtc';
const LATE = '9030000.gpio';
const IOMMU = '9050000.iommu';

type Outcome = 'IOMMU' | 'DIRECT' | 'DEFER' | 'WAIT→IOMMU' | 'WAIT→DIRECT';

function outcome(r: Run, name: string): Outcome {
  const d = r.device(name);
  if (d.state === 'deferred') return 'DEFER';
  expect(d.state).toBe('bound');
  const wait = d.deferrals > 0 ? 'WAIT→' : '';
  return `${wait}${d.iommuGroup === null ? 'DIRECT' : 'IOMMU'}` as Outcome;
}

function predictOn(b: Board, opts: PredictOptions): Run {
  return run(compileDts(board(b)), opts);
}

const FAILED = { target: '/iommu@9050000', outcome: { kind: 'fail' as const, errno: -22 } };
const LATE_IOMMU = { target: '/iommu@9050000', outcome: { kind: 'defer' as const, times: 1 } };
const ABSENT = { 'arm-smmu-v3': 'missing' as const };

describe('§8.1 2015 (v4.1-v4.11, configured at device creation)', () => {
  const k = { kernel: '2015-rfc' };
  it('disabled IOMMU → DIRECT', () => {
    const r = predictOn({ iommuStatus: 'disabled' }, k);
    expect(outcome(r, EARLY)).toBe('DIRECT');
    expect(outcome(r, LATE)).toBe('DIRECT');
  });
  it('no IOMMU driver → DIRECT', () => {
    expect(outcome(predictOn({}, { ...k, drivers: ABSENT }), LATE)).toBe('DIRECT');
  });
  it('built-in IOMMU_OF_DECLARE driver, probe ok → IOMMU for every master, configured at creation', () => {
    const r = predictOn({}, k);
    expect(outcome(r, EARLY)).toBe('IOMMU');
    expect(outcome(r, LATE)).toBe('IOMMU');
  });
  it('built-in but not probed yet when masters are created → DIRECT forever', () => {
    const r = predictOn({}, { ...k, assume: [LATE_IOMMU] });
    expect(outcome(r, LATE)).toBe('DIRECT');
    expect(r.device(IOMMU).state).toBe('bound');
  });
  it('IOMMU probe failed → DIRECT with "Failed to set up IOMMU"', () => {
    const r = predictOn({}, { ...k, assume: [FAILED] });
    expect(outcome(r, LATE)).toBe('DIRECT');
    expect(r.has(`Failed to set up IOMMU for device ${LATE}; retaining platform DMA ops`)).toBe(true);
  });
  it('no context left → DIRECT, platform DMA ops retained', () => {
    const r = predictOn({ iommu: 'mmu-500', contexts: 1, masters: ['early', 'early2'] }, { ...k, drivers: { 'arm-smmu': 'builtin' } });
    expect(outcome(r, EARLY)).toBe('IOMMU');
    expect(outcome(r, '9011000.rtc')).toBe('DIRECT');
    expect(r.has('Failed to set up IOMMU for device 9011000.rtc')).toBe(true);
  });
});

describe('§8.2 v4.12 (through v4.18)', () => {
  const k = { kernel: '4.12' };
  it('disabled → DIRECT immediately', () => {
    const r = predictOn({ iommuStatus: 'disabled' }, k);
    expect(outcome(r, LATE)).toBe('DIRECT');
  });
  it('absent driver → DIRECT immediately', () => {
    expect(outcome(predictOn({}, { ...k, drivers: ABSENT }), LATE)).toBe('DIRECT');
  });
  it('IOMMU driver as a module (no IOMMU_OF_DECLARE) → DIRECT immediately, even when the module loads', () => {
    const r = predictOn({}, { ...k, drivers: { 'arm-smmu-v3': 'module' }, modulesLoaded: ['arm_smmu_v3'] });
    expect(outcome(r, LATE)).toBe('DIRECT');
    expect(r.device(IOMMU).state).toBe('bound');
  });
  it('built-in + declared, probed early (of_iommu_init) → IOMMU even for a master whose driver registers first', () => {
    const r = predictOn({}, k);
    expect(outcome(r, EARLY)).toBe('IOMMU');
    expect(outcome(r, LATE)).toBe('IOMMU');
  });
  it('built-in + declared, IOMMU binds late → WAIT→IOMMU (retried at late_initcall)', () => {
    const r = predictOn({}, { ...k, assume: [LATE_IOMMU] });
    expect(outcome(r, LATE)).toBe('WAIT→IOMMU');
  });
  it('IOMMU probe failed, nothing triggers after SYSTEM_RUNNING → DEFER forever', () => {
    const r = predictOn({}, { ...k, assume: [FAILED] });
    expect(outcome(r, LATE)).toBe('DEFER');
  });
  it('IOMMU probe failed, a later bind triggers deferred probing → WAIT→DIRECT', () => {
    const r = predictOn({}, { ...k, assume: [FAILED], modulesLoaded: ['qemu_fw_cfg'] });
    expect(outcome(r, LATE)).toBe('WAIT→DIRECT');
  });
  it('no context left → DIRECT with "Failed to add to iommu group N: -28"', () => {
    const r = predictOn({ iommu: 'mmu-500', contexts: 1, masters: ['early', 'early2'] }, k);
    expect(outcome(r, EARLY)).toBe('IOMMU');
    expect(outcome(r, '9011000.rtc')).toBe('DIRECT');
    expect(r.has(/9011000\.rtc: Failed to add to iommu group 1: -28/)).toBe(true);
  });
});

describe('§8.3 v5.4 (v4.19-v5.6)', () => {
  const k = { kernel: '5.4' };
  it('disabled → DIRECT', () => {
    expect(outcome(predictOn({ iommuStatus: 'disabled' }, k), LATE)).toBe('DIRECT');
  });
  it('absent: deferred before initcalls_done, DIRECT at initcalls_done with "assuming no driver"', () => {
    const r = predictOn({}, { ...k, drivers: ABSENT });
    expect(outcome(r, LATE)).toBe('WAIT→DIRECT');
    expect(r.has(`pl061_gpio ${LATE}: ignoring dependency for device, assuming no driver`)).toBe(true);
  });
  it('built-in, ok-early → IOMMU with "Adding to iommu group"', () => {
    const r = predictOn({}, k);
    expect(outcome(r, EARLY)).toBe('IOMMU');
    expect(r.has(`rtc-pl031 ${EARLY}: Adding to iommu group`)).toBe(true);
  });
  it('built-in, ok-late → WAIT→IOMMU', () => {
    expect(outcome(predictOn({}, k), LATE)).toBe('WAIT→IOMMU');
  });
  it('built-in, IOMMU failed → DIRECT at initcalls_done', () => {
    const r = predictOn({}, { ...k, assume: [FAILED] });
    expect(outcome(r, LATE)).toBe('WAIT→DIRECT');
    expect(r.has('ignoring dependency for device, assuming no driver')).toBe(true);
  });
  it('IOMMU module loaded after initcalls_done → DIRECT (missed)', () => {
    const r = predictOn({}, { ...k, drivers: { 'arm-smmu-v3': 'module' }, modulesLoaded: ['arm_smmu_v3'] });
    expect(outcome(r, LATE)).toBe('WAIT→DIRECT');
    expect(r.device(IOMMU).state).toBe('bound');
  });
  it('deferred_probe_timeout=0 → DIRECT with the WARN "deferred probe timeout, ignoring dependency"', () => {
    const r = predictOn({}, { ...k, drivers: ABSENT, cmdline: 'deferred_probe_timeout=0' });
    expect(outcome(r, LATE)).toBe('WAIT→DIRECT');
    expect(r.has('deferred probe timeout, ignoring dependency')).toBe(true);
  });
  it('no context left → DIRECT, "Failed to add to iommu group N: -28"', () => {
    const r = predictOn({ iommu: 'mmu-500', contexts: 1, masters: ['early', 'early2'] }, k);
    expect(outcome(r, '9011000.rtc')).toBe('DIRECT');
    expect(r.has('Failed to add to iommu group 1: -28')).toBe(true);
  });
  it('fw_devlink does not exist by default: no supplier wait', () => {
    const r = predictOn({}, k);
    expect(r.prediction.events.some((e) => e.kind === 'fwnode-link')).toBe(false);
  });
});

describe('§8.4 v5.10 (v5.7-v5.12)', () => {
  const k = { kernel: '5.10' };
  it('disabled → DIRECT', () => {
    expect(outcome(predictOn({ iommuStatus: 'disabled' }, k), LATE)).toBe('DIRECT');
  });
  it('absent, MODULES=n → DIRECT at initcalls_done, "assuming no driver"', () => {
    const r = predictOn({}, { ...k, drivers: ABSENT, config: noModulesConfig });
    expect(outcome(r, LATE)).toBe('WAIT→DIRECT');
    expect(r.has('ignoring dependency for device, assuming no driver')).toBe(true);
  });
  it('absent, MODULES=y (timeout 0) → DIRECT at initcalls_done, "deferred probe timeout"', () => {
    const r = predictOn({}, { ...k, drivers: ABSENT });
    expect(outcome(r, LATE)).toBe('WAIT→DIRECT');
    expect(r.has('deferred probe timeout, ignoring dependency')).toBe(true);
    expect(r.prediction.milestones.timeoutFired).toBeNull();
  });
  it('built-in ok-early → IOMMU; ok-late → WAIT→IOMMU', () => {
    const r = predictOn({}, k);
    expect(outcome(r, EARLY)).toBe('IOMMU');
    expect(outcome(r, LATE)).toBe('WAIT→IOMMU');
  });
  it('built-in, failed → DIRECT at initcalls_done', () => {
    expect(outcome(predictOn({}, { ...k, assume: [FAILED] }), LATE)).toBe('WAIT→DIRECT');
  });
  it('IOMMU module loaded after late_initcall → DIRECT (misses the module)', () => {
    const r = predictOn({}, { ...k, drivers: { 'arm-smmu-v3': 'module' }, modulesLoaded: ['arm_smmu_v3'] });
    expect(outcome(r, LATE)).toBe('WAIT→DIRECT');
  });
  it('no context left → DIRECT, "Adding to iommu group N" then "Removing from iommu group N"', () => {
    const r = predictOn({ iommu: 'mmu-500', contexts: 1, masters: ['early', 'early2'] }, k);
    expect(outcome(r, '9011000.rtc')).toBe('DIRECT');
    expect(r.has('9011000.rtc: Adding to iommu group 1')).toBe(true);
    expect(r.has('9011000.rtc: Removing from iommu group 1')).toBe(true);
  });
  it('fw_devlink=on forced: iommus is not optional yet, a master of a driverless IOMMU waits forever', () => {
    const r = predictOn({}, { ...k, drivers: ABSENT, cmdline: 'fw_devlink=on' });
    expect(outcome(r, LATE)).toBe('DEFER');
    expect(outcome(r, EARLY)).toBe('DEFER');
  });
  it('default fw_devlink=permissive: no probe ordering', () => {
    const r = predictOn({}, { ...k, drivers: ABSENT });
    expect(r.prediction.events.some((e) => e.kind === 'deferred' && /supplier/.test(e.reason ?? ''))).toBe(false);
  });
});

describe('§8.5 v6.1 (strict=0, fw_devlink=on)', () => {
  const k = { kernel: '6.1' };
  it('disabled → DIRECT at the first probe, no deferral', () => {
    const r = predictOn({ iommuStatus: 'disabled' }, k);
    expect(outcome(r, LATE)).toBe('DIRECT');
    expect(r.device(LATE).deferrals).toBe(0);
  });
  it('absent, MODULES=n → DIRECT at late_initcall pass 2, "assuming no driver"', () => {
    const r = predictOn({}, { ...k, drivers: ABSENT, config: noModulesConfig });
    expect(outcome(r, LATE)).toBe('WAIT→DIRECT');
    expect(r.has(`pl061_gpio ${LATE}: ignoring dependency for device, assuming no driver`)).toBe(true);
    expect(r.device(LATE).bindTime!).toBeLessThan(r.prediction.milestones.userspace);
  });
  it('absent, MODULES=y: deferred until the 10 s timeout, then DIRECT with "deferred probe timeout"', () => {
    const r = predictOn({}, { ...k, drivers: ABSENT });
    expect(outcome(r, LATE)).toBe('WAIT→DIRECT');
    expect(r.has(`pl061_gpio ${LATE}: deferred probe timeout, ignoring dependency`)).toBe(true);
    const late = r.prediction.milestones.lateInitcall;
    expect(r.prediction.milestones.timeoutFired! - late).toBeGreaterThanOrEqual(10);
    expect(r.device(LATE).bindTime!).toBeGreaterThanOrEqual(late + 10);
  });
  it('built-in ok-early → IOMMU, group line with the master driver prefix', () => {
    const r = predictOn({}, k);
    expect(outcome(r, EARLY)).toBe('IOMMU');
    expect(r.has(`rtc-pl031 ${EARLY}: Adding to iommu group`)).toBe(true);
  });
  it('built-in ok-late → WAIT→IOMMU, retried only from late_initcall', () => {
    const r = predictOn({}, k);
    expect(outcome(r, LATE)).toBe('WAIT→IOMMU');
    const retry = r.prediction.events.find((e) => e.kind === 'retry' && e.device === LATE)!;
    expect(retry.time).toBeGreaterThanOrEqual(r.prediction.milestones.lateInitcall);
  });
  it('built-in, IOMMU probe failed → as absent: WAIT→DIRECT at the timeout', () => {
    const r = predictOn({}, { ...k, assume: [FAILED] });
    expect(outcome(r, LATE)).toBe('WAIT→DIRECT');
    expect(r.has('deferred probe timeout, ignoring dependency')).toBe(true);
    expect(r.device(IOMMU).state).toBe('failed');
  });
  it('IOMMU module loaded before the timeout → WAIT→IOMMU, timeout extended', () => {
    const r = predictOn({}, { ...k, drivers: { 'arm-smmu-v3': 'module' }, modulesLoaded: ['arm_smmu_v3@3'] });
    expect(outcome(r, LATE)).toBe('WAIT→IOMMU');
    expect(r.has('Extended deferred probe timeout by 10 secs')).toBe(true);
  });
  it('IOMMU module loaded after the timeout → DIRECT, "deferred probe timeout"', () => {
    const r = predictOn({}, { ...k, drivers: { 'arm-smmu-v3': 'module' }, modulesLoaded: ['arm_smmu_v3@30'] });
    expect(outcome(r, LATE)).toBe('WAIT→DIRECT');
    expect(r.device(IOMMU).state).toBe('bound');
  });
  it('no context left → DIRECT, "Adding to iommu group N" then "Removing from iommu group N"', () => {
    const r = predictOn({ iommu: 'mmu-500', contexts: 1, masters: ['early', 'early2'] }, k);
    expect(outcome(r, EARLY)).toBe('IOMMU');
    expect(outcome(r, '9011000.rtc')).toBe('DIRECT');
    expect(r.has('rtc-pl031 9011000.rtc: Adding to iommu group 1')).toBe(true);
    expect(r.has('rtc-pl031 9011000.rtc: Removing from iommu group 1')).toBe(true);
  });
  it('fw_devlink.strict=1: the master waits on the IOMMU device ("supplier X not ready"), then IOMMU', () => {
    const r = predictOn({}, { ...k, cmdline: 'fw_devlink.strict=1' });
    expect(outcome(r, LATE)).toBe('WAIT→IOMMU');
    expect(r.has(`amba ${LATE}: error -EPROBE_DEFER: supplier ${IOMMU} not ready`)).toBe(true);
  });
  it('fw_devlink.strict=1 and no IOMMU driver: released when the timeout relaxes the link → DIRECT', () => {
    const r = predictOn({}, { ...k, cmdline: 'fw_devlink.strict=1', drivers: ABSENT });
    expect(outcome(r, LATE)).toBe('WAIT→DIRECT');
    expect(r.device(LATE).bindTime!).toBeGreaterThanOrEqual(r.prediction.milestones.timeoutFired!);
  });
  it('default fw_devlink=on: iommus makes no link (optional binding)', () => {
    const r = predictOn({}, k);
    expect(r.prediction.events.some((e) => e.kind === 'fwnode-link' && /iommu@/.test(e.text ?? ''))).toBe(false);
  });
});

describe('§8.6 v6.6 (v6.5-v6.7)', () => {
  const k = { kernel: '6.6' };
  it('as v6.1 for lookup and timeout', () => {
    const r = predictOn({}, k);
    expect(outcome(r, EARLY)).toBe('IOMMU');
    expect(outcome(r, LATE)).toBe('WAIT→IOMMU');
    expect(outcome(predictOn({}, { ...k, drivers: ABSENT }), LATE)).toBe('WAIT→DIRECT');
  });
  it('no context left → "Adding to iommu group N" and no removal line', () => {
    const r = predictOn({ iommu: 'mmu-500', contexts: 1, masters: ['early', 'early2'] }, k);
    expect(outcome(r, '9011000.rtc')).toBe('DIRECT');
    expect(r.has('9011000.rtc: Adding to iommu group 1')).toBe(true);
    expect(r.has('Removing from iommu group')).toBe(false);
  });
});

describe('§8.7 latest (v6.15+)', () => {
  const k = { kernel: 'latest' };
  it('disabled → DIRECT', () => {
    expect(outcome(predictOn({ iommuStatus: 'disabled' }, k), LATE)).toBe('DIRECT');
  });
  it('absent → as v6.1 (timeout), pending devices print a reason', () => {
    const r = predictOn({}, { ...k, drivers: ABSENT });
    expect(outcome(r, LATE)).toBe('WAIT→DIRECT');
  });
  it('ok-early: the group is created when the IOMMU registers, bus prefix, before the master probes', () => {
    const r = predictOn({}, k);
    expect(outcome(r, LATE)).toBe('WAIT→IOMMU');
    expect(r.has(`amba ${LATE}: Adding to iommu group`)).toBe(true);
  });
  it('ok-late → WAIT→IOMMU', () => {
    expect(outcome(predictOn({}, { ...k, assume: [LATE_IOMMU] }), LATE)).toBe('WAIT→IOMMU');
  });
  it('a master whose driver registers after the IOMMU is configured at IOMMU registration too (bus prefix)', () => {
    const r = predictOn({}, { ...k, pciFunctions: [] });
    expect(r.has(`amba ${EARLY}: Adding to iommu group`)).toBe(true);
  });
  it('no context left → DIRECT, no removal line', () => {
    const r = predictOn({ iommu: 'mmu-500', contexts: 1, masters: ['early', 'early2'] }, k);
    expect([outcome(r, EARLY), outcome(r, '9011000.rtc')].sort()).toEqual(['DIRECT', 'IOMMU']);
    expect(r.has('Removing from iommu group')).toBe(false);
  });
  it('devices still pending at the timeout print "deferred probe pending: <reason>"', () => {
    const r = predictOn({}, { ...k, assume: [{ target: EARLY, outcome: { kind: 'defer', times: Number.POSITIVE_INFINITY } }] });
    expect(r.has(`amba ${EARLY}: deferred probe pending: (reason unknown)`)).toBe(true);
  });
  it('IOMMU appears after the master already bound DIRECT → stays DIRECT', () => {
    const r = predictOn({}, { ...k, drivers: { 'arm-smmu-v3': 'module' }, modulesLoaded: ['arm_smmu_v3@30'] });
    expect(outcome(r, LATE)).toBe('WAIT→DIRECT');
    expect(r.device(LATE).iommuGroup).toBeNull();
  });
});

describe('§8.8 cross-version rules', () => {
  for (const kernel of ['4.12', '5.4', '5.10', '6.1', '6.6', 'latest']) {
    it(`${kernel}: a disabled IOMMU never defers its masters`, () => {
      const r = predictOn({ iommuStatus: 'disabled' }, { kernel });
      expect(r.device(LATE).deferrals).toBe(0);
      expect(r.device(EARLY).deferrals).toBe(0);
    });
    it(`${kernel}: context exhaustion never fails or defers the master`, () => {
      const r = predictOn({ iommu: 'mmu-500', contexts: 1, masters: ['early', 'early2'] }, { kernel });
      expect(r.device('9011000.rtc').state).toBe('bound');
      expect(r.device('9011000.rtc').deferrals).toBe(0);
    });
  }
  it('the IOMMU context budget comes from the arm-smmu binding (context interrupts)', () => {
    const r = predictOn({ iommu: 'mmu-500', contexts: 2, masters: ['early', 'early2'] }, { kernel: '6.1' });
    expect(outcome(r, EARLY)).toBe('IOMMU');
    expect(outcome(r, '9011000.rtc')).toBe('IOMMU');
  });
});
