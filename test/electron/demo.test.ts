// The demo line: a boot log recorded by util-linux `script` (both timing formats) is parsed as
// scriptreplay reads it and played at its recorded pace through the connection manager, once over
// a real socat pty pair and once in-process; the recorder sees the same bytes either way.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SERIAL_SETTINGS } from '../../electron/common/contract';
import { DemoService, parseScriptReplay } from '../../electron/services/demo';
import { EventHub } from '../../electron/services/events';
import { ConnectionManager } from '../../electron/services/serial/connections';
import { RecorderProbe } from '../support/recorder-probe';
import { tempDir, waitFor } from '../support/electron';

const COMMAND = "printf '[    0.000000] Booting Linux on physical CPU 0x0\\n'; sleep 0.3; printf '[    0.512000] pl061_gpio 9030000.pl061: probed\\n'; sleep 0.3; printf 'login: '";

function record(dir: string, format: 'classic' | 'advanced'): { typescript: string; timing: string } {
  const typescript = join(dir, `${format}.typescript`);
  const timing = join(dir, `${format}.timing`);
  const r = spawnSync('script', ['-q', '-m', format, '-T', timing, '-O', typescript, '-c', COMMAND], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`script failed: ${r.stderr}`);
  return { typescript, timing };
}

const managers: ConnectionManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.dispose();
});

describe('scriptreplay parsing', () => {
  for (const format of ['classic', 'advanced'] as const) {
    it(`splits a ${format} recording into timed chunks without the header`, () => {
      const rec = record(tempDir(), format);
      const chunks = parseScriptReplay(new Uint8Array(readFileSync(rec.typescript)), readFileSync(rec.timing, 'utf8'));
      const text = Buffer.concat(chunks.map((c) => Buffer.from(c.bytes))).toString();
      expect(text).toBe('[    0.000000] Booting Linux on physical CPU 0x0\r\n[    0.512000] pl061_gpio 9030000.pl061: probed\r\nlogin: ');
      const total = chunks.reduce((s, c) => s + c.delay, 0);
      expect(total).toBeGreaterThan(0.55);
      expect(total).toBeLessThan(2);
    });
  }
});

function demoResources(): string {
  const resources = tempDir('bringup-resources-');
  const demo = join(resources, 'demo');
  mkdirSync(demo);
  const rec = record(tempDir(), 'classic');
  writeFileSync(join(demo, 'boot.typescript'), readFileSync(rec.typescript));
  writeFileSync(join(demo, 'boot.timing'), readFileSync(rec.timing));
  writeFileSync(join(demo, 'board.dts'), '/dts-v1/;\n/ { model = "demo"; };\n');
  return resources;
}

describe('the demo line', () => {
  for (const useSocat of [true, false]) {
    it(`plays the recorded boot at its pace ${useSocat ? 'through a socat pty pair' : 'in-process'}`, async () => {
      const resources = demoResources();
      const demo = new DemoService({ resourcesDir: resources, useSocat });
      const { board, target } = demo.board();
      expect(target).toBe('demo:');
      expect(board.path).toBe(join(resources, 'demo', 'board.dts'));
      const expected = Buffer.concat(demo.chunks().map((c) => Buffer.from(c.bytes)));

      const events = new EventHub();
      const recorder = new RecorderProbe();
      const arrivals: { t: number; n: number }[] = [];
      events.on('serialData', (d) => arrivals.push({ t: performance.now(), n: d.bytes.length }));
      const manager = new ConnectionManager({ events, recorder, demo });
      managers.push(manager);
      const st = await manager.connect({ target: 'demo:', settings: DEFAULT_SERIAL_SETTINGS, autoReconnect: true });
      expect(st.state).toBe('connected');
      const resolved = recorder.begun[0]!.resolvedPath;
      if (useSocat) expect(resolved).toMatch(/bringup-demo-.*\/tty$/);
      else expect(resolved).toBe('demo:in-process');

      await waitFor('the whole log', () => Buffer.from(recorder.rxBytes).length >= expected.length, 15_000);
      expect(Buffer.from(recorder.rxBytes)).toEqual(expected);
      // Real pace: the two 0.3 s pauses are kept (timers may be late, never early).
      const span = arrivals.at(-1)!.t - arrivals[0]!.t;
      expect(span).toBeGreaterThan(500);
      expect(span).toBeLessThan(3000);

      // Typing to the demo board is accepted (and recorded) like any line.
      await manager.write(st.connectionId, new TextEncoder().encode('root\n'));
      expect(Buffer.from(recorder.txBytes).toString()).toBe('root\n');
      await manager.disconnect(st.connectionId);
      if (useSocat) await waitFor('demo pty removed', () => !existsSync(resolved), 15_000);
    });
  }

  it('says plainly when no demo is bundled', () => {
    const demo = new DemoService({ resourcesDir: tempDir() });
    expect(() => demo.board()).toThrow(/not bundled/);
  });
});
