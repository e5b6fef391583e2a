// Boot-log events (engine/bootlog) as the views need them: timeline marks on the kernel-time axis and
// the running boot summary the console header shows. Only probe-relevant events become marks, so the
// timeline stays bounded by devices × attempts, not by log length.
import type { BootEvent } from '../../../engine/bootlog';
import type { BootInfo, TimelineEvent, TimelineKind } from './protocol';

export function freshBootInfo(): BootInfo {
  return { kernelStarted: false, lastKernelTime: null, finished: false, boots: 0, bytes: 0, lines: 0, oopses: 0 };
}

function kindOf(e: BootEvent): TimelineKind | null {
  switch (e.kind) {
    case 'probe-attempt':
      return 'probe';
    case 'deferred':
      // One triangle per deferral: the "Added to deferred list" line and dev_err_probe's line describe one attempt.
      return e.via === 'err-probe' ? null : 'defer';
    case 'retry':
      return 'retry';
    case 'bound':
      return e.via === 'driver-listing' ? null : 'bind';
    case 'probe-failed':
    case 'probe-rejected':
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
export function foldEvents(events: readonly BootEvent[], boot: BootInfo, seqStart: number): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  let seq = seqStart;
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
    const kind = kindOf(e);
    if (!kind) continue;
    const device = 'device' in e && typeof e.device === 'string' ? e.device : '';
    out.push({ side: 'live', device, kind, t: e.kernelTime, seq: seq++, text: kind === 'mark' ? markText(e) : e.text });
  }
  return out;
}
