// Ambient declarations for the renderer: the preload's named verbs that Electron exposes on
// `window.workbench` (absent in browser mode, where api.ts talks to the local web host instead).
/// <reference types="vite/client" />
import type { EventName, WorkbenchApi, WorkbenchEvents } from '../../electron/common/contract';

declare global {
  interface Window {
    workbench?: WorkbenchApi & {
      on<E extends EventName>(event: E, listener: (payload: WorkbenchEvents[E]) => void): () => void;
    };
  }
}
export {};
