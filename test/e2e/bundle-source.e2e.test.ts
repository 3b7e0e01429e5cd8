// The built bundle is ASCII, so V8 keeps each chunk's source one byte a character (two-byte, the
// main chunk took 2.5 MB of heap instead of 1.25): scripts/ascii-source.mjs turns the non-ASCII
// characters esbuild leaves in comments into ASCII, and leaves code (a template literal) as it is.
import { readdirSync, readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const OUT = fileURLToPath(new URL('../../dist/src/', import.meta.url));
const SCRIPT = pathToFileURL(fileURLToPath(new URL('../../scripts/ascii-source.mjs', import.meta.url))).href;
type AsciiComments = (esbuild: unknown, file: string) => Promise<boolean>;

describe('the bundle as V8 holds it', () => {
  it('is ASCII in every chunk', () => {
    const files = readdirSync(OUT).filter((f) => f === 'cli.js' || (f.startsWith('bundle-') && f.endsWith('.js')));
    expect(files.length).toBeGreaterThan(10);
    const nonAscii = files.filter((f) => /[^\x00-\x7f]/.test(readFileSync(join(OUT, f), 'utf8')));
    expect(nonAscii).toEqual([]);
  });

  it('turns non-ASCII comments into ASCII one for one, and never changes code', async () => {
    const { asciiComments } = (await import(SCRIPT)) as { asciiComments: AsciiComments };
    const esbuild = await import('esbuild');
    const dir = mkdtempSync(join(tmpdir(), 'ascii-source-'));
    try {
      const commented = join(dir, 'a.js');
      const text = '// crawl … lag 🙂\nexport const a = "\\u2026"; /* → */\n';
      writeFileSync(commented, text);
      expect(await asciiComments(esbuild, commented)).toBe(true);
      const out = readFileSync(commented, 'utf8');
      expect(out).toBe('// crawl ? lag ??\nexport const a = "\\u2026"; /* ? */\n');
      expect(out.length).toBe(text.length);
      expect(await asciiComments(esbuild, commented)).toBe(false);
      const code = join(dir, 'b.js');
      const template = '// …\nexport const b = `2 µs`;\n';
      writeFileSync(code, template);
      expect(await asciiComments(esbuild, code)).toBe(false);
      expect(readFileSync(code, 'utf8')).toBe(template);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
