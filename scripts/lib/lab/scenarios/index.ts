// The lab's scenarios: each a device tree, a kernel command line and a module load plan chosen to
// drive Debian's kernels down one branch of ../../../../../shared/kernel-semantics.md (§8.5 v6.1 table:
// IOMMU late, absent, disabled, failing; fw_devlink strict/off; the deferred-probe timeout; groups),
// and real vendor boards with Debian's own DTBs. Each boots on every kernel of its machine
// (board.ts MACHINES); goldens per kernel in test/fixtures/bootlog/lab[/<kernel>]/<name>.*
import { join } from 'node:path';
import { labDir, type Machine, type Scenario } from '../board';

/** The app's bundled demo board (resources/demo), recorded by scripts/lab/record-demo.ts. */
export const demoDts = join(labDir, '..', '..', 'resources', 'demo', 'board.dts');

const DD = 'dyndbg="file drivers/base/dd.c +p"';

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * dd.c's bind line in both generations: 6.1's pr_debug `driver: 'D': driver_bound: bound to device 'X'`,
 * 6.12's dev_dbg `D X: driver: 'D': driver_bound: bound to device`. Names are literal (not patterns).
 */
export function bound(driver: string, device: string): string {
  const d = esc(driver);
  const x = esc(device);
  return `driver: '${d}': driver_bound: bound to device '${x}'|${d} ${x}: driver: '${d}': driver_bound: bound to device`;
}
/**
 * dd.c's line for a probe that returned -ENODEV/-ENXIO: 6.1 `D: probe of X rejects match -N`,
 * 6.12 `D X: probe with driver D rejects match -N`.
 */
export function rejects(driver: string, device: string, errno: number): string {
  const d = esc(driver);
  const x = esc(device);
  return `${d}: probe of ${x} rejects match ${errno}|${d} ${x}: probe with driver ${d} rejects match ${errno}`;
}
/** dd.c's really_probe line in both generations (6.12 prefixes the device and drops it from the end). */
export function probing(bus: string, driver: string, device: string): string {
  const b = esc(bus);
  const d = esc(driver);
  const x = esc(device);
  return `bus: '${b}': really_probe: probing driver ${d} with device ${x}|${b} ${x}: bus: '${b}': really_probe: probing driver ${d} with device`;
}
const DD_CORE = 'dyndbg="file drivers/base/dd.c +p; file drivers/base/core.c +p"';
// arm-smmu-v3.c and arm-smmu.c both name their initcall arm_smmu_driver_init; blacklisting the
// name keeps both from registering (do_one_initcall compares the symbol name).
const NO_SMMU = 'initcall_blacklist=arm_smmu_driver_init';

/**
 * Other boards' DTBs, from the same kernel package, on QEMU's model of their SoC. QEMU's machine does not
 * read the tree, so the SoC's blocks are what QEMU models and the board-level devices are the tree's own.
 * `console` where the tree's console is another UART than the machine's own board's: the kernel's name
 * for it (8250, imx and samsung ports take their line from the tree's `serialN` alias) and which
 * `-serial` QEMU wires it to (the SoC's UART index).
 */
interface BoardTree {
  name: string;
  machine: Machine;
  debianDtb: string;
  board: string;
  /** The console UART's driver and device: its bind is the boot's signature. */
  uart: [driver: string, device: string];
  console?: { tty: string; serial: number };
  expected: string;
  /** How the machine's own scenario boots, where it differs from the armmp boards' (ZynqMP: no PMU firmware). */
  boot?: Pick<Scenario, 'cmdline' | 'truthVia' | 'steps' | 'settleSeconds' | 'timeoutSeconds'> & { signatures: string[] };
}

/**
 * QEMU's xlnx-zcu102 has no PMU firmware: the clocks and so the UARTs stay deferred for good, so the
 * truth goes to /dev/kmsg, read through the early console, once the timeout has reported them (zcu102).
 */
const zynqmpBoot = (uart: string): NonNullable<BoardTree['boot']> => ({
  cmdline: `earlycon keep_bootcon ${DD} deferred_probe_timeout=5`,
  truthVia: 'kmsg',
  steps: [{ kind: 'wait-log', pattern: 'deferred probe pending', maxSeconds: 30 }],
  settleSeconds: 0,
  timeoutSeconds: 240,
  signatures: [`platform ${esc(uart)}: Added to deferred list|platform ${esc(uart)}: error -EPROBE_DEFER`],
});

