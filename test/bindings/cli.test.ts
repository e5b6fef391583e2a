// `bringup dt --check-bindings` in-process with the real dt-validate: dtc-format lines at the fixture's
// source positions, exit 0 without --strict and 1 with it, and a status line (not a failure) when no
// dtschema is installed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../support/cli';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('bindings', 'linux-source-6.1');

const BOARD = relative(process.cwd(), join(__dirname, '..', 'fixtures', 'dts', 'bindings', 'bad-bindings.dts'));

const dt = (args: string[]): Promise<CliRun> => runCli(['dt', ...args]);

describe('bringup dt --check-bindings', () => {
  it('prints findings like dtc; exit 1 only with --strict', async () => {
    const plain = await dt([BOARD, '--check-bindings', '-q']);
    expect(plain.code).toBe(0);
    expect(plain.out).toBe('');
    expect(plain.err).toMatch(/^test\/fixtures\/dts\/bindings\/bad-bindings\.dtsi:13\.24-16\.4: ERROR \(binding\): \/serial@9000000: .*'interrupts' is a required property/m);
    expect(plain.err).toMatch(/^ {2}included from test\/fixtures\/dts\/bindings\/bad-bindings\.dts:4$/m);
    expect(plain.err).toMatch(/^test\/fixtures\/dts\/bindings\/bad-bindings\.dts:21\.3-\d+: ERROR \(binding\): \/dma-controller@9100000: dma-coherent: /m);
    // -q hides the unmatched-compatible warning
    expect(plain.err).not.toMatch(/arm,pl06l/);
    expect(plain.err).toMatch(/bindings checked \(dtschema 2026\.9, Linux 6\.1\.\d+\): 3 error\(s\), 1 warning\(s\)/);
    const strict = await dt([BOARD, '--check-bindings', '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.err).toMatch(/^test\/fixtures\/dts\/bindings\/bad-bindings\.dts:23\.15-26\.4: Warning \(binding\): \/gpio@9200000: failed to match any schema with compatible: 'arm,pl06l'$/m);
  }, 600_000);

  it('without dtschema: a status line and how to enable it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'bindings-cli-'));
    const saved = process.env.BRINGUP_CACHE;
    process.env.BRINGUP_CACHE = empty;
    try {
      const r = await dt([BOARD, '--check-bindings', '--kernel-source', join(saved ?? join(process.env.HOME!, '.cache', 'bringup-workbench'), 'linux-source-6.1')]);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/bindings not checked: dtschema 2026\.9 is not installed; to enable: bash scripts\/install-system-deps\.sh bindings/);
      expect((await dt([BOARD, '--check-bindings', '--strict'])).code).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.BRINGUP_CACHE;
      else process.env.BRINGUP_CACHE = saved;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
