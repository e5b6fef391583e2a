// The probe trace: one ordered entry per thing the driver core does, with the kernel's own sentence where
// it prints one (drivers/base/dd.c, core.c, drivers/iommu/iommu.c formats per kernel-semantics.md §5), so a
// trace and a parsed boot log line up event by event.
// Rules: docs/kernel-model.md §Outcomes (log forms).

export type ProbeEventKind =
  | 'initcall' // an initcall ran (calling X)
  | 'initcall-blacklisted'
  | 'device-added' // device_add(): the device exists on its bus
  | 'fwnode-link' // "Linked as a fwnode consumer to"
  | 'cycle' // "Fixed dependency cycle(s) with"
  | 'driver-registered'
  | 'probe-attempt' // "probing driver X with device Y"
  | 'deferred' // "Added to deferred list": exactly one per deferral, with the reason the model knows
  | 'defer-reason' // the line that says why, when the kernel prints one: "error -EPROBE_DEFER: supplier X not ready", "Driver X requests probe deferral"
  | 'retry' // "Retrying from deferred list"
  | 'iommu-attach' // "Adding to iommu group N"
  | 'iommu-detach' // "Removing from iommu group N"
  | 'iommu-exhausted' // context allocation failed (-ENOSPC) or the IOMMU refused the master: direct DMA
  | 'iommu-none' // the lookup found no IOMMU for the master: "no iommu-map translation for id 0x8 on (null)"
  | 'ignoring-dependency' // check_state gave up: "deferred probe timeout, ignoring dependency" / "ignoring dependency for device, assuming no driver"
  | 'bound' // "driver_bound: bound to device"
  | 'rejected' // "probe of X rejects match -19"
  | 'failed' // "probe of X failed with error -22"
  | 'timeout' // the deferred-probe timeout work ran
  | 'timeout-extended' // "Extended deferred probe timeout by N secs"
  | 'pending' // "deferred probe pending" at the timeout
  | 'late-initcall' // deferred_probe_initcall: deferred probing enabled, the two passes
  | 'devlink-relaxed' // "Relaxing link with X"
  | 'module-loaded'
  | 'userspace'
  | 'no-driver'; // end of boot: nothing matched the device

export interface ProbeEvent {
  kind: ProbeEventKind;
  /** Monotonically increasing position in the trace. */
  step: number;
  /** Modelled kernel time in seconds (printk timestamp scale). */
  time: number;
  /** Kernel device name, when the event is about a device. */
  device?: string;
  /** Driver name (drv->name), when one is involved. */
  driver?: string;
  /** The kernel's own line (without timestamp), when it prints one for this event. */
  text?: string;
  /** Deferral reason as devices_deferred would list it, or the cause of a give-up. */
  reason?: string;
  /** IOMMU group number for iommu-attach / iommu-detach. */
  group?: number;
  /** errno for rejected / failed. */
  error?: number;
  /** Initcall or module name. */
  name?: string;
}
