// JSON export: the session as data another tool can read without our code. Console lines and markers
// as one time-ordered event list (host time, printk time), the board snapshot, settings, annotations,
// and the devices: predicted, actual and the per-device comparison; the board's binding findings (a key
// added within version 1: readers of version 1 ignore keys they do not know). Raw bytes are optional (base64).
import { base64 } from './bytes';
import { sha256Hex } from './checksums';
import { consoleItems } from './lines';
import { deviceVerdicts, type ReportInputs } from './report-model';
import type { SessionData } from './session-data';

export const JSON_EXPORT_FORMAT = 'bringup-session-export';
export const JSON_EXPORT_VERSION = 1;

export interface JsonExportOptions {
  /** Also list every received/sent chunk as base64 (exact bytes and host times). */
  includeRaw?: boolean;
}

export function exportJsonObject(data: SessionData, inputs: ReportInputs, opts: JsonExportOptions = {}): Record<string, unknown> {
  const events = consoleItems(data.chunks, data.markers, true).map((item) =>
    item.kind === 'line'
      ? { type: 'line', t: item.line.t, dir: item.line.dir, ...(item.line.printk !== undefined ? { printk: item.line.printk } : {}), text: item.line.text }
      : { type: 'marker', t: item.marker.t, kind: item.marker.kind, ...(item.marker.detail !== undefined ? { detail: item.marker.detail } : {}) },
  );
  const b = data.board;
  const out: Record<string, unknown> = {
    format: JSON_EXPORT_FORMAT,
    version: JSON_EXPORT_VERSION,
    session: {
      id: data.sessionId,
      startedAt: data.startedAt,
      target: data.target ?? null,
      bytesReceived: data.bytesReceived,
      bytesSent: data.bytesSent,
    },
    board: b
      ? {
          contentHash: b.contentHash,
          files: b.files,
          dtb: b.dtb ? { size: b.dtb.length, sha256: sha256Hex(b.dtb) } : null,
          request: b.request ?? null,
          settings: b.settings ?? null,
        }
      : null,
    events,
    annotations: data.annotations,
    predicted: inputs.predicted ?? null,
    actual: inputs.actual ?? null,
    comparison: inputs.comparison ?? null,
    verdicts: deviceVerdicts(inputs).map((v) => ({ name: v.name, node: v.node, verdict: v.verdict, differences: v.differences, ...(v.cause ? { cause: v.cause } : {}), ...(v.bindings ? { bindings: v.bindings } : {}) })),
    bindings: inputs.bindings ?? null,
  };
  if (opts.includeRaw) out.chunks = data.chunks.map((c) => ({ t: c.t, dir: c.dir, base64: base64(c.bytes) }));
  return out;
}

export function exportJson(data: SessionData, inputs: ReportInputs, opts: JsonExportOptions = {}): string {
  return JSON.stringify(exportJsonObject(data, inputs, opts), null, 2) + '\n';
}
