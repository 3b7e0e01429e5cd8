/**
 * Orders two texts by their UTF-16 code units, as `<` does: what the cockpit's sorts use instead of
 * `String.prototype.localeCompare`. Its first call loads ICU's collation data (about 12 ms of CPU
 * alone, 3.6 MB of RSS kept for the process's life: docs/performance.md, "Fifth session"), and the
 * texts it orders (queue, task, worker and replica names, ids, ISO-8601 times) are ASCII, where the
 * two differ only in case and punctuation: upper case first here (`B` before `a`; the collation
 * puts `a` first), and punctuation by its code (`w10@x` before `w1@x`: `0` is below `@`; the
 * collation puts punctuation before digits and letters). ISO-8601 times of one format and names
 * of lower-case letters, digits and `.`/`-` order the same either way.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
