// The window's one engine worker and the serial fan-out, reachable from stores and composables
// without a global import of Worker (tests install a client that runs the worker module in-process).
import type { EngineClient } from '../worker/client';

let engine: EngineClient | null = null;

export function setEngine(client: EngineClient | null): void {
  engine = client;
}

export function getEngine(): EngineClient | null {
  return engine;
}

export type SerialSink = (bytes: Uint8Array, hostTime: number, connectionId: string) => void;
const sinks = new Set<SerialSink>();

/**
 * Every received chunk goes to each sink (each tab's terminal, the engine), tagged with its connection
 * so a sink takes only its own; nothing here keeps the bytes.
 */
export function onSerial(sink: SerialSink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

export function emitSerial(bytes: Uint8Array, hostTime: number, connectionId: string): void {
  for (const s of sinks) s(bytes, hostTime, connectionId);
}
