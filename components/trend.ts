// A trend in one line of text. Unicode eighth-blocks, or `_.-~^` on ASCII-only terminals. Pure.

const UNICODE = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const ASCII = ['_', '.', '-', '~', '^'];

/** The last `width` values scaled between their minimum and maximum (the shape of the trend); padded on the left when short. */
export function sparkline(values: readonly number[], width: number, ascii = false): string {
  if (width <= 0) return '';
  const levels = ascii ? ASCII : UNICODE;
  const tail = values.slice(-width).map((v) => (Number.isFinite(v) ? Math.max(0, v) : 0));
  const max = Math.max(...tail);
  const min = Math.min(...tail);
  const chars = tail.map((v) => {
    if (max === min) return levels[0];
    const i = Math.min(levels.length - 1, Math.round(((v - min) / (max - min)) * (levels.length - 1)));
    return levels[i];
  });
  return ' '.repeat(width - chars.length) + chars.join('');
}

/**
 * The values in at most `width` cells, oldest first: each cell the largest of the run of values
 * it stands for, so the whole series fits (a 90-sample, 15-minute trend in 12 cells) and a peak
 * is never averaged away. Fewer values than cells: one cell each.
 */
export function bucketMax(values: readonly number[], width: number): number[] {
  if (width <= 0) return [];
  if (values.length <= width) return values.slice();
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    const from = Math.floor((i * values.length) / width);
    const to = Math.floor(((i + 1) * values.length) / width);
    let m = -Infinity;
    for (let j = from; j < to; j++) m = Math.max(m, Number.isFinite(values[j]) ? (values[j] as number) : 0);
    out.push(m === -Infinity ? 0 : m);
  }
  return out;
}

/**
 * The last `width` values on a fixed scale from 0 to `top` (at least their maximum): a queue 8
 * messages behind draws a low line, not a full bar as a min-max scale would. Padded on the left.
 */
export function sparklineFrom0(values: readonly number[], width: number, top: number, ascii = false): string {
  if (width <= 0) return '';
  const levels = ascii ? ASCII : UNICODE;
  const tail = values.slice(-width).map((v) => (Number.isFinite(v) ? Math.max(0, v) : 0));
  const scale = Math.max(top, ...tail);
  const chars = tail.map((v) =>
    scale <= 0 ? levels[0] : levels[Math.min(levels.length - 1, Math.round((v / scale) * (levels.length - 1)))],
  );
  return ' '.repeat(width - chars.length) + chars.join('');
}
