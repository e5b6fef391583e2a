// Test support: runs the host's real GNU cpp the way Kbuild does for .dts files, and reduces both its
// output and ours to (file, line, text) rows so they can be compared token for token, ignoring
// whitespace runs and where linemarkers versus blank lines were used.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { preprocess, type PreprocessCache } from '../../engine/devicetree/preprocess';

export interface Row {
  file: string;
  line: number;
  text: string;
}

export function realCpp(file: string, includeDirs: string[], cwd?: string): { out: string; ok: boolean; stderr: string } {
  const args = ['-nostdinc', ...includeDirs.flatMap((d) => ['-I', d]), '-undef', '-D__DTS__', '-x', 'assembler-with-cpp', file];
  try {
    const out = execFileSync('cpp', args, { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
    return { out, ok: true, stderr: '' };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { out: err.stdout ?? '', ok: false, stderr: err.stderr ?? '' };
  }
}

export function ours(file: string, includeDirs: string[], cache?: PreprocessCache, root = '') {
  return preprocess(file, {
    includeDirs,
    cache,
    readFile: (p) => {
      try {
        return new Uint8Array(readFileSync(root ? `${root}/${p}` : p));
      } catch {
        return undefined;
      }
    },
  });
}

const MARKER = /^# (\d+) "((?:[^"\\]|\\.)*)"((?: \d)*)$/;

export function rows(text: string): Row[] {
  const out: Row[] = [];
  let file = '';
  let line = 1;
  for (const raw of text.split('\n')) {
    const m = MARKER.exec(raw);
    if (m) {
      line = Number(m[1]);
      file = m[2]!.replace(/\\(.)/g, '$1');
      continue;
    }
    const t = raw.replace(/\s+/g, ' ').trim();
    if (t && !file.startsWith('<')) out.push({ file, line, text: t });
    line++;
  }
  return out;
}

/** First difference between two row lists, or null. */
export function firstDifference(a: Row[], b: Row[]): string | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || x.file !== y.file || x.line !== y.line || x.text !== y.text) {
      const show = (r?: Row) => (r ? `${r.file}:${r.line}: ${r.text}` : '<end>');
      return `row ${i}:\n  cpp:  ${show(x)}\n  ours: ${show(y)}`;
    }
  }
  return null;
}
