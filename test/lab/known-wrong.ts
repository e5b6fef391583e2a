// KNOWN_WRONG: the devices (per lab boot) the probe model predicts wrong today, each with what differs.
// predict-vs-kernel.test.ts fails when a device is wrong that is not listed here, and when a listed one
// has come right, so this list can only shrink. Regenerate with `npx tsx scripts/lab/score.ts --write`
// after a model change, and read the diff: only removals are progress.

export const KNOWN_WRONG: Record<string, Record<string, string>> = {
  "late-iommu@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "no-iommu-driver@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "short-timeout@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "smmu-disabled@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "smmu-probe-fails@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "smmu-no-hardware@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "fw-devlink-strict@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "fw-devlink-strict-no-iommu@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "fw-devlink-off@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "many-masters@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "pci-iommu-map@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "initcall-debug@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "modules-late@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "sid-collision@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "demo@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "stuck-supplier@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
    "gpio-keys": "devices_deferred reason \"gpio-keys: failed to get gpio\", model \"\"",
  },
  "iommu-passthrough@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel psci, model 9000000.pl011",
  },
  "zcu102@arm64-6.12": {
    "(bind order)": "first difference at bind 3: kernel axi, model pmu",
  },
  "raspi3b@arm64-6.12": {
    "(bind order)": "first difference at bind 1: kernel soc, model arm-pmu",
  },
  "sabrelite@armhf-6.1": {
    "(bind order)": "first difference at bind 7: kernel soc, model regulators",
    "110000.dma-controller": "kernel never deferred it, model 1 deferral(s)",
    "1ffc000.pcie": "kernel never deferred it, model 1 deferral(s)",
    "2020000.serial": "kernel bound (imx-uart), model deferred (deferred 4 time(s), still pending: wait for supplier uart1grp <- fw_devlink: pinctrl-0 → /soc/bus@2000000/pinctrl@20e0000/imx6q-sabrelite/uart1grp <- deferred 5 time(s), still ...",
    "20c8000.anatop": "kernel never deferred it, model 1 deferral(s)",
    "20d8000.reset-controller": "kernel bound (imx-src), model no-driver (no driver in the 6.1 catalog matches compatible \"fsl,imx6q-src\", \"fsl,imx51-src\")",
    "20e0000.pinctrl": "kernel bound (imx6q-pinctrl), model deferred (deferred 5 time(s), still pending: wait for supplier hoggrp <- fw_devlink: pinctrl-0 → /soc/bus@2000000/pinctrl@20e0000/imx6q-sabrelite/hoggrp <- this node never becomes a...",
    "20ec000.dma-controller": "kernel never deferred it, model 1 deferral(s)",
    "21b0000.memory-controller": "kernel bound (imx-mmdc), model no-driver (no driver in the 6.1 catalog matches compatible \"fsl,imx6q-mmdc\")",
    "21e8000.serial": "kernel bound (imx-uart), model deferred (deferred 4 time(s), still pending: supplier 20e0000.pinctrl not ready <- fw_devlink: pinctrl-0 → /soc/bus@2000000/pinctrl@20e0000/imx6q-sabrelite/uart2grp <- deferred 5 time(s)...",
    "gpio-keys": "devices_deferred reason \"\", model \"platform: wait for supplier gpio-keysgrp\"",
    "imx-pgc-power-domain.0": "the kernel has it (bound), the model does not",
    "imx-pgc-power-domain.1": "the kernel has it (deferred), the model does not",
    "pmu": "kernel bound (armv7-pmu), model no-driver (no driver in the 6.1 catalog matches compatible \"arm,cortex-a9-pmu\")",
    "regulators:regulator@2": "devices_deferred reason \"reg-fixed-voltage: can't get GPIO\", model \"\"",
    "regulators:regulator@3": "devices_deferred reason \"reg-fixed-voltage: can't get GPIO\", model \"platform: wait for supplier can-xcvrgrp\"",
    "regulators:regulator@7": "devices_deferred reason \"reg-fixed-voltage: can't get GPIO\", model \"platform: wait for supplier usbh1grp\"",
    "soc": "kernel never deferred it, model 1 deferral(s)",
  },
  "orangepi-pc@armhf-6.1": {
    "(bind order)": "first difference at bind 5: kernel 1c20000.clock, model 1d00000.sram",
    "1000000.clock": "kernel never deferred it, model 1 deferral(s)",
    "1c17000.mailbox": "kernel never deferred it, model 1 deferral(s)",
    "1c20000.clock": "kernel never deferred it, model 1 deferral(s)",
    "1f01400.clock": "kernel never deferred it, model 1 deferral(s)",
    "pmu": "kernel bound (armv7-pmu), model no-driver (no driver in the 6.1 catalog matches compatible \"arm,cortex-a7-pmu\")",
  },
  "raspi2b@armhf-6.1": {
    "3f200000.gpio": "kernel bound (pinctrl-bcm2835), model deferred (deferred 5 time(s), still pending: wait for supplier gpioout <- fw_devlink: pinctrl-0 → /soc/gpio@7e200000/gpioout <- this node never becomes a device (not on a bus the ...",
    "3f201000.serial": "kernel bound (uart-pl011), model deferred (deferred 5 time(s), still pending: supplier 3f200000.gpio not ready <- fw_devlink: pinctrl-0 → /soc/gpio@7e200000/uart0_gpio14 <- deferred 5 time(s), still pending: wait for ...",
    "arm-pmu": "kernel bound (armv7-pmu), model no-driver (no driver in the 6.1 catalog matches compatible \"arm,cortex-a7-pmu\")",
  },
  "vexpress-a9@armhf-6.1": {
    "10004000.aaci": "kernel deferred it, model 0 deferral(s)",
    "10005000.mmci": "kernel deferred it, model 0 deferral(s)",
    "10006000.kmi": "kernel deferred it, model 0 deferral(s)",
    "10007000.kmi": "kernel deferred it, model 0 deferral(s)",
    "10009000.uart": "kernel bound (uart-pl011), model deferred (deferred 4 time(s), still pending: wait for supplier oscclk2 <- fw_devlink: clocks → /bus@40000000/motherboard-bus@40000000/mcc/oscclk2 <- no driver in the 6.1 catalog matche...",
    "1000a000.uart": "kernel bound (uart-pl011), model deferred (deferred 4 time(s), still pending: wait for supplier oscclk2 <- fw_devlink: clocks → /bus@40000000/motherboard-bus@40000000/mcc/oscclk2 <- no driver in the 6.1 catalog matche...",
    "1000b000.uart": "kernel bound (uart-pl011), model deferred (deferred 4 time(s), still pending: wait for supplier oscclk2 <- fw_devlink: clocks → /bus@40000000/motherboard-bus@40000000/mcc/oscclk2 <- no driver in the 6.1 catalog matche...",
    "1000c000.uart": "kernel bound (uart-pl011), model deferred (deferred 4 time(s), still pending: wait for supplier oscclk2 <- fw_devlink: clocks → /bus@40000000/motherboard-bus@40000000/mcc/oscclk2 <- no driver in the 6.1 catalog matche...",
    "1000f000.wdt": "kernel deferred, model no-driver (sp805-wdt is a module (sp805_wdt.ko) that was not loaded); kernel deferred it, model 0 deferral(s)",
    "10011000.timer": "kernel deferred it, model 0 deferral(s)",
    "10012000.timer": "kernel deferred it, model 0 deferral(s)",
    "10017000.rtc": "kernel bound (rtc-pl031), model deferred (deferred 4 time(s), still pending: wait for supplier tcrefclk <- fw_devlink: clocks → /dcc/tcrefclk <- no driver in the 6.1 catalog matches compatible \"arm,vexpress,config-bus\")",
    "1001f000.clcd": "kernel unbound, model deferred (deferred 4 time(s), still pending: wait for supplier oscclk1 <- fw_devlink: clocks → /bus@40000000/motherboard-bus@40000000/mcc/oscclk1 <- no driver in the 6.1 catalog matches compatibl...",
    "10020000.clcd": "kernel unbound, model deferred (deferred 4 time(s), still pending: wait for supplier clcdclk <- fw_devlink: clocks → /dcc/clcdclk <- no driver in the 6.1 catalog matches compatible \"arm,vexpress,config-bus\")",
    "100e0000.memory-controller": "kernel deferred, model no-driver (no driver in the 6.1 catalog matches primecell ID 0x00041341); kernel deferred it, model 0 deferral(s)",
    "100e1000.memory-controller": "kernel deferred, model no-driver (no driver in the 6.1 catalog matches primecell ID 0x00041354); kernel deferred it, model 0 deferral(s)",
    "100e5000.watchdog": "kernel deferred, model no-driver (sp805-wdt is a module (sp805_wdt.ko) that was not loaded); kernel deferred it, model 0 deferral(s)",
    "basic-mmio-gpio.0.auto": "the kernel has it (bound), the model does not",
    "basic-mmio-gpio.1.auto": "the kernel has it (bound), the model does not",
    "basic-mmio-gpio.2.auto": "the kernel has it (bound), the model does not",
    "bus@40000000:motherboard-bus@40000000:mcc:dvimode": "the kernel has it (unbound), the model does not",
    "bus@40000000:motherboard-bus@40000000:mcc:muxfpga": "the kernel has it (unbound), the model does not",
    "bus@40000000:motherboard-bus@40000000:mcc:oscclk0": "the kernel has it (bound), the model does not",
    "bus@40000000:motherboard-bus@40000000:mcc:oscclk1": "the kernel has it (bound), the model does not",
    "bus@40000000:motherboard-bus@40000000:mcc:oscclk2": "the kernel has it (bound), the model does not",
    "bus@40000000:motherboard-bus@40000000:mcc:reboot": "the kernel has it (bound), the model does not",
    "bus@40000000:motherboard-bus@40000000:mcc:reset": "the kernel has it (bound), the model does not",
    "bus@40000000:motherboard-bus@40000000:mcc:shutdown": "the kernel has it (bound), the model does not",
    "bus@40000000:motherboard-bus@40000000:mcc:temp-mcc": "the kernel has it (unbound), the model does not",
    "bus@40000000:motherboard-bus@40000000:mcc:volt-vio": "the kernel has it (unbound), the model does not",
    "dcc:amp-vd10-s2": "the kernel has it (unbound), the model does not",
    "dcc:amp-vd10-s3": "the kernel has it (unbound), the model does not",
    "dcc:clcdclk": "the kernel has it (bound), the model does not",
    "dcc:extsaxiclk": "the kernel has it (bound), the model does not",
    "dcc:power-vd10-s2": "the kernel has it (unbound), the model does not",
    "dcc:power-vd10-s3": "the kernel has it (unbound), the model does not",
    "dcc:tcrefclk": "the kernel has it (bound), the model does not",
    "dcc:volt-ddr2vtt": "the kernel has it (unbound), the model does not",
    "dcc:volt-vcc1v8": "the kernel has it (unbound), the model does not",
    "dcc:volt-vcc3v3": "the kernel has it (unbound), the model does not",
    "dcc:volt-vd10": "the kernel has it (unbound), the model does not",
    "dcc:volt-vd10-s2": "the kernel has it (unbound), the model does not",
    "dcc:volt-vd10-s3": "the kernel has it (unbound), the model does not",
    "pmu": "kernel bound (armv7-pmu), model no-driver (no driver in the 6.1 catalog matches compatible \"arm,cortex-a9-pmu\")",
  },
};
