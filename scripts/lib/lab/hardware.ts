// What each lab board's hardware does that no device tree says: where QEMU models a block only partly
// (or an address has nothing behind it), the driver's own probe fails, or a primecell's ID registers read
// back nothing, and an engineer supplies that to the prediction as an assumption. These are the only
// per-board facts the judging of the probe model may use; each cites the kernel's own line from the golden
// log (checked by predict-vs-kernel.test.ts). They belong to QEMU's machine, not to the tree booted on it:
// every board tree booted on `sabrelite` meets the same i.MX6Q model.
import { cells, findNodeByPath, getProperty, phandleIndex, stringListProp, type DtTree } from '../../../engine/devicetree/index';
import type { AssumedOutcome } from '../../../engine/probe/index';
import { bootLabel, type LabBoot } from './board';

export interface HardwareAssumption {
  /** Kernel device name (or DT path). */
  target: string;
  outcome: AssumedOutcome;
  /** The line the kernel printed (without its timestamp), present in the boot's golden log. */
  evidence: string;
  /** Where the fact is a part's the target uses rather than the target's own: whether this tree wires it so. */
  when?: (tree: DtTree) => boolean;
}

/** Whether the node at `path` takes its first `property` GPIO from a controller with `compatible`. */
function gpioFrom(path: string, property: string, compatible: string): (tree: DtTree) => boolean {
  return (tree) => {
    const node = findNodeByPath(tree, path);
    const prop = node && getProperty(node, property);
    const phandle = prop ? cells(prop)[0] : undefined;
    const controller = phandle === undefined ? undefined : phandleIndex(tree).get(phandle);
    return !!controller && stringListProp(controller, 'compatible').includes(compatible);
  };
}

/**
 * A primecell QEMU's board model leaves out (nothing at its address, so its ID registers read zero): with no
 * `arm,primecell-periphid` in the tree, drivers/amba/bus.c amba_read_periphid() returns -ENODEV on every
 * match and amba_match() turns that into -EPROBE_DEFER, so the kernel still holds it when the deferred probe
 * timeout prints what is pending (dd.c deferred_probe_timeout_work_func(), 6.1's form).
 */
function unmodelledPrimecell(device: string): HardwareAssumption {
  return { target: device, outcome: { kind: 'absent' }, evidence: `amba ${device}: deferred probe pending` };
}

const onExpander = gpioFrom('/wifi-pwrseq', 'reset-gpios', 'raspberrypi,firmware-gpio');

/**
 * What QEMU's model of a machine does, keyed `<machine>@<kernel>` (a kernel generation may print another
 * line for the same fact, so each cites its own). It applies to every boot on that machine; a tree that
 * leaves the block out (or disables it) has no device for it to apply to, and its log no line to cite.
 */
