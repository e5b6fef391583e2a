// Exports checked by the real consumers: the HTML report opened in Chromium (hostile names from the DTS
// and the log stay text, no script but ours runs, nothing is fetched; screenshot saved for the docs),
// the JUnit XML validated by xmllint against the JUnit schema, a bundle exported and re-imported equal
// to the original, and hostile archives (made by GNU tar) refused.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveDevices, parseBootLog } from '../../engine/bootlog';
import { compareDevices } from '../../engine/compare';
import type { DeviceReport } from '../../engine/common';
import { createSessionService, type WorkbenchSessionService } from '../../electron/services/sessions';
import { readBundleFile } from '../../electron/services/sessions/bundle-file';
import type { BoardLoaded } from '../../electron/common/contract';
import { LAB_LOGS } from '../support/session-stream';
import { screenshotPath } from '../support/screenshots';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('chromium', 'xmllint');

const HOSTILE_DEVICE = '<img src=x onerror=alert(1)>';
const HOSTILE_NODE = '/soc/<script>alert(2)</script>@0';
const HOSTILE_WHY = '"><svg onload=alert(3)>';
const HOSTILE_LINE = '[    9.000000] <img src=x onerror=alert(4)> probe of <script>alert(5)</script> failed with error -22';
const HOSTILE_SOURCE = '/ { model = "</pre><script>alert(6)</script>"; };\n';

const dir = mkdtempSync(join(tmpdir(), 'bw-report-'));
const schema = new URL('../fixtures/session/junit.xsd', import.meta.url).pathname;
const screenshot = screenshotPath('session-report.png');
let service: WorkbenchSessionService;
let sessionId: string;
let sessionPath: string;

