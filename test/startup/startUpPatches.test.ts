// Build-time changes that take work off the path to the first frame (scripts/start-up-patches.mjs):
// string-width's RGI_Emoji expression is built on first use, with the same widths; esbuild's
// __toESM gives every importer of a CommonJS module the same namespace, a live view that lists
// what the module exports; Ink's text modules make no Intl.Segmenter for a text of one code unit
// per cluster.
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
const { START_UP, onceToESM, ONE_UNIT_GRAPHEMES } = (await import(PATCHES)) as {
  START_UP: Patch[];
  onceToESM: (text: string) => string;
  ONE_UNIT_GRAPHEMES: string;
};

/**
 * `contents` bundled as the cockpit's bundle is (esbuild, target node20, CommonJS), with the
 * start-up patches applied to the files they name; each patch's text must be found as often as
 * it says.
 */
async function bundleWithStartUpPatches(contents: string): Promise<string> {
  const esbuild = await import('esbuild');
  const { realpathSync } = await import('node:fs');
  const byPath = new Map<string, Patch[]>();
  for (const p of START_UP) {
    const path = realpathSync(`${ROOT}${p.file}`);
    byPath.set(path, [...(byPath.get(path) ?? []), p]);
  }
  const result = await esbuild.build({
    stdin: { contents, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    write: false,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    plugins: [
      {
        name: 'start-up',
        setup(build) {
          build.onLoad({ filter: /\.js$/ }, (args) => {
            const list = byPath.get(args.path);
            if (!list) return undefined;
            let text = readFileSync(args.path, 'utf8');
            for (const p of list) {
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

/** string-width as the bundle has it: esbuild, target node20, with the start-up patches. */
function bundledStringWidth(): Promise<string> {
  return bundleWithStartUpPatches("export { default } from 'string-width';");
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

/** Ink's text modules as the bundle has them (esbuild, node20, every start-up patch applied), run with `intl` as Intl. */
async function bundledInkText(intl: unknown): Promise<{
  tokenize: (s: string) => unknown;
  sliceAnsi: (s: string, start: number, end?: number) => string;
  stringWidth: (s: string) => number;
  wrapAnsi: (s: string, columns: number, options?: { hard?: boolean }) => string;
}> {
  const code = await bundleWithStartUpPatches(
    [
      "export { tokenize } from '@alcalzone/ansi-tokenize';",
      "export { default as sliceAnsi } from 'slice-ansi';",
      "export { default as stringWidth } from 'string-width';",
      "export { default as wrapAnsi } from 'wrap-ansi';",
    ].join('\n'),
  );
  const mod = { exports: {} as Record<string, unknown> };
  new Function('module', 'exports', 'require', 'Intl', code)(mod, mod.exports, () => ({}), intl);
  return mod.exports as never;
}

describe('Intl.Segmenter in Ink’s text modules', () => {
  const oneUnit = new RegExp(`^[${ONE_UNIT_GRAPHEMES}]$`);
  const chars: string[] = [];
  for (let c = 0; c < 0x10000; c++) if (oneUnit.test(String.fromCharCode(c))) chars.push(String.fromCharCode(c));

  it('is not needed for the characters taken as one cluster each: ICU joins none of them to a neighbour', () => {
    // A cluster joins across a boundary only when the second character is Extend, ZWJ or a
    // SpacingMark, the first is Prepend, both are regional indicators or Hangul jamo that
    // combine, or the pair is CR LF. Each character is put after and before a letter, after and
    // before itself, between two Hangul L, V, T and LV jamo and two LFs: a character with any of those
    // properties would join one of these neighbours.
    expect(chars.length).toBeGreaterThan(2000);
    const icu = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    const probes = ['a', '\u1100', '\u1161', '\u11a8', '\uac00', '\n'];
    let text = '';
    for (const c of chars) {
      text += c + c;
      for (const p of probes) text += p + c + p;
    }
    let count = 0;
    const joined: string[] = [];
    for (const { segment, index } of icu.segment(text)) {
      if (segment.length !== 1 && !/^\u1100\u1161$|^\u1161\u11a8$|^\uac00\u11a8$/.test(segment))
        joined.push(`${index}: ${JSON.stringify(segment)}`);
      count += 1;
    }
    expect(joined.slice(0, 5)).toEqual([]);
    expect(count).toBeGreaterThan(chars.length * 10);
  });

  it('is made only for a text that needs it, and every module gives what it gave before', async () => {
    let made = 0;
    const Spy = class extends Intl.Segmenter {
      constructor(...args: ConstructorParameters<typeof Intl.Segmenter>) {
        super(...args);
        made += 1;
      }
    };
    const patched = await bundledInkText({
      ...Object.fromEntries(Object.getOwnPropertyNames(Intl).map((k) => [k, (Intl as never)[k]])),
      Segmenter: Spy,
    });
    const { tokenize } = await import('@alcalzone/ansi-tokenize');
    const { default: sliceAnsi } = await import('slice-ansi');
    const { default: wrapAnsi } = await import('wrap-ansi');
    const simple = [
      '\u001b[36m╔═══╗\u001b[39m',
      'crawl ── 12 s … ↑ 1,204 · replica-1',
      '\u001b[32mno severity\u001b[39m suggested\u001b[90m · \u001b[39m\u001b[33mnot decided\u001b[39m',
      '│ ▲ ▼ ● ○ ◆ ✓ ✗ → ← ⚠ ±×÷ ¹²³ ñ ǅ ʰ ‐—‘’“”•‰′″‹›⁄',
      'tab\there\u0007\u009b1m\u007f',
      '',
    ];
    const check = (s: string) => {
      expect(patched.tokenize(s)).toEqual(tokenize(s));
      expect(patched.stringWidth(s)).toBe(stringWidth(s));
      expect(patched.wrapAnsi(s, 7, { hard: true })).toBe(wrapAnsi(s, 7, { hard: true }));
      for (const [a, b] of [
        [0, 3],
        [1, 9],
        [2, undefined],
        [5, 6],
      ] as const)
        expect(patched.sliceAnsi(s, a, b)).toBe(sliceAnsi(s, a, b));
    };
    for (const s of simple) check(s);
    expect(made).toBe(0);
    for (const s of ['🙂 a👍🏽b', '🇫🇷🇩🇪x', 'e\u0301 café', '漢字テスト', 'a\r\nb', 'ｶﾞｷ', 'x\u200dy', '\u001b[31m👨‍👩‍👧\u001b[39m ok']) check(s);
    // One real segmenter per module, made on first need (string-width's own path measures only what its patch does not).
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThanOrEqual(4);
  });
});