const boardTrees: BoardTree[] = [
  { name: 'rpi-3-b-plus', machine: 'raspi3b', debianDtb: 'broadcom/bcm2837-rpi-3-b-plus.dtb', board: 'Raspberry Pi 3 Model B+', uart: ['uart-pl011', '3f201000.serial'], expected: 'the console UART binds to uart-pl011; nothing stays deferred' },
  { name: 'rpi-3-a-plus', machine: 'raspi3b', debianDtb: 'broadcom/bcm2837-rpi-3-a-plus.dtb', board: 'Raspberry Pi 3 Model A+', uart: ['uart-pl011', '3f201000.serial'], expected: 'the console UART binds to uart-pl011; nothing stays deferred' },
  { name: 'rpi-cm3-io3', machine: 'raspi3b', debianDtb: 'broadcom/bcm2837-rpi-cm3-io3.dtb', board: 'Raspberry Pi Compute Module 3 on its IO board', uart: ['uart-pl011', '3f201000.serial'], expected: 'the console UART binds to uart-pl011; nothing stays deferred' },
  { name: 'rpi-zero-2-w', machine: 'raspi3b', debianDtb: 'broadcom/bcm2837-rpi-zero-2-w.dtb', board: 'Raspberry Pi Zero 2 W', uart: ['uart-pl011', '3f201000.serial'], expected: 'the console UART binds to uart-pl011; nothing stays deferred' },
  { name: 'zcu104', machine: 'xlnx-zcu102', debianDtb: 'xilinx/zynqmp-zcu104-revC.dtb', board: 'Xilinx ZCU104 rev C (ZynqMP)', uart: ['cdns-uart', 'ff000000.serial'], expected: 'no PMU firmware, so no firmware clocks: the console UART stays deferred, and one more device', boot: zynqmpBoot('ff000000.serial') },
  { name: 'zcu106', machine: 'xlnx-zcu102', debianDtb: 'xilinx/zynqmp-zcu106-revA.dtb', board: 'Xilinx ZCU106 rev A (ZynqMP)', uart: ['cdns-uart', 'ff000000.serial'], expected: 'no PMU firmware, so no firmware clocks: the console UART stays deferred, and one more device', boot: zynqmpBoot('ff000000.serial') },
  { name: 'zcu111', machine: 'xlnx-zcu102', debianDtb: 'xilinx/zynqmp-zcu111-revA.dtb', board: 'Xilinx ZCU111 rev A (ZynqMP RFSoC)', uart: ['cdns-uart', 'ff000000.serial'], expected: 'no PMU firmware, so no firmware clocks: the console UART stays deferred', boot: zynqmpBoot('ff000000.serial') },
  { name: 'zc1751-dc1', machine: 'xlnx-zcu102', debianDtb: 'xilinx/zynqmp-zc1751-xm015-dc1.dtb', board: 'Xilinx ZC1751 with its XM015 DC1 card (ZynqMP)', uart: ['cdns-uart', 'ff000000.serial'], expected: 'no PMU firmware, so no firmware clocks: the console UART stays deferred', boot: zynqmpBoot('ff000000.serial') },
  { name: 'ultra96', machine: 'xlnx-zcu102', debianDtb: 'xilinx/avnet-ultra96-rev1.dtb', board: 'Avnet Ultra96 rev 1 (ZynqMP)', uart: ['cdns-uart', 'ff010000.serial'], console: { tty: 'ttyPS0', serial: 1 }, expected: 'no PMU firmware, so no firmware clocks: the console UART stays deferred, and 2 more devices', boot: zynqmpBoot('ff010000.serial') },
  { name: 'zcu100', machine: 'xlnx-zcu102', debianDtb: 'xilinx/zynqmp-zcu100-revC.dtb', board: 'Xilinx ZCU100 rev C (Ultra96, ZynqMP)', uart: ['cdns-uart', 'ff010000.serial'], console: { tty: 'ttyPS0', serial: 1 }, expected: 'no PMU firmware, so no firmware clocks: the console UART stays deferred, and 2 more devices', boot: zynqmpBoot('ff010000.serial') },
  { name: 'ast2600-everest', machine: 'ast2600-evb', debianDtb: 'aspeed-bmc-ibm-everest.dtb', board: 'IBM Everest BMC (AST2600)', uart: ['of_serial', '1e784000.serial'], expected: 'the console UART5 binds to of_serial; nothing stays deferred' },
  { name: 'ast2600-fuji', machine: 'ast2600-evb', debianDtb: 'aspeed-bmc-facebook-fuji.dtb', board: 'Facebook Fuji BMC (AST2600)', uart: ['of_serial', '1e784000.serial'], expected: "the console UART5 binds to of_serial; spi-gpio (the TPM's bit-banged SPI) stays deferred on the Aspeed GPIO controller's module" },
  { name: 'ast2600-elbert', machine: 'ast2600-evb', debianDtb: 'aspeed-bmc-facebook-elbert.dtb', board: 'Facebook Elbert BMC (AST2600)', uart: ['of_serial', '1e784000.serial'], console: { tty: 'ttyS0', serial: 0 }, expected: "the console UART5 binds to of_serial; spi-gpio (the TPM's bit-banged SPI) stays deferred on the Aspeed GPIO controller's module" },
  { name: 'ast2600-cloudripper', machine: 'ast2600-evb', debianDtb: 'aspeed-bmc-facebook-cloudripper.dtb', board: 'Facebook Cloudripper BMC (AST2600)', uart: ['of_serial', '1e784000.serial'], expected: "the console UART5 binds to of_serial; spi-gpio (the TPM's bit-banged SPI) stays deferred on the Aspeed GPIO controller's module" },
  { name: 'ast2600-mtmitchell', machine: 'ast2600-evb', debianDtb: 'aspeed-bmc-ampere-mtmitchell.dtb', board: 'Ampere Mt. Mitchell BMC (AST2600)', uart: ['of_serial', '1e784000.serial'], expected: 'the console UART5 binds to of_serial; nothing stays deferred' },
  { name: 'ast2600-transformers', machine: 'ast2600-evb', debianDtb: 'aspeed-bmc-inventec-transformers.dtb', board: 'Inventec Transformers BMC (AST2600)', uart: ['of_serial', '1e784000.serial'], expected: 'the console UART5 binds to of_serial; nothing stays deferred' },
  { name: 'ast2600-s6q', machine: 'ast2600-evb', debianDtb: 'aspeed-bmc-quanta-s6q.dtb', board: 'Quanta S6Q BMC (AST2600)', uart: ['of_serial', '1e784000.serial'], expected: 'the console UART5 binds to of_serial; nothing stays deferred' },
  { name: 'imx6q-wandboard', machine: 'sabrelite', debianDtb: 'imx6q-wandboard.dtb', board: 'Wandboard Quad (i.MX6Q)', uart: ['imx-uart', '2020000.serial'], console: { tty: 'ttymxc0', serial: 0 }, expected: 'the console UART binds to imx-uart; imx-pgc-power-domain.1, regulator-usbotgvbus stay deferred' },
  { name: 'imx6q-udoo', machine: 'sabrelite', debianDtb: 'imx6q-udoo.dtb', board: 'UDOO Quad (i.MX6Q)', uart: ['imx-uart', '21e8000.serial'], expected: 'the console UART binds to imx-uart; gpio-poweroff, imx-pgc-power-domain.1, regulators:regulator@0, regulators:regulator@1 stay deferred' },
  { name: 'imx6q-nitrogen6x', machine: 'sabrelite', debianDtb: 'imx6q-nitrogen6x.dtb', board: 'Boundary Devices Nitrogen6x (i.MX6Q)', uart: ['imx-uart', '21e8000.serial'], expected: 'the console UART binds to imx-uart; gpio-keys, imx-pgc-power-domain.1, regulators:regulator@2, regulators:regulator@3 and 2 more stay deferred' },
  { name: 'imx6q-hummingboard', machine: 'sabrelite', debianDtb: 'imx6q-hummingboard.dtb', board: 'SolidRun HummingBoard (i.MX6Q)', uart: ['imx-uart', '2020000.serial'], console: { tty: 'ttymxc0', serial: 0 }, expected: 'the console UART binds to imx-uart; 1ffc000.pcie, brcm-clock, brcm-reg, imx-pgc-power-domain.1 and 4 more stay deferred' },
  { name: 'imx6q-sabresd', machine: 'sabrelite', debianDtb: 'imx6q-sabresd.dtb', board: 'NXP i.MX6Q SABRE Smart Device', uart: ['imx-uart', '2020000.serial'], console: { tty: 'ttymxc0', serial: 0 }, expected: 'the console UART binds to imx-uart; 1ffc000.pcie, gpio-keys, imx-pgc-power-domain.1, regulator-audio and 4 more stay deferred' },
  { name: 'imx6q-novena', machine: 'sabrelite', debianDtb: 'imx6q-novena.dtb', board: 'Kosagi Novena (i.MX6Q)', uart: ['imx-uart', '21e8000.serial'], expected: 'the console UART binds to imx-uart; 1ffc000.pcie, gpio-keys, imx-pgc-power-domain.1, regulator-audio-codec and 4 more stay deferred' },
  { name: 'imx6q-tbs2910', machine: 'sabrelite', debianDtb: 'imx6q-tbs2910.dtb', board: 'TBS2910 Matrix ARM mini PC (i.MX6Q)', uart: ['imx-uart', '2020000.serial'], console: { tty: 'ttymxc0', serial: 0 }, expected: 'the console UART binds to imx-uart; 1ffc000.pcie, imx-pgc-power-domain.1 stay deferred' },
  { name: 'imx6q-sabreauto', machine: 'sabrelite', debianDtb: 'imx6q-sabreauto.dtb', board: 'NXP i.MX6Q SABRE Automotive', uart: ['imx-uart', '21f0000.serial'], console: { tty: 'ttymxc3', serial: 3 }, expected: 'the console UART binds to imx-uart; gpio-keys, imx-pgc-power-domain.1, regulator-can-en, regulator-can-stby and 2 more stay deferred' },
  { name: 'imx6q-b850v3', machine: 'sabrelite', debianDtb: 'imx6q-b850v3.dtb', board: 'GE B850v3 (i.MX6Q)', uart: ['imx-uart', '21ec000.serial'], console: { tty: 'ttymxc2', serial: 2 }, expected: 'the console UART binds to imx-uart; 1ffc000.pcie, gpio-poweroff, imx-pgc-power-domain.1, regulator-lvds and 3 more stay deferred' },
  { name: 'h3-bananapi-m2-plus', machine: 'orangepi-pc', debianDtb: 'sun8i-h3-bananapi-m2-plus.dtb', board: 'Banana Pi BPI-M2+ (Allwinner H3)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'h3-nanopi-m1', machine: 'orangepi-pc', debianDtb: 'sun8i-h3-nanopi-m1.dtb', board: 'FriendlyARM NanoPi M1 (Allwinner H3)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'h3-orangepi-one', machine: 'orangepi-pc', debianDtb: 'sun8i-h3-orangepi-one.dtb', board: 'Xunlong Orange Pi One (Allwinner H3)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'h3-libretech-all-h3-cc', machine: 'orangepi-pc', debianDtb: 'sun8i-h3-libretech-all-h3-cc.dtb', board: 'Libre Computer ALL-H3-CC (Allwinner H3)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'h3-beelink-x2', machine: 'orangepi-pc', debianDtb: 'sun8i-h3-beelink-x2.dtb', board: 'Beelink X2 (Allwinner H3)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'h3-nanopi-neo', machine: 'orangepi-pc', debianDtb: 'sun8i-h3-nanopi-neo.dtb', board: 'FriendlyARM NanoPi NEO (Allwinner H3)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'h3-orangepi-plus2e', machine: 'orangepi-pc', debianDtb: 'sun8i-h3-orangepi-plus2e.dtb', board: 'Xunlong Orange Pi Plus 2E (Allwinner H3)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'a10-olinuxino-lime', machine: 'cubieboard', debianDtb: 'sun4i-a10-olinuxino-lime.dtb', board: 'Olimex A10-OLinuXino-LIME (Allwinner A10)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'a10-pcduino', machine: 'cubieboard', debianDtb: 'sun4i-a10-pcduino.dtb', board: 'LinkSprite pcDuino (Allwinner A10)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'a10-marsboard', machine: 'cubieboard', debianDtb: 'sun4i-a10-marsboard.dtb', board: 'HAOYU Electronics MarsBoard A10 (Allwinner A10)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'a10-mk802', machine: 'cubieboard', debianDtb: 'sun4i-a10-mk802.dtb', board: 'MK802 (Allwinner A10)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'a10-hackberry', machine: 'cubieboard', debianDtb: 'sun4i-a10-hackberry.dtb', board: 'Miniand Hackberry (Allwinner A10)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'imx7d-colibri-eval-v3', machine: 'mcimx7d-sabre', debianDtb: 'imx7d-colibri-eval-v3.dtb', board: 'Toradex Colibri iMX7D on its Evaluation Board V3', uart: ['imx-uart', '30860000.serial'], expected: 'the console UART binds to imx-uart; 30041000.funnel, 3007c000.etm, 30083000.funnel, 30084000.etf and 8 more stay deferred' },
  { name: 'imx7d-meerkat96', machine: 'mcimx7d-sabre', debianDtb: 'imx7d-meerkat96.dtb', board: 'NXP Meerkat96 (i.MX7D)', uart: ['imx-uart', '30a80000.serial'], console: { tty: 'ttymxc5', serial: 5 }, expected: 'the console UART binds to imx-uart; 30041000.funnel, 3007c000.etm, 30083000.funnel, 30084000.etf and 7 more stay deferred' },
  { name: 'imx7d-mba7', machine: 'mcimx7d-sabre', debianDtb: 'imx7d-mba7.dtb', board: 'TQ-Systems MBa7 with TQMa7D', uart: ['imx-uart', '30a80000.serial'], console: { tty: 'ttymxc5', serial: 5 }, expected: 'the console UART binds to imx-uart; 30041000.funnel, 3007c000.etm, 30083000.funnel, 30084000.etf and 15 more stay deferred' },
  { name: 'imx7d-smegw01', machine: 'mcimx7d-sabre', debianDtb: 'imx7d-smegw01.dtb', board: 'Storopack SMEGW01 (i.MX7D)', uart: ['imx-uart', '30860000.serial'], expected: 'the console UART binds to imx-uart; 30041000.funnel, 3007c000.etm, 30083000.funnel, 30084000.etf and 10 more stay deferred' },
  { name: 'imx7d-zii-rpu2', machine: 'mcimx7d-sabre', debianDtb: 'imx7d-zii-rpu2.dtb', board: 'ZII RPU2 (i.MX7D)', uart: ['imx-uart', '30890000.serial'], console: { tty: 'ttymxc1', serial: 1 }, expected: 'the console UART binds to imx-uart; 30041000.funnel, 3007c000.etm, 30083000.funnel, 30084000.etf and 7 more stay deferred' },
  { name: 'imx6ul-liteboard', machine: 'mcimx6ul-evk', debianDtb: 'imx6ul-liteboard.dtb', board: 'Grinn liteBoard (i.MX6UL)', uart: ['imx-uart', '2020000.serial'], expected: 'the console UART binds to imx-uart; regulator-usb-otg1-vbus stays deferred' },
  { name: 'imx6ul-opos6uldev', machine: 'mcimx6ul-evk', debianDtb: 'imx6ul-opos6uldev.dtb', board: 'Armadeus OPOS6ULDev (i.MX6UL)', uart: ['imx-uart', '2020000.serial'], expected: 'the console UART binds to imx-uart; gpio-keys, regulator-usbotg1vbus, regulator-usbotg2vbus, usdhc3-pwrseq stay deferred' },
  { name: 'imx6ul-tx6ul-0010', machine: 'mcimx6ul-evk', debianDtb: 'imx6ul-tx6ul-0010.dtb', board: 'Ka-Ro TX6UL-0010 (i.MX6UL)', uart: ['imx-uart', '2020000.serial'], expected: 'the console UART binds to imx-uart; i2c-gpio, regulator-3v3etn, regulator-canxcvr, regulator-lcdpwr and 2 more stay deferred' },
  { name: 'imx6ul-phytec-segin', machine: 'mcimx6ul-evk', debianDtb: 'imx6ul-phytec-segin-ff-rdk-nand.dtb', board: 'PHYTEC phyBOARD-Segin (i.MX6UL, NAND)', uart: ['imx-uart', '2020000.serial'], expected: 'the console UART binds to imx-uart; regulator-backlight-en, regulator-can1 stay deferred' },
  { name: 'imx6ul-geam', machine: 'mcimx6ul-evk', debianDtb: 'imx6ul-geam.dtb', board: 'Engicam GEAM6UL (i.MX6UL)', uart: ['imx-uart', '2020000.serial'], expected: 'the console UART binds to imx-uart; nothing stays deferred' },
  { name: 'imx6ul-tqma6ul2-mba6ulx', machine: 'mcimx6ul-evk', debianDtb: 'imx6ul-tqma6ul2-mba6ulx.dtb', board: 'TQ-Systems MBa6ULx with TQMa6UL2', uart: ['imx-uart', '2020000.serial'], expected: 'the console UART binds to imx-uart; gpio-keys, regulator-mpcie-3v3, regulator-otg2-vbus-5v0 stay deferred' },
  { name: 'imx6ul-kontron-bl', machine: 'mcimx6ul-evk', debianDtb: 'imx6ul-kontron-bl.dtb', board: 'Kontron BL i.MX6UL (N631X S)', uart: ['imx-uart', '21f0000.serial'], console: { tty: 'ttymxc3', serial: 3 }, expected: 'the console UART binds to imx-uart; regulator-usb-otg1-vbus stays deferred' },
  { name: 'imx6ul-pico-pi', machine: 'mcimx6ul-evk', debianDtb: 'imx6ul-pico-pi.dtb', board: 'TechNexion PICO-PI-IMX6UL', uart: ['imx-uart', '21fc000.serial'], console: { tty: 'ttymxc5', serial: 5 }, expected: 'the console UART binds to imx-uart; regulator-brcm, regulator-sd1-vmmc, regulator-usb-otg-vbus stay deferred' },
  { name: 'imx6q-apalis-eval', machine: 'sabrelite', debianDtb: 'imx6q-apalis-eval.dtb', board: 'Toradex Apalis iMX6Q on the Apalis Evaluation Board', uart: ['imx-uart', '2020000.serial'], console: { tty: 'ttymxc0', serial: 0 }, expected: 'the console UART binds to imx-uart; 1ffc000.pcie, gpio-keys, imx-pgc-power-domain.1, regulator-pcie-switch and 3 more stay deferred' },
  { name: 'imx6q-dmo-edmqmx6', machine: 'sabrelite', debianDtb: 'imx6q-dmo-edmqmx6.dtb', board: 'Data Modul eDM-QMX6 (i.MX6Q)', uart: ['imx-uart', '21e8000.serial'], expected: 'the console UART binds to imx-uart; 1ffc000.pcie, imx-pgc-power-domain.1, regulators:regulator@1, regulators:regulator@2 stay deferred' },
  { name: 'imx6q-icore', machine: 'sabrelite', debianDtb: 'imx6q-icore.dtb', board: 'Engicam i.CoreM6 Quad Starter Kit', uart: ['imx-uart', '21f0000.serial'], console: { tty: 'ttymxc3', serial: 3 }, expected: 'the console UART binds to imx-uart; imx-pgc-power-domain.1 stays deferred' },
  { name: 'imx6q-mba6b', machine: 'sabrelite', debianDtb: 'imx6q-mba6b.dtb', board: 'TQ-Systems TQMa6Q on MBa6x', uart: ['imx-uart', '21e8000.serial'], expected: 'the console UART binds to imx-uart; 1ffc000.pcie, gpio-buttons, imx-pgc-power-domain.1, regulator-pcie stay deferred' },
  { name: 'imx6q-phytec-pbab01', machine: 'sabrelite', debianDtb: 'imx6q-phytec-pbab01.dtb', board: 'PHYTEC phyFLEX-i.MX6 Quad on its carrier board', uart: ['imx-uart', '21f0000.serial'], console: { tty: 'ttymxc3', serial: 3 }, expected: 'the console UART binds to imx-uart; 1ffc000.pcie, imx-pgc-power-domain.1, regulators:regulator@0, regulators:regulator@1 stay deferred' },
  { name: 'imx6q-rex-pro', machine: 'sabrelite', debianDtb: 'imx6q-rex-pro.dtb', board: 'Rex Pro i.MX6 Quad', uart: ['imx-uart', '2020000.serial'], console: { tty: 'ttymxc0', serial: 0 }, expected: 'the console UART binds to imx-uart; imx-pgc-power-domain.1, regulators:regulator@1, regulators:regulator@2 stay deferred' },
  { name: 'imx6q-zii-rdu2', machine: 'sabrelite', debianDtb: 'imx6q-zii-rdu2.dtb', board: 'ZII RDU2 (i.MX6Q)', uart: ['imx-uart', '2020000.serial'], console: { tty: 'ttymxc0', serial: 0 }, expected: 'the console UART binds to imx-uart; 1ffc000.pcie, imx-pgc-power-domain.1, regulator-3p3v-sd stay deferred' },
  // Its stdout-path UART1 wires its modem lines to the SoC's GPIO banks (dcd/dsr/dtr/rng-gpios), whose
  // driver Debian builds as a module (gpio_mxc) the lab's initramfs does not load: imx-uart defers UART1
  // for good, as the model predicts, so the console is UART4.
  { name: 'imx6q-dhcom-pdk2', machine: 'sabrelite', debianDtb: 'imx6q-dhcom-pdk2.dtb', board: 'DH electronics DHCOM i.MX6Q on its Premium Developer Kit (2)', uart: ['imx-uart', '21f0000.serial'], console: { tty: 'ttymxc2', serial: 3 }, expected: 'the console UART binds to imx-uart; 1ffc000.pcie, 2020000.serial, gpio-keys, imx-pgc-power-domain.1 and 3 more stay deferred' },
  { name: 'h3-nanopi-m1-plus', machine: 'orangepi-pc', debianDtb: 'sun8i-h3-nanopi-m1-plus.dtb', board: 'FriendlyARM NanoPi M1 Plus (Allwinner H3)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'h3-orangepi-2', machine: 'orangepi-pc', debianDtb: 'sun8i-h3-orangepi-2.dtb', board: 'Xunlong Orange Pi 2 (Allwinner H3)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'h3-orangepi-pc-plus', machine: 'orangepi-pc', debianDtb: 'sun8i-h3-orangepi-pc-plus.dtb', board: 'Xunlong Orange Pi PC Plus (Allwinner H3)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'h3-zeropi', machine: 'orangepi-pc', debianDtb: 'sun8i-h3-zeropi.dtb', board: 'FriendlyARM ZeroPi (Allwinner H3)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'h3-neutis-n5h3-devboard', machine: 'orangepi-pc', debianDtb: 'sun8i-h3-emlid-neutis-n5h3-devboard.dtb', board: 'Emlid Neutis N5H3 developer board (Allwinner H3)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'a10-a1000', machine: 'cubieboard', debianDtb: 'sun4i-a10-a1000.dtb', board: 'Mele A1000 (Allwinner A10)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'a10-iteaduino-plus', machine: 'cubieboard', debianDtb: 'sun4i-a10-itead-iteaduino-plus.dtb', board: 'Itead Iteaduino Plus A10', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'a10-pcduino2', machine: 'cubieboard', debianDtb: 'sun4i-a10-pcduino2.dtb', board: 'LinkSprite pcDuino2 (Allwinner A10)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'a10-mini-xplus', machine: 'cubieboard', debianDtb: 'sun4i-a10-mini-xplus.dtb', board: 'PineRiver Mini X-Plus (Allwinner A10)', uart: ['dw-apb-uart', '1c28000.serial'], expected: 'the console UART binds to dw-apb-uart; nothing stays deferred' },
  { name: 'imx6ul-isiot-emmc', machine: 'mcimx6ul-evk', debianDtb: 'imx6ul-isiot-emmc.dtb', board: 'Engicam Is.IoT MX6UL eMMC starter kit', uart: ['imx-uart', '2020000.serial'], expected: 'the console UART binds to imx-uart; nothing stays deferred' },
  { name: 'imx6ul-pico-hobbit', machine: 'mcimx6ul-evk', debianDtb: 'imx6ul-pico-hobbit.dtb', board: 'TechNexion PICO-IMX6UL on its Hobbit baseboard', uart: ['imx-uart', '21fc000.serial'], console: { tty: 'ttymxc5', serial: 5 }, expected: 'the console UART binds to imx-uart; regulator-brcm, regulator-sd1-vmmc, regulator-usb-otg-vbus stay deferred' },
  { name: 'imx6ul-tx6ul-0011', machine: 'mcimx6ul-evk', debianDtb: 'imx6ul-tx6ul-0011.dtb', board: 'Ka-Ro TX6UL-0011 (i.MX6UL)', uart: ['imx-uart', '2020000.serial'], expected: 'the console UART binds to imx-uart; i2c-gpio, regulator-3v3etn, regulator-canxcvr, regulator-lcdpwr and 2 more stay deferred' },
  { name: 'imx6ul-tqma6ul1-mba6ulx', machine: 'mcimx6ul-evk', debianDtb: 'imx6ul-tqma6ul1-mba6ulx.dtb', board: 'TQ-Systems MBa6ULx with TQMa6UL1', uart: ['imx-uart', '2020000.serial'], expected: 'the console UART binds to imx-uart; gpio-keys, regulator-mpcie-3v3, regulator-otg2-vbus-5v0 stay deferred' },
  { name: 'imx7d-colibri-iris-v2', machine: 'mcimx7d-sabre', debianDtb: 'imx7d-colibri-iris-v2.dtb', board: 'Toradex Colibri iMX7D on its Iris V2 carrier board', uart: ['imx-uart', '30860000.serial'], expected: 'the console UART binds to imx-uart; 30041000.funnel, 3007c000.etm, 30083000.funnel, 30084000.etf and 9 more stay deferred' },
  { name: 'imx7d-remarkable2', machine: 'mcimx7d-sabre', debianDtb: 'imx7d-remarkable2.dtb', board: 'reMarkable 2.0 (i.MX7D)', uart: ['imx-uart', '30a80000.serial'], console: { tty: 'ttymxc5', serial: 5 }, expected: 'the console UART binds to imx-uart; 30041000.funnel, 3007c000.etm, 30083000.funnel, 30084000.etf and 8 more stay deferred' },
  { name: 'imx7d-sdb-reva', machine: 'mcimx7d-sabre', debianDtb: 'imx7d-sdb-reva.dtb', board: 'NXP i.MX7D SABRE board rev A', uart: ['imx-uart', '30860000.serial'], expected: 'the console UART binds to imx-uart; 30041000.funnel, 3007c000.etm, 30083000.funnel, 30084000.etf and 14 more stay deferred' },
  { name: 'imx7d-zii-rmu2', machine: 'mcimx7d-sabre', debianDtb: 'imx7d-zii-rmu2.dtb', board: 'ZII RMU2 (i.MX7D)', uart: ['imx-uart', '30890000.serial'], console: { tty: 'ttymxc1', serial: 1 }, expected: 'the console UART binds to imx-uart; 30041000.funnel, 3007c000.etm, 30083000.funnel, 30084000.etf and 5 more stay deferred' },
  { name: 'ast2600-rainier-1s4u', machine: 'ast2600-evb', debianDtb: 'aspeed-bmc-ibm-rainier-1s4u.dtb', board: 'IBM Rainier 1S4U BMC (AST2600)', uart: ['of_serial', '1e784000.serial'], expected: 'the console UART binds to of_serial; nothing stays deferred' },
  { name: 'ast2600-rainier-4u', machine: 'ast2600-evb', debianDtb: 'aspeed-bmc-ibm-rainier-4u.dtb', board: 'IBM Rainier 4U BMC (AST2600)', uart: ['of_serial', '1e784000.serial'], expected: 'the console UART binds to of_serial; nothing stays deferred' },
];

/** A BoardTree as a lab scenario: the vendor boards' command line and limits, its console UART's bind as signature. */
function boardTreeScenario(b: BoardTree): Scenario {
  return {
    name: b.name,
    title: `${b.board}: Debian's ${b.debianDtb} on QEMU's ${b.machine}`,
    machine: b.machine,
    debianDtb: b.debianDtb,
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound(...b.uart)],
    expected: b.expected,
    ...(b.console ? { console: b.console.tty, consoleSerial: b.console.serial } : {}),
    ...b.boot,
  };
}

