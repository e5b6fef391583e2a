// The boards under test, one per console tab: which device tree, kernel profile and config each tab's
// prediction runs on, as the services loaded it (the JSON tree with its spans goes to the engine
// worker's board for that tab; the sources' text stays here for the read-only source view). `board` is
// the board of the tab in front, which the views show.
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowReactive, shallowRef } from 'vue';
import type { BoardLoaded, BoardOpenRequest } from '../../../electron/common/contract';
import { useApi } from '../api';
import { missingIncludes, recentBoards, rememberBoard, type DroppedBoard } from '../lib/board-files';
import { getEngine } from '../lib/engine-link';
import { useConnectionStore } from './connection';
import { useWhatIfStore } from './what-if';

export const useBoardStore = defineStore('board', () => {
  const conn = useConnectionStore();
  /** Each console tab's board, by tab key. */
  const byTab = shallowReactive(new Map<number, BoardLoaded>());
  const board = computed(() => byTab.get(conn.activeKey) ?? null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** The demo's serial target once the demo board is open. */
  const demoTarget = ref<string | null>(null);
  /** Times the board files changed on disk and were re-read. */
  const reloads = ref(0);
  /** Files dropped on the window, for the open-board form to take (it clears this). */
  const dropped = shallowRef<DroppedBoard | null>(null);
  /** Boards opened before, newest first. */
  const recent = shallowRef<BoardOpenRequest[]>(recentBoards());
  /** Headers the open board's DTS includes that none of its include folders holds: ask for the folders. */
  const needsIncludes = computed(() => (board.value ? missingIncludes(board.value.diagnostics) : []));

  /**
   * Files the board pulled in from outside its folder and its include folders (a hostile `/include/` or
   * `/incbin/`): the services keep only their hash, never their text, and the user is shown the list.
   */
  const outsideFiles = computed(() => board.value?.files.filter((f) => f.outsideRoots) ?? []);

  const title = computed(() => {
    const p = board.value?.request.path;
    return p ? p.split('/').pop()! : null;
  });

  /** The text of one source file the board was compiled from, by the path its spans name. */
  function sourceText(file: string): string | null {
    return board.value?.sources?.find((s) => s.path === file)?.text ?? null;
  }

  function load(b: BoardLoaded, tab: number) {
    if (byTab.get(tab)?.boardId === b.boardId) reloads.value++;
    byTab.set(tab, markRaw(b));
    getEngine()?.post({ type: 'board', tab, boardId: b.boardId, dtb: b.dtb, treeJson: b.treeJson, config: b.config, fileName: b.request.path.split('/').pop() ?? '' });
  }

  /** Opens a board for a tab (the one in front unless named); the tab's previous board is closed. */
  async function open(req: BoardOpenRequest, tab = conn.activeKey) {
    loading.value = true;
    error.value = null;
    try {
      const prev = byTab.get(tab)?.boardId;
      const b = await useApi().openBoard(req);
      // The board's own module list (e.g. the demo recording's /init) is where the what-if starts.
      if (req.modulesLoaded) useWhatIfStore().optionsFor(tab).modulesLoaded = [...req.modulesLoaded];
      load(b, tab);
      if (!b.diagnostics.some((d) => d.severity === 'error')) recent.value = rememberBoard({ ...req });
      if (prev && prev !== b.boardId && ![...byTab.values()].some((x) => x.boardId === prev)) await useApi().closeBoard(prev).catch(() => undefined);
      return b;
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
      return null;
    } finally {
      loading.value = false;
    }
  }

  async function openDemo() {
    loading.value = true;
    error.value = null;
    try {
      const demo = await useApi().demoBoard();
      const b = await open(demo.board);
      if (b) demoTarget.value = demo.target;
      return b ? demo.target : null;
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
      return null;
    } finally {
      loading.value = false;
    }
  }

  /** The services re-read a board whose files changed: every tab on it predicts again. */
  function onChanged(b: BoardLoaded) {
    for (const [tab, x] of [...byTab]) if (x.boardId === b.boardId) load(b, tab);
  }

  /** The tab closed: its board is closed in the services unless another tab has it too. */
  function forget(tab: number) {
    const b = byTab.get(tab);
    byTab.delete(tab);
    if (b && ![...byTab.values()].some((x) => x.boardId === b.boardId)) void useApi().closeBoard(b.boardId).catch(() => undefined);
  }

  return { byTab, board, loading, error, demoTarget, reloads, recent, dropped, needsIncludes, outsideFiles, title, sourceText, load, open, openDemo, onChanged, forget };
});
