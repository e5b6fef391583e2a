// The per-device record both halves of the workbench produce: the probe model's prediction and the
// boot-log parser's live state have this one shape, so the comparison and every view read either.
// It is also the public `--json` shape of `bringup predict` devices (keep field names stable).
import type { SourceSpan } from './diagnostics';

export type DeviceState = 'bound' | 'deferred' | 'failed' | 'no-driver' | 'disabled' | 'not-probed';

export const DEVICE_STATES: readonly DeviceState[] = ['bound', 'deferred', 'failed', 'no-driver', 'disabled', 'not-probed'];

/** One link of a "why" chain, from the device down to a root cause. */
export interface WhyStep {
  /** Kernel device name or DT path this step is about. */
  subject: string;
  /** A sentence, in the kernel's own words where it has them. */
  text: string;
  /** Where in the device tree the cause lives. */
  span?: SourceSpan;
}

export interface DeviceReport {
  /** Kernel device name: `9030000.pl061`, `soc:foo`, `0000:00:01.0`. */
  name: string;
  /** DT node path, or null when unknown (a live name no node matches). */
  node: string | null;
  state: DeviceState;
  /** Driver name as the log prints it, when known. */
  driver: string | null;
  /** IOMMU group number, or null when the device has none. */
  iommuGroup: number | null;
  /** How many times a probe was deferred. */
  deferrals: number;
  /** 0-based position among all binds of the boot, or null when never bound. */
  bindIndex: number | null;
  /** Why the device ended in this state, device first, root cause last. */
  why: WhyStep[];
  /** Bus the device lives on: platform, amba, pci, ... */
  bus?: string;
  /** Last recorded deferral reason (devices_deferred / dev_err_probe text). */
  deferReason?: string | null;
  /** Probe error for state 'failed', e.g. -22 */
  error?: number | null;
}
