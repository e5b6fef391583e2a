// The packaging config (build/electron-builder.json) as far as this machine can check it without
// Electron's binary: electron-builder's own schema accepts it, every file it ships is something the
// build produces or the repository holds, the icon is a real PNG big enough for every Linux size, and
// `npm run dist` builds before it packages. (`npm run dist` itself needs Electron's binary.)
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of known files, read field by field below
const readJson = (p: string): Record<string, any> => JSON.parse(readFileSync(join(root, p), 'utf8'));
const config = readJson('build/electron-builder.json');
const pkg = readJson('package.json');

async function validate(c: Record<string, unknown>): Promise<void> {
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    validateConfiguration: (c: unknown, log: { isEnabled: boolean; add: () => void }) => Promise<void>;
  };
  const { $schema: _schema, ...rest } = c;
  await validateConfiguration(rest, { isEnabled: false, add: () => {} });
}

describe('packaging (electron-builder)', () => {
  it("is valid for electron-builder's own schema, which refuses a broken config", async () => {
    await expect(validate(config)).resolves.toBeUndefined();
    await expect(validate({ ...config, linux: { ...config.linux, iconn: 'typo.png' } })).rejects.toThrow(/does not match the API schema/);
  });

  it('makes a .deb and an AppImage with the app icon', () => {
    expect(config.linux.target).toEqual(expect.arrayContaining(['deb', 'AppImage']));
    const icon = readFileSync(join(root, config.linux.icon));
    expect([...icon.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(icon.readUInt32BE(16)).toBeGreaterThanOrEqual(512);
    expect(icon.readUInt32BE(20)).toBe(icon.readUInt32BE(16));
  });

  it('ships what the app loads at run time: the built main, preload and renderer, and resources/', () => {
    // electron/main/index.ts resolves these from the app root.
    const main = readFileSync(join(root, 'electron/main/index.ts'), 'utf8');
    for (const p of ["'out', 'renderer'", "'out', 'preload', 'index.cjs'", "'resources'"]) expect(main).toContain(p);
    expect(config.files).toEqual(expect.arrayContaining(['package.json', 'out/**', 'resources/**']));
    expect(pkg.main).toBe('out/main/index.js');
    const vite = readFileSync(join(root, 'build/electron.vite.config.ts'), 'utf8');
    for (const out of ['out/main', 'out/preload', 'out/renderer']) expect(vite).toContain(`'${out}'`);
    expect(existsSync(join(root, 'resources/demo/board.dts'))).toBe(true);
    expect(existsSync(join(root, 'resources/kernel/6.1/drivers.json'))).toBe(true);
    // serialport's native addon cannot load from inside the asar.
    expect(config.asarUnpack).toContain('**/*.node');
  });

  it('`npm run dist` builds the app, then packages it with this config', () => {
    expect(pkg.scripts.dist).toBe('npm run build && electron-builder --config build/electron-builder.json --linux');
    expect(pkg.scripts.build).toContain('-c build/electron.vite.config.ts');
    expect(pkg.devDependencies['electron-builder']).toBeDefined();
  });
});