export const MACHINE_HARDWARE: Record<string, HardwareAssumption[]> = {
  // QEMU's raspi3b firmware mailbox does not answer the GPIO expander's calls ("Failed to get GPIO 1
  // config"), so pwrseq_simple fails with -EIO where its reset GPIO is on the expander (the 3 B and 3 B+;
  // the Zero 2 W's is on the SoC's own GPIO, the 3 A+ has none).
  'raspi3b@arm64-6.1': [
    { target: 'wifi-pwrseq', outcome: { kind: 'fail', errno: -5 }, evidence: 'pwrseq_simple: probe of wifi-pwrseq failed with error -5', when: onExpander },
  ],
  'raspi3b@arm64-6.12': [
    {
      target: 'wifi-pwrseq',
      outcome: { kind: 'fail', errno: -5 },
      evidence: 'pwrseq_simple wifi-pwrseq: probe with driver pwrseq_simple failed with error -5',
      when: onExpander,
    },
  ],
  // QEMU's xlnx-zcu102 models the NWL PCIe bridge's registers but no link: nwl_wait_for_link() times out.
  // Its PSCI firmware (QEMU's own) does not take the extended power-state format the tree's idle state
  // 0x40000000 is written in (psci_has_ext_power_state()), so psci_dt_cpu_init_idle() refuses the state
  // ("Invalid PSCI power state") and psci_cpuidle_probe() fails with -EINVAL.
  'xlnx-zcu102@arm64-6.1': [
    { target: 'fd0e0000.pcie', outcome: { kind: 'fail', errno: -110 }, evidence: 'nwl-pcie: probe of fd0e0000.pcie failed with error -110' },
    { target: 'psci-cpuidle', outcome: { kind: 'fail', errno: -22 }, evidence: 'psci-cpuidle: probe of psci-cpuidle failed with error -22' },
  ],
  'xlnx-zcu102@arm64-6.12': [
    { target: 'fd0e0000.pcie', outcome: { kind: 'fail', errno: -110 }, evidence: 'nwl-pcie fd0e0000.pcie: probe with driver nwl-pcie failed with error -110' },
    { target: 'psci-cpuidle', outcome: { kind: 'fail', errno: -22 }, evidence: 'psci-cpuidle psci-cpuidle: probe with driver psci-cpuidle failed with error -22' },
  ],
  // QEMU's sabrelite (hw/arm/fsl-imx6.c) leaves the APBH DMA and the SNVS low-power RTC unmodelled
  // (their reset/handshake bits never flip: -ETIMEDOUT), and its DesignWare PCIe model has no
  // outbound iATU ("No outbound iATU found", -EINVAL).
  'sabrelite@armhf-6.1': [
    { target: '110000.dma-controller', outcome: { kind: 'fail', errno: -110 }, evidence: 'mxs-dma: probe of 110000.dma-controller failed with error -110' },
    { target: '20cc000.snvs:snvs-rtc-lp', outcome: { kind: 'fail', errno: -110 }, evidence: 'snvs_rtc: probe of 20cc000.snvs:snvs-rtc-lp failed with error -110' },
    { target: '1ffc000.pcie', outcome: { kind: 'fail', errno: -22 }, evidence: 'imx6q-pcie: probe of 1ffc000.pcie failed with error -22' },
  ],
  // QEMU's i.MX7D and i.MX6UL, like its i.MX6Q: no APBH DMA and no SNVS low-power RTC behind their
  // registers (-ETIMEDOUT).
  // hw/arm/fsl-imx7.c models no CoreSight either: the funnels, ETM, ETF, ETR and TPIU read no ID (the other
  // ETM's node gives arm,primecell-periphid, so its registers are never read).
  'mcimx7d-sabre@armhf-6.1': [
    { target: '33000000.dma-controller', outcome: { kind: 'fail', errno: -110 }, evidence: 'mxs-dma: probe of 33000000.dma-controller failed with error -110' },
    { target: '30370000.snvs:snvs-rtc-lp', outcome: { kind: 'fail', errno: -110 }, evidence: 'snvs_rtc: probe of 30370000.snvs:snvs-rtc-lp failed with error -110' },
    ...['30041000.funnel', '3007c000.etm', '30083000.funnel', '30084000.etf', '30086000.etr', '30087000.tpiu'].map(unmodelledPrimecell),
  ],
  'mcimx6ul-evk@armhf-6.1': [
    { target: '1804000.dma-controller', outcome: { kind: 'fail', errno: -110 }, evidence: 'mxs-dma: probe of 1804000.dma-controller failed with error -110' },
    { target: '20cc000.snvs:snvs-rtc-lp', outcome: { kind: 'fail', errno: -110 }, evidence: 'snvs_rtc: probe of 20cc000.snvs:snvs-rtc-lp failed with error -110' },
  ],
  // QEMU's Versatile Express (docs/system/arm/vexpress.rst, "Unimplemented devices") has no SP805 watchdog,
  // PL341 or PL354 memory controller, DMA330 or CoreSight.
  'vexpress-a15@armhf-6.1': [
    { target: '1c1f0000.clcd', outcome: { kind: 'fail', errno: -2 }, evidence: 'clcd-pl11x: probe of 1c1f0000.clcd failed with error -2' },
    ...['1c0f0000.watchdog', '2b0a0000.memory-controller', '7ffb0000.dma', '7ffd0000.memory-controller'].map(unmodelledPrimecell),
  ],
  // QEMU's vexpress-a9 PL111 CLCDs: the DRM driver reads the cell's ID ("PL111 designer 41 rev2"), then its
  // own probe returns -ENOENT.
  'vexpress-a9@armhf-6.1': [
    { target: '1001f000.clcd', outcome: { kind: 'fail', errno: -2 }, evidence: 'clcd-pl11x: probe of 1001f000.clcd failed with error -2' },
    { target: '10020000.clcd', outcome: { kind: 'fail', errno: -2 }, evidence: 'clcd-pl11x: probe of 10020000.clcd failed with error -2' },
    ...['1000f000.wdt', '100e0000.memory-controller', '100e1000.memory-controller', '100e5000.watchdog'].map(unmodelledPrimecell),
  ],
  // QEMU's Calxeda machines (hw/arm/highbank.c calxeda_init()) create the SP804, PL011, PL061s, PL031,
  // PL022, AHCI and XGMACs, but no PL320 IPC and no PL330 DMA.
  'highbank@armhf-6.1': ['fff20000.ipc', 'fff3d000.dma'].map(unmodelledPrimecell),
  'midway@armhf-6.1': ['fff20000.ipc', 'fff3d000.dma'].map(unmodelledPrimecell),
};

