// A real board on a real serial line, end to end: Debian's 6.1 arm64 kernel under QEMU with
// `-serial pty` (scripts/lib/lab/board.ts startBoardOnPty, paused until the app has the port open), connected
// through the connect bar like a USB adapter, watched from the first line to the last probe. The app's
// live side must agree with the kernel's own truth block (sysfs drivers and IOMMU groups, printed by the
// lab's /init at the end of the same boot) device by device.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../electron/common/contract';
import { scenarioDtb, startBoardOnPty, type RunningBoard } from '../../scripts/lib/lab/board';
import { scenarios } from '../../scripts/lib/lab/scenarios';
import { parseTruthBlock, TRUTH_END } from '../../scripts/lib/lab/truth';
import { readRow, waitForLiveState } from '../support/board-page';
import { requireSystem, kernelConfig } from '../../scripts/lib/system';
import { connectTo, openBoard, openWorkbench, type Workbench } from '../../scripts/lib/e2e/workbench';
import { screenshotPath } from '../support/screenshots';

requireSystem('kernel-arm64', 'busybox-arm64', 'qemu', 'dtc', 'cpio', 'socat', 'chromium');

const scenario = scenarios.find((s) => s.name === 'late-iommu')!;

describe('QEMU board on a pty, connect to last probe', () => {
  let wb: Workbench;
  let board: RunningBoard;
  let consoleText = '';
  let lastByteAt = 0;
  const statuses: string[] = [];

  beforeAll(async () => {
    board = await startBoardOnPty(scenario);
    wb = await openWorkbench();
    // What the app receives, seen from the services' side of the same stream.
    wb.services.events.on('serialData', (e) => {
      consoleText += Buffer.from(e.bytes).toString('latin1');
      lastByteAt = Date.now();
    });
    // For a boot that stalls: which side stopped, the line (its states) or QEMU.
    wb.services.events.on('connectionStatus', (c: ConnectionStatus) => statuses.push(`${c.state}${c.error ? ` (${c.error})` : ''} at ${c.bytesReceived} bytes`));
  }, 120_000);

  afterAll(async () => {
    await board?.stop();
    await wb?.close();
  });

  it('shows every probe of the boot live, as the kernel itself reports them', async () => {
    const { page } = wb;
    await openBoard(page, scenarioDtb(scenario)!, { config: kernelConfig() });
    await connectTo(page, board.path);
    await board.resume();
    const t0 = Date.now();
    while (!consoleText.includes(TRUTH_END)) {
      if (Date.now() - t0 > 120_000) {
        const qemu = board.process.exitCode === null ? 'running' : `exited ${board.process.exitCode}`;
        const quiet = lastByteAt ? `${((Date.now() - lastByteAt) / 1000).toFixed(1)} s since the last byte` : 'no byte yet';
        throw new Error(
          `the board did not finish booting (${consoleText.length} bytes received, ${quiet}; QEMU ${qemu}; line: ${statuses.join(' → ')}):\n${consoleText.slice(-2000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const block = parseTruthBlock(consoleText);
    expect(block).not.toBeNull();
    const truth = block!.truth;
    expect(consoleText).toContain('Booting Linux');
    const order = truth.bindOrder!;
    expect(order.length).toBeGreaterThan(5);
    // The last probe of the boot reaches the board.
    await waitForLiveState(page, order[order.length - 1]!, 'bound', 20_000);
    for (const d of truth.devices.filter((x) => x.driver !== null)) {
      const row = await readRow(page, d.name);
      expect(row, d.name).not.toBeNull();
      expect(row!.liveState, d.name).toBe('bound');
      expect(row!.liveGrp, d.name).toBe(d.iommuGroup === null ? '–' : String(d.iommuGroup));
      expect(row!.liveOrd, d.name).toBe(String(order.indexOf(d.name) + 1));
    }
    // The scenario's point: the GPIO behind the SMMU deferred, then bound in IOMMU group 0.
    const gpio = (await readRow(page, '9030000.pl061'))!;
    expect(Number(gpio.liveDef)).toBeGreaterThanOrEqual(1);
    expect(gpio.liveGrp).toBe(String(truth.devices.find((d) => d.name === '9030000.pl061')!.iommuGroup));
    await page.screenshot({ path: screenshotPath('qemu-board.png') });
    expect(wb.browser.errors).toEqual([]);
  }, 240_000);
});
