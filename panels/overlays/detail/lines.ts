// A detail's fields as the lines of its box, pure: `label  value`, the value wrapped under itself
// at the box's width (never cut: the point of the detail is to read the whole of it).
import { wrapText } from '../../../src/core/wrap.js';
import type { DetailOverlay } from './state.js';

/** Every line of the detail at `width`: the labels in one column, the values wrapped beside them. */
export function detailLines(fields: DetailOverlay['fields'], width: number): string[] {
  const labelWidth = Math.min(14, Math.max(0, ...fields.map((f) => f.label.length)));
  const valueWidth = Math.max(10, width - labelWidth - 2);
  const lines: string[] = [];
  for (const f of fields) {
    const parts = wrapText(f.value === '' ? '-' : f.value, valueWidth);
    parts.forEach((p, i) => lines.push(`${(i === 0 ? f.label : '').padEnd(labelWidth)}  ${p}`));
  }
  return lines;
}
