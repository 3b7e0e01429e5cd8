// Number and time formats shared by the panels: dense, fixed-ish width, UTC.
import { DateTime } from '../src/core/luxon.js';
import stringWidth from 'string-width';
import type { LagMethod } from '../src/core/snapshot.js';
import { formatDurationColumn } from '../src/domain/duration.js';

/** 45s, 3m10s, 23m, 2h05m, 3d04h: short enough for a dense column (seconds in; src/domain/duration.ts). */
export const formatDuration = formatDurationColumn;

/** Marks how a lag was obtained (legend in the help): `>` first-seen lower bound, `~` estimate. */
export const LAG_MARK: Record<LagMethod, string> = {
  stamped: '',
  'first-seen': '>',
  'drain-rate': '~',
  empty: '',
  unknown: '?',
};

export function formatLag(seconds: number | null, method: LagMethod): string {
  if (method === 'empty') return '-';
  if (seconds === null || method === 'unknown') return '?';
  return `${LAG_MARK[method]}${formatDuration(seconds)}`;
}

/** 980, 12.3k, 4.1M. */
export function formatCount(n: number): string {
  const a = Math.abs(n);
  if (a < 10_000) return String(Math.round(n));
  if (a < 1_000_000) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function formatRate(perHour: number): string {
  if (perHour === 0) return '0/h';
  return `+${perHour >= 10 ? Math.round(perHour) : perHour.toFixed(1)}/h`;
}

/** HH:MM:SS in UTC, from epoch ms or an ISO string. */
export function utcClock(at: number | string): string {
  const dt = typeof at === 'number' ? DateTime.fromMillis(at, { zone: 'utc' }) : DateTime.fromISO(at, { zone: 'utc' });
  return dt.isValid ? dt.toFormat('HH:mm:ss') : '--:--:--';
}

/** A text's width: printable ASCII (most cells) is as wide as it is long, without string-width's set-up. */
function textWidth(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f) return stringWidth(text);
  }
  return text.length;
}

/**
 * One character's width. string-width takes its full path (an emoji regular expression) for a
 * single character, and a cut text is measured a character at a time on every frame it changes.
 */
function charWidth(ch: string): number {
  const c = ch.charCodeAt(0);
  return ch.length === 1 && c >= 0x20 && c < 0x7f ? 1 : stringWidth(ch);
}

/** Cuts a string to a display width (wide characters count 2), with an ellipsis when cut. */
export function fitWidth(text: string, width: number, ellipsis = '…'): string {
  if (width <= 0) return '';
  if (textWidth(text) <= width) return text;
  let out = '';
  let w = 0;
  const room = width - stringWidth(ellipsis);
  for (const ch of text) {
    const cw = charWidth(ch);
    if (w + cw > room) break;
    out += ch;
    w += cw;
  }
  return out + ellipsis;
}

/**
 * Cut in the middle: the start and the end kept, `…` between (`reviews.sy…ew_meta`), so names
 * that share a long prefix (`reviews.sync_reviews`, `reviews.sync_review_meta`) stay apart when cut.
 */
export function fitMiddle(text: string, width: number): string {
  if (width <= 0) return '';
  if (stringWidth(text) <= width) return text;
  const chars = [...text];
  if (width < 5 || chars.some((c) => stringWidth(c) !== 1)) return fitWidth(text, width);
  const head = Math.ceil((width - 1) * 0.4);
  const tail = width - 1 - head;
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

/** Pads to a display width (left or right aligned); longer text is left for <Text> to truncate. */
export function padTo(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const gap = width - textWidth(text);
  if (gap <= 0) return text;
  return align === 'right' ? ' '.repeat(gap) + text : text + ' '.repeat(gap);
}
