// Whom a severity decision will page, in words, for the severity dialog (before it is confirmed).
// Pure: from the preview the paging controller computed when the dialog opened.
import type { PagePreview } from '../../../src/control/paging/controller.js';
import { sanitize } from '../../../src/core/sanitize.js';

export interface PagesLine {
  text: string;
  tone: 'warn' | 'muted' | 'breach';
}

/** Splits `head` + items joined by ', ' into lines of at most `width` columns, never inside an item when it fits. */
function wrapList(head: string, items: readonly string[], width: number, tone: PagesLine['tone']): PagesLine[] {
  const out: PagesLine[] = [];
  let line = head;
  items.forEach((item, i) => {
    const piece = `${item}${i < items.length - 1 ? ',' : ''}`;
    const sep = line === head || line.endsWith(' ') ? '' : ' ';
    if (line.length + sep.length + piece.length > width && line.trim() !== head.trim()) {
      out.push({ text: line, tone });
      line = `  ${piece}`;
    } else line += `${sep}${piece}`;
  });
  out.push({ text: line, tone });
  return out;
}

/**
 * Who is paged (or why nobody is), who was paged already, what cannot be routed, and whether pages
 * are sent or only journaled; wrapped to `width`.
 */
export function pagesLines(preview: PagePreview | undefined, width = 200): PagesLine[] {
  if (!preview) return [{ text: 'who it pages: not known (paging gave no preview)', tone: 'warn' }];
  const out: PagesLine[] = [];
  if (preview.targets.length > 0)
    out.push(
      ...wrapList(
        'will page: ',
        preview.targets.map((t) => sanitize(t, 60)),
        width,
        'breach',
      ),
    );
  else out.push({ text: `nobody will be paged: ${sanitize(preview.none ?? 'the matrix names no one', 200)}`, tone: 'warn' });
  if (preview.already.length > 0)
    out.push(
      ...wrapList(
        'already paged, not again: ',
        preview.already.map((t) => sanitize(t, 60)),
        width,
        'muted',
      ),
    );
  if (preview.unresolved.length > 0) out.push({ text: `cannot route: ${sanitize(preview.unresolved.join('; '), 200)}`, tone: 'warn' });
  if (preview.targets.length > 0 && preview.mode === 'record-only') out.push({ text: '(record only: journaled, not sent)', tone: 'muted' });
  return out;
}
