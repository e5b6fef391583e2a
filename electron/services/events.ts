// The services' one event bus: what the adapters (Electron IPC, the local web host) forward to every
// renderer as the contract's WorkbenchEvents. Synchronous fan-out; a throwing listener never stops
// the others (a dead window must not cost another window its console).
import type { EventName, WorkbenchEvents } from '../common/contract';

export type AnyEventListener = <E extends EventName>(event: E, payload: WorkbenchEvents[E]) => void;

export class EventHub {
  private readonly listeners = new Set<AnyEventListener>();

  emit<E extends EventName>(event: E, payload: WorkbenchEvents[E]): void {
    for (const l of [...this.listeners]) {
      try {
        l(event, payload);
      } catch (err) {
        console.error(`event listener for ${event} threw:`, err);
      }
    }
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  onAny(listener: AnyEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  on<E extends EventName>(event: E, listener: (payload: WorkbenchEvents[E]) => void): () => void {
    return this.onAny((e, p) => {
      if ((e as EventName) === (event as EventName)) listener(p as WorkbenchEvents[E]);
    });
  }
}
