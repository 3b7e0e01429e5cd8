// Makes the bundle's text ASCII (used by scripts/bundle.mjs).
//
// V8 keeps a script's source in the heap for as long as it lives (functions are compiled from it
// lazily, and again after their bytecode is flushed): one byte a character when all of it is
// Latin-1, two otherwise, so one `…` in a comment doubled the main chunk in memory (1.25 -> 2.5 MB;
// docs/performance.md, "Memory, third session"). And the bin reads the script as latin1, a plain
// copy, where decoding 3.6 MB of UTF-8 cost 35-45 ms ("Start-up, third session"). esbuild's
// `charset: 'ascii'` escapes strings, names, regexps and templates but copies the comments it
// keeps as written.

/**
 * `text` with each non-ASCII UTF-16 unit turned into `?`, one for one (the source map's columns
 * still hold). Throws when that changes anything but comments: the code esbuild reads from both,
 * printed without comments, must be the same.
 */
export async function asciiComments(text, esbuild) {
  if (!/[^\x00-\x7f]/.test(text)) return text;
  const ascii = text.replace(/[^\x00-\x7f]/g, '?');
  const code = async (t) =>
    (await esbuild.transform(t, { loader: 'js', minifyWhitespace: true, legalComments: 'none', charset: 'ascii' })).code;
  if ((await code(text)) !== (await code(ascii)))
    throw new Error('bundle: non-ASCII characters outside comments (the script must be ASCII)');
  return ascii;
}
