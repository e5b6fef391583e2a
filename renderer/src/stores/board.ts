// The board under test: which device tree, kernel profile and config the prediction runs on, as the
// services loaded it (the JSON tree with its spans goes to the engine worker; the sources' text stays
// here for the read-only source view).
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import type { BoardLoaded, BoardOpenRequest } from '../../../electron/common/contract';
import { useApi } from '../api';
import { missingIncludes, recentBoards, rememberBoard, type DroppedBoard } from '../lib/board-files';
import { getEngine } from '../lib/engine-link';
import { useWhatIfStore } from './what-if';

export const useBoardStore = defineStore('board', () => {
  const board = shallowRef<BoardLoaded | null>(null);
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

  function load(b: BoardLoaded) {
    if (board.value && board.value.boardId === b.boardId) reloads.value++;
    board.value = markRaw(b);
    getEngine()?.post({ type: 'board', boardId: b.boardId, dtb: b.dtb, treeJson: b.treeJson, config: b.config, fileName: b.request.path.split('/').pop() ?? '' });
  }

  async function open(req: BoardOpenRequest) {
    loading.value = true;
    error.value = null;
    try {
      const prev = board.value?.boardId;
      const b = await useApi().openBoard(req);
      // The board's own module list (e.g. the demo recording's /init) is where the what-if starts.
      if (req.modulesLoaded) useWhatIfStore().options.modulesLoaded = [...req.modulesLoaded];
      load(b);
      if (!b.diagnostics.some((d) => d.severity === 'error')) recent.value = rememberBoard({ ...req });
      if (prev && prev !== b.boardId) await useApi().closeBoard(prev).catch(() => undefined);
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

  function onChanged(b: BoardLoaded) {
    if (board.value && board.value.boardId === b.boardId) load(b);
  }

  return { board, loading, error, demoTarget, reloads, recent, dropped, needsIncludes, outsideFiles, title, sourceText, load, open, openDemo, onChanged };
});
