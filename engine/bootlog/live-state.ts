// Folds boot events into one live record per device, in the shape of `bringup predict --json`
// devices (engine/common/device-report.ts), following the driver core's own bookkeeping in
// drivers/base/dd.c: one deferral per failed probe attempt (however many lines it printed), binds
// numbered in the order driver_bound() ran, the last boot of the stream only.
import type { DeviceReport, DeviceState, WhyStep } from '../common';
import type { BootEvent, DeferralVia, EndOfProbeProof } from './events';

/** Kernel device name → DT node path, built by the caller (e.g. from the probe model's devices). */
export type DeviceNodeIndex = ReadonlyMap<string, string>;

/** What the log could show: without dd.c dyndbg a bind leaves no line of its own. */
export interface LogCoverage {
  driverCoreDebug: boolean;
  initcallDebug: boolean;
  deferredListing: boolean;
  iommuGroupListing: boolean;
  driverListing: boolean;
  /** The deferred-probe timeout work ran (its "deferred probe pending" lines list everything left). */
  timeoutReport: boolean;
}

/**
 * The strongest kind of line a device's state rests on: dd.c debug lines, initcall_debug, a sysfs
 * listing, a message a driver prints only at the end of a successful probe (`proof` names it), any
 * other message of its driver, or a mere mention.
 */
export type LiveEvidence = 'driver-core' | 'initcall-debug' | 'listing' | 'end-of-probe' | 'driver-message' | 'mention';

export interface LiveDeviceReport extends DeviceReport {
  /** The strongest kind of line the state rests on. */
  evidence: LiveEvidence;
  /** The end-of-probe message seen for this device (kernel function that prints it), or null. */
  proof: EndOfProbeProof | null;
  /** A probe attempt was seen with no outcome yet. */
  probing: boolean;
  /** The deferred-probe timeout (or "assuming no driver") let this device go ahead without a supplier. */
  timedOut: boolean;
  /** state 'failed' because the driver declined the device (-ENODEV/-ENXIO, dd.c "rejects match"). */
  rejected: boolean;
  firstLine: number;
  lastLine: number;
  /** Kernel time of the bind, when printed. */
  boundAt: number | null;
}

interface Tracked extends LiveDeviceReport {
  /** A deferral of the current attempt is already counted. */
  deferCounted: boolean;
  /** Which line counted the last deferral. */
  lastDeferVia: DeferralVia | null;
  /** initcall_debug's "probe of X returned" closed the attempt: only "Added to deferred list" may still follow. */
  returnClosed: boolean;
  driverSeen: boolean;
  listedDeferred: boolean;
  failedOrRejected: boolean;
}

const EVIDENCE_RANK: Record<LiveEvidence, number> = { mention: 0, 'driver-message': 1, 'end-of-probe': 2, listing: 3, 'initcall-debug': 4, 'driver-core': 5 };
const MAX_WHY = 8;
// -ENODEV and -ENXIO: the driver declined the device (dd.c "rejects match").
const REJECT_ERRORS = new Set([19, 6]);
const EPROBE_DEFER = 517;

/** Incremental live state: apply events as they stream, read devices() at any time. */
export class LiveState {
  private devicesByName = new Map<string, Tracked>();
  private nextBind = 0;
  private cov: LogCoverage = freshCoverage();
  boot = 0;

  constructor(private nodeIndex?: DeviceNodeIndex) {}

  setNodeIndex(index: DeviceNodeIndex | undefined): void {
    this.nodeIndex = index;
    for (const d of this.devicesByName.values()) d.node = index?.get(d.name) ?? null;
  }

  coverage(): LogCoverage {
    return { ...this.cov };
  }

  apply(events: readonly BootEvent[]): void {
    for (const e of events) this.applyOne(e);
  }

  private reset(boot: number): void {
    this.devicesByName.clear();
    this.nextBind = 0;
    this.cov = freshCoverage();
    this.boot = boot;
  }

