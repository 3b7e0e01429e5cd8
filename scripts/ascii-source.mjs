// Keeps the bundle's source text one byte a character in V8's heap (used by scripts/bundle.mjs).
//
// V8 keeps each module's source in the heap for as long as the module lives (functions are compiled
// from it lazily, and again after their bytecode is flushed): one byte a character when all of it is
// Latin-1, two otherwise. esbuild escapes non-ASCII characters in strings, names and regexps (its
// default charset, ascii) but copies the comments it keeps as written, so one `…` in a comment
// doubled a chunk in memory (the main chunk: 1.25 → 2.5 MB, 1.6 MB in all on the simulation;
// docs/performance.md, "Memory, third session").
import { readFileSync, writeFileSync } from 'node:fs';

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Replaces each non-ASCII UTF-16 unit of `file`'s comments with `?`, one for one (the source map's
 * columns still hold). A file with a non-ASCII character outside its comments (a template literal:
 * esbuild keeps those as written) is left as it is, and said on stderr: the file before and after,
 * stripped of comments by esbuild, must be the same code. True when the file changed.
 */
export async function asciiComments(esbuild, file) {
  const text = readFileSync(file, 'utf8');
  if (!NON_ASCII.test(text)) return false;
  const ascii = text.replace(/[^\x00-\x7f]/g, '?');
  const code = async (t) =>
    (await esbuild.transform(t, { loader: 'js', format: 'esm', minifyWhitespace: true, legalComments: 'none' })).code;
  if ((await code(text)) !== (await code(ascii))) {
    process.stderr.write(`bundle: ${file} has non-ASCII characters outside its comments: V8 holds its source two bytes a character\n`);
    return false;
  }
  writeFileSync(file, ascii);
  return true;
}
