// Themes: semantic tones mapped to Ink text styles. Views ask for a tone ("breach", "muted"),
// never for a colour, so light/mono/NO_COLOR are one table each. Every tone that carries meaning
// is also drawn with a marker or weight by the views, so mono loses nothing but colour.
import type { ThemeName } from './store.js';

export type Tone = 'normal' | 'breach' | 'warn' | 'ok' | 'muted' | 'accent' | 'selected';

/** What a tone turns into on a <Text>: only Ink's own props. */
export interface ToneStyle {
  color?: string;
  bold?: boolean;
  inverse?: boolean;
}

/** Box-drawing characters, the same shape as Ink's custom `borderStyle` object. */
export interface BorderChars {
  topLeft: string;
  top: string;
  topRight: string;
  right: string;
  bottomRight: string;
  bottom: string;
  bottomLeft: string;
  left: string;
}

export interface Theme {
  name: ThemeName;
  /** False for mono: the views must not pass any colour. */
  colour: boolean;
  tones: Record<Tone, ToneStyle>;
  /** Border colour of an unfocused / focused panel (undefined: terminal default). */
  border: string | undefined;
  borderFocused: string | undefined;
}

const dark: Theme = {
  name: 'dark',
  colour: true,
  tones: {
    normal: {},
    breach: { color: 'redBright', bold: true },
    warn: { color: 'yellow' },
    ok: { color: 'green' },
    muted: { color: 'gray' },
    accent: { color: 'cyan', bold: true },
    selected: { inverse: true },
  },
  border: 'gray',
  borderFocused: 'cyan',
};

// Readable on a white background: no yellow, no white, no bright cyan.
const light: Theme = {
  name: 'light',
  colour: true,
  tones: {
    normal: {},
    breach: { color: 'red', bold: true },
    warn: { color: 'magenta' },
    ok: { color: 'blue' },
    muted: { color: 'gray' },
    accent: { color: 'blue', bold: true },
    selected: { inverse: true },
  },
  border: 'gray',
  borderFocused: 'blue',
};

// NO_COLOR / --no-color: weight and inverse only. Markers in the text say the rest.
const mono: Theme = {
  name: 'mono',
  colour: false,
  tones: {
    normal: {},
    breach: { bold: true },
    warn: {},
    ok: {},
    muted: {},
    accent: { bold: true },
    selected: { inverse: true },
  },
  border: undefined,
  borderFocused: undefined,
};

export const THEMES: Record<ThemeName, Theme> = { dark, light, mono };
export const THEME_ORDER: readonly ThemeName[] = ['dark', 'light', 'mono'];

/** The theme to draw with: `session.color === false` forces mono whatever was picked. */
export function resolveTheme(name: ThemeName, colour: boolean): Theme {
  return colour ? THEMES[name] : mono;
}

/** The theme `t` switches to; with colour off there is only mono. */
export function nextTheme(name: ThemeName, colour: boolean): ThemeName {
  if (!colour) return 'mono';
  const i = THEME_ORDER.indexOf(name);
  return THEME_ORDER[(i + 1) % THEME_ORDER.length] ?? 'dark';
}

/** https://no-color.org: any non-empty NO_COLOR turns colour off. For the CLI building the session. */
export function colourAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}

/** Whether the terminal can draw Unicode box characters, from the locale (LC_ALL > LC_CTYPE > LANG); else ASCII. */
export function localeIsUtf8(env: NodeJS.ProcessEnv): boolean {
  const loc = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(loc);
}

export function toneStyle(theme: Theme, tone: Tone | undefined): ToneStyle {
  return tone ? theme.tones[tone] : theme.tones.normal;
}

const ROUND: BorderChars = { topLeft: '╭', top: '─', topRight: '╮', right: '│', bottomRight: '╯', bottom: '─', bottomLeft: '╰', left: '│' };
const DOUBLE: BorderChars = {
  topLeft: '╔',
  top: '═',
  topRight: '╗',
  right: '║',
  bottomRight: '╝',
  bottom: '═',
  bottomLeft: '╚',
  left: '║',
};
const ASCII: BorderChars = { topLeft: '+', top: '-', topRight: '+', right: '|', bottomRight: '+', bottom: '-', bottomLeft: '+', left: '|' };
const ASCII_FOCUSED: BorderChars = {
  topLeft: '+',
  top: '=',
  topRight: '+',
  right: '|',
  bottomRight: '+',
  bottom: '=',
  bottomLeft: '+',
  left: '|',
};

/**
 * Border characters. Focus is shown by the shape as well as the colour (double lines, `=` in
 * ASCII) so it survives mono and colour-blind eyes.
 */
export function borderChars(ascii: boolean, focused: boolean): BorderChars {
  if (ascii) return focused ? ASCII_FOCUSED : ASCII;
  return focused ? DOUBLE : ROUND;
}

/** The few symbols the views draw, with their ASCII fallbacks. */
export function glyphs(ascii: boolean) {
  return ascii ? { tick: 'x', pointer: '>', arrow: '->' } : { tick: '✓', pointer: '❯', arrow: '→' };
}