  private device(name: string, e: BootEvent): Tracked {
    let d = this.devicesByName.get(name);
    if (!d) {
      name = detach(name);
      d = {
        name,
        node: this.nodeIndex?.get(name) ?? null,
        state: 'not-probed',
        driver: null,
        iommuGroup: null,
        deferrals: 0,
        bindIndex: null,
        why: [],
        deferReason: null,
        error: null,
        evidence: 'mention',
        proof: null,
        probing: false,
        timedOut: false,
        rejected: false,
        firstLine: e.line,
        lastLine: e.line,
        boundAt: null,
        deferCounted: false,
        lastDeferVia: null,
        returnClosed: false,
        driverSeen: false,
        listedDeferred: false,
        failedOrRejected: false,
      };
      this.devicesByName.set(name, d);
    }
    d.lastLine = e.line;
    if (e.bus && !d.bus) d.bus = detach(e.bus);
    return d;
  }

  private applyOne(e: BootEvent): void {
    if (e.kind === 'boot-reset') {
      this.reset(e.boot);
      return;
    }
    if (e.boot !== this.boot) this.reset(e.boot);
    switch (e.kind) {
      // The most frequent kind first (initcall_debug prints two lines per initcall).
      case 'initcall':
        // "initcall X blacklisted" is printed without initcall_debug.
        if (e.phase !== 'blacklisted') this.cov.initcallDebug = true;
        return;
      case 'match':
      case 'probe-attempt': {
        this.cov.driverCoreDebug = true;
        const d = this.device(e.device, e);
        if (d.driver !== e.driver) d.driver = detach(e.driver);
        d.deferCounted = false;
        d.returnClosed = false;
        if (e.kind === 'probe-attempt') d.probing = true;
        raise(d, 'driver-core');
        return;
      }
      case 'retry': {
        this.cov.driverCoreDebug = true;
        const d = this.device(e.device, e);
        d.deferCounted = false;
        d.returnClosed = false;
        // deferred_probe_work_func() takes the device off the deferred list before it prints this and
        // probes again: another deferral prints "Added to deferred list" anew, a bind or failure its own
        // line; a retry that finds no driver to match (an AMBA cell whose ID read now succeeds, with its
        // driver a module not loaded) prints nothing more, and the device is left with no driver.
        if (d.state === 'deferred') d.state = 'not-probed';
        return;
      }
      case 'removed-from-deferred':
        this.cov.driverCoreDebug = true;
        this.device(e.device, e);
        return;
      case 'deferred': {
        if (e.via === 'added-to-list' || e.via === 'driver-request' || e.via === 'force-request') this.cov.driverCoreDebug = true;
        const d = this.device(e.device, e);
        if (e.driver && e.driver !== d.driver) d.driver = detach(e.driver);
        if (d.returnClosed && e.via !== 'added-to-list') d.deferCounted = false;
        // dd.c prints "requests probe deferral" once per attempt: a second one with no other deferral
        // line between is the next attempt (3.x prints it at info level, with no retry lines around it).
        if (e.via === 'driver-request' && d.lastDeferVia === 'driver-request') d.deferCounted = false;
        d.lastDeferVia = e.via;
        d.returnClosed = false;
        this.deferral(d, e.reason ?? null, e);
        raise(d, e.via === 'driver-message' ? 'driver-message' : 'driver-core');
        return;
      }
      case 'supplier-not-ready': {
        const d = this.device(e.device, e);
        this.deferral(d, `${e.waitForNode ? 'wait for supplier' : 'supplier'} ${e.supplier}${e.waitForNode ? '' : ' not ready'}`, e);
        raise(d, 'driver-core');
        return;
      }
      case 'defer-pending': {
        this.cov.timeoutReport = true;
        const d = this.device(e.device, e);
        if (d.state !== 'bound') d.state = 'deferred';
        if (d.deferrals === 0) d.deferrals = 1;
        if (e.reason) d.deferReason = detach(e.reason);
        d.probing = false;
        addWhy(d, e);
        raise(d, 'listing');
        return;
      }
      case 'defer-timeout': {
        const d = this.device(e.device, e);
        d.timedOut = true;
        if (d.deferrals === 0) d.deferrals = 1;
        if (e.driver) this.driverMessage(d, e.driver);
        addWhy(d, e);
        return;
      }
      case 'bound': {
        if (e.via === 'driver-bound' || e.via === 'bus-bound') this.cov.driverCoreDebug = true;
        const d = this.device(e.device, e);
        if (e.via === 'end-of-probe') {
          d.proof = e.proof ?? null;
          if (e.driver) this.driverMessage(d, e.driver);
          // With dd.c debug on, driver_bound() prints the bind itself (and numbers it in its own order);
          // the end-of-probe line, printed inside probe, only names the proof.
          if (this.cov.driverCoreDebug) return;
          this.bind(d, e.driver ?? null, e);
          raise(d, 'end-of-probe');
          return;
        }
        this.bind(d, e.driver ?? null, e);
        raise(d, 'driver-core');
        return;
      }
      case 'probe-returned': {
        this.cov.initcallDebug = true;
        const d = this.device(e.device, e);
        raise(d, 'initcall-debug');
        const r = Math.abs(e.result);
        if (e.result === 0) this.bind(d, null, e);
        else if (r === EPROBE_DEFER) {
          // Without dyndbg no line separates two attempts: a second "returned 517" is a new deferral.
          if (d.returnClosed) d.deferCounted = false;
          this.deferral(d, null, e);
          d.returnClosed = true;
          return;
        } else this.failure(d, -r, REJECT_ERRORS.has(r), e);
        d.returnClosed = false;
        return;
      }
      case 'probe-failed':
      case 'probe-rejected': {
        const d = this.device(e.device, e);
        if (e.kind === 'probe-rejected' && e.via === 'driver-message') {
          if (e.driver) this.driverMessage(d, e.driver);
          // dd.c debug prints its own "rejects match" when the probe really ended so.
          if (this.cov.driverCoreDebug || d.state === 'bound') return;
        }
        if (e.driver && e.driver !== d.driver) d.driver = detach(e.driver);
        this.failure(d, e.error, e.kind === 'probe-rejected', e);
        raise(d, 'driver-core');
        return;
      }
      case 'iommu-group': {
        const d = this.device(e.device, e);
        d.iommuGroup = e.action === 'add' ? e.group : null;
        if (e.driver) this.driverMessage(d, e.driver);
        if (e.action !== 'add') addWhy(d, e);
        return;
      }
      case 'deferred-listing': {
        this.cov.deferredListing = true;
        const d = this.device(e.device, e);
        d.listedDeferred = true;
        if (d.state !== 'bound') d.state = 'deferred';
        if (d.deferrals === 0) d.deferrals = 1;
        if (e.reason) d.deferReason = detach(e.reason);
        raise(d, 'listing');
        return;
      }
      case 'iommu-group-listing': {
        this.cov.iommuGroupListing = true;
        const d = this.device(e.device, e);
        d.iommuGroup = e.group;
        return;
      }
      case 'driver-listing': {
        this.cov.driverListing = true;
        const d = this.device(e.device, e);
        if (d.driver !== e.driver) d.driver = detach(e.driver);
        if (d.state !== 'bound') {
          d.state = 'bound';
          d.probing = false;
        }
        raise(d, 'listing');
        return;
      }
      case 'device-message':
        if (e.classDevice !== undefined) {
          // A class device its parent's driver registered (a PHY, a remote processor): that driver has the parent.
          const d = this.device(e.device, e);
          d.driverSeen = true;
          raise(d, 'driver-message');
          return;
        }
        this.message(e);
        return;
      case 'iommu-driver':
      case 'devlink':
        this.message(e);
        return;
      default:
        return;
    }
  }

