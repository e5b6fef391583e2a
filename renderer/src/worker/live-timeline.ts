// Boot-log events (engine/bootlog) as the views need them: timeline marks on the kernel-time axis and
// the running boot summary the console header shows. Only probe-relevant events become marks, so the
// timeline stays bounded by devices × attempts, not by log length.
import type { BootEvent } from '../../../engine/bootlog';
import type { BootInfo, TimelineMark, TimelineKind } from './protocol';

export function freshBootInfo(): BootInfo {
  return { kernelStarted: false, lastKernelTime: null, finished: false, ended: null, boots: 0, bytes: 0, lines: 0, oopses: 0 };
}

/** Per-boot memory that keeps one mark per deferral and per bind when the kernel prints two lines for it. */
export interface FoldState {
  bootInfo: BootInfo;
  seq: number;
  /** Devices with a deferral marked since their last probe attempt. */
  deferOpen: Set<string>;
  /** Devices whose bind is marked. */
  bound: Set<string>;
}

export function freshFoldState(): FoldState {
  return { bootInfo: freshBootInfo(), seq: 0, deferOpen: new Set(), bound: new Set() };
}

function kindOf(e: BootEvent, st: FoldState): TimelineKind | null {
  switch (e.kind) {
    case 'probe-attempt':
    case 'retry':
      st.deferOpen.delete(e.device);
      return e.kind === 'retry' ? 'retry' : 'probe';
    // "deferred probe pending" (at the deferred-probe timeout) is the first word of a deferral in a
    // log without dd.c debug; the probe board counts it as one, so the timeline does too.
    case 'deferred':
    case 'defer-pending':
      // "Added to deferred list" and dev_err_probe's "error -EPROBE_DEFER" describe one attempt.
      if (st.deferOpen.has(e.device)) return null;
      st.deferOpen.add(e.device);
      return 'defer';
    case 'bound':
      // driver_bound() and really_probe() both print a bind; the listing repeats it at the end.
      if (st.bound.has(e.device)) return null;
      st.bound.add(e.device);
      st.deferOpen.delete(e.device);
      return 'bind';
    case 'probe-failed':
    case 'probe-rejected':
      st.deferOpen.delete(e.device);
      return 'fail';
    case 'iommu-group':
      return e.action === 'add' ? 'iommu' : e.action === 'add-failed' ? 'fail' : null;
    case 'defer-timeout':
      return 'timeout';
    case 'kernel-start':
    case 'login-prompt':
    case 'oops':
    case 'panic':
      return 'mark';
    default:
      return null;
  }
}

function markText(e: BootEvent): string {
  switch (e.kind) {
    case 'kernel-start':
      return 'kernel start';
    case 'login-prompt':
      return 'login';
    case 'oops':
    case 'panic':
      return e.kind;
    default:
      return e.text;
  }
}

/** Folds new events into the boot summary and returns the timeline marks among them. */
export function foldEvents(events: readonly BootEvent[], st: FoldState): TimelineMark[] {
  const out: TimelineMark[] = [];
  const boot = st.bootInfo;
  for (const e of events) {
    if (e.kernelTime !== null) boot.lastKernelTime = e.kernelTime;
    switch (e.kind) {
      case 'kernel-start':
        boot.kernelStarted = true;
        boot.finished = false;
        if (e.version) boot.kernelVersion = e.version;
        break;
      case 'cmdline':
        boot.cmdline = e.cmdline;
        break;
      case 'login-prompt':
        boot.finished = true;
        break;
      case 'oops':
      case 'panic':
        boot.oopses++;
        break;
    }
    const kind = kindOf(e, st);
    if (!kind) continue;
    const device = 'device' in e && typeof e.device === 'string' ? e.device : '';
    out.push({ side: 'live', device, kind, t: e.kernelTime, seq: st.seq++, text: kind === 'mark' ? markText(e) : e.text });
  }
  return out;
}
