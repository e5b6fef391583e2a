// The vocabulary of a parsed boot log: one BootEvent per recognised console line (or per multi-line
// report), in the kernel's own terms. Line formats come from drivers/base/dd.c, drivers/base/core.c,
// drivers/iommu/iommu.c, init/main.c and kernel/panic.c across eras (../shared/kernel-semantics.md §5).

/** Fields every event carries. */
export interface BootEventBase {
  /** Host receive time (caller's clock, e.g. ms since epoch) of the chunk holding the line's first byte. */
  hostTime: number;
  /** printk timestamp in seconds, or null when the line had none. */
  kernelTime: number | null;
  /** 1-based line number in the stream (every terminator counts, empty lines included). */
  line: number;
  /** 0-based boot index in the stream: a reset mid-stream starts the next boot. */
  boot: number;
  /** The decoded line, control characters and ANSI escapes removed, capture prefixes kept. */
  raw: string;
  /** The message after capture, printk level, timestamp and caller-id prefixes. */
  text: string;
  /** printk level from `<N>` when present. */
  level?: number;
  /** printk caller id, `T1` or `C0`, when present. */
  caller?: string;
  /** Kernel device name when the line names one. */
  device?: string;
  /** Driver name when the line names one (a device message prefix that is not a bus name counts). */
  driver?: string;
  /** Bus name when the line names one (`platform`, `amba`, `pci`). */
  bus?: string;
}

export type BootEvent =
  | (BootEventBase & { kind: 'kernel-start'; version?: string })
  | (BootEventBase & { kind: 'cmdline'; cmdline: string })
  | (BootEventBase & { kind: 'boot-reset'; reason: string })
  | (BootEventBase & { kind: 'bootloader' })
  | (BootEventBase & { kind: 'garbage' })
  | (BootEventBase & { kind: 'match'; device: string; driver: string; bus: string })
  | (BootEventBase & { kind: 'probe-attempt'; device: string; driver: string; bus: string })
  /** Any line saying this probe attempt ended in -EPROBE_DEFER (`via` says which line it was). */
  | (BootEventBase & { kind: 'deferred'; device: string; via: DeferralVia; reason?: string })
  | (BootEventBase & { kind: 'retry'; device: string })
  | (BootEventBase & { kind: 'removed-from-deferred'; device: string })
  | (BootEventBase & { kind: 'defer-pending'; device: string; reason?: string })
  | (BootEventBase & { kind: 'defer-timeout'; device: string; assumeNoDriver: boolean })
  | (BootEventBase & { kind: 'defer-timeout-extended'; seconds: number })
  | (BootEventBase & { kind: 'supplier-not-ready'; device: string; supplier: string; waitForNode: boolean })
  /**
   * A bind: a dd.c line, an initcall_debug return, a listing, or a message a driver prints only at the
   * end of a successful probe (`via: 'end-of-probe'`, `proof` names that message, see EndOfProbeProof).
   */
  | (BootEventBase & { kind: 'bound'; device: string; driver?: string; via: 'driver-bound' | 'bus-bound' | 'probe-returned' | 'driver-listing' | 'end-of-probe'; proof?: EndOfProbeProof })
  | (BootEventBase & { kind: 'probe-failed'; device: string; driver?: string; error: number; message?: string })
  /** The driver declined the device (-ENODEV/-ENXIO): dd.c's "rejects match", or (`via: 'driver-message'`) the driver's own last words, which dd.c does not follow with a line of its own. */
  | (BootEventBase & { kind: 'probe-rejected'; device: string; driver?: string; error: number; via?: 'driver-message' })
  | (BootEventBase & { kind: 'probe-returned'; device: string; result: number; usecs: number })
  | (BootEventBase & { kind: 'iommu-group'; device: string; group: number; action: 'add' | 'remove' | 'add-failed'; error?: number })
  | (BootEventBase & { kind: 'iommu-driver'; device?: string; detail: IommuDriverDetail })
  | (BootEventBase & { kind: 'devlink'; device?: string; link: DevlinkKind; other: string })
  | (BootEventBase & { kind: 'initcall'; fn: string; phase: 'call' | 'return' | 'blacklisted'; result?: number; usecs?: number })
  | (BootEventBase & { kind: 'deferred-listing'; device: string; reason: string | null })
  | (BootEventBase & { kind: 'iommu-group-listing'; device: string; group: number })
  | (BootEventBase & { kind: 'driver-listing'; device: string; driver: string; bus?: string })
  | (BootEventBase & { kind: 'oops' | 'panic' | 'warn'; title: string; lines: string[]; complete: boolean; location?: string })
  | (BootEventBase & { kind: 'login-prompt' })
  /** Any other `<driver-or-bus> <device>: ...` line: proves the device exists (and, with a driver prefix, that a driver has it). */
  | (BootEventBase & { kind: 'device-message'; device: string; classDevice?: string })
  | (BootEventBase & { kind: 'text' });

