// Markdown that text typed during an incident cannot break: whatever is in a note (pipes,
// backticks, line breaks, HTML, ANSI escapes, headings) renders as the literal text, inside the
// table cell or paragraph it was put in. Pure.
import { sanitizeText } from './timeline.js';

// Inline syntax escaped everywhere: code spans, emphasis, links/images/footnotes, strikethrough,
// table pipes, math, and the backslash itself. `<` becomes an entity (no raw HTML, no
// autolinks), and so does `&` where it would start an entity. `>` matters only at a line start.
function escapeInlineLine(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/&(?=#?[0-9A-Za-z]+;)/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/([`*_[\]|~$])/g, '\\$1');
}

// Block syntax only counts at the start of a line: headings, quotes, lists, setext underlines,
// thematic breaks, fences (already escaped inline) and indented code (leading blanks dropped).
function escapeLineStart(line: string): string {
  const trimmed = line.replace(/^\s+/, '');
  const ordered = /^(\d{1,9})([.)])/.exec(trimmed);
  if (ordered) return `${ordered[1]}\\${ordered[2]}${trimmed.slice(ordered[0].length)}`;
  if (/^[#>+\-=:]/.test(trimmed)) return `\\${trimmed}`;
  return trimmed;
}

/** Text for a table cell: one physical line, pipes escaped, line breaks as `<br>`. */
export function mdCell(text: string): string {
  const lines = sanitizeText(text)
    .split('\n')
    .map((l) => escapeInlineLine(l.trim()));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('<br>');
}

/** Text for one line of prose, also safe at the start of a line or list item. */
export function mdInline(text: string): string {
  return escapeLineStart(
    escapeInlineLine(
      sanitizeText(text)
        .replace(/\s*\n\s*/g, ' ')
        .trim(),
    ),
  );
}

/**
 * Free text as paragraphs: blank lines separate paragraphs, single line breaks are kept as
 * `<br>`, and no line can start a heading, list, quote, table, fence or HTML block.
 */
export function mdParagraphs(text: string): string {
  const paragraphs = sanitizeText(text)
    .split(/\n\s*\n/)
    .map((p) =>
      p
        .split('\n')
        .map((l) => escapeLineStart(escapeInlineLine(l.trim())))
        .filter((l) => l !== '')
        .join('<br>\n'),
    )
    .filter((p) => p !== '');
  return paragraphs.join('\n\n');
}

/** True when free text has nothing left to show once sanitised. */
export function isBlank(text: string): boolean {
  return sanitizeText(text).trim() === '';
}

/** A GFM table; cells must already be escaped (mdCell). Empty cells keep the grid intact. */
export function mdTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${headers.map((_, i) => (cells[i] ?? '') || ' ').join(' | ')} |`;
  return [line(headers), `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}
