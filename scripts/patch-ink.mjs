// Postinstall patches to Ink 6.8.0 and the string-width 8.3.0 it measures with, applied as patch-package would: each replaces an exact text,
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
//    neighbours share their styles. The frame's text is unchanged (test/terminal/inkPatches.test.ts
//    compares the patched output with Ink's own styledCharsToString).
// 3. Garbage (issue 16, third session): joining every row of every frame into a string was a
//    quarter of the cockpit's allocation on the simulation, and slicing every line of a clipped box
//    (a panel's rows, though they fit) another eighth. A row whose cells are the very cells of the
//    same line last frame keeps last frame's text; a line inside its clip is not sliced. A changed
//    line of the characters the panels draw is split into styled characters by hand instead of by
//    grapheme segmentation (about 1 µs a character), with the same result.
// 4. Sanitising (issue 16, third session): every text node with a coloured child has its ANSI codes
//    tokenised again on every render and layout measure to drop cursor movement; the result is
//    remembered by text (bounded like the caches above).
// 5. Bytes (issue 16, fourth session): the incremental renderer rewrote each changed line whole
//    and moved over each unchanged line one by one; a changed line is now written from its first
//    changed character to its last (scripts/ink-line-diff.mjs, inlined), a run of unchanged lines
//    is one cursor move.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARK = '/* lsos-cockpit: scripts/patch-ink.mjs */';

/** scripts/ink-line-diff.mjs as code for log-update.js: its exports become local functions. */
const LINE_DIFF = readFileSync(new URL('./ink-line-diff.mjs', import.meta.url), 'utf8').replace(/^export /gm, '');

/** Helpers added to output.js once, after its imports. */
const OUTPUT_HELPERS = `${MARK}
import { ansiCodesToString as lsosAnsiCodesToString, diffAnsiCodes as lsosDiffAnsiCodes, reduceAnsiCodesIncremental as lsosReduceAnsiCodes } from '@alcalzone/ansi-tokenize';
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
// tokenize() segments a whole line into graphemes (Intl.Segmenter) and styledCharsFromTokens
// copies the style codes for every character: most of a changed line's cost. A line of printable
// ASCII and the blocks where every character is a grapheme of its own (Latin-1, punctuation,
// arrows, box drawing, shapes, symbols, dingbats: as in the string-width patch), styled by SGR
// sequences only, is split by hand into the same characters and styles, one style array per run.
// Anything else (another escape, a character outside those blocks) takes Ink's own path (null).
const lsosFullWidth = new Int8Array(0x2800).fill(-1);
function lsosSimpleChar(c) {
    return (c >= 0x20 && c < 0x7f) || (c >= 0xa0 && c <= 0x2ff && c !== 0xad) || (c >= 0x2010 && c <= 0x2027) || (c >= 0x2030 && c <= 0x205e) || (c >= 0x2190 && c <= 0x27bf);
}
function lsosSgrParameter(c) {
    return c === 0x3b || (c >= 0x30 && c <= 0x39);
}
function lsosStyledChars(line) {
    const chars = [];
    let codes = [];
    let styles = LSOS_NO_STYLES;
    let i = 0;
    while (i < line.length) {
        const c = line.charCodeAt(i);
        if (c === 0x1b) {
            // ESC [ digits and semicolons m; its codes are read by tokenize() itself.
            if (line.charCodeAt(i + 1) !== 0x5b) return null;
            let end = i + 2;
            while (lsosSgrParameter(line.charCodeAt(end))) end++;
            if (line.charCodeAt(end) !== 0x6d) return null;
            codes = lsosReduceAnsiCodes(codes, tokenize(line.slice(i, end + 1)));
            if (!lsosSameStyles(styles, codes)) styles = codes.length === 0 ? LSOS_NO_STYLES : codes;
            i = end + 1;
            continue;
        }
        if (!lsosSimpleChar(c)) return null;
        let full = lsosFullWidth[c];
        // A character alone is its own grapheme here: tokenize() gives its width.
        if (full < 0) full = lsosFullWidth[c] = tokenize(line[i])[0].fullWidth ? 1 : 0;
        chars.push({ type: 'char', value: line[i], fullWidth: full === 1, styles });
        i++;
    }
    return chars;
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
// The last frame's rows, by line: a row whose cells are the very cells of that line last frame
// (unchanged lines come from the caches, blanks are one cell) is the same text, not joined again.
let lsosLastRows = [];
function lsosRowText(row, y) {
    const last = lsosLastRows[y];
    if (last !== undefined && last.cells.length === row.length) {
        let same = true;
        for (let i = 0; i < row.length; i++) {
            if (last.cells[i] !== row[i]) {
                same = false;
                break;
            }
        }
        if (same) return last.text;
    }
    // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742
    const text = lsosStyledCharsToString(row.filter(item => item !== undefined)).trimEnd();
    lsosLastRows[y] = { cells: row, text };
    return text;
}
function lsosRemember(map, key, value) {
    if (map.size >= LSOS_CACHE_LIMIT) map.clear();
    map.set(key, value);
    return value;
}
// The styled characters of the lines drawn lately: this generation's lines and the last one's.
// A line's characters are an object each (about 7 KB a 120-column row), and rows whose text
// changes every second (a lag, an age) make new lines every frame: the 4,096 lines of the other
// caches held up to 30 MB at 2,000 queues before they were cleared (docs/performance.md, "Tenth
// session"). A line still drawn is found in one of the two and moves to this generation; the rest
// go when the last generation is dropped. Unchanged rows stay found however long the cockpit runs.
const LSOS_LINES_PER_GENERATION = 512;
function lsosStyledCharsOf(caches, line) {
    const chars = caches.lsosStyledBefore.get(line) ?? lsosStyledChars(line) ?? lsosShareStyles(styledCharsFromTokens(tokenize(line)));
    if (caches.styledChars.size >= LSOS_LINES_PER_GENERATION) {
        caches.lsosStyledBefore = caches.styledChars;
        caches.styledChars = new Map();
    }
    caches.styledChars.set(line, chars);
    return chars;
}
`;