export type BootEventKind = BootEvent['kind'];

export type DeferralVia =
  | 'added-to-list' // "Added to deferred list"
  | 'driver-request' // "Driver %s requests probe deferral"
  | 'err-probe' // "error -EPROBE_DEFER: ..." (dev_err_probe)
  | 'probe-returned' // initcall_debug "probe of X returned 517"
  | 'match-request' // "Device match requests probe deferral"
  | 'force-request' // 6.x "Driver %s force probe deferral"
  | 'driver-message'; // a driver's own words: "... -517", "-EPROBE_DEFER", pinctrl's "..., deferring probe"

/**
 * The end-of-probe messages read as proof of a bind, named after the kernel function that prints them
 * (each is printed only once its probe has everything it needs; see recognise.ts for the sources).
 */
export type EndOfProbeProof =
  | 'uart_report_port' // serial_core: "DEV: ttyS0 at MMIO 0x... (irq = N, base_baud = N) is a TYPE"
  | 'sdhci_add_host' // "mmcN: SDHCI controller on NAME [DEV] using MODE"
  | 'drm_dev_register' // "[drm] Initialized NAME x.y.z DATE for DEV on minor N"
  | 'rtc_register_device' // "registered as rtcN" (≤5.x: "rtc core: registered NAME as rtcN")
  | 'pca954x_probe' // "registered N multiplexed busses for I2C switch/mux NAME"
  | 'omap_i2c_probe' // "bus N revX.Y at N kHz"
  | 'at24_probe' // "N byte NAME EEPROM, writable|read-only ..."
  | 'pl330_probe' // "Loaded driver for PL330 DMAC-N"
  | 'sunxi_mmc_probe' // "initialized, max. request size: N KB"
  | 'hub_configure' // "N port(s) detected"
  | 'pl061_probe'; // "PL061 GPIO chip registered"

export type IommuDriverDetail =
  | { what: 'default-domain'; type: string; cmdline: boolean }
  | { what: 'tlb-policy'; mode: string }
  | { what: 'smmu-banner'; text: string }
  | { what: 'context-banks'; count: number }
  | { what: 'not-behind'; }
  | { what: 'config-failed'; error: string }
  | { what: 'other'; text: string };

export type DevlinkKind =
  | 'consumer' // Linked as a consumer to
  | 'sync-state-consumer'
  | 'fwnode-consumer' // Linked as a fwnode consumer to
  | 'dropped'
  | 'relaxed'
  | 'cycle-fixed'
  | 'not-linking'
  | 'link-failed';

export interface BootLogOptions {
  /** Longest line kept, in characters; the rest of a longer line is dropped (counted in `truncated`). Default 4096. */
  maxLineLength?: number;
  /** Most lines kept in one oops/panic/WARN report. Default 300. */
  maxReportLines?: number;
  /** Emit a `text` event for every kernel line nothing else recognised. Default false. */
  emitText?: boolean;
}

export interface BootLogParser {
  /** Bytes split anywhere; returns the events completed by this chunk. */
  feed(chunk: Uint8Array, hostTime: number): BootEvent[];
  /** Flushes a trailing partial line and any open report. */
  finish(hostTime: number): BootEvent[];
  /** What the stream has shown so far (which debug outputs are on, how much was dropped). */
  readonly stats: BootLogStats;
}

export interface BootLogStats {
  bytes: number;
  lines: number;
  /** Lines cut at maxLineLength. */
  truncatedLines: number;
  boots: number;
  /** The boots (0-based, ascending) that printed kernel output; a bootloader-only run is absent. */
  kernelBoots: number[];
  /** The boots whose kernel output includes the kernel's start (a version banner, or stamps of its first seconds). */
  kernelStartBoots: number[];
  /** Driver-core dyndbg lines (dd.c) were seen in the current boot. */
  driverCoreDebug: boolean;
  /** initcall_debug lines were seen in the current boot. */
  initcallDebug: boolean;
}
