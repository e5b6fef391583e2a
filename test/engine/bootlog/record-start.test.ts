// The printk record found wherever it starts (engine/bootlog/prefix.ts): after host clocks of any
// shape, after shell text, with vendor caller ids; panics caught mid-line with or without a stamp; and
// the new forms parse the same split at every byte offset as whole.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBootLogParser, parseBootLog, splitPrefix, type BootEvent } from '../../../engine/bootlog';

const FORMATS = join(__dirname, '../../fixtures/bootlog/formats');

describe('where the record starts', () => {
  it('splits host prefixes and caller ids off, keeping what is not one', () => {
    const cases: [string, { text: string; kernelTime?: number | null; caller?: string; record?: boolean; midLine?: boolean }][] = [
      ['[Tue Jan 20 10:17:44 2026] msg', { text: 'msg', kernelTime: null, record: true }],
      ['[    1.548094]  [0:      swapper/0:    1] msg', { text: 'msg', kernelTime: 1.548094, caller: '0: swapper/0: 1' }],
      ['[    1.548094] (3)[1:swapper/0]msg', { text: 'msg', caller: '3:1:swapper/0' }],
      ['+ echo ,[   13.387167] platform sfp1: deferred probe pending', { text: 'platform sfp1: deferred probe pending', kernelTime: 13.387167, midLine: true }],
      ['> > > >>> <4>[    2.000000] msg', { text: 'msg', kernelTime: 2, midLine: true }],
      ['2026/11/24-03:19:29:123 msg', { text: 'msg', kernelTime: null }],
      ['03:19:29.123 | msg', { text: 'msg' }],
      ['Tue 2026-11-24 03:19:29 CET board kernel: msg', { text: 'msg', record: true }],
      // Not prefixes: a bracketed word, drm's own prefix, a number that is not printk's layout.
      ['[drm] Initialized v3d 1.0.0 for x on minor 1', { text: '[drm] Initialized v3d 1.0.0 for x on minor 1', kernelTime: null }],
      ['shell: value [1.5] ok', { text: 'shell: value [1.5] ok', kernelTime: null }],
      ['[    1.000000] [drm:foo_bar] *ERROR* x', { text: '[drm:foo_bar] *ERROR* x', kernelTime: 1 }],
    ];
    for (const [line, want] of cases) expect(splitPrefix(line), line).toMatchObject(want);
  });

  it('catches a panic, an oops and a WARN that start mid-line, stamped or not', () => {
    const log = [
      '[    0.000000] Booting Linux on physical CPU 0x0',
      '+ mount /dev/vda2 /root; Kernel panic - not syncing: VFS: Unable to mount root fs',
      '---[ end Kernel panic - not syncing: VFS: Unable to mount root fs ]---',
    ].join('\n');
    const events = parseBootLog(new TextEncoder().encode(log)).events;
    expect(events.find((e) => e.kind === 'panic')).toMatchObject({ title: 'Kernel panic - not syncing: VFS: Unable to mount root fs', complete: true });
    const stamped = '[    0.000000] Booting Linux\n# echo c > /proc/sysrq-trigger[   42.000000] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000\n';
    expect(parseBootLog(new TextEncoder().encode(stamped)).events.find((e) => e.kind === 'oops')).toMatchObject({ kernelTime: 42, line: 2 });
    const warn = '[    0.000000] Booting Linux\nlogin: [    5.000000] ------------[ cut here ]------------\n[    5.000001] WARNING: CPU: 0 PID: 1 at drivers/base/dd.c:1 f+0x0/0x10\n[    5.000002] ---[ end trace 0000000000000000 ]---\n';
    expect(parseBootLog(new TextEncoder().encode(warn)).events.find((e) => e.kind === 'warn')).toMatchObject({ location: 'drivers/base/dd.c:1 f+0x0/0x10', complete: true });
  });
});

describe('new forms split at every byte offset', () => {
  const strip = (events: BootEvent[]) => events.map((e) => ({ ...e, hostTime: 0 }));
  for (const name of ['mid-line.log', 'vendor-caller.log', 'dmesg-T.log', 'slash-date.log', 'mail-quote.log']) {
    it(name, () => {
      const bytes = new Uint8Array(readFileSync(join(FORMATS, name)));
      const whole = strip(parseBootLog(bytes).events);
      const parser = createBootLogParser();
      const events: BootEvent[] = [];
      for (let i = 0; i < bytes.length; i++) events.push(...parser.feed(bytes.subarray(i, i + 1), i));
      events.push(...parser.finish(bytes.length));
      expect(strip(events)).toEqual(whole);
    });
  }
});
