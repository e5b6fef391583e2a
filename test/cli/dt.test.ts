// `bringup dt` through the real bin (node bin/bringup.mjs): output formats against the real dtc and
// fdtoverlay, diagnostics on stderr in dtc's format, and the exit codes (0 ok, 1 input errors, 2 usage).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireSystem, debianDtbDir, kernelSourceDir } from '../../scripts/lib/system';

requireSystem('dtc', 'fdtoverlay', 'linux-source-6.1', 'kernel-arm64');

const root = join(__dirname, '..', '..');
const fx = 'test/fixtures/dts';
let tmp = '';

function bringup(...args: string[]): { status: number; stdout: Buffer; stderr: string } {
  const r = spawnSync('node', ['bin/bringup.mjs', 'dt', ...args], { cwd: root, maxBuffer: 1 << 28 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString() };
}

function dtc(...args: string[]): Buffer {
  return spawnSync('dtc', ['-q', ...args], { cwd: root, maxBuffer: 1 << 28 }).stdout;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bringup-dt-'));
  bringup('--help'); // builds the CLI bundle once
}, 120_000);

describe('bringup dt', () => {
  it('prints DTS by default, exactly as dtc -O dts, warnings on stderr, exit 0', () => {
    const r = bringup(`${fx}/lang-refs.dts`, '-E');
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe(dtc('-I', 'dts', '-O', 'dts', `${fx}/lang-refs.dts`).toString());
    expect(r.stderr).toBe(`${fx}/lang-refs.dts:7.34-12.4: Warning (interrupt_provider): /interrupt-controller@1000: Missing #address-cells in interrupt provider\n`);
    // -q does not look for warnings at all: the same output and status, nothing on stderr.
    const quiet = bringup(`${fx}/lang-refs.dts`, '-q');
    expect(quiet.stderr).toBe('');
    expect(quiet.status).toBe(0);
    expect(quiet.stdout.equals(r.stdout)).toBe(true);
  });

  it("prints dtc's warnings as dtc prints them, a failed prerequisite at the output it names", () => {
    // compatible is not a string list: simple_bus_bridge, and the two checks that need it, do not run.
    const src = `${fx}/bad-simple_bus_bridge.dts`;
    const out = join(tmp, 'prereq.dtb');
    const ref = (o: string[]) => spawnSync('dtc', ['-I', 'dts', '-O', 'dtb', ...o, src], { cwd: root }).stderr.toString();
    const toFile = bringup(src, '-O', 'dtb', '-o', out);
    expect(toFile.status).toBe(0);
    expect(toFile.stderr).toBe(ref(['-o', out]));
    expect(toFile.stderr).toContain(`${out}: Warning (simple_bus_reg): Failed prerequisite 'simple_bus_bridge'\n`);
    const toStdout = bringup(src, '-O', 'dts');
    expect(toStdout.stderr).toBe(ref(['-o', '-']));
    expect(toStdout.stderr).toContain("<stdout>: Warning (simple_bus_bridge): Failed prerequisite 'compatible_is_string_list'\n");
  });

  it("-W and --error switch dtc's checks as dtc's -W and -E do, the checks they depend on and that depend on them too", () => {
    const ref = (src: string, sw: string[]) => spawnSync('dtc', ['-I', 'dts', '-O', 'dtb', '-o', '/dev/null', ...sw, src], { cwd: root });
    const cases: [string, string[], string[]][] = [
      // off: avoid_default_addr_size, and unique_unit_address and avoid_unnecessary_addr_size after it
      [`${fx}/bad-unique_unit_address.dts`, ['-Wno-avoid_default_addr_size'], ['-Wno-avoid_default_addr_size']],
      // on: an opt-in check, and dtc's spelling with an underscore
      [`${fx}/bad-unique_unit_address_if_enabled.dts`, ['-W', 'unique_unit_address_if_enabled', '-W', 'no_unique_unit_address'], ['-W', 'unique_unit_address_if_enabled', '-W', 'no_unique_unit_address']],
      // off, then on again: the switches apply in order
      [`${fx}/bad-pci_bridge.dts`, ['-Wno-pci_bridge', '-Wpci_bridge'], ['-Wno-pci_bridge', '-Wpci_bridge']],
      // Kbuild's W=2 set on 6.1
      [`${fx}/bad-property_name_chars_strict.dts`, ['-Wnode_name_chars_strict', '-Wproperty_name_chars_strict', '-Winterrupt_provider'], ['-Wnode_name_chars_strict', '-Wproperty_name_chars_strict', '-Winterrupt_provider']],
    ];
    for (const [src, ours, dtcArgs] of cases) {
      const r = bringup(src, '-O', 'dtb', '-o', '/dev/null', ...ours);
      expect(r.status, ours.join(' ')).toBe(0);
      expect(r.stderr, ours.join(' ')).toBe(ref(src, dtcArgs).stderr.toString());
    }
    // An error: dtc's findings, then no output and exit 1 (dtc's last line is its own: exit 2).
    const out = join(tmp, 'as-error.dtb');
    const e = bringup(`${fx}/bad-unique_unit_address.dts`, '--error', 'unique_unit_address', '-O', 'dtb', '-o', out);
    expect(e.status).toBe(1);
    const dtcE = ref(`${fx}/bad-unique_unit_address.dts`, ['-E', 'unique_unit_address']);
    expect(dtcE.status).toBe(2);
    const dtcLines = dtcE.stderr.toString().trimEnd().split('\n');
    expect(dtcLines.pop()).toBe('ERROR: Input tree has errors, aborting (use -f to force output)');
    expect(e.stderr.trimEnd().split('\n').slice(0, -1)).toEqual(dtcLines.map((l) => l.replace('/dev/null', out)));
    expect(dtcLines[0]).toContain('ERROR (unique_unit_address)');
    expect(e.stderr).toContain('input has errors, no output written');
    // -q prints no warning, but an error made by --error still stops the output.
    const q = bringup(`${fx}/bad-unique_unit_address.dts`, '-q', '--error', 'unique_unit_address', '-O', 'dtb', '-o', out);
    expect(q.status).toBe(1);
    expect(q.stderr).toContain('ERROR (unique_unit_address)');
    // A name dtc does not know, and an ERROR check turned off (it fixes up references as the source
    // is resolved, which we do not skip), are usage errors.
    const unknown = bringup(`${fx}/bad-unique_unit_address.dts`, '-W', 'no-such_check');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown check "such_check"');
    const offError = bringup(`${fx}/bad-unique_unit_address.dts`, '--error', 'no-phandle_references');
    expect(offError.status).toBe(2);
    expect(offError.stderr).toContain('the error check "phandle_references" cannot be turned off');
  });

  it('-O dtb -o FILE writes dtc\'s bytes; -@ and -b as dtc', () => {
    const out = join(tmp, 'refs.dtb');
    expect(bringup(`${fx}/lang-refs.dts`, '-O', 'dtb', '-o', out, '-@', '-b', '3').status).toBe(0);
    expect(readFileSync(out).equals(dtc('-I', 'dts', '-O', 'dtb', '-@', '-b', '3', `${fx}/lang-refs.dts`))).toBe(true);
  });

  it('compiles a kernel board through the preprocessor like Kbuild (-I include-prefixes)', () => {
    const dir = join(kernelSourceDir, 'arch/arm64/boot/dts/arm');
    const out = join(tmp, 'juno.dtb');
    const r = bringup(join(dir, 'juno-r2.dts'), '-I', join(kernelSourceDir, 'scripts/dtc/include-prefixes'), '-b', '0', '-q', '-O', 'dtb', '-o', out);
    expect(r.status).toBe(0);
    expect(readFileSync(out).equals(readFileSync(join(debianDtbDir(), 'arm/juno-r2.dtb')))).toBe(true);
  });

  it('-D defines reach the preprocessor', () => {
    const r = bringup(`${fx}/lang-cpp.dts`, '-D', 'EXTRA=0x2a');
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toContain('extra = <0x2a>;');
    expect(bringup(`${fx}/lang-cpp.dts`).stdout.toString()).toContain('no-extra;');
  });

  it('-O json follows the documented schema', () => {
    const r = bringup(`${fx}/lang-refs.dts`, '-O', 'json', '-q');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout.toString());
    expect(j.schema).toBe('bringup-dt/1');
    const user = j.nodes.find((n: { path: string }) => n.path === '/user@3000');
    expect(user).toMatchObject({ name: 'user@3000', unitAddress: '3000', parent: '/', labels: [], phandle: null });
    expect(user.source).toBe(`${fx}/lang-refs.dts:28:12`);
    const clocks = user.properties.find((p: { name: string }) => p.name === 'clocks');
    expect(clocks).toMatchObject({ hex: '00000003000000010000000300000002', length: 16, decoded: [{ type: 'u32', values: [3, 1] }, { type: 'u32', values: [3, 2] }] });
    expect(clocks.refs).toEqual([{ offset: 0, kind: 'phandle', ref: 'clk' }, { offset: 8, kind: 'phandle', ref: '/clock@2000' }]);
    const clk = j.nodes.find((n: { path: string }) => n.path === '/clock@2000');
    // dtc's numbering: self-ref gets 1 (first reference in tree order), intc 2, clk 3; 5 is explicit.
    expect(clk).toMatchObject({ labels: ['clk'], phandle: 3 });
    const compat = j.nodes.find((n: { path: string }) => n.path === '/interrupt-controller@1000').properties[0];
    expect(compat.decoded).toEqual([{ type: 'string', values: ['arm,gic'] }]);
  });

  it('reads a DTB and applies an overlay (-a) as fdtoverlay does', () => {
    const base = join(tmp, 'base.dtb');
    const ov = join(tmp, 'ov.dtbo');
    writeFileSync(join(tmp, 'base.dts'), '/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tsoc { bus@0 { compatible = "simple-bus"; status = "disabled"; old = "a long value that shrinks"; }; };\n\tgpio: gpio@100 { reg = <0x100 4>; #gpio-cells = <2>; };\n\ti2c1: i2c@200 { reg = <0x200 4>; status = "disabled"; existing { a; }; };\n\tuart0: serial@300 { reg = <0x300 4>; };\n};\n');
    spawnSync('dtc', ['-q', '-@', '-I', 'dts', '-O', 'dtb', '-o', base, join(tmp, 'base.dts')]);
    // Kbuild compiles an overlay without -@; so does `-a x.dts`.
    spawnSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-o', ov, `${fx}/lang-plugin.dts`], { cwd: root });
    spawnSync('fdtoverlay', ['-i', base, '-o', join(tmp, 'ref.dtb'), ov]);
    const out = join(tmp, 'out.dtb');
    const r = bringup(base, '-a', ov, '-O', 'dtb', '-o', out);
    expect(r.status).toBe(0);
    expect(readFileSync(out).equals(readFileSync(join(tmp, 'ref.dtb')))).toBe(true);
    // The overlay may also be given as its plugin source.
    const out2 = join(tmp, 'out2.dtb');
    expect(bringup(base, '-a', `${fx}/lang-plugin.dts`, '-E', '-O', 'dtb', '-o', out2).status).toBe(0);
    expect(readFileSync(out2).equals(readFileSync(join(tmp, 'ref.dtb')))).toBe(true);
  });

  it('applies an overlay to fdtoverlay\'s own output byte for byte, stale padding kept (a nested composite)', () => {
    // fdtoverlay edits the blob it is given in place: a value that shrank leaves its old bytes in the
    // padding, and the next overlay applied to that output keeps them (Kbuild's k3-am654-idk is built
    // so: an overlay applied to a composite). Written anew, the padding would be zeros.
    const w = (name: string, text: string) => writeFileSync(join(tmp, name), text);
    w('nest-base.dts', '/dts-v1/;\n/ { model = "abcdefg"; node { value = "0123456789"; }; };\n');
    w('nest-ov1.dts', '/dts-v1/;\n/plugin/;\n&{/} { model = "xy"; };\n');
    w('nest-ov2.dts', '/dts-v1/;\n/plugin/;\n&{/node} { extra = <1>; };\n');
    const t = (name: string) => join(tmp, name);
    spawnSync('dtc', ['-q', '-@', '-O', 'dtb', '-o', t('nest-base.dtb'), t('nest-base.dts')]);
    for (const o of ['nest-ov1', 'nest-ov2']) spawnSync('dtc', ['-q', '-O', 'dtb', '-o', t(`${o}.dtbo`), t(`${o}.dts`)]);
    spawnSync('fdtoverlay', ['-o', t('nest-a.dtb'), '-i', t('nest-base.dtb'), t('nest-ov1.dtbo')]);
    spawnSync('fdtoverlay', ['-o', t('nest-ref.dtb'), '-i', t('nest-a.dtb'), t('nest-ov2.dtbo')]);
    const stale = readFileSync(t('nest-a.dtb'));
    expect(stale.includes(Buffer.from('xy\0d'))).toBe(true); // "abcdefg" shrank to "xy": 'd' is left over
    expect(bringup(t('nest-a.dtb'), '-a', t('nest-ov2.dtbo'), '-O', 'dtb', '-o', t('nest-out.dtb')).status).toBe(0);
    expect(readFileSync(t('nest-out.dtb')).equals(readFileSync(t('nest-ref.dtb')))).toBe(true);
    // dtc -I dtb -O dtb writes the tree anew, and so does bringup dt without an overlay.
    const anew = spawnSync('dtc', ['-q', '-I', 'dtb', '-O', 'dtb', t('nest-a.dtb')]).stdout;
    expect(bringup(t('nest-a.dtb'), '-O', 'dtb', '-o', t('nest-anew.dtb')).status).toBe(0);
    expect(readFileSync(t('nest-anew.dtb')).equals(anew)).toBe(true);
  });

  it('an overlay whose label the base lacks is an input error (exit 1)', () => {
    const base = join(tmp, 'nosym.dtb');
    spawnSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-o', base, `${fx}/lang-refs.dts`], { cwd: root });
    const r = bringup(base, '-a', `${fx}/lang-plugin.dts`, '-E', '-q');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ERROR \(overlay\): cannot apply overlay: label "i2c1" used by the overlay is not in the base's \/__symbols__/);
  });

  describe('errors in the input exit 1 with a positioned message', () => {
    it('a reference to a missing label', () => {
      const r = bringup(`${fx}/bad-phandle_references.dts`, '-E');
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`${fx}/bad-phandle_references.dts:4.11-6.4: ERROR (phandle_references): /consumer: Reference to non-existent node or label "missing_clock"\nbringup dt: ${fx}/bad-phandle_references.dts: input has errors, no output written\n`);
      expect(r.stdout.length).toBe(0);
    });

    it('a syntax error', () => {
      writeFileSync(join(tmp, 'syntax.dts'), '/dts-v1/;\n/ {\n\tfoo = <1 2;\n};\n');
      const r = bringup(join(tmp, 'syntax.dts'));
      expect(r.status).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe(`${join(tmp, 'syntax.dts')}:3.12-13: ERROR: syntax error: unexpected ';', expecting '>'`);
    });

    it('an error inside an included file names the include chain', () => {
      const r = bringup(`${fx}/err-include-chain.dts`);
      expect(r.status).toBe(1);
      expect(r.stderr.split('\n').slice(0, 2)).toEqual([
        `${fx}/err-include-chain.dtsi:2.11-4.4: ERROR (phandle_references): /consumer: Reference to non-existent node or label "no_such_clock"`,
        `  included from ${fx}/err-include-chain.dts:3`,
      ]);
    });

    it('a preprocessor error (missing #include) keeps its position', () => {
      writeFileSync(join(tmp, 'inc.dts'), '/dts-v1/;\n#include "missing.h"\n/ { };\n');
      const r = bringup(join(tmp, 'inc.dts'));
      expect(r.status).toBe(1);
      expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^${join(tmp, 'inc.dts')}:2\\.10-20: ERROR \\(include_not_found\\): missing\\.h`));
    });

    it('a 0-byte file', () => {
      writeFileSync(join(tmp, 'empty.dts'), '');
      const r = bringup(join(tmp, 'empty.dts'));
      expect(r.status).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe(`${join(tmp, 'empty.dts')}:1.1: ERROR: empty input: a device tree source needs "/dts-v1/;" and a root node`);
    });

    it('a binary file is source to dtc (no FDT magic, no .dtb name), and fails where dtc fails', () => {
      const r = bringup('/bin/true');
      expect(r.status).toBe(1);
      const errors = r.stderr.split('\n').filter((l) => l.includes('ERROR'));
      expect(errors).toEqual(['/bin/true:1.1-2: ERROR: missing "/dts-v1/;" header (dtc accepts only version 1 sources)']);
      expect(spawnSync('dtc', ['-q', '-O', 'dts', '/bin/true'], { encoding: 'utf8' }).stderr).toContain('/bin/true:1.1-2 syntax error');
    });

    it('a truncated DTB', () => {
      const whole = readFileSync(join(debianDtbDir(), 'arm/juno-r2.dtb'));
      writeFileSync(join(tmp, 'cut.dtb'), whole.subarray(0, 5000));
      const r = bringup(join(tmp, 'cut.dtb'));
      expect(r.status).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe(`${join(tmp, 'cut.dtb')}:byte 4: ERROR (dtb): totalsize ${whole.length} is larger than the file (5000 bytes)`);
    });

    it('an output file that cannot be written', () => {
      const r = bringup(`${fx}/lang-refs.dts`, '-q', '-O', 'dtb', '-o', join(tmp, 'no-such-dir', 'x.dtb'));
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^bringup dt: cannot write .*no-such-dir\/x\.dtb: ENOENT/);
    });

    it('a missing file', () => {
      const r = bringup(join(tmp, 'nope.dts'));
      expect(r.status).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe(`${join(tmp, 'nope.dts')}: ERROR (io): cannot read ${join(tmp, 'nope.dts')}`);
    });

    it('10,000-deep nesting compiles (exit 0) instead of overflowing', () => {
      writeFileSync(join(tmp, 'deep.dts'), '/dts-v1/;\n/ {\n' + 'a {\n'.repeat(10_000) + '};\n'.repeat(10_000) + '};\n');
      const out = join(tmp, 'deep.dtb');
      expect(bringup(join(tmp, 'deep.dts'), '-E', '-O', 'dtb', '-o', out).status).toBe(0);
      // header, one empty reservation, root (8) + 10,000 x (BEGIN + "a" + END = 12) + root END + FDT_END
      expect(readFileSync(out).length).toBe(40 + 16 + 8 + 12 * 10_000 + 4 + 4);
      // The checks walk it too: an alias to the deepest node is found (no alias_paths warning), and
      // one past it is not.
      const aliased = (path: string) => `/dts-v1/;\n/ {\naliases { deep = "${path}"; };\n` + 'a {\n'.repeat(10_000) + '};\n'.repeat(10_000) + '};\n';
      writeFileSync(join(tmp, 'deep-alias.dts'), aliased('/a'.repeat(10_000)));
      const found = bringup(join(tmp, 'deep-alias.dts'), '-E', '-O', 'dtb', '-o', out);
      expect(found.status).toBe(0);
      expect(found.stderr).toBe('');
      writeFileSync(join(tmp, 'deep-alias.dts'), aliased('/a'.repeat(10_001)));
      const missing = bringup(join(tmp, 'deep-alias.dts'), '-E', '-O', 'dtb', '-o', out);
      expect(missing.status).toBe(0);
      expect(missing.stderr).toMatch(/Warning \(alias_paths\): \/aliases:deep: aliases property is not a valid node/);
    });
  });

  it('--batch runs many compiles in one process; the exit status is the worst', () => {
    const list = join(tmp, 'batch.txt');
    writeFileSync(list, [`# two good boards, one bad input`, `${fx}/lang-refs.dts -q -O dtb -o '${join(tmp, 'b1.dtb')}'`, `"${fx}/lang-edit.dts" -E -O dtb -o ${join(tmp, 'b2.dtb')}`, '', `${fx}/bad-phandle_references.dts -E`].join('\n'));
    const r = bringup('--batch', list);
    expect(r.status).toBe(1);
    expect(readFileSync(join(tmp, 'b1.dtb')).equals(dtc('-I', 'dts', '-O', 'dtb', `${fx}/lang-refs.dts`))).toBe(true);
    expect(readFileSync(join(tmp, 'b2.dtb')).equals(dtc('-I', 'dts', '-O', 'dtb', `${fx}/lang-edit.dts`))).toBe(true);
    expect(r.stderr).toContain('ERROR (phandle_references)');
    writeFileSync(list, `${fx}/lang-refs.dts -q -O dtb -o ${join(tmp, 'b3.dtb')}\n${fx}/lang-refs.dts -O nope\n`);
    const u = bringup('--batch', list);
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/option -O takes one of dtb, dts, json \(got "nope"\) \(batch line: /);
    expect(bringup('--batch', join(tmp, 'missing-list.txt')).status).toBe(1);
  });

  it('bad usage exits 2', () => {
    expect(bringup().status).toBe(2);
    expect(bringup('a.dts', 'b.dts').status).toBe(2);
    expect(bringup(`${fx}/lang-refs.dts`, '-O', 'yaml').status).toBe(2);
    expect(bringup(`${fx}/lang-refs.dts`, '--frobnicate').status).toBe(2);
    expect(bringup(`${fx}/lang-refs.dts`, '-b', 'x').status).toBe(2);
    const r = bringup(`${fx}/lang-refs.dts`, '-O');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^bringup dt: option -O needs a value/);
  });
});
