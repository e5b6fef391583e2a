// The messages between the UI thread and the engine worker (engine.worker.ts), and the view models
// the views read. The worker owns everything that grows with the log or the board (the tree, the
// parser, all events); the UI gets per-device rows and capped event windows, as patches.
import type { DeviceReport, Diagnostic, SourceSpan } from '../../../engine/common';
import type { Comparison, Verdict } from '../../../engine/compare';

export type { Verdict };

/** The kernel command-line knobs the what-if panel edits (engine/probe/cmdline.ts reads them back from the text). */
export interface WhatIfKnobs {
  /** `fw_devlink=`: off | permissive | on | rpm */
  fwDevlink: 'on' | 'off' | 'permissive' | 'rpm';
  /** `fw_devlink.strict=1` */
  fwDevlinkStrict: boolean;
  /** `deferred_probe_timeout=` seconds; null = the kernel default */
  deferredProbeTimeout: number | null;
  /** `iommu.passthrough=`; null = not given */
  iommuPassthrough: boolean | null;
  /** `initcall_blacklist=` function names */
  initcallBlacklist: string[];
}

export type DriverAvailability = 'builtin' | 'module' | 'absent';
/** `--assume NODE=ok|absent|defer|fail:-ERRNO` of `bringup predict` */
export type OutcomeOverride = 'ok' | 'absent' | 'defer' | `fail:${number}`;

/** Everything the what-if panel can change; predictions are recomputed from it at once. */
export interface WhatIfOptions {
  kernel: string;
  knobs: WhatIfKnobs;
  /** Extra command-line text passed through verbatim. */
  extraCmdline: string;
  /** Per driver (as the log names it), overriding what the kernel config says. */
  drivers: Record<string, DriverAvailability>;
  /** Modules userspace loads, in order. */
  modulesLoaded: string[];
  /** Default IOMMU policy for masters ('kernel': what the kernel version does), and per-master overrides. */
  iommuPolicy: IommuPolicyChoice;
  iommuPolicyPerMaster: Record<string, IommuPolicyChoice>;
  /** Context (stream / domain) budget per IOMMU instance (DT path). */
  iommuContexts: Record<string, number>;
  /** Per-device outcome overrides (DT path or device name). */
  assume: Record<string, OutcomeOverride>;
  /** Node status overrides (DT path). */
  nodeStatus: Record<string, 'okay' | 'disabled'>;
}

export type IommuPolicyChoice = 'kernel' | 'optional' | 'mandatory';

export const DEFAULT_WHAT_IF: WhatIfOptions = {
  kernel: '6.1',
  knobs: { fwDevlink: 'on', fwDevlinkStrict: false, deferredProbeTimeout: null, iommuPassthrough: null, initcallBlacklist: [] },
  extraCmdline: '',
  drivers: {},
  modulesLoaded: [],
  iommuPolicy: 'kernel',
  iommuPolicyPerMaster: {},
  iommuContexts: {},
  assume: {},
  nodeStatus: {},
};

export function cmdlineOf(o: WhatIfOptions): string {
  const parts: string[] = [];
  if (o.knobs.fwDevlink !== 'on') parts.push(`fw_devlink=${o.knobs.fwDevlink}`);
  if (o.knobs.fwDevlinkStrict) parts.push('fw_devlink.strict=1');
  if (o.knobs.deferredProbeTimeout !== null) parts.push(`deferred_probe_timeout=${o.knobs.deferredProbeTimeout}`);
  if (o.knobs.iommuPassthrough !== null) parts.push(`iommu.passthrough=${o.knobs.iommuPassthrough ? 1 : 0}`);
  if (o.knobs.initcallBlacklist.length) parts.push(`initcall_blacklist=${o.knobs.initcallBlacklist.join(',')}`);
  if (o.extraCmdline.trim()) parts.push(o.extraCmdline.trim());
  return parts.join(' ');
}

/** What the live log fixed in the prediction's options (engine/compare anchorToLog). */
export interface Anchoring {
  /** The command line the prediction ran with. */
  cmdline: string | null;
  /** It is the one the log printed (the what-if panel set none). */
  cmdlineFromLog: boolean;
  /** Module loads the log timed, `name@seconds`. */
  modules: string[];
}

/** A cell of a probe-board row that can be marked as differing (engine/compare's fields, as the row shows them). */
export type RowField = 'state' | 'driver' | 'iommuGroup' | 'deferrals' | 'bindIndex';

/** One row of the probe board: the prediction and the live state of one device, side by side. */
export interface DeviceRow {
  /** Stable identity across predictions and live updates: the DT node path, else `dev:<name>`. */
  key: string;
  name: string;
  node: string | null;
  predicted: DeviceReport | null;
  live: DeviceReport | null;
  verdict: Verdict;
  /** Fields that differ enough to make the device a mismatch. */
  differs: RowField[];
  /** Fields that differ in a way the kernel does not guarantee (retry counts, bind order inversions). */
  minor: RowField[];
  /** The comparison's account of the mismatch (predicted cause), when it has one. */
  note?: string;
  /** For `pending`: the kernel time the verdict is due at. */
  dueAt?: number;
  /** Live row changed at this UI-clock time (for the brief flash). */
  changedAt?: number;
}