  /** Any other line naming a device: with a driver's name in front, that driver has the device. */
  private message(e: BootEvent & { kind: 'device-message' | 'iommu-driver' | 'devlink' }): void {
    // fw_devlink pr_debug lines name fwnodes, not devices: only device messages count here.
    if (!e.device || (!e.driver && !e.bus)) return;
    const d = this.device(e.device, e);
    if (e.driver) this.driverMessage(d, e.driver);
  }

  private driverMessage(d: Tracked, driver: string): void {
    d.driverSeen = true;
    if (!d.driver) d.driver = detach(driver);
    raise(d, 'driver-message');
  }

  private deferral(d: Tracked, reason: string | null, e: BootEvent): void {
    if (!d.deferCounted) {
      d.deferrals++;
      d.deferCounted = true;
    }
    if (d.state !== 'bound') d.state = 'deferred';
    d.probing = false;
    if (reason) d.deferReason = detach(reason);
    addWhy(d, e);
  }

  private bind(d: Tracked, driver: string | null, e: BootEvent): void {
    if (driver && driver !== d.driver) d.driver = detach(driver);
    d.probing = false;
    d.deferCounted = false;
    if (d.state === 'bound') return;
    d.state = 'bound';
    d.error = null;
    d.failedOrRejected = false;
    d.rejected = false;
    if (d.bindIndex === null) d.bindIndex = this.nextBind++;
    if (d.boundAt === null) d.boundAt = e.kernelTime;
  }

