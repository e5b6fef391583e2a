// Owns one xterm.js terminal's life: created when its element mounts, fitted to the element on every
// resize, with search and web-links addons, disposed on unmount. Nothing else calls `new Terminal()`.
// The optional host-time prefix is inserted at line starts as bytes stream (a line may span chunks).
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon, type ISearchOptions } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Terminal, type ITerminalOptions } from '@xterm/xterm';
import { onBeforeUnmount, onMounted, ref, shallowRef, watch, type Ref } from 'vue';

export const TERMINAL_THEME = {
  background: '#0e1114',
  foreground: '#cfd6dd',
  cursor: '#cfd6dd',
  selectionBackground: '#2f4a66',
  black: '#1b1f23',
  brightBlack: '#5c6773',
};

const NL = 0x0a;

/** `HH:MM:SS.mmm` of a host time, local clock. */
export function formatHostTime(t: number): string {
  const d = new Date(t);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/**
 * Splits a chunk into the pieces to write, with a dim `[time] ` before every line start. `atLineStart`
 * carries between chunks; returns the new value.
 */
export function stampChunk(bytes: Uint8Array, hostTime: number, atLineStart: boolean, out: (piece: Uint8Array | string) => void): boolean {
  const stamp = `\x1b[2m[${formatHostTime(hostTime)}]\x1b[22m `;
  let from = 0;
  let start = atLineStart;
  for (let i = 0; i < bytes.length; i++) {
    if (start) {
      if (i > from) out(bytes.subarray(from, i));
      out(stamp);
      from = i;
      start = false;
    }
    if (bytes[i] === NL) start = true;
  }
  if (from < bytes.length) out(bytes.subarray(from));
  return start;
}

export interface XtermHandle {
  term: Ref<Terminal | null>;
  timestamps: Ref<boolean>;
  /**
   * Show a bare LF as a new line (tio's ONLCRNL map). A Linux console sends CRLF (the tty's onlcr), but
   * captures replayed through a pty, ser2net bridges and many boot loaders send LF alone, which a
   * VT100 draws as a staircase; an extra CR before a CRLF changes nothing on screen.
   */
  newlineAsCrlf: Ref<boolean>;
  write(bytes: Uint8Array, hostTime: number): void;
  writeNote(text: string): void;
  find(term: string, backwards?: boolean): boolean;
  clearSearch(): void;
  clear(): void;
  fit(): void;
}

export function useXterm(el: Ref<HTMLElement | null>, onInput: (data: string) => void, options: ITerminalOptions = {}): XtermHandle {
  const term = shallowRef<Terminal | null>(null);
  const timestamps = ref(false);
  const newlineAsCrlf = ref(true);
  let fitAddon: FitAddon | null = null;
  let searchAddon: SearchAddon | null = null;
  let observer: ResizeObserver | null = null;
  let fitFrame = 0;
  let atLineStart = true;
  const disposers: (() => void)[] = [];

  const fit = () => {
    if (fitFrame) return;
    fitFrame = requestAnimationFrame(() => {
      fitFrame = 0;
      try {
        fitAddon?.fit();
      } catch {
        // Element hidden (zero size): keep the old geometry.
      }
    });
  };

  onMounted(() => {
    if (!el.value) return;
    const t = new Terminal({
      fontFamily: '"DejaVu Sans Mono", "Menlo", "Consolas", monospace',
      fontSize: 12,
      lineHeight: 1.1,
      scrollback: 20_000,
      convertEol: newlineAsCrlf.value,
      cursorBlink: false,
      allowProposedApi: true,
      theme: TERMINAL_THEME,
      ...options,
    });
    fitAddon = new FitAddon();
    searchAddon = new SearchAddon();
    t.loadAddon(fitAddon);
    t.loadAddon(searchAddon);
    // Links open in a new browsing context with no opener; Electron's main decides whether to allow it.
    t.loadAddon(
      new WebLinksAddon((_e, uri) => {
        if (/^https?:\/\//i.test(uri)) window.open(uri, '_blank', 'noopener,noreferrer');
      }),
    );
    t.open(el.value);
    const sub = t.onData(onInput);
    disposers.push(() => sub.dispose());
    term.value = t;
    observer = new ResizeObserver(fit);
    observer.observe(el.value);
    fit();
  });

  onBeforeUnmount(() => {
    observer?.disconnect();
    if (fitFrame) cancelAnimationFrame(fitFrame);
    for (const d of disposers) d();
    term.value?.dispose();
    term.value = null;
    fitAddon = null;
    searchAddon = null;
  });

  // Applies to what arrives from now on; xterm does not redraw what it already wrote.
  watch(newlineAsCrlf, (on) => {
    if (term.value) term.value.options.convertEol = on;
  });

  const searchOptions: ISearchOptions = {
    caseSensitive: false,
    decorations: { matchOverviewRuler: '#d29922', activeMatchColorOverviewRuler: '#f85149', matchBackground: '#5a4a16', activeMatchBackground: '#8a2a22' },
  };

  return {
    term,
    timestamps,
    newlineAsCrlf,
    write(bytes, hostTime) {
      const t = term.value;
      if (!t) return;
      if (!timestamps.value) {
        t.write(bytes);
        if (bytes.length) atLineStart = bytes[bytes.length - 1] === NL;
        return;
      }
      atLineStart = stampChunk(bytes, hostTime, atLineStart, (piece) => t.write(piece));
    },
    writeNote(text) {
      const t = term.value;
      if (!t) return;
      t.write(`${atLineStart ? '' : '\r\n'}\x1b[2;3m── ${text} ──\x1b[0m\r\n`);
      atLineStart = true;
    },
    find: (s, backwards = false) => (searchAddon ? (backwards ? searchAddon.findPrevious(s, searchOptions) : searchAddon.findNext(s, searchOptions)) : false),
    clearSearch: () => searchAddon?.clearDecorations(),
    clear: () => term.value?.clear(),
    fit,
  };
}
