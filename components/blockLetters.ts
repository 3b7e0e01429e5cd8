// Block letters for the war-room banner: "SEV-1" readable from the back of the room. Pure.

// 5 rows, 5 columns per glyph; '#' is a filled cell.
const FONT: Record<string, readonly string[]> = {
  S: [' ####', '#    ', ' ### ', '    #', '#### '],
  E: ['#####', '#    ', '#### ', '#    ', '#####'],
  V: ['#   #', '#   #', '#   #', ' # # ', '  #  '],
  '-': ['     ', '     ', ' ### ', '     ', '     '],
  '1': ['  #  ', ' ##  ', '  #  ', '  #  ', ' ### '],
  '2': [' ### ', '#   #', '  ## ', ' #   ', '#####'],
  '3': ['#### ', '    #', ' ### ', '    #', '#### '],
  O: [' ### ', '#   #', '#   #', '#   #', ' ### '],
  K: ['#   #', '#  # ', '###  ', '#  # ', '#   #'],
  '?': [' ### ', '#   #', '  ## ', '     ', '  #  '],
  // Digits and units for the elapsed time (`14M32S`, `1H05M`) and a clock's colon.
  '0': [' ### ', '#  ##', '# # #', '##  #', ' ### '],
  '4': ['#  # ', '#  # ', '#####', '   # ', '   # '],
  '5': ['#####', '#    ', '#### ', '    #', '#### '],
  '6': [' ### ', '#    ', '#### ', '#   #', ' ### '],
  '7': ['#####', '    #', '   # ', '  #  ', '  #  '],
  '8': [' ### ', '#   #', ' ### ', '#   #', ' ### '],
  '9': [' ### ', '#   #', ' ####', '    #', ' ### '],
  H: ['#   #', '#   #', '#####', '#   #', '#   #'],
  M: ['#   #', '## ##', '# # #', '#   #', '#   #'],
  D: ['#### ', '#   #', '#   #', '#   #', '#### '],
  ':': ['   ', ' # ', '   ', ' # ', '   '],
  // A figure's units and words on the war-room screen (`102.3X`, `20.6%`, `DOWN`, `RAISED`).
  '.': ['   ', '   ', '   ', '   ', ' # '],
  '%': ['##  #', '## # ', '  #  ', ' # ##', '#  ##'],
  X: ['#   #', ' # # ', '  #  ', ' # # ', '#   #'],
  A: [' ### ', '#   #', '#####', '#   #', '#   #'],
  I: [' ### ', '  #  ', '  #  ', '  #  ', ' ### '],
  N: ['#   #', '##  #', '# # #', '#  ##', '#   #'],
  R: ['#### ', '#   #', '#### ', '#  # ', '#   #'],
  W: ['#   #', '#   #', '# # #', '## ##', '#   #'],
  Y: ['#   #', ' # # ', '  #  ', '  #  ', '  #  '],
  ' ': ['   ', '   ', '   ', '   ', '   '],
};

export const BIG_TEXT_HEIGHT = 5;

/**
 * The rows of `text` in block letters (unknown characters drawn as '?'). `scale` 2 draws each
 * cell two columns wide and two rows tall (10 rows), for a large screen.
 */
export function bigText(text: string, ascii = false, scale = 1): string[] {
  const fill = ascii ? '#' : '█';
  const rows = ['', '', '', '', ''];
  for (const ch of text.toUpperCase()) {
    const glyph = FONT[ch] ?? FONT['?'] ?? [];
    for (let r = 0; r < BIG_TEXT_HEIGHT; r++) rows[r] += `${(glyph[r] ?? '').replaceAll('#', fill)} `;
  }
  const trimmed = rows.map((r) => r.trimEnd());
  if (scale <= 1) return trimmed;
  const wide = trimmed.map((r) => [...r].map((c) => c.repeat(scale)).join(''));
  return wide.flatMap((r) => Array<string>(scale).fill(r));
}

export function bigTextWidth(text: string, scale = 1): number {
  return Math.max(0, ...bigText(text, false, scale).map((r) => [...r].length));
}
