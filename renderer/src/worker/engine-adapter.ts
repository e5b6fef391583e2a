// The worker's seam to the engine's prediction and comparison: turns the what-if settings into
// engine/probe's options, and engine/compare's per-device verdicts into probe-board rows. Everything
// engine-shaped the views need passes through here, so the views depend on protocol.ts alone.
import type { LiveDeviceReport } from '../../../engine/bootlog';
import type { DeviceReport, Diagnostic } from '../../../engine/common';
import type { DtTree } from '../../../engine/devicetree';
import type { CompareField, DeviceRow, TimelineEvent, TimelineKind, WhatIfOptions } from './protocol';

export interface Prediction {
  devices: DeviceReport[];
  timeline: TimelineEvent[];
  diagnostics: Diagnostic[];
  drivers: string[];
  iommus: string[];
}

export function runPredict(_tree: DtTree, _options: WhatIfOptions, _config: string | undefined): Prediction {
  throw new Error('engine/probe is not integrated yet');
}

/** The fields of engine/probe's ProbeEvent the timeline reads. */
interface TraceEvent {
  kind: string;
  step: number;
  time: number;
  device?: string;
  text?: string;
  reason?: string;
  group?: number;
}

/** The predicted trace as timeline marks on the modelled kernel-time axis. */
export function predictedTimeline(events: readonly TraceEvent[]): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  for (const e of events) {
    let kind: TimelineKind | null;
    switch (e.kind) {
      case 'probe-attempt':
        kind = 'probe';
        break;
      case 'deferred':
        kind = 'defer';
        break;
      case 'retry':
        kind = 'retry';
        break;
      case 'bound':
        kind = 'bind';
        break;
      case 'failed':
      case 'rejected':
        kind = 'fail';
        break;
      case 'iommu-attach':
        kind = 'iommu';
        break;
      case 'ignoring-dependency':
        kind = 'timeout';
        break;
      case 'late-initcall':
        kind = 'mark';
        break;
      default:
        kind = null;
    }
    if (!kind) continue;
    const text = kind === 'mark' ? 'late_initcall' : (e.text ?? `${e.kind}${e.reason ? `: ${e.reason}` : ''}`);
    out.push({ side: 'predicted', device: e.device ?? '', kind, t: e.time, seq: e.step, text });
  }
  return out;
}

function keyOf(d: Pick<DeviceReport, 'name' | 'node'>): string {
  return d.node ?? `dev:${d.name}`;
}

const FIELDS: CompareField[] = ['state', 'iommuGroup', 'deferrals', 'bindIndex'];

export function buildRows(prediction: Prediction | null, live: LiveDeviceReport[]): DeviceRow[] {
  const rows: DeviceRow[] = [];
  const byKey = new Map<string, DeviceRow>();
  const byName = new Map<string, DeviceRow>();
  for (const p of prediction?.devices ?? []) {
    const row: DeviceRow = { key: keyOf(p), name: p.name, node: p.node, predicted: p, live: null, verdict: 'pending', differs: [] };
    rows.push(row);
    byKey.set(row.key, row);
    byName.set(p.name, row);
  }
  for (const l of live) {
    const row = byKey.get(keyOf(l)) ?? byName.get(l.name);
    if (row) {
      row.live = l;
      row.differs = FIELDS.filter((f) => row.predicted![f] !== l[f]);
      row.verdict = row.differs.length ? 'mismatch' : 'match';
    } else {
      const r: DeviceRow = { key: keyOf(l), name: l.name, node: l.node, predicted: null, live: l, verdict: prediction ? 'live-only' : 'unpredicted', differs: [] };
      rows.push(r);
      byKey.set(r.key, r);
    }
  }
  return rows;
}