/**
 * string-width segments graphemes (Intl.Segmenter) for any text beyond printable ASCII, and the
 * cockpit's rows hold box drawing, arrows, `·` and `…` on every frame. A text whose every character
 * is printable ASCII or in a block where no character joins its neighbours into a cluster (Latin-1,
 * punctuation, arrows, box drawing, shapes, symbols, dingbats; no combining marks, joiners or
 * variation selectors) is as wide as the sum of its characters, each its East Asian Width
 * (ambiguous as narrow, string-width's default; a single character of these blocks that is an
 * emoji is wide by that width too), remembered per character. A text of one character too: Ink
 * measures its border characters and `…` alone, and each first took string-width's own path (on
 * the first frame, 15 of them compiled its Unicode-property regular expressions and segmenter,
 * 50–80 ms of start-up). Anything else takes string-width's own path.
 */
const STRING_WIDTH_HELPERS = `${MARK}
const lsosCharWidths = new Int8Array(0x2800).fill(-1);
function lsosSimpleBlock(c) {
	return (c >= 0xa0 && c <= 0x2ff && c !== 0xad) || (c >= 0x2010 && c <= 0x2027) || (c >= 0x2030 && c <= 0x205e) || (c >= 0x2190 && c <= 0x27bf);
}
function lsosSimpleWidth(string) {
	let width = 0;
	for (let i = 0; i < string.length; i++) {
		const c = string.charCodeAt(i);
		if (c >= 0x20 && c < 0x7f) {
			width++;
			continue;
		}
		if (!lsosSimpleBlock(c)) return -1;
		let w = lsosCharWidths[c];
		if (w < 0) w = lsosCharWidths[c] = eastAsianWidth(c, {ambiguousAsWide: false});
		width += w;
	}
	return width;
}
`;