export const scenarios: Scenario[] = [
  {
    name: 'late-iommu',
    title: 'IOMMU driver registers after its master: deferred, retried at late_initcall, bound with a group',
    machine: 'virt',
    dts: 'virt-gpio-iommu.dts',
    cmdline: DD,
    steps: [],
    settleSeconds: 10,
    signatures: [
      probing('amba', 'pl061_gpio', '9030000.pl061'),
      'amba 9030000\\.pl061: Added to deferred list',
      'amba 9030000\\.pl061: Retrying from deferred list',
      'pl061_gpio 9030000\\.pl061: Adding to iommu group 0',
      bound('pl061_gpio', '9030000.pl061'),
    ],
    absentSignatures: ['deferred probe timeout, ignoring dependency'],
    expected: 'pl061 deferred at its first probe, retried at late_initcall, bound in iommu group 0',
  },
  {
    name: 'late-iommu-quiet',
    title: 'The same boot without driver-core debug: what a stock kernel prints',
    machine: 'virt',
    dts: 'virt-gpio-iommu.dts',
    cmdline: '',
    steps: [],
    settleSeconds: 10,
    signatures: ['pl061_gpio 9030000\\.pl061: Adding to iommu group 0'],
    absentSignatures: ['Added to deferred list', 'driver_bound'],
    expected: 'only the group line is printed; the deferral is visible only in the truth (none left)',
  },
  {
    name: 'no-iommu-driver',
    title: 'SMMU driver never registers (initcall_blacklist): masters wait for the 10 s deferred-probe timeout',
    machine: 'virt',
    dts: 'virt-gpio-iommu.dts',
    cmdline: `${DD} ${NO_SMMU}`,
    pciNet: true,
    steps: [
      { kind: 'insmod', module: 'virtio_pci' },
      { kind: 'insmod', module: 'virtio_net' },
    ],
    settleSeconds: 20,
    signatures: [
      'blacklisting initcall arm_smmu_driver_init',
      'amba 9030000\\.pl061: Added to deferred list',
      'pl061_gpio 9030000\\.pl061: deferred probe timeout, ignoring dependency',
      bound('pl061_gpio', '9030000.pl061'),
    ],
    expected: 'pl061 and the PCI function deferred until the timeout, then bound with no IOMMU group',
  },
  {
    name: 'short-timeout',
    title: 'SMMU driver never registers, deferred_probe_timeout=3: the master is released after 3 s (core.c debug on)',
    machine: 'virt',
    dts: 'virt-gpio-iommu.dts',
    cmdline: `${DD_CORE} ${NO_SMMU} deferred_probe_timeout=3`,
    steps: [],
    settleSeconds: 10,
    signatures: [
      'amba 9030000\\.pl061: Added to deferred list',
      'pl061_gpio 9030000\\.pl061: deferred probe timeout, ignoring dependency',
      bound('pl061_gpio', '9030000.pl061'),
      'Linked as a fwnode consumer to',
    ],
    expected: 'pl061 deferred, released ~3 s after late_initcall, bound with no IOMMU group',
  },
  {
    name: 'smmu-disabled',
    title: 'SMMU node status = "disabled": the master is configured without an IOMMU at its first probe',
    machine: 'virt',
    dts: 'virt-smmu-disabled.dts',
    cmdline: DD,
    steps: [],
    settleSeconds: 10,
    signatures: [
      probing('amba', 'pl061_gpio', '9030000.pl061'),
      bound('pl061_gpio', '9030000.pl061'),
    ],
    absentSignatures: ['pl061: Added to deferred list', 'Adding to iommu group'],
    expected: 'pl061 bound at its first probe, no deferral, no IOMMU group',
  },
  {
    name: 'smmu-probe-fails',
    title: "The SMMU's own probe fails (register window too small): its masters wait for the timeout; gpio-keys waits on the GPIO",
    machine: 'virt',
    dts: 'virt-smmu-broken.dts',
    cmdline: `${DD_CORE} deferred_probe_timeout=3`,
    steps: [{ kind: 'insmod', module: 'gpio_keys' }],
    settleSeconds: 15,
    signatures: [
      'arm-smmu-v3 9050000\\.smmuv3: MMIO region too small',
      'amba 9030000\\.pl061: Added to deferred list',
      'pl061_gpio 9030000\\.pl061: deferred probe timeout, ignoring dependency',
      bound('gpio-keys', 'gpio-keys'),
    ],
    expected: 'smmu probe fails with -EINVAL; pl061 deferred until the 3 s timeout, then bound without a group; gpio-keys bound after it',
  },
  {
    name: 'smmu-no-hardware',
    title: 'The SMMU node points at memory with no SMMU behind it: its probe rejects the match (-ENXIO); masters wait for the timeout',
    machine: 'virt',
    dts: 'virt-smmu-no-hw.dts',
    cmdline: `${DD} deferred_probe_timeout=3`,
    pciNet: true,
    steps: [
      { kind: 'insmod', module: 'virtio_pci' },
      { kind: 'insmod', module: 'virtio_net' },
    ],
    settleSeconds: 15,
    signatures: [
      rejects('arm-smmu-v3', '4000000.smmuv3', -6),
      'pl061_gpio 9030000\\.pl061: deferred probe timeout, ignoring dependency',
      'virtio-pci 0000:00:01\\.0: deferred probe timeout, ignoring dependency',
    ],
    expected: 'SMMU probe rejects the match (-6); pl061 and the PCI function wait for the 3 s timeout and bind with no group',
  },
  {
    name: 'fw-devlink-strict',
    title: 'fw_devlink.strict=1: iommus becomes a mandatory supplier link; GPIO and PCIe host wait for the SMMU device',
    machine: 'virt',
    dts: 'virt-gpio-iommu.dts',
    cmdline: `${DD_CORE} fw_devlink.strict=1`,
    pciNet: true,
    steps: [
      { kind: 'insmod', module: 'virtio_pci' },
      { kind: 'insmod', module: 'virtio_net' },
    ],
    settleSeconds: 10,
    signatures: [
      'amba 9030000\\.pl061: error -EPROBE_DEFER: supplier 9050000\\.smmuv3 not ready',
      'pl061_gpio 9030000\\.pl061: Adding to iommu group',
      'virtio-pci 0000:00:01\\.0: Adding to iommu group',
    ],
    expected: 'pl061 and the PCIe host defer on "supplier 9050000.smmuv3 not ready" until the SMMU binds; all masters get groups',
  },
  {
    name: 'fw-devlink-strict-no-iommu',
    title: 'fw_devlink.strict=1 and no SMMU driver: the links hold the masters until the timeout relaxes them',
    machine: 'virt',
    dts: 'virt-gpio-iommu.dts',
    cmdline: `${DD_CORE} fw_devlink.strict=1 ${NO_SMMU} deferred_probe_timeout=3`,
    pciNet: true,
    steps: [
      { kind: 'insmod', module: 'virtio_pci' },
      { kind: 'insmod', module: 'virtio_net' },
    ],
    settleSeconds: 15,
    signatures: [
      'amba 9030000\\.pl061: error -EPROBE_DEFER: supplier 9050000\\.smmuv3 not ready',
      bound('pl061_gpio', '9030000.pl061'),
      bound('pci-host-generic', '4010000000.pcie'),
    ],
    expected: 'pl061 and the PCIe host wait on the SMMU supplier; released when the timeout relaxes fw_devlink; bound with no group',
  },
  {
    name: 'fw-devlink-off',
    title: 'fw_devlink=off: no fwnode links at all; the IOMMU lookup alone defers the master',
    machine: 'virt',
    dts: 'virt-gpio-iommu.dts',
    cmdline: `${DD_CORE} fw_devlink=off`,
    steps: [],
    settleSeconds: 10,
    signatures: [
      'amba 9030000\\.pl061: Added to deferred list',
      'pl061_gpio 9030000\\.pl061: Adding to iommu group 0',
    ],
    absentSignatures: ['Linked as a fwnode consumer'],
    expected: 'no "Linked as a fwnode consumer" lines; pl061 deferred by the IOMMU lookup, then bound in group 0',
  },
  {
    name: 'many-masters',
    title: 'Several masters on one SMMUv3 (AMBA, platform built-in and modular, virtio-mmio with a backend, PCI): one group each',
    machine: 'virt',
    dts: 'virt-masters.dts',
    cmdline: DD,
    pciNet: true,
    qemuArgs: ['-device', 'virtio-rng-device'],
    steps: [
      { kind: 'insmod', module: 'qemu_fw_cfg' },
      { kind: 'insmod', module: 'virtio_mmio' },
      { kind: 'insmod', module: 'virtio_rng' },
      { kind: 'insmod', module: 'virtio_pci' },
      { kind: 'insmod', module: 'virtio_net' },
    ],
    settleSeconds: 10,
    signatures: [
      'amba 9030000\\.pl061: Added to deferred list',
      'rtc-pl031 9010000\\.pl031: Adding to iommu group',
      'pl061_gpio 9030000\\.pl061: Adding to iommu group',
      'fw_cfg 9020000\\.fw-cfg: Adding to iommu group',
      'virtio-mmio a003e00\\.virtio_mmio: Adding to iommu group',
      'virtio-mmio a003c00\\.virtio_mmio: Adding to iommu group',
      'virtio-pci 0000:00:01\\.0: Adding to iommu group',
    ],
    expected: 'pl031 bound with a group at first probe (after the SMMU), pl061 after a deferral; module masters and the PCI function each in their own group',
  },
  {
    name: 'pci-iommu-map',
    title: "A PCI function behind the host bridge's iommu-map (virtio-net-pci, iommu_platform=on) on QEMU's own tree",
    machine: 'virt',
    dts: 'virt-smmuv3.dts',
    cmdline: DD,
    pciNet: true,
    steps: [
      { kind: 'insmod', module: 'virtio_pci' },
      { kind: 'insmod', module: 'virtio_net' },
    ],
    settleSeconds: 10,
    signatures: [
      'virtio-pci 0000:00:01\\.0: Adding to iommu group 0',
      bound('virtio-pci', '0000:00:01.0'),
    ],
    absentSignatures: ['pci 0000:00:00\\.0: Adding to iommu group'],
    expected:
      'the function joins group 0 only when virtio-pci probes it (of_dma_configure at probe time); the host bridge 00:00.0, never probed, has no group',
  },
  {
    name: 'initcall-debug',
    title: 'initcall_debug with dd.c debug: every initcall and its duration around the deferral',
    machine: 'virt',
    dts: 'virt-gpio-iommu.dts',
    cmdline: `${DD} initcall_debug`,
    steps: [],
    settleSeconds: 10,
    signatures: [
      'calling  arm_smmu_driver_init\\+0x0/0x\\w+ @ 1',
      'initcall arm_smmu_driver_init\\+0x0/0x\\w+ returned 0 after \\d+ usecs',
      'amba 9030000\\.pl061: Added to deferred list',
      'pl061_gpio 9030000\\.pl061: Adding to iommu group 0',
    ],
    expected: 'as late-iommu, with calling/returned lines for every initcall',
  },
  {
    name: 'modules-late',
    title: 'No SMMU driver, timeout 4 s; qemu_fw_cfg loaded before the timeout (extends it), virtio_mmio after it fired',
    machine: 'virt',
    dts: 'virt-masters.dts',
    cmdline: `${DD} ${NO_SMMU} deferred_probe_timeout=4`,
    qemuArgs: ['-device', 'virtio-rng-device'],
    steps: [
      { kind: 'insmod', module: 'qemu_fw_cfg' },
      { kind: 'settle', maxSeconds: 10 },
      { kind: 'insmod', module: 'virtio_mmio' },
      { kind: 'insmod', module: 'virtio_rng' },
    ],
    settleSeconds: 15,
    signatures: [
      'Extended deferred probe timeout by 4 secs',
      'fw_cfg 9020000\\.fw-cfg: deferred probe timeout, ignoring dependency',
      'virtio-mmio a003e00\\.virtio_mmio: deferred probe timeout, ignoring dependency',
    ],
    expected: 'fw-cfg deferred then released at the (extended) timeout; virtio-mmio masters loaded later bind at once without IOMMU',
  },
  {
    name: 'sid-collision',
    title: 'Two masters with one stream ID (GPIO SID 8 = PCI 00:01.0 RID): the second is refused by the SMMU and runs without IOMMU',
    machine: 'virt',
    dts: 'virt-sid-collision.dts',
    cmdline: DD,
    pciNet: true,
    steps: [
      { kind: 'insmod', module: 'virtio_pci' },
      { kind: 'insmod', module: 'virtio_net' },
    ],
    settleSeconds: 10,
    signatures: [
      'pl061_gpio 9030000\\.pl061: Adding to iommu group 0',
      'virtio-pci 0000:00:01\\.0: stream 8 already in tree from dev 9030000\\.pl061',
      bound('virtio-pci', '0000:00:01.0'),
    ],
    expected: 'pl061 in group 0; virtio-pci probe_device fails (-EEXIST) after a successful lookup, so it binds without a group',
  },
  {
    name: 'demo',
    title: "The app's demo board: a deferral behind the SMMU, and a master behind an IOMMU nothing drives (timeout)",
    machine: 'virt',
    dts: demoDts,
    cmdline: `${DD} deferred_probe_timeout=6`,
    steps: [
      { kind: 'insmod', module: 'qemu_fw_cfg' },
      { kind: 'insmod', module: 'gpio_keys' },
    ],
    settleSeconds: 15,
    signatures: [
      'amba 9030000\\.pl061: Added to deferred list',
      'pl061_gpio 9030000\\.pl061: Adding to iommu group',
      'rtc-pl031 9010000\\.pl031: Adding to iommu group',
      'fw_cfg 9020000\\.fw-cfg: deferred probe timeout, ignoring dependency',
      bound('gpio-keys', 'gpio-keys'),
    ],
    expected: 'pl061 deferred then grouped; pl031 grouped at once; fw-cfg released by the 6 s timeout without IOMMU; gpio-keys bound',
  },
  {
    name: 'stuck-supplier',
    title: 'A consumer whose GPIO supplier has no driver: its own probe defers, past the timeout, for good',
    machine: 'virt',
    dts: 'virt-stuck-supplier.dts',
    cmdline: `${DD_CORE} deferred_probe_timeout=3`,
    // gpio-keys never leaves the deferred list; the truth is taken once the timeout has reported it.
    steps: [
      { kind: 'insmod', module: 'gpio_keys' },
      { kind: 'wait-log', pattern: 'deferred probe pending', maxSeconds: 20 },
    ],
    settleSeconds: 0,
    signatures: [
      // 6.1 names the fwnodes by node name, 6.12 by full path (%pfwf).
      '(^|\\s|/gpio-keys/)poweroff Linked as a fwnode consumer to /?gpio@9070000',
      'platform gpio-keys: Linked as a sync state only consumer to 9070000\\.gpio',
      'gpio-keys gpio-keys: Driver gpio-keys requests probe deferral',
      'platform gpio-keys: deferred probe pending',
    ],
    absentSignatures: ['gpio-keys: probe deferral - wait for supplier'],
    expected:
      'the gpios phandle sits on the child node "poweroff", so fw_devlink only makes a sync-state link and never holds gpio-keys; its driver defers (no GPIO chip), the timeout retries it, it defers again and stays in devices_deferred',
  },
  {
    name: 'iommu-passthrough',
    title: 'iommu.passthrough=1: masters still join groups, with identity default domains',
    machine: 'virt',
    dts: 'virt-gpio-iommu.dts',
    cmdline: `${DD} iommu.passthrough=1`,
    pciNet: true,
    steps: [
      { kind: 'insmod', module: 'virtio_pci' },
      { kind: 'insmod', module: 'virtio_net' },
    ],
    settleSeconds: 10,
    signatures: [
      'iommu: Default domain type: Passthrough \\(set via kernel command line\\)',
      'amba 9030000\\.pl061: Added to deferred list',
      'pl061_gpio 9030000\\.pl061: Adding to iommu group 0',
      'virtio-pci 0000:00:01\\.0: Adding to iommu group 1',
    ],
    expected: 'same probe order and groups as with translation: passthrough changes the domain type, not the lookup',
  },
  {
    name: 'zcu102',
    title: "A real vendor board: Debian's zynqmp-zcu102-rev1.0.dtb on QEMU's xlnx-zcu102 (no PMU firmware: real deferrals)",
    machine: 'xlnx-zcu102',
    debianDtb: 'xilinx/zynqmp-zcu102-rev1.0.dtb',
    cmdline: `earlycon keep_bootcon ${DD} deferred_probe_timeout=5`,
    truthVia: 'kmsg',
    // The UARTs stay deferred for good; the truth is taken once the timeout has reported them.
    steps: [{ kind: 'wait-log', pattern: 'deferred probe pending', maxSeconds: 30 }],
    settleSeconds: 0,
    timeoutSeconds: 240,
    signatures: [
      'platform ff000000\\.serial: Added to deferred list',
      'platform fd0e0000\\.pcie: Retrying from deferred list',
      'nwl-pcie fd0e0000\\.pcie: deferred probe timeout, ignoring dependency',
      'platform ff000000\\.serial: deferred probe pending',
    ],
    expected:
      'both UARTs (clocks from the absent PMU firmware) stay deferred: "deferred probe pending" at the 5 s timeout; the PCIe host is released by the timeout',
  },
  {
    name: 'raspi3b',
    title: "A second vendor board: Debian's bcm2837-rpi-3-b.dtb on QEMU's raspi3b (firmware mailbox partly modelled)",
    machine: 'raspi3b',
    debianDtb: 'broadcom/bcm2837-rpi-3-b.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 10,
    timeoutSeconds: 240,
    signatures: [
      'amba 3f201000\\.serial: Added to deferred list',
      'platform soc:firmware: Added to deferred list',
      'platform soc:firmware: Retrying from deferred list',
      bound('raspberrypi-firmware', 'soc:firmware'),
      bound('uart-pl011', '3f201000.serial'),
    ],
    expected:
      'the PL011 console UART, the firmware node and its children defer at first probe (mailbox/clock suppliers not yet bound) and all bind at late_initcall',
  },
  // arm32 vendor boards: Debian's armmp kernel and its own DTBs on QEMU's models of the boards. The
  // truth is taken once devices_deferred has drained, or 15 s after /init started (past the 5 s
  // deferred-probe timeout) when something stays deferred.
  {
    name: 'sabrelite',
    title: "i.MX6Q SABRE Lite: Debian's imx6q-sabrelite.dtb on QEMU's sabrelite (console UART2 = ttymxc1)",
    machine: 'sabrelite',
    debianDtb: 'imx6q-sabrelite.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('imx-uart', '21e8000.serial')],
    expected: 'the console UART binds; pin controller, clocks and GPIO banks bind at their first probe',
  },
  {
    name: 'orangepi-pc',
    title: "Orange Pi PC (Allwinner H3): Debian's sun8i-h3-orangepi-pc.dtb on QEMU's orangepi-pc",
    machine: 'orangepi-pc',
    debianDtb: 'sun8i-h3-orangepi-pc.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('dw-apb-uart', '1c28000.serial')],
    expected: 'the console UART (8250 DesignWare) binds after its clock and reset providers',
  },
  {
    name: 'raspi2b',
    title: "Raspberry Pi 2 B (BCM2836): Debian's bcm2836-rpi-2-b.dtb on QEMU's raspi2b (firmware mailbox partly modelled)",
    machine: 'raspi2b',
    debianDtb: 'bcm2836-rpi-2-b.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('uart-pl011', '3f201000.serial')],
    expected: 'the PL011 console UART binds once the firmware clocks are there',
  },
  {
    name: 'vexpress-a9',
    title: "Versatile Express A9: Debian's vexpress-v2p-ca9.dtb on QEMU's vexpress-a9 (motherboard config bus, AMBA primecells)",
    machine: 'vexpress-a9',
    debianDtb: 'vexpress-v2p-ca9.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('uart-pl011', '10009000.uart')],
    expected: 'the PL011 UARTs bind after the motherboard oscillators (vexpress-config) they are clocked by',
  },
  {
    name: 'vexpress-a15',
    title: "Versatile Express A15 (CoreTile TC1): Debian's vexpress-v2p-ca15-tc1.dtb on QEMU's vexpress-a15",
    machine: 'vexpress-a15',
    debianDtb: 'vexpress-v2p-ca15-tc1.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('uart-pl011', '1c090000.serial')],
    expected: 'the PL011 UARTs bind after the motherboard oscillators; the SP805 watchdog, the PL354/PL341 memory controllers and the PL330 DMA stay deferred (AMBA IDs unreadable until their clocks are there)',
  },
  {
    name: 'imx7d-sdb',
    title: "i.MX7D SABRE: Debian's imx7d-sdb.dtb on QEMU's mcimx7d-sabre",
    machine: 'mcimx7d-sabre',
    debianDtb: 'imx7d-sdb.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('imx-uart', '30860000.serial')],
    expected: 'the console UART binds; the CoreSight funnels, ETM, ETF, ETR and TPIU stay deferred, and three GPIO-controlled regulators wait on GPIOs',
  },
  {
    name: 'imx6ul-evk',
    title: "i.MX6UL 14x14 EVK: Debian's imx6ul-14x14-evk.dtb on QEMU's mcimx6ul-evk",
    machine: 'mcimx6ul-evk',
    debianDtb: 'imx6ul-14x14-evk.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('imx-uart', '2020000.serial')],
    expected: 'the console UART binds; GPIO-controlled regulators stay deferred ("can\'t get GPIO"), the SPI-GPIO bus too',
  },
  {
    name: 'cubieboard',
    title: "Cubieboard (Allwinner A10): Debian's sun4i-a10-cubieboard.dtb on QEMU's cubieboard",
    machine: 'cubieboard',
    debianDtb: 'sun4i-a10-cubieboard.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('dw-apb-uart', '1c28000.serial')],
    expected: 'the console UART (8250 DesignWare) binds after the A10 clock and pin controllers; nothing stays deferred',
  },
  {
    name: 'highbank',
    title: "Calxeda Highbank (ECX-1000): Debian's highbank.dtb on QEMU's highbank",
    machine: 'highbank',
    debianDtb: 'highbank.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('uart-pl011', 'fff36000.serial')],
    expected: 'the PL011 console binds; the IPC mailbox and the PL330 DMA stay deferred',
  },
  {
    name: 'midway',
    title: "Calxeda Midway (ECX-2000): Debian's ecx-2000.dtb on QEMU's midway",
    machine: 'midway',
    debianDtb: 'ecx-2000.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('uart-pl011', 'fff36000.serial')],
    expected: 'the PL011 console binds; the IPC mailbox and the PL330 DMA stay deferred',
  },
  {
    name: 'ast2600-evb',
    title: "Aspeed AST2600 EVB: Debian's aspeed-ast2600-evb.dtb on QEMU's ast2600-evb",
    machine: 'ast2600-evb',
    debianDtb: 'aspeed-ast2600-evb.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('dw-apb-uart', '1e784000.serial')],
    expected: 'the console UART5 (ttyS4) binds; the SD-slot regulators wait on GPIOs ("can\'t get GPIO")',
  },
  {
    name: 'tacoma-bmc',
    title: "OpenPOWER Tacoma BMC (AST2600): Debian's aspeed-bmc-opp-tacoma.dtb on QEMU's tacoma-bmc",
    machine: 'tacoma-bmc',
    debianDtb: 'aspeed-bmc-opp-tacoma.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('dw-apb-uart', '1e784000.serial')],
    expected: 'the console UART5 (ttyS4) binds to dw-apb-uart; gpio-keys stays deferred on the Aspeed GPIO controller, whose driver is a module /init does not load',
  },
  {
    name: 'rainier-bmc',
    title: "IBM Rainier BMC (AST2600): Debian's aspeed-bmc-ibm-rainier.dtb on QEMU's rainier-bmc",
    machine: 'rainier-bmc',
    debianDtb: 'aspeed-bmc-ibm-rainier.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('of_serial', '1e784000.serial')],
    expected: 'the console UART5 (ttyS4) binds to of_serial; nothing stays deferred',
  },
  {
    name: 'bletchley-bmc',
    title: "Facebook Bletchley BMC (AST2600): Debian's aspeed-bmc-facebook-bletchley.dtb on QEMU's bletchley-bmc",
    machine: 'bletchley-bmc',
    debianDtb: 'aspeed-bmc-facebook-bletchley.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('of_serial', '1e784000.serial')],
    expected: "the console UART5 (ttyS4) binds to of_serial; spi1-gpio (the TPM's bit-banged SPI) stays deferred on the Aspeed GPIO controller's module",
  },
  {
    name: 'qcom-dc-scm-v1-bmc',
    title: "Qualcomm DC-SCM V1 BMC (AST2600): Debian's aspeed-bmc-qcom-dc-scm-v1.dtb on QEMU's qcom-dc-scm-v1-bmc",
    machine: 'qcom-dc-scm-v1-bmc',
    debianDtb: 'aspeed-bmc-qcom-dc-scm-v1.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('of_serial', '1e784000.serial')],
    expected: 'the console UART5 (ttyS4) binds to of_serial; nothing stays deferred',
  },
  {
    name: 'smdkc210',
    title: "Samsung SMDKV310 (Exynos4210): Debian's exynos4210-smdkv310.dtb on QEMU's smdkc210",
    machine: 'smdkc210',
    debianDtb: 'exynos4210-smdkv310.dtb',
    cmdline: `${DD} deferred_probe_timeout=5`,
    steps: [],
    settleSeconds: 15,
    timeoutSeconds: 420,
    signatures: [bound('samsung-uart', '13810000.serial')],
    expected: 'the Samsung UARTs bind after the Exynos4210 clock controller and pin controllers; nothing stays deferred',
  },
  ...boardTrees.map(boardTreeScenario),
];

export function scenarioByName(name: string): Scenario {
  const s = scenarios.find((x) => x.name === name);
  if (!s) throw new Error(`no lab scenario ${name}`);
  return s;
}
