// KNOWN_WRONG: the devices (per lab boot) the probe model predicts wrong today, each with what differs.
// predict-vs-kernel.test.ts fails when a device is wrong that is not listed here, and when a listed one
// has come right, so this list can only shrink. Regenerate with `npx tsx scripts/lab/score.ts --write`
// after a model change, and read the diff: only removals are progress.

export const KNOWN_WRONG: Record<string, Record<string, string>> = {
  "stuck-supplier@arm64-6.12": {
    "gpio-keys": "devices_deferred reason \"gpio-keys: failed to get gpio\", model \"\"",
  },
  "sabrelite@armhf-6.1": {
    "(bind order)": "first difference at bind 1: kernel 21b0000.memory-controller, model 20e0000.pinctrl",
    "20dc000.gpc": "the kernel has it (bound), the model does not",
    "imx-pgc-power-domain.0": "the kernel has it (bound), the model does not",
    "imx-pgc-power-domain.1": "the kernel has it (deferred), the model does not",
    "regulators:regulator@2": "devices_deferred reason \"reg-fixed-voltage: can't get GPIO\", model \"\"",
    "regulators:regulator@3": "devices_deferred reason \"reg-fixed-voltage: can't get GPIO\", model \"\"",
    "regulators:regulator@7": "devices_deferred reason \"reg-fixed-voltage: can't get GPIO\", model \"\"",
  },
  "orangepi-pc@armhf-6.1": {
    "(bind order)": "first difference at bind 6: kernel 1c20000.clock, model 1d00000.sram",
    "1000000.clock": "kernel never deferred it, model 1 deferral(s)",
    "1c17000.mailbox": "kernel never deferred it, model 1 deferral(s)",
    "1c20000.clock": "kernel never deferred it, model 1 deferral(s)",
    "1f01400.clock": "kernel never deferred it, model 1 deferral(s)",
  },
  "imx7d-sdb@armhf-6.1": {
    "303a0000.gpc": "the kernel has it (bound), the model does not",
    "imx-pgc-domain.0": "the kernel has it (deferred), the model does not",
    "imx-pgc-domain.1": "the kernel has it (deferred), the model does not",
    "imx-pgc-domain.2": "the kernel has it (deferred), the model does not",
    "regulator-brcm": "devices_deferred reason \"reg-fixed-voltage: can't get GPIO\", model \"\"",
    "regulator-can2-3v3": "devices_deferred reason \"reg-fixed-voltage: can't get GPIO\", model \"\"",
    "regulator-fec2-3v3": "devices_deferred reason \"reg-fixed-voltage: can't get GPIO\", model \"\"",
    "regulator-usb-otg1-vbus": "devices_deferred reason \"reg-fixed-voltage: can't get GPIO\", model \"\"",
    "regulator-usb-otg2-vbus": "devices_deferred reason \"reg-fixed-voltage: can't get GPIO\", model \"\"",
  },
  "imx6ul-evk@armhf-6.1": {
    "(bind order)": "first difference at bind 2: kernel 21b0000.memory-controller, model 20e0000.pinctrl",
    "20cc000.snvs:snvs-poweroff": "kernel unbound, model bound (bound to syscon-poweroff)",
    "20dc000.gpc": "the kernel has it (bound), the model does not",
    "regulator-peri-3v3": "devices_deferred reason \"reg-fixed-voltage: can't get GPIO\", model \"\"",
    "regulator-sd1-vmmc": "devices_deferred reason \"reg-fixed-voltage: can't get GPIO\", model \"\"",
  },
  "ast2600-evb@armhf-6.1": {
    "(bind order)": "first difference at bind 1: kernel 1e6e2000.syscon:pinctrl, model 1e785000.watchdog",
    "1e6e2000.syscon:pinctrl": "kernel never deferred it, model 1 deferral(s)",
    "regulator-vcc-sdhci0": "devices_deferred reason \"reg-fixed-voltage: can't get GPIO\", model \"\"",
    "regulator-vcc-sdhci1": "devices_deferred reason \"reg-fixed-voltage: can't get GPIO\", model \"\"",
  },
};