  private failure(d: Tracked, error: number, rejected: boolean, e: BootEvent): void {
    d.probing = false;
    d.deferCounted = false;
    if (d.state === 'bound') return;
    d.state = 'failed';
    d.error = error;
    d.failedOrRejected = true;
    d.rejected = rejected;
    addWhy(d, e);
  }

  /** Live devices in order of first appearance in the log. */
  devices(): LiveDeviceReport[] {
    const out: LiveDeviceReport[] = [];
    for (const d of this.devicesByName.values()) out.push(this.report(d));
    return out;
  }

  /** The reports of just these devices (names not seen are skipped): what a streaming view re-reads per flush. */
  devicesNamed(names: Iterable<string>): LiveDeviceReport[] {
    const out: LiveDeviceReport[] = [];
    for (const name of names) {
      const d = this.devicesByName.get(name);
      if (d) out.push(this.report(d));
    }
    return out;
  }

  private report(d: Tracked): LiveDeviceReport {
    let state: DeviceState = d.state;
    const inferBinds = !this.cov.driverCoreDebug && !this.cov.initcallDebug && !this.cov.driverListing;
    // Without dd.c debug output a bind prints nothing; a driver talking about its device, with no
    // failure and no deferral left pending, is the best evidence the log has.
    if (inferBinds && d.driverSeen && state !== 'failed' && !(state === 'deferred' && (d.listedDeferred || d.evidence === 'listing') && !d.timedOut)) {
      state = 'bound';
    }
    if (inferBinds && state === 'deferred' && d.timedOut) state = 'bound';
    const { deferCounted: _a, lastDeferVia: _v, returnClosed: _r, driverSeen: _b, listedDeferred: _c, failedOrRejected: _d, ...report } = d;
    return { ...report, state, why: d.why.slice() };
  }
}

/**
 * A copy of `s` that does not keep the string it was sliced from alive. Event strings are slices of
 * the decoded serial chunk; state kept for the whole boot (names, reasons, why lines) must not pin
 * every chunk it once came from.
 */
function detach(s: string): string {
  return (' ' + s).slice(1);
}

function freshCoverage(): LogCoverage {
  return { driverCoreDebug: false, initcallDebug: false, deferredListing: false, iommuGroupListing: false, driverListing: false, timeoutReport: false };
}

function raise(d: Tracked, evidence: LiveEvidence): void {
  if (EVIDENCE_RANK[evidence] > EVIDENCE_RANK[d.evidence]) d.evidence = evidence;
}

function addWhy(d: Tracked, e: BootEvent): void {
  const step: WhyStep = { subject: d.name, text: detach(e.text) };
  if (d.why.length >= MAX_WHY) d.why.shift();
  d.why.push(step);
}

/** One-shot form of LiveState: the devices of the last boot in `events`. */
export function liveDevices(events: readonly BootEvent[], nodeIndex?: DeviceNodeIndex): LiveDeviceReport[] {
  const state = new LiveState(nodeIndex);
  state.apply(events);
  return state.devices();
}

/** Builds a DeviceNodeIndex from predicted devices (their `name` and `node`). */
export function nodeIndexFromDevices(devices: readonly Pick<DeviceReport, 'name' | 'node'>[]): DeviceNodeIndex {
  const index = new Map<string, string>();
  for (const d of devices) if (d.node) index.set(d.name, d.node);
  return index;
}
