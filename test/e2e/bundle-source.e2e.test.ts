// The built bundle is ASCII, so V8 keeps the script's source one byte a character (two-byte, the
// main chunk took 2.5 MB of heap instead of 1.25) and the bin can read it as latin1:
// scripts/ascii-source.mjs turns the non-ASCII characters esbuild leaves in comments into ASCII,
// and refuses to change code (a template literal).
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const OUT = (f: string) => fileURLToPath(new URL(`../../dist/src/${f}`, import.meta.url));
const SCRIPT = pathToFileURL(fileURLToPath(new URL('../../scripts/ascii-source.mjs', import.meta.url))).href;
type AsciiComments = (text: string, esbuild: unknown) => Promise<string>;

describe('the bundle as V8 holds it', () => {
  it('is ASCII: the bin and the script it runs', () => {
    for (const f of ['cli.cjs', 'cockpit.cjs']) {
      const text = readFileSync(OUT(f), 'utf8');
      expect(text.length).toBeGreaterThan(1000);
      expect(text.match(/^.*[^\x00-\x7f].*$/m)?.[0]).toBeUndefined();
    }
  });

  it("shares esbuild's namespace objects between importers (scripts/start-up-patches.mjs)", () => {
    const text = readFileSync(OUT('cockpit.cjs'), 'utf8');
    expect(text).toMatch(/var __lsosNamespaces ?= ?\[new WeakMap(\(\))?, ?new WeakMap(\(\))?\], ?__toESM ?= ?/);
    expect(text).toMatch(/lsosRgiEmojiRegex ?\?\?=/);
  });

  // V8 holds the script's text for as long as it runs: whitespace is memory (scripts/bundle.mjs,
  // withoutWhitespace), and the source map, made again through the whitespace pass, still leads
  // a position in it to the source it came from.
  it('is without whitespace, and its source map leads back to src/', () => {
    const text = readFileSync(OUT('cockpit.cjs'), 'utf8');
    // Printed by esbuild, a line is about a statement (77,000 of them); left are the lines inside template literals.
    expect(text.split('\n').length).toBeLessThan(text.length / 2000);
    expect(text.endsWith('//# sourceMappingURL=cockpit.cjs.map\n')).toBe(true);
    const map = new SourceMap(JSON.parse(readFileSync(OUT('cockpit.cjs.map'), 'utf8')) as SourceMapPayload);
    const at = text.indexOf('function parseRoster(');
    expect(at).toBeGreaterThan(0);
    const before = text.slice(0, at);
    const line = before.split('\n').length - 1;
    const column = at - (before.lastIndexOf('\n') + 1);
    const found = map.findEntry(line, column) as { originalSource?: string; originalLine?: number };
    expect(found.originalSource).toMatch(/src\/core\/paging\.ts$/);
    const source = readFileSync(fileURLToPath(new URL('../../src/core/paging.ts', import.meta.url)), 'utf8').split('\n');
    expect(source[found.originalLine ?? -1]).toContain('function parseRoster(');
  });

  it('turns non-ASCII comments into ASCII one for one, and never changes code', async () => {
    const { asciiComments } = (await import(SCRIPT)) as { asciiComments: AsciiComments };
    const esbuild = await import('esbuild');
    const text = '// crawl … lag 🙂\nexport const a = "\\u2026"; /* → */\n';
    const out = await asciiComments(text, esbuild);
    expect(out).toBe('// crawl ? lag ??\nexport const a = "\\u2026"; /* ? */\n');
    expect(out.length).toBe(text.length);
    expect(await asciiComments(out, esbuild)).toBe(out);
    await expect(asciiComments('// …\nexport const b = `2 µs`;\n', esbuild)).rejects.toThrow(/outside comments/);
  });
});
