// Build-time changes that take work off the path to the first frame (scripts/start-up-patches.mjs):
// string-width's RGI_Emoji expression is built on first use, with the same widths; esbuild's
// __toESM gives every importer of a CommonJS module the same namespace, a live view that lists
// what the module exports.
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PATCHES = pathToFileURL(`${ROOT}scripts/start-up-patches.mjs`).href;
interface Patch {
  file: string;
  from: string;
  to: string;
  count: number;
}
const { START_UP, onceToESM } = (await import(PATCHES)) as { START_UP: Patch[]; onceToESM: (text: string) => string };

/** string-width as the bundle has it: esbuild, target node20, with the start-up patches. */
async function bundledStringWidth(): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    stdin: { contents: "export { default } from 'string-width';", resolveDir: ROOT, loader: 'js' },
    bundle: true,
    write: false,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    plugins: [
      {
        name: 'start-up',
        setup(build) {
          build.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, (args) => {
            let text = readFileSync(args.path, 'utf8');
            for (const p of START_UP.filter((x) => args.path.endsWith(x.file.replace('node_modules', '')))) {
              expect(text.split(p.from).length - 1).toBe(p.count);
              text = text.replaceAll(p.from, p.to);
            }
            return { contents: text, loader: 'js' };
          });
        },
      },
    ],
  });
  return result.outputFiles[0]!.text;
}

describe("string-width's RGI_Emoji expression", () => {
  it('is built on first use, not when the module loads, and measures as before', async () => {
    const code = await bundledStringWidth();
    // esbuild writes a `v` expression as new RegExp(...) for Node 20: every expression the module
    // builds goes through this constructor.
    const made: string[] = [];
    const Spy = new Proxy(RegExp, {
      construct(target, args: [string, string?]) {
        made.push(String(args[0]));
        return new target(...args);
      },
    });
    const mod = { exports: {} as { default?: (s: string) => number } };
    new Function('module', 'exports', 'require', 'RegExp', code)(mod, mod.exports, (id: string) => ({}) as unknown as typeof id, Spy);
    const width = mod.exports.default!;
    expect(made.length).toBeGreaterThan(0);
    expect(made.some((p) => p.includes('RGI_Emoji'))).toBe(false);
    // Texts of the patched blocks and ASCII do not need it.
    expect(width('crawl ── 12 s … ↑')).toBe(stringWidth('crawl ── 12 s … ↑'));
    expect(made.some((p) => p.includes('RGI_Emoji'))).toBe(false);
    for (const s of ['🙂', 'a👍🏽b', '🇫🇷', '👨‍👩‍👧', '1️⃣', '漢字', 'é', 'ｶﾞ', '\u200b']) expect(width(s)).toBe(stringWidth(s));
    expect(made.filter((p) => p.includes('RGI_Emoji'))).toHaveLength(1);
  });
});

describe("esbuild's __toESM in the bundle", () => {
  /** The helpers at the top of an esbuild CommonJS bundle, with onceToESM applied. */
  function helpers(): (mod: unknown, isNodeMode?: number) => Record<string, unknown> {
    const prelude = `var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf, __hasOwnProp = Object.prototype.hasOwnProperty;
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from == "object" || typeof from == "function")
    for (let key of __getOwnPropNames(from))
      !__hasOwnProp.call(to, key) && key !== except && __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: !0 }) : target,
  mod
));
return __toESM;`;
    return new Function(onceToESM(prelude))() as (mod: unknown, isNodeMode?: number) => Record<string, unknown>;
  }

  it('fails the build on any other text of the helper', () => {
    expect(() => onceToESM('var __toESM = (mod) => mod;')).toThrow(/not the expected text/);
  });

  it('gives importers of one module the same namespace, a live view of its exports', () => {
    const toESM = helpers();
    const react = { useState: () => 1, version: '19' };
    const a = toESM(react, 1);
    expect(toESM(react, 1)).toBe(a);
    expect(a.default).toBe(react);
    expect(a.version).toBe('19');
    react.version = '20';
    expect(a.version).toBe('20');
    // Not node mode, an __esModule: no `default` added; a namespace of its own.
    const esm = { __esModule: true, x: 1 };
    const b = toESM(esm);
    expect(b).not.toBe(toESM(esm, 1));
    expect(Object.keys(b)).toEqual(['__esModule', 'x']);
    expect(toESM(esm)).toBe(b);
  });

  it('lists exports a module gained since (a module still being evaluated in a cycle)', () => {
    const toESM = helpers();
    const partial: Record<string, unknown> = { early: 1 };
    const first = toESM(partial, 1);
    expect(first.late).toBeUndefined();
    partial.late = 2;
    const second = toESM(partial, 1);
    expect(second).not.toBe(first);
    expect(second.late).toBe(2);
    expect(toESM(null, 1)).toEqual({ default: null });
  });
});
