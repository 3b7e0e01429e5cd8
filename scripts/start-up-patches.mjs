// Build-time changes to the cockpit's bundle that take work off the path to the first frame
// (issue 16, start-up), used by scripts/bundle.mjs. Like its other patches, a text that is not
// found fails the build: a new version of the dependency (or of esbuild) needs them re-checked.

/**
 * The characters a grapheme segmenter gives one code unit each, whatever is around them (see
 * lazySegmenters): ASCII and the other C0/C1 controls but CR (CR LF is one cluster), Latin-1 and the
 * Latin, IPA and spacing-modifier blocks up to U+02FF (combining marks start at U+0300), general
 * punctuation without the zero-width and bidi controls (U+200B-U+200F, U+2028-U+202F: ZWNJ and
 * ZWJ extend a cluster), arrows, mathematical operators, miscellaneous technical, box drawing,
 * blocks, geometric shapes, miscellaneous symbols and dingbats. None of them is Extend, ZWJ,
 * SpacingMark, Prepend, a regional indicator, Hangul or a surrogate, the only properties that join
 * a cluster; test/startup/startUpPatches.test.ts checks every ordered pair against ICU's segmenter.
 */
export const ONE_UNIT_GRAPHEMES = '\\x00-\\x0c\\x0e-\\u02ff\\u2010-\\u2027\\u2030-\\u205e\\u2190-\\u23ff\\u2500-\\u27bf';

/**
 * A stand-in for `new Intl.Segmenter(args)`, as source text (one line): `segment(text)` of a text
 * made only of ONE_UNIT_GRAPHEMES gives one segment per code unit (`{segment, index, input}`, in
 * order, and `containing(index)`), as ICU does; any other text goes to the real segmenter, made the
 * first time one is needed.
 */
export function lazySegmenterSource(args) {
  return `(() => { let lsosReal; const lsosOneUnit = /^[${ONE_UNIT_GRAPHEMES}]*$/; class LsosSegments { constructor(input) { this.input = input; } containing(index) { const i = Math.trunc(Number(index)) || 0; return i >= 0 && i < this.input.length ? { segment: this.input[i], index: i, input: this.input } : undefined; } *[Symbol.iterator]() { const s = this.input; for (let i = 0; i < s.length; i++) yield { segment: s[i], index: i, input: s }; } } return { segment(text) { const s = \`\${text}\`; return lsosOneUnit.test(s) ? new LsosSegments(s) : (lsosReal ??= new Intl.Segmenter(${args})).segment(s); } }; })() /* lsos-cockpit: scripts/bundle.mjs */`;
}

/**
 * Intl.Segmenter: four modules of Ink's path make one when they are evaluated (string-width, its
 * older copy under wrap-ansi, slice-ansi's tokeniser, @alcalzone/ansi-tokenize). The first one
 * loads ICU's break-iterator data: 10-15 ms of CPU before the first frame and about 1 MB of RSS
 * for the process's life. The texts Ink segments on the cockpit's screens (SGR escapes, box
 * drawing, ASCII, `…`, `·`) are one code unit per cluster, so they need no segmenter at all.
 */
function lazySegmenters() {
  const grapheme = 'undefined, { granularity: "grapheme" }';
  return [
    { file: 'node_modules/string-width/index.js', decl: 'const segmenter = ', args: '' },
    { file: 'node_modules/wrap-ansi/node_modules/string-width/index.js', decl: 'const segmenter = ', args: '' },
    { file: 'node_modules/slice-ansi/tokenize-ansi.js', decl: 'const GRAPHEME_SEGMENTER = ', args: "undefined, {granularity: 'grapheme'}" },
    { file: 'node_modules/@alcalzone/ansi-tokenize/build/tokenize.js', decl: 'const segmenter = ', args: grapheme },
  ].map(({ file, decl, args }) => ({
    file,
    from: `${decl}new Intl.Segmenter(${args});`,
    to: `${decl}${lazySegmenterSource(args)};`,
    count: 1,
  }));
}

/**
 * Start-up work the first frame does not need (issue 16). string-width 8.3.0 builds its RGI_Emoji
 * regular expression when its module is evaluated: a `v`-flag Unicode property of strings, which
 * V8 expands when it parses the pattern (14 ms of CPU on this machine, timed alone). It is used
 * only for a grapheme cluster that is not printable ASCII nor in the blocks the string-width patch
 * measures itself (scripts/patch-ink.mjs): built the first time such a cluster is measured, the
 * same expression.
 */
export const START_UP = [
  {
    file: 'node_modules/string-width/index.js',
    from: 'const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;',
    to: 'let lsosRgiEmojiRegex; const rgiEmojiRegex = {test: (s) => (lsosRgiEmojiRegex ??= /^\\p{RGI_Emoji}$/v).test(s)}; /* lsos-cockpit: scripts/bundle.mjs */',
    count: 1,
  },
  ...lazySegmenters(),
];

/**
 * esbuild's `__toESM` gives each ES module that imports a CommonJS one a namespace object of its
 * own, defining a getter for every export: React's 50-odd exports for each of 54 importers,
 * react/jsx-runtime for 32, Node's fs or path for every file that imports them (an importer of a
 * built-in has a wrapper module of its own, whose exports are Node's module). About 10 ms of CPU
 * before the first frame (profiled). The namespace is a view (each getter reads the module's
 * export when called), so importers of the same module share one; it is made again when the
 * module has gained or lost exports since (a module still being evaluated in a cycle), as a fresh
 * one would list them. On one line: the source map's lines stay put.
 */
const TO_ESM = 'var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(';
const TO_ESM_ONCE =
  'var __lsosNamespaces = [new WeakMap(), new WeakMap()], __toESM = (mod, isNodeMode) => { if (mod == null || typeof mod != "object" && typeof mod != "function") return __lsosToESM(mod, isNodeMode); const seen = __lsosNamespaces[isNodeMode ? 1 : 0], names = __getOwnPropNames(mod).length, had = seen.get(mod); if (had !== void 0 && had.names === names) return had.ns; const ns = __lsosToESM(mod, isNodeMode); seen.set(mod, { ns, names }); return ns; }, __lsosToESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(';
export function onceToESM(text) {
  if (text.split(TO_ESM).length !== 2) throw new Error("bundle: esbuild's __toESM helper is not the expected text: re-check onceToESM");
  return text.replace(TO_ESM, () => TO_ESM_ONCE);
}
