// Postinstall patches to Ink 6.8.0, applied as patch-package would: each replaces an exact text,
// is idempotent (a patched file carries the marker and is left alone) and fails loudly if Ink's
// code is not what it expects (a different Ink version needs every patch re-checked).
//
// 1. Correctness: Ink's incremental renderer moves the cursor up one line too few when the
//    previous frame ended with a newline (any frame shorter than the terminal), so every changed
//    line lands one row too low and old lines stay on screen. The cockpit needs incremental
//    rendering with a frame of rows - 1 (a full-height frame makes Ink clear the screen on every
//    commit).
// 2. Frame cost (issue 16): Ink builds every frame as a string from a fresh grid of cells, and its
//    caches of tokenised lines, widths and clipped lines live only for one frame, so an unchanged
//    row is tokenised, measured and sliced again on every frame; each cell gets its own style
//    array, and joining a row diffs the styles of every neighbouring pair of cells (three Sets per
//    cell). Measured on the render bench (120x40): string-width, ANSI tokenising, slice-ansi and
//    the garbage they make were over half of a frame's CPU. The patches keep the caches across
//    frames (bounded: emptied past 4,096 entries, a frame uses a few hundred), share one blank
//    cell and one style array per run of equally styled characters, and skip the diff where two
//    neighbours share their styles. The frame's text is unchanged (test/terminal/inkOutputPatch.test.ts
//    compares the patched output with Ink's own styledCharsToString).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARK = '/* lsos-cockpit: scripts/patch-ink.mjs */';

/** Helpers added to output.js once, after its imports. */
const OUTPUT_HELPERS = `${MARK}
import { ansiCodesToString as lsosAnsiCodesToString, diffAnsiCodes as lsosDiffAnsiCodes } from '@alcalzone/ansi-tokenize';
const LSOS_CACHE_LIMIT = 4096;
const LSOS_NO_STYLES = Object.freeze([]);
// A grid cell is never mutated, only replaced: one blank cell serves every position.
const LSOS_BLANK = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: LSOS_NO_STYLES });
function lsosSameStyles(a, b) {
    if (a === b) return true;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i].code !== b[i].code || a[i].endCode !== b[i].endCode) return false;
    return true;
}
// Neighbouring characters with equal styles share one array, so joining a row can skip their diff.
function lsosShareStyles(chars) {
    let previous = LSOS_NO_STYLES;
    return chars.map((char) => {
        if (lsosSameStyles(previous, char.styles)) return char.styles === previous ? char : { ...char, styles: previous };
        previous = char.styles;
        return char;
    });
}
// Ink's styledCharsToString, with the diff skipped where two neighbours share their styles.
function lsosStyledCharsToString(chars) {
    let ret = '';
    let previous = LSOS_NO_STYLES;
    for (const char of chars) {
        if (char.styles !== previous && (char.styles.length !== 0 || previous.length !== 0)) {
            ret += lsosAnsiCodesToString(lsosDiffAnsiCodes(previous, char.styles));
        }
        ret += char.value;
        previous = char.styles;
    }
    if (previous.length !== 0) ret += lsosAnsiCodesToString(lsosDiffAnsiCodes(previous, []));
    return ret;
}
function lsosRemember(map, key, value) {
    if (map.size >= LSOS_CACHE_LIMIT) map.clear();
    map.set(key, value);
    return value;
}
`;