const PATCHES = [
  {
    pkg: 'string-width',
    file: 'index.js',
    from: 'const segmenter = new Intl.Segmenter();\n',
    to: `const segmenter = new Intl.Segmenter();\n${STRING_WIDTH_HELPERS}`,
  },
  {
    pkg: 'string-width',
    file: 'index.js',
    from: '\tlet width = 0;\n\tconst eastAsianWidthOptions = {ambiguousAsWide: !ambiguousIsNarrow};\n',
    to: `\tif (ambiguousIsNarrow) { ${MARK}\n\t\tconst simple = lsosSimpleWidth(string);\n\t\tif (simple >= 0) return simple;\n\t}\n\n\tlet width = 0;\n\tconst eastAsianWidthOptions = {ambiguousAsWide: !ambiguousIsNarrow};\n`,
  },
  {
    // Every text node with a coloured child is sanitised on every render and every layout
    // measure: Ink tokenises its ANSI codes each time (6% of the steady simulation's main thread).
    // The result depends on the text alone: remembered, bounded like the output caches.
    pkg: 'ink',
    file: 'build/sanitize-ansi.js',
    from: `const sanitizeAnsi = (text) => {
    if (!hasAnsiControlCharacters(text)) {
        return text;
    }
`,
    to: `const lsosSanitized = new Map(); ${MARK}
const sanitizeAnsi = (text) => {
    if (!hasAnsiControlCharacters(text)) {
        return text;
    }
    let sanitized = lsosSanitized.get(text);
    if (sanitized === undefined) {
        if (lsosSanitized.size >= 4096) lsosSanitized.clear();
        sanitized = sanitizeAnsiOnce(text);
        lsosSanitized.set(text, sanitized);
    }
    return sanitized;
};
const sanitizeAnsiOnce = (text) => {
`,
  },
  {
    pkg: 'ink',
    file: 'build/log-update.js',
    from: "import { cursorPositionChanged, buildCursorSuffix, buildCursorOnlySequence, buildReturnToBottomPrefix, hideCursorEscape, } from './cursor-helpers.js';\n",
    to: `import { cursorPositionChanged, buildCursorSuffix, buildCursorOnlySequence, buildReturnToBottomPrefix, hideCursorEscape, } from './cursor-helpers.js';\nimport stringWidth from 'string-width'; ${MARK}\n${LINE_DIFF}\n`,
  },
  {
    pkg: 'ink',
    file: 'build/log-update.js',
    from: `        for (let i = 0; i < visibleCount; i++) {
            const isLastLine = i === visibleCount - 1;
            // We do not write lines if the contents are the same. This prevents flickering during renders.
            if (nextLines[i] === previousLines[i]) {
                // Don't move past the last line when there's no trailing newline,
                // otherwise the cursor overshoots the rendered block.
                if (!isLastLine || hasTrailingNewline) {
                    buffer.push(ansiEscapes.cursorNextLine);
                }
                continue;
            }
            buffer.push(ansiEscapes.cursorTo(0) +
                nextLines[i] +
                ansiEscapes.eraseEndLine +`,
    to: `        let lsosDown = 0; ${MARK}
        for (let i = 0; i < visibleCount; i++) {
            const isLastLine = i === visibleCount - 1;
            // We do not write lines if the contents are the same. This prevents flickering during renders.
            if (nextLines[i] === previousLines[i]) {
                // Don't move past the last line when there's no trailing newline,
                // otherwise the cursor overshoots the rendered block.
                if (!isLastLine || hasTrailingNewline) {
                    lsosDown++;
                }
                continue;
            }
            if (lsosDown > 0) {
                buffer.push(lsosLinesDown(lsosDown));
                lsosDown = 0;
            }
            buffer.push(lsosLineChange(previousLines[i], nextLines[i], stringWidth) +`,
  },
  {
    pkg: 'ink',
    file: 'build/log-update.js',
    from: `        const cursorSuffix = buildCursorSuffix(visibleCount, activeCursor);
        buffer.push(cursorSuffix);
        stream.write(buffer.join(''));`,
    to: `        if (lsosDown > 0) buffer.push(lsosLinesDown(lsosDown)); ${MARK}
        const cursorSuffix = buildCursorSuffix(visibleCount, activeCursor);
        buffer.push(cursorSuffix);
        stream.write(buffer.join(''));`,
  },
  {
    pkg: 'ink',
    file: 'build/log-update.js',
    from: 'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));',
    to: `buffer.push(ansiEscapes.cursorUp(previousOutput.endsWith('\\n') ? previousVisible : previousVisible - 1)); ${MARK}`,
  },
  {
    // Every text node's width on every frame: measured through measure-text's cache (the one
    // Ink's layout already fills with the same texts) instead of string-width each time.
    pkg: 'ink',
    file: 'build/render-node-to-output.js',
    from: '                const currentWidth = widestLine(text);',
    to: `                const currentWidth = measureText(text).width; ${MARK}`,
  },
  {
    pkg: 'ink',
    file: 'build/render-node-to-output.js',
    from: "import widestLine from 'widest-line';\n",
    to: `import measureText from './measure-text.js'; ${MARK}\n`,
  },
  {
    pkg: 'ink',
    file: 'build/output.js',
    from: "import { styledCharsFromTokens, styledCharsToString, tokenize, } from '@alcalzone/ansi-tokenize';\n",
    to: `import { styledCharsFromTokens, styledCharsToString, tokenize, } from '@alcalzone/ansi-tokenize';\n${OUTPUT_HELPERS}`,
  },
  {
    pkg: 'ink',
    file: 'build/output.js',
    from: `            cached = styledCharsFromTokens(tokenize(line));
            this.styledChars.set(line, cached);`,
    to: `            cached = lsosStyledCharsOf(this, line); ${MARK}`,
  },
  {
    pkg: 'ink',
    file: 'build/output.js',
    from: `            cached = stringWidth(text);
            this.widths.set(text, cached);`,
    to: `            cached = lsosRemember(this.widths, text, stringWidth(text)); ${MARK}`,
  },
  {
    pkg: 'ink',
    file: 'build/output.js',
    from: `            cached = lineWidth;
            this.blockWidths.set(text, cached);`,
    to: `            cached = lsosRemember(this.blockWidths, text, lineWidth); ${MARK}`,
  },
  {
    pkg: 'ink',
    file: 'build/output.js',
    from: '    getStringWidth(text) {',
    to: `    slices = new Map(); ${MARK}
    lsosStyledBefore = new Map();
    getSlice(line, from, to) {
        // Ink asks for every line of a clipped box: a line inside the clip is itself.
        if (from === 0 && to === this.getStringWidth(line)) return line;
        const key = from + ':' + to + ':' + line;
        const cached = this.slices.get(key);
        return cached === undefined ? lsosRemember(this.slices, key, sliceAnsi(line, from, to)) : cached;
    }
    getStringWidth(text) {`,
  },
  {
    pkg: 'ink',
    file: 'build/output.js',
    from: '                            return sliceAnsi(line, from, to);',
    to: `                            return this.caches.getSlice(line, from, to); ${MARK}`,
  },
  {
    pkg: 'ink',
    file: 'build/output.js',
    from: '    caches = new OutputCaches();',
    to: `    caches = LSOS_SHARED_CACHES; ${MARK}`,
  },
  {
    pkg: 'ink',
    file: 'build/output.js',
    from: 'export default class Output {',
    to: `const LSOS_SHARED_CACHES = new OutputCaches(); ${MARK}\nexport default class Output {`,
  },
  {
    pkg: 'ink',
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
    pkg: 'ink',
    file: 'build/output.js',
    from: `            .map(line => {
            // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742
            const lineWithoutEmptyItems = line.filter(item => item !== undefined);
            return styledCharsToString(lineWithoutEmptyItems).trimEnd();
        })`,
    to: `            .map((line, y) => lsosRowText(line, y)) ${MARK}`,
  },
];

