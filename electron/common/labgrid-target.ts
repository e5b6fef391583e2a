// The labgrid target a user types in the connect bar or gives the CLI: `labgrid://COORDINATOR[:PORT]/PLACE`.
// labgrid's coordinator listens on 20408 unless told otherwise (labgrid-coordinator --listen, LG_COORDINATOR).
// Pure, so the renderer checks what is typed as the services do.

export const LABGRID_DEFAULT_PORT = 20408;

export interface LabgridTarget {
  /** host:port of the coordinator's gRPC listener. */
  coordinator: string;
  host: string;
  port: number;
  /** The place's name; null for `labgrid://host[:port]` (the lab, no place). */
  place: string | null;
}

/** Parses `labgrid://host[:port][/place]`; returns an error sentence for anything else. */
export function parseLabgridTarget(text: string): { value: LabgridTarget } | { error: string } {
  const m = /^labgrid:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(?:\/([^/\s]*))?\/?$/.exec(text.trim());
  if (!m) return { error: `not a labgrid target: ${JSON.stringify(text)} (expected labgrid://COORDINATOR[:PORT]/PLACE)` };
  const port = m[2] === undefined ? LABGRID_DEFAULT_PORT : Number(m[2]);
  if (port < 1 || port > 65535) return { error: `labgrid target port ${port} is out of range` };
  const host = m[1]!;
  const place = m[3] ? decodeURIComponent(m[3]) : null;
  return { value: { coordinator: `${host}:${port}`, host, port, place } };
}