const PATCHES = [
  {
    file: 'build/log-update.js',
    from: 'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));',
    to: `buffer.push(ansiEscapes.cursorUp(previousOutput.endsWith('\\n') ? previousVisible : previousVisible - 1)); ${MARK}`,
  },
  {
    // Every text node's width on every frame: measured through measure-text's cache (the one
    // Ink's layout already fills with the same texts) instead of string-width each time.
    file: 'build/render-node-to-output.js',
    from: '                const currentWidth = widestLine(text);',
    to: `                const currentWidth = measureText(text).width; ${MARK}`,
  },
  {
    file: 'build/render-node-to-output.js',
    from: "import widestLine from 'widest-line';\n",
    to: `import measureText from './measure-text.js'; ${MARK}\n`,
  },
  {
    file: 'build/output.js',
    from: "import { styledCharsFromTokens, styledCharsToString, tokenize, } from '@alcalzone/ansi-tokenize';\n",
    to: `import { styledCharsFromTokens, styledCharsToString, tokenize, } from '@alcalzone/ansi-tokenize';\n${OUTPUT_HELPERS}`,
  },
  {
    file: 'build/output.js',
    from: `            cached = styledCharsFromTokens(tokenize(line));
            this.styledChars.set(line, cached);`,
    to: `            cached = lsosRemember(this.styledChars, line, lsosShareStyles(styledCharsFromTokens(tokenize(line)))); ${MARK}`,
  },
  {
    file: 'build/output.js',
    from: `            cached = stringWidth(text);
            this.widths.set(text, cached);`,
    to: `            cached = lsosRemember(this.widths, text, stringWidth(text)); ${MARK}`,
  },
  {
    file: 'build/output.js',
    from: `            cached = lineWidth;
            this.blockWidths.set(text, cached);`,
    to: `            cached = lsosRemember(this.blockWidths, text, lineWidth); ${MARK}`,
  },
  {
    file: 'build/output.js',
    from: '    getStringWidth(text) {',
    to: `    slices = new Map(); ${MARK}
    getSlice(line, from, to) {
        const key = from + ':' + to + ':' + line;
        const cached = this.slices.get(key);
        return cached === undefined ? lsosRemember(this.slices, key, sliceAnsi(line, from, to)) : cached;
    }
    getStringWidth(text) {`,
  },
  {
    file: 'build/output.js',
    from: '                            return sliceAnsi(line, from, to);',
    to: `                            return this.caches.getSlice(line, from, to); ${MARK}`,
  },
  {
    file: 'build/output.js',
    from: '    caches = new OutputCaches();',
    to: `    caches = LSOS_SHARED_CACHES; ${MARK}`,
  },
  {
    file: 'build/output.js',
    from: 'export default class Output {',
    to: `const LSOS_SHARED_CACHES = new OutputCaches(); ${MARK}\nexport default class Output {`,
  },
  {
    file: 'build/output.js',
    from: `                row.push({
                    type: 'char',
                    value: ' ',
                    fullWidth: false,
                    styles: [],
                });`,
    to: `                row.push(LSOS_BLANK); ${MARK}`,
  },
  {
    file: 'build/output.js',
    from: '            return styledCharsToString(lineWithoutEmptyItems).trimEnd();',
    to: `            return lsosStyledCharsToString(lineWithoutEmptyItems).trimEnd(); ${MARK}`,
  },
];

// ink's exports map hides package.json from require.resolve: find it by path.
const inkDir = fileURLToPath(new URL('../node_modules/ink/', import.meta.url));
if (!existsSync(join(inkDir, 'package.json'))) {
  console.log('patch-ink: ink is not installed; nothing to patch');
  process.exit(0);
}
const { version } = JSON.parse(readFileSync(join(inkDir, 'package.json'), 'utf8'));
for (const file of new Set(PATCHES.map((p) => p.file))) {
  const path = join(inkDir, file);
  const original = readFileSync(path, 'utf8');
  if (original.includes(MARK)) {
    console.log(`patch-ink: ink ${version} ${file} already patched`);
    continue;
  }
  let text = original;
  for (const patch of PATCHES.filter((p) => p.file === file)) {
    if (text.split(patch.from).length !== 2) {
      console.error(`patch-ink: ink ${version} ${file} does not contain the expected text once:\n${patch.from}\nre-check the patch`);
      process.exit(1);
    }
    text = text.replace(patch.from, () => patch.to);
  }
  // Written in place (never renamed over): the file is the package's own.
  writeFileSync(path, text);
  console.log(`patch-ink: patched ink ${version} ${file}`);
}
