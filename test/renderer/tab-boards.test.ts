// Each console tab predicts and compares its own board: the worker's per-tab workspaces (two lab
// boards, each with its own real QEMU boot log, the shipped 6.1 catalog) and the probe store that shows
// the tab in front while it keeps every tab's verdict counts for the tab strip.
// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeCatalog } from '../../engine/probe';
import { useProbeStore } from '../../renderer/src/stores/probe';
import { DEFAULT_WHAT_IF, type FromWorker } from '../../renderer/src/worker/protocol';
import { freshBootInfo } from '../../renderer/src/worker/live-timeline';
import { BoardWorkspace } from '../../renderer/src/worker/workspace';
import { kernelConfig, requireSystem } from '../../scripts/lib/system';

requireSystem('dtc');

const root = join(import.meta.dirname, '..', '..');
const lab = join(root, 'test/fixtures/bootlog/lab');
const catalog = decodeCatalog(JSON.parse(readFileSync(join(root, 'resources/kernel/6.1/drivers.json'), 'utf8')));
const config = readFileSync(kernelConfig(), 'utf8');
const loadCatalog = () => Promise.resolve({ catalog, warning: null });
const bytes = (name: string) => new Uint8Array(readFileSync(join(lab, name)));

/** Waits until the messages so far satisfy a test (the workspace flushes on timers, as in the worker). */
async function until(messages: FromWorker[], ok: (m: FromWorker[]) => boolean): Promise<void> {
  for (let i = 0; i < 400 && !ok(messages); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ok(messages)).toBe(true);
}

const lastLive = (messages: FromWorker[], tab: number) => messages.filter((m): m is Extract<FromWorker, { type: 'live' }> => m.type === 'live' && m.tab === tab).at(-1);
const predictions = (messages: FromWorker[], tab: number) => messages.filter((m): m is Extract<FromWorker, { type: 'prediction' }> => m.type === 'prediction' && m.tab === tab);

