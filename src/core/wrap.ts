// Wrapping text to a width, pure: at spaces where it can, hard where a word is longer than the
// line. For views whose point is to show all of a text (a detail, the help), never cut it.

/** Splits `text` into pieces of at most `width` characters, at spaces where it can. */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let rest = para;
    if (rest === '') out.push('');
    while (rest.length > 0) {
      if (rest.length <= w) {
        out.push(rest);
        break;
      }
      const cut = rest.lastIndexOf(' ', w);
      const at = cut > 0 ? cut : w;
      out.push(rest.slice(0, at));
      rest = rest.slice(cut > 0 ? at + 1 : at);
    }
  }
  return out;
}
