// The open board's binding findings (dt-validate, pushed by the services as `boardBindings` after the
// board opened; see electron/services/bindings.ts): the report of the board's current compile, its
// per-node counts for the probe board, and whether a check is still running.
import { defineStore } from 'pinia';
import { computed, markRaw, shallowRef } from 'vue';
import { findingCounts, type BindingsReport } from '../../../engine/bindings';
import type { BoardBindings } from '../../../electron/common/contract';
import { useBoardStore } from './board';

/** Reports kept by check id: the event can come before the openBoard answer that names its check. */
const KEEP = 8;

export const useBindingsStore = defineStore('bindings', () => {
  const board = useBoardStore();
  const byCheck = shallowRef<ReadonlyMap<string, BindingsReport>>(new Map());

  function receive(e: BoardBindings) {
    const next = new Map(byCheck.value);
    next.delete(e.check);
    next.set(e.check, markRaw(e.report));
    while (next.size > KEEP) next.delete(next.keys().next().value!);
    byCheck.value = next;
  }

  /** The findings of the board as it is now, or null (no board, no check, or still running). */
  const report = computed<BindingsReport | null>(() => {
    const check = board.board?.bindingsCheck;
    return check === undefined ? null : (byCheck.value.get(check) ?? null);
  });
  /** A check of the current compile is running. */
  const checking = computed(() => board.board?.bindingsCheck !== undefined && report.value === null);
  const counts = computed(() => (report.value ? findingCounts(report.value) : {}));
  const total = computed(() => {
    let errors = 0;
    let warnings = 0;
    for (const c of Object.values(counts.value)) {
      errors += c.errors;
      warnings += c.warnings;
    }
    return { errors, warnings };
  });

  return { report, checking, counts, total, receive };
});