beforeAll(async () => {
  service = createSessionService({ sessionsDir: join(dir, 'sessions') });
  // A board whose DTS file name and content are hostile.
  const dts = join(dir, `"><img src=y onerror=alert(7)>.dts`);
  writeFileSync(dts, HOSTILE_SOURCE);
  const sha = execFileSync('sha256sum', [dts]).toString().split(' ')[0]!;
  const board: BoardLoaded = {
    boardId: 'b1',
    request: { path: dts, includeDirs: [], defines: {}, kernel: '6.1', watch: false },
    dtb: new Uint8Array(readFileSync(new URL('../fixtures/bootlog/lab/late-iommu.log', import.meta.url)).subarray(0, 64)),
    treeJson: {},
    files: [{ path: dts, sha256: sha }],
    diagnostics: [],
  };
  const t0 = Date.UTC(2026, 10, 24, 9, 0, 0);
  service.recorder.board(board, t0);
  sessionId = service.recorder.begin('c', { target: '/dev/ttyUSB0', resolvedPath: '/dev/ttyUSB0', settings: { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1, flowControl: 'none' } }, t0)!;
  service.recorder.marker('c', 'connect', t0, '/dev/ttyUSB0');
  // A real boot, as chunks at serial pace, with a hostile line inserted.
  const log = Buffer.concat([readFileSync(LAB_LOGS[0]!), Buffer.from(`\r\n\x1b[31m${HOSTILE_LINE}\x1b[0m\r\n`)]);
  for (let i = 0, t = t0 + 5; i < log.length; i += 512, t += 44) service.recorder.rx('c', new Uint8Array(log.subarray(i, i + 512)), t);
  service.recorder.tx('c', new TextEncoder().encode('root\r'), t0 + 30_000);
  service.recorder.marker('c', 'disconnect', t0 + 31_000);
  // Wait until the board snapshot and data are on disk, then add what the renderer would annotate.
  await new Promise((r) => setTimeout(r, 100));
  sessionPath = service.writerFor('c')!.path;
  service.recorder.end('c', t0 + 31_000);
  await service.dispose();

  const actual: DeviceReport[] = liveDevices(parseBootLog(new Uint8Array(log)).events);
  // The prediction: the live result with one device predicted differently and one hostile device only predicted.
  const predicted: DeviceReport[] = actual.map((d, i) => (i === 2 ? { ...d, state: 'deferred', deferrals: 2, bindIndex: null, why: [{ subject: d.name, text: 'waiting for IOMMU 9050000.smmuv3' }] } : d));
  predicted.push({ name: HOSTILE_DEVICE, node: HOSTILE_NODE, state: 'failed', driver: '<b>drv</b>', iommuGroup: 7, deferrals: 1, bindIndex: null, error: -22, why: [{ subject: HOSTILE_DEVICE, text: HOSTILE_WHY }] });
  await service.annotateSession(sessionId, 'settings', { kernel: '6.1', cmdline: HOSTILE_WHY });
  await service.annotateSession(sessionId, 'predicted', predicted);
  await service.annotateSession(sessionId, 'actual', actual);
  await service.annotateSession(sessionId, 'comparison', compareDevices(predicted, actual));
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HTML report', () => {
  it('opens offline in Chromium; hostile names are text, only our script runs, nothing is fetched', async () => {
    const out = join(dir, 'report.html');
    await service.exportSession({ sessionId, format: 'html', path: out });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const dialogs: string[] = [];
      const requests: string[] = [];
      const cspViolations: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      page.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
      });
      await page.goto(`file://${out}`);
      await page.waitForTimeout(300);
      const dom = await page.evaluate(() => ({
        imgs: document.querySelectorAll('img').length,
        scripts: document.querySelectorAll('script').length,
        svgs: document.querySelectorAll('svg').length,
        handlers: [...document.querySelectorAll('*')].flatMap((e) => [...e.attributes].filter((a) => a.name.startsWith('on')).map((a) => a.name)),
        text: document.body.innerText,
        rows: document.querySelectorAll('#devices tbody tr').length,
        mismatchRows: document.querySelectorAll('#devices tbody tr.mismatch, #devices tbody tr.predicted-only').length,
      }));
      expect(dialogs).toEqual([]);
      expect(dom.imgs).toBe(0);
      expect(dom.scripts).toBe(1);
      expect(dom.svgs).toBe(1);
      expect(dom.handlers).toEqual([]);
      for (const s of [HOSTILE_DEVICE, HOSTILE_NODE, HOSTILE_WHY, '<img src=x onerror=alert(4)> probe of <script>alert(5)</script> failed', '"><img src=y onerror=alert(7)>.dts']) expect(dom.text).toContain(s);
      expect(dom.rows).toBeGreaterThan(10);
      expect(dom.mismatchRows).toBeGreaterThanOrEqual(2);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
      expect(cspViolations).toEqual([]);
      // Our own script runs (its CSP hash is right): the filter hides rows.
      await page.fill('#q', 'pl061');
      const visible = await page.evaluate(() => [...document.querySelectorAll('#devices tbody tr')].filter((r) => !(r as HTMLElement).hidden).length);
      expect(visible).toBeGreaterThanOrEqual(1);
      expect(visible).toBeLessThan(dom.rows);
      await page.fill('#q', '');
      await page.check('#mm');
      mkdirSync(join(screenshot, '..'), { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: false });
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe('JUnit export', () => {
  it('validates against the JUnit schema, one testcase per device, hostile names escaped', async () => {
    const out = join(dir, 'junit.xml');
    await service.exportSession({ sessionId, format: 'junit', path: out });
    const r = spawnSync('xmllint', ['--noout', '--schema', schema, out], { encoding: 'utf8' });
    expect(r.stderr.trim()).toBe(`${out} validates`);
    expect(r.status).toBe(0);
    const xml = readFileSync(out, 'utf8');
    const contents = await service.openSession(sessionId);
    expect(contents.summary.sessionId).toBe(sessionId);
    const cases = xml.match(/<testcase /g)!.length;
    // engine/compare's JUnit writer (the one `bringup compare --junit` uses): classname = DT node, name = device.
    const devices = new Set([...xml.matchAll(/<testcase classname="[^"]*" name="([^"]*)"/g)].map((m) => m[1]));
    expect(devices.size).toBe(cases);
    expect(xml).toContain('classname="/soc/&lt;script&gt;alert(2)&lt;/script&gt;@0" name="&lt;img src=x onerror=alert(1)&gt;"');
    expect(Number(/<testsuite [^>]*failures="(\d+)"/.exec(xml)![1])).toBeGreaterThanOrEqual(2);
  });

  it('a schema violation is caught (the check can fail)', () => {
    const bad = join(dir, 'bad.xml');
    writeFileSync(bad, '<?xml version="1.0"?><testsuites><testsuite name="x" tests="1" failures="0" errors="0" time="0" timestamp="2024-01-01T00:00:00" hostname="h"><testcase name="a" time="0"/></testsuite></testsuites>');
    const r = spawnSync('xmllint', ['--noout', '--schema', schema, bad], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/classname/);
  });
});

describe('session bundle', () => {
  it('exported and re-imported equals the original, byte for byte and view for view', async () => {
    const bundle = join(dir, 'session.bwbundle');
    await service.exportSession({ sessionId, format: 'bundle', path: bundle });
    const opened = await readBundleFile(bundle);
    expect(opened.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(Buffer.from(opened.value!.sessionFile).equals(readFileSync(sessionPath))).toBe(true);

    const other = createSessionService({ sessionsDir: join(dir, 'elsewhere') });
    const imported = await other.importLog(bundle);
    const original = await service.openSession(sessionId);
    expect({ ...imported, summary: { ...imported.summary, path: '' } }).toEqual({ ...original, summary: { ...original.summary, path: '' } });
    expect(Buffer.from(readFileSync(imported.summary.path)).equals(readFileSync(sessionPath))).toBe(true);
    const again = await other.exportSession({ sessionId, format: 'html' });
    const first = await service.exportSession({ sessionId, format: 'html' });
    expect(again.content).toBe(first.content);
    expect(original.board?.files.length).toBe(1);
    expect(original.board?.settings).toEqual({ kernel: '6.1', cmdline: HOSTILE_WHY });
  });

  it('refuses archives with path traversal, absolute paths, symlinks or oversized entries', async () => {
    const work = join(dir, 'evil');
    mkdirSync(join(work, 'sub'), { recursive: true });
    writeFileSync(join(work, 'manifest.json'), '{}');
    writeFileSync(join(work, 'sub', 'x'), 'x');
    symlinkSync('/etc/passwd', join(work, 'link'));
    writeFileSync(join(work, 'big'), new Uint8Array(2 * 1024 * 1024));
    const tar = (name: string, args: string[]) => {
      const p = join(dir, name);
      execFileSync('tar', ['--format=ustar', '-czf', p, '-C', work, ...args]);
      return p;
    };
    const cases: [string, RegExp][] = [
      [tar('traversal.tgz', ['--transform=s,^sub/x,../../escape,', 'manifest.json', 'sub/x']), /path traversal/],
      [tar('absolute.tgz', ['-P', '--transform=s,^sub/x,/tmp/escape,', 'manifest.json', 'sub/x']), /absolute path/],
      [tar('symlink.tgz', ['manifest.json', 'link']), /symbolic link/],
    ];
    for (const [p, why] of cases) {
      const r = await readBundleFile(p);
      expect(r.value).toBeNull();
      expect(r.diagnostics[0]!.message).toMatch(why);
      await expect(service.importLog(p)).rejects.toThrow(why);
    }
    const big = tar('big.tgz', ['manifest.json', 'big']);
    const r = await readBundleFile(big, { maxEntries: 8, maxEntryBytes: 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024 });
    expect(r.diagnostics[0]!.message).toMatch(/"big" rejected: 2097152 bytes is over the 1048576-byte limit/);
    const bomb = tar('bomb.tgz', ['manifest.json', 'big']);
    const b = await readBundleFile(bomb, { maxEntries: 8, maxEntryBytes: 1024 * 1024, maxTotalBytes: 1024 * 1024 });
    expect(b.diagnostics[0]!.message).toMatch(/inflates past/);
  });
});