export type TimelineKind = 'probe' | 'defer' | 'retry' | 'bind' | 'fail' | 'iommu' | 'timeout' | 'mark';

/** A probe event as a mark on the timeline's kernel-time axis. */
export interface TimelineMark {
  side: 'predicted' | 'live';
  device: string;
  kind: TimelineKind;
  /** Kernel time, seconds; null when the source has none (then `seq` orders it). */
  t: number | null;
  seq: number;
  text: string;
}

export interface BootInfo {
  /** The live log has shown a kernel start. */
  kernelStarted: boolean;
  kernelVersion?: string;
  cmdline?: string;
  /** Last kernel timestamp seen. */
  lastKernelTime: number | null;
  /** A login prompt / end of boot was seen. */
  finished: boolean;
  /** Why the boot counts as ended (login prompt, power-off, quiet stream, the user said so), null while it runs. */
  ended: string | null;
  /** Boots seen in the stream (a reset starts a new one). */
  boots: number;
  bytes: number;
  lines: number;
  oopses: number;
}

export interface RowSummary {
  devices: number;
  match: number;
  mismatch: number;
  pending: number;
  /** Mismatches the log never named (predicted, not seen): a subset of `mismatch`. */
  predictedOnly: number;
  /** `actual-only`: in the log, not devices the model creates. */
  liveOnly: number;
  unobserved: number;
  /** Bind-order agreement over devices bound on both sides (Spearman), null below two. */
  spearman: number | null;
  inversions: number;
}

/** A property of the detail view's DT node, decoded for display. */
export interface NodePropertyView {
  name: string;
  text: string;
  span?: SourceSpan;
}

export interface NodeLink {
  /** The node at the other end. */
  path: string;
  /** The property that makes the link (`clocks`, `iommus`, ...). */
  via: string;
  /** The device the other node became, when known. */
  device?: string;
}

export interface NodeDetail {
  path: string;
  span?: SourceSpan;
  labels: string[];
  properties: NodePropertyView[];
  suppliers: NodeLink[];
  consumers: NodeLink[];
}

// ---- UI → worker ------------------------------------------------------------------------------------

/** Every message names the console tab whose board it is about (ConsoleTab.key); the worker keeps one board per tab. */
export type ToWorker =
  | { type: 'board'; tab: number; boardId: string; dtb: Uint8Array; treeJson?: unknown; config?: string; /** The board's file name (the JUnit suite is named by it). */ fileName?: string }
  | { type: 'options'; tab: number; options: WhatIfOptions }
  | { type: 'serial'; tab: number; bytes: Uint8Array; hostTime: number }
  | { type: 'resetLive'; tab: number }
  /** The tab came to the front: send its prediction and live side again, whole. */
  | { type: 'show'; tab: number }
  /** The tab closed: its board goes. */
  | { type: 'closeTab'; tab: number }
  /** The user says the boot is over: what is still pending gets its verdict. */
  | { type: 'endBoot'; tab: number }
  /** The comparison as it stands, for a session annotation. */
  | { type: 'report'; tab: number; requestId: number }
  | { type: 'node'; tab: number; requestId: number; path: string };

// ---- worker → UI ------------------------------------------------------------------------------------

/** Live timeline marks a tab keeps of its current boot, to show it again when it comes to the front. */
export const LIVE_MARK_CAP = 20_000;

/** Every message names the tab whose board it is about. */
export type FromWorker =
  | {
      type: 'prediction';
      tab: number;
      rows: DeviceRow[];
      events: TimelineMark[];
      diagnostics: Diagnostic[];
      summary: RowSummary;
      ms: number;
      /** Driver names known to the prediction (for the what-if driver list). */
      drivers: string[];
      /** IOMMU nodes in the tree (for the contexts knobs). */
      iommus: string[];
      anchoring: Anchoring;
      /** The live boot as it stands, so rows and the boot they belong to arrive together (after a reset too). */
      boot: BootInfo;
    }
  | {
      type: 'live';
      tab: number;
      /** Rows whose live side or verdict changed since the last message. */
      rows: DeviceRow[];
      /** Live timeline events appended since the last message. */
      events: TimelineMark[];
      /** The live timeline starts over with these events (a new boot or connection). */
      restart: boolean;
      boot: BootInfo;
      summary: RowSummary;
      /** The host time of the newest chunk included (for latency measurement). */
      lastHostTime: number;
    }
  | { type: 'node'; tab: number; requestId: number; detail: NodeDetail | null }
  | { type: 'report'; tab: number; requestId: number; report: SessionReport | null }
  /** tab null: the worker itself failed, every tab's board with it. */
  | { type: 'error'; tab: number | null; message: string };

/** What the app stores on a recording session (annotateSession 'comparison'): the engine's comparison and its JUnit suite. */
export interface SessionReport {
  comparison: Comparison;
  /** engine/compare junitSuiteName of the board's file name. */
  suite: string;
}
