// Reading a board's files, as attacks on real special files: a board that includes /dev/zero, a FIFO with
// no writer, or a 2 GB sparse file must end at once with an error naming the file, in the app's board
// service and in `bringup dt`; a file from outside the board's folders is flagged and kept as a hash.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileBoard } from '../../electron/services/board';
import { boardSnapshotRecords } from '../../electron/services/sessions/service';
import { tempDir } from '../support/electron';

const root = new URL('../../', import.meta.url).pathname;

function hostileBoard(includeLine: string): string {
  const dir = tempDir('bringup-hostile-');
  mkdirSync(join(dir, 'board'));
  const dts = join(dir, 'board', 'board.dts');
  writeFileSync(dts, `/dts-v1/;\n/ {\n\tmodel = "x";\n};\n${includeLine}\n`);
  return dts;
}

function specialFiles(): { fifo: string; sparse: string } {
  const dir = tempDir('bringup-special-');
  const fifo = join(dir, 'fifo.dtsi');
  execFileSync('mkfifo', [fifo]);
  const sparse = join(dir, 'huge.dtsi');
  const fd = openSync(sparse, 'w');
  ftruncateSync(fd, 2 * 1024 ** 3);
  closeSync(fd);
  return { fifo, sparse };
}

describe('reads bounded by type and size (F5)', () => {
  const { fifo, sparse } = specialFiles();
  for (const [name, target] of [['/dev/zero', '/dev/zero'], ['a FIFO', fifo], ['a 2 GB sparse file', sparse]] as const) {
    it(`the board service refuses /include/ of ${name} at once, naming it`, () => {
      const t0 = Date.now();
      const r = compileBoard({ path: hostileBoard(`/include/ "${target}"`), includeDirs: [], defines: {}, kernel: '6.1', watch: false });
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(r.diagnostics.some((d) => d.severity === 'error' && d.message.includes(target))).toBe(true);
    });

    it(`bringup dt on /include/ of ${name} exits 1 with file:line:col within seconds`, () => {
      const dts = hostileBoard(`/include/ "${target}"`);
      const r = spawnSync(process.execPath, [join(root, 'bin', 'bringup.mjs'), 'dt', dts], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/board\.dts:\d+[.:]\d+/);
    }, 90_000);
  }
});

describe('what a board file may pull in (F4, F6)', () => {
  it('flags an include from outside the board folders and keeps only its hash in the session', async () => {
    const secretDir = tempDir('bringup-secret-');
    const secret = join(secretDir, 'shadow.dtsi');
    writeFileSync(secret, '/* root:$6$secret-hash */\n');
    const r = compileBoard({ path: hostileBoard(`/include/ "${secret}"`), includeDirs: [], defines: {}, kernel: '6.1', watch: false });
    const flagged = r.files.find((f) => f.path === secret);
    expect(flagged?.outsideRoots).toBe(true);
    expect(r.diagnostics.some((d) => d.code === 'include_outside_roots' && d.file === secret)).toBe(true);
    const records = await boardSnapshotRecords({ boardId: 'b', request: { path: 'x', includeDirs: [], defines: {}, kernel: '6.1', watch: false }, ...r }, 0);
    expect(records.some((rec) => rec.type === 'source' && (rec as { path: string }).path === secret)).toBe(false);
  });

  it('refuses a kernel config that is not one (/etc/passwd)', () => {
    const r = compileBoard({ path: hostileBoard(''), includeDirs: [], defines: {}, configPath: '/etc/passwd', kernel: '6.1', watch: false });
    expect(r.config).toBeUndefined();
    expect(r.diagnostics.some((d) => d.severity === 'error' && /not a kernel \.config/.test(d.message))).toBe(true);
  });
});
