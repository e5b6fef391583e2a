// The bindings store: the findings shown are those of the open board's current compile, whichever comes
// first, the services' event or the openBoard answer naming its check; a check still running reads as
// checking; an edit's new compile hides the old compile's findings until its own arrive.
// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BindingFinding, BindingsReport } from '../../engine/bindings';
import type { BoardLoaded } from '../../electron/common/contract';
import { useBindingsStore } from '../../renderer/src/stores/bindings';
import { useBoardStore } from '../../renderer/src/stores/board';
import { useConnectionStore } from '../../renderer/src/stores/connection';

const f = (nodePath: string, severity: 'error' | 'warning'): BindingFinding => ({ kind: 'validation', severity, nodePath, message: 'm' });
function report(findings: BindingFinding[]): BindingsReport {
  const byNode: Record<string, BindingFinding[]> = {};
  for (const x of findings) (byNode[x.nodePath] ??= []).push(x);
  return { status: { kind: 'checked', dtschemaVersion: '2026.9', kernelVersion: '6.1.0', jsonOutput: true }, findings, byNode };
}
const loaded = (check?: string): BoardLoaded => ({
  boardId: 'board-1',
  request: { path: '/b/board.dts', includeDirs: [], defines: {}, kernel: '6.1', watch: true },
  dtb: new Uint8Array(0),
  treeJson: null,
  files: [],
  diagnostics: [],
  ...(check ? { bindingsCheck: check } : {}),
});

describe('bindings store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('takes findings that arrive before the board names their check, and counts them per node', () => {
    const bindings = useBindingsStore();
    const board = useBoardStore();
    bindings.receive({ boardId: 'board-1', check: 'board-1/1', report: report([f('/a', 'error'), f('/a', 'warning'), f('/b', 'warning')]) });
    expect(bindings.report).toBeNull();
    board.load(loaded('board-1/1'), useConnectionStore().activeKey);
    expect(bindings.checking).toBe(false);
    expect(bindings.counts).toEqual({ '/a': { errors: 1, warnings: 1 }, '/b': { errors: 0, warnings: 1 } });
    expect(bindings.total).toEqual({ errors: 1, warnings: 2 });
  });

  it('checking until its own check arrives; an edit hides the old findings', () => {
    const bindings = useBindingsStore();
    const board = useBoardStore();
    board.load(loaded('board-1/1'), useConnectionStore().activeKey);
    expect(bindings.checking).toBe(true);
    bindings.receive({ boardId: 'board-1', check: 'board-1/1', report: report([f('/a', 'error')]) });
    expect(bindings.report?.findings).toHaveLength(1);
    board.load(loaded('board-1/2'), useConnectionStore().activeKey);
    expect(bindings.report).toBeNull();
    expect(bindings.checking).toBe(true);
    bindings.receive({ boardId: 'board-1', check: 'board-1/2', report: report([]) });
    expect(bindings.checking).toBe(false);
    expect(bindings.total).toEqual({ errors: 0, warnings: 0 });
  });

  it('a board the services do not check is neither checking nor checked', () => {
    const bindings = useBindingsStore();
    useBoardStore().load(loaded(), useConnectionStore().activeKey);
    expect(bindings.checking).toBe(false);
    expect(bindings.report).toBeNull();
  });
});