// ink's exports map hides package.json from require.resolve: packages are found by path.
for (const pkg of new Set(PATCHES.map((p) => p.pkg))) {
  const dir = fileURLToPath(new URL(`../node_modules/${pkg}/`, import.meta.url));
  if (!existsSync(join(dir, 'package.json'))) {
    console.log(`patch-ink: ${pkg} is not installed; nothing to patch`);
    continue;
  }
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const file of new Set(PATCHES.filter((p) => p.pkg === pkg).map((p) => p.file))) {
    const path = join(dir, file);
    const original = readFileSync(path, 'utf8');
    if (original.includes(MARK)) {
      console.log(`patch-ink: ${pkg} ${version} ${file} already patched`);
      continue;
    }
    let text = original;
    for (const patch of PATCHES.filter((p) => p.pkg === pkg && p.file === file)) {
      if (text.split(patch.from).length !== 2) {
        console.error(`patch-ink: ${pkg} ${version} ${file} does not contain the expected text once:\n${patch.from}\nre-check the patch`);
        process.exit(1);
      }
      text = text.replace(patch.from, () => patch.to);
    }
    // Written in place (never renamed over): the file is the package's own.
    writeFileSync(path, text);
    console.log(`patch-ink: patched ${pkg} ${version} ${file}`);
  }
}