/** What a scenario itself does to the hardware, keyed by boot label (`name`, `name@kernel`). */
export const SCENARIO_HARDWARE: Record<string, HardwareAssumption[]> = {
  // The scenario moves the SMMU node onto an address with no SMMU behind it: its ID registers read
  // back nothing and arm_smmu_device_hw_probe() returns -ENXIO.
  'smmu-no-hardware': [{ target: '4000000.smmuv3', outcome: { kind: 'fail', errno: -6 }, evidence: 'arm-smmu-v3: probe of 4000000.smmuv3 rejects match -6' }],
  'smmu-no-hardware@arm64-6.12': [
    { target: '4000000.smmuv3', outcome: { kind: 'fail', errno: -6 }, evidence: 'arm-smmu-v3 4000000.smmuv3: probe with driver arm-smmu-v3 rejects match -6' },
  ],
};

/** The key of a boot's machine in MACHINE_HARDWARE. */
export function machineKey(b: LabBoot): string {
  return `${b.scenario.machine}@${b.kernel}`;
}

/** Every hardware assumption of a boot: its machine's (those its tree wires so), then its scenario's own. */
export function hardwareOf(b: LabBoot, tree: DtTree): HardwareAssumption[] {
  const machine = (MACHINE_HARDWARE[machineKey(b)] ?? []).filter((a) => !a.when || a.when(tree));
  return [...machine, ...(SCENARIO_HARDWARE[bootLabel(b)] ?? [])];
}

/**
 * Probe failures that are not the hardware's: the kernel's own state decides them, so they are the
 * model's to predict and are never stated as assumptions (they stay in KNOWN_WRONG until it does).
 * Listed so that every failed probe in a vendor-board log is accounted for, one way or the other; keyed
 * by machine (`<machine>@<kernel>`) where what decides them is the machine's (here the PSCI node QEMU
 * adds), else by boot label.
 */
export const KERNEL_STATE_FAILURES: Record<string, Record<string, string>> = {
  'mcimx6ul-evk@armhf-6.1': {
    // "pm_power_off already claimed for psci_sys_poweroff": PSCI (in the tree QEMU hands over) registered first.
    '20cc000.snvs:snvs-poweroff': 'syscon-poweroff: probe of 20cc000.snvs:snvs-poweroff failed with error -16',
  },
  'imx7d-mba7@armhf-6.1': {
    // Its PCIe power domain's genpd is never registered (the domain's supply is a module's regulator), so
    // at the deferred-probe timeout dev_pm_domain_attach() gives up: "deferred probe timeout, ignoring dependency".
    '33800000.pcie': 'imx6q-pcie: probe of 33800000.pcie failed with error -110',
  },
};

/** The kernel-state failure a boot's log accounts for at `device`, by its machine or its own label. */
export function kernelStateFailure(b: LabBoot, device: string): string | undefined {
  return KERNEL_STATE_FAILURES[machineKey(b)]?.[device] ?? KERNEL_STATE_FAILURES[bootLabel(b)]?.[device];
}