describe('the worker keeps one board per tab', () => {
  const made: BoardWorkspace[] = [];
  afterEach(() => {
    for (const w of made.splice(0)) w.close();
  });

  function workspace(tab: number, messages: FromWorker[], dtb: string, modulesLoaded: string[] = []): BoardWorkspace {
    const w = new BoardWorkspace(tab, (m) => messages.push(m), loadCatalog);
    made.push(w);
    w.setOptions({ ...DEFAULT_WHAT_IF, modulesLoaded });
    w.board(bytes(dtb), undefined, config, dtb);
    return w;
  }

  it('predicts and compares each tab on its own board and stream, every message naming its tab', async () => {
    const messages: FromWorker[] = [];
    const a = workspace(1, messages, 'late-iommu.dtb');
    // The modules the lab's many-masters boot loads from its /init, as the what-if panel would say.
    const b = workspace(2, messages, 'many-masters.dtb', ['qemu_fw_cfg', 'virtio_mmio', 'virtio_rng', 'virtio_pci', 'virtio_net']);
    await until(messages, (m) => predictions(m, 1).length > 0 && predictions(m, 2).length > 0);
    const predicted = (tab: number) => JSON.stringify(predictions(messages, tab).at(-1)!.rows.map((r) => [r.name, r.predicted?.state, r.predicted?.iommuGroup, r.predicted?.deferrals]));
    expect(predicted(1)).not.toEqual(predicted(2));

    a.serial(bytes('late-iommu.log'), 1);
    b.serial(bytes('many-masters.log'), 2);
    a.endBoot();
    b.endBoot();
    await until(messages, (m) => lastLive(m, 1)?.boot.ended != null && lastLive(m, 2)?.boot.ended != null && lastLive(m, 1)!.summary.pending === 0 && lastLive(m, 2)!.summary.pending === 0);
    // Each board parsed its own stream, byte for byte, and nothing of the other's.
    expect(lastLive(messages, 1)!.boot.bytes).toBe(bytes('late-iommu.log').length);
    expect(lastLive(messages, 2)!.boot.bytes).toBe(bytes('many-masters.log').length);
    // The late-iommu boot matches its own board's prediction (the lab judges it so).
    expect(lastLive(messages, 1)!.summary.mismatch).toBe(0);
    expect(lastLive(messages, 1)!.summary.match).toBeGreaterThan(5);
    expect(lastLive(messages, 1)!.boot.lastKernelTime).not.toBe(lastLive(messages, 2)!.boot.lastKernelTime);
    // A report is the tab's own comparison.
    expect(a.report()!.suite).toContain('late-iommu');
    expect(b.report()!.suite).toContain('many-masters');
  });

  it('sends a tab whole again when it comes to the front: every row and this boot\'s live marks', async () => {
    const messages: FromWorker[] = [];
    const a = workspace(1, messages, 'late-iommu.dtb');
    await until(messages, (m) => predictions(m, 1).length > 0);
    a.serial(bytes('late-iommu.log'), 1);
    await until(messages, (m) => (lastLive(m, 1)?.boot.lines ?? 0) > 100);
    await new Promise((r) => setTimeout(r, 50));
    const streamed = messages.filter((m) => m.type === 'live').flatMap((m) => (m.type === 'live' ? m.events : []));
    const rowsBefore = predictions(messages, 1).at(-1)!.rows.length;
    messages.length = 0;
    a.show();
    const [prediction, live] = messages;
    expect(prediction?.type).toBe('prediction');
    expect(prediction?.type === 'prediction' && prediction.rows.length).toBeGreaterThanOrEqual(rowsBefore);
    expect(live?.type === 'live' && live.restart).toBe(true);
    // The rows come with the boot they belong to.
    expect(prediction?.type === 'prediction' && prediction.boot).toEqual(live?.type === 'live' && live.boot);
    expect(live?.type === 'live' && live.events.map((e) => `${e.device} ${e.kind} ${e.t}`)).toEqual(streamed.map((e) => `${e.device} ${e.kind} ${e.t}`));
  });

  it('gives an ended boot its verdicts only against a prediction that knows what the log revealed', async () => {
    // The demo's recording loads its modules moments before its power-off: in one chunk, the module
    // loads and the end arrive together, before the coalesced re-prediction would have run.
    const demo = join(root, 'resources/demo');
    const modulesLoaded = readFileSync(join(demo, 'modules'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const messages: FromWorker[] = [];
    const w = new BoardWorkspace(1, (m) => messages.push(m), loadCatalog);
    made.push(w);
    w.setOptions({ ...DEFAULT_WHAT_IF, modulesLoaded });
    w.board(bytes('demo.dtb'), undefined, readFileSync(join(demo, 'config-6.1.0-57-arm64'), 'utf8'), 'demo.dtb');
    await until(messages, (m) => predictions(m, 1).length > 0);
    w.serial(bytes('demo.log'), 1);
    await until(messages, (m) => lastLive(m, 1)?.boot.ended != null);
    const firstEnded = messages.find((m) => m.type === 'live' && m.boot.ended !== null);
    expect(firstEnded?.type === 'live' && firstEnded.boot.ended).toMatch(/power/);
    expect(firstEnded?.type === 'live' && firstEnded.summary.mismatch).toBe(0);
    // The prediction sent before it was made with the log's module load times.
    const anchored = predictions(messages, 1).at(-1)!;
    expect(messages.indexOf(anchored)).toBeLessThan(messages.indexOf(firstEnded!));
    expect(anchored.anchoring.modules.length).toBeGreaterThan(0);
  });

  it('says nothing more once its tab has closed', async () => {
    const messages: FromWorker[] = [];
    const a = workspace(1, messages, 'late-iommu.dtb');
    a.close();
    a.serial(bytes('late-iommu.log'), 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(messages).toEqual([]);
  });
});

describe('the probe store shows the tab in front', () => {
  beforeEach(() => setActivePinia(createPinia()));
  const summary = (mismatch: number) => ({ devices: 3, match: 3 - mismatch, mismatch, pending: 0, predictedOnly: 0, liveOnly: 0, unobserved: 0, spearman: null, inversions: 0 });
  const anchoring = { cmdline: null, cmdlineFromLog: false, modules: [] };
  const row = (name: string) => ({ key: name, name, node: null, predicted: null, live: null, verdict: 'match' as const, differs: [], minor: [] });

  it("keeps a background tab's counts for its tab strip and never shows its rows", () => {
    const probe = useProbeStore();
    probe.show(1);
    probe.apply({ type: 'prediction', tab: 1, rows: [row('a')], events: [], diagnostics: [], summary: summary(0), ms: 1, drivers: [], iommus: [], anchoring, boot: freshBootInfo() });
    probe.apply({ type: 'prediction', tab: 2, rows: [row('b'), row('c')], events: [], diagnostics: [], summary: summary(2), ms: 1, drivers: [], iommus: [], anchoring, boot: freshBootInfo() });
    expect(probe.rows.map((r) => r.name)).toEqual(['a']);
    expect(probe.summary.mismatch).toBe(0);
    expect(probe.byTab.get(2)!.summary.mismatch).toBe(2);

    probe.select('a');
    probe.show(2);
    // Nothing of tab 1 stays on screen while tab 2's board arrives again from the worker.
    expect(probe.rows).toEqual([]);
    expect(probe.summary.mismatch).toBe(2);
    expect(probe.selectedKey).toBeNull();
    probe.apply({ type: 'prediction', tab: 2, rows: [row('b'), row('c')], events: [], diagnostics: [], summary: summary(2), ms: 1, drivers: [], iommus: [], anchoring, boot: freshBootInfo() });
    expect(probe.rows.map((r) => r.name)).toEqual(['b', 'c']);
    // Each tab keeps its own selection.
    probe.show(1);
    expect(probe.selectedKey).toBe('a');

    probe.forget(2);
    expect(probe.byTab.has(2)).toBe(false);
  });

  it('shows an error of the worker itself whichever tab is in front', () => {
    const probe = useProbeStore();
    probe.show(3);
    probe.apply({ type: 'error', tab: 1, message: 'tab one only' });
    expect(probe.engineError).toBeNull();
    probe.apply({ type: 'error', tab: null, message: 'engine worker: gone' });
    expect(probe.engineError).toBe('engine worker: gone');
  });
});
