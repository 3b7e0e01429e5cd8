// Build-time changes to the cockpit's bundle that take work off the path to the first frame
// (issue 16, start-up), used by scripts/bundle.mjs. Like its other patches, a text that is not
// found fails the build: a new version of the dependency (or of esbuild) needs them re-checked.

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
