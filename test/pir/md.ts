// Reading a PIR back with `marked`, as a renderer would: headings, a section's tokens, its tables.
import { marked } from 'marked';
import type { Token, Tokens } from 'marked';

export function lex(md: string): Token[] {
  return marked.lexer(md);
}

export function headings(tokens: Token[]): { depth: number; text: string }[] {
  return tokens.filter((t): t is Tokens.Heading => t.type === 'heading').map((t) => ({ depth: t.depth, text: t.text }));
}

/** Tokens between the heading `name` and the next heading of any depth. */
export function section(tokens: Token[], name: string): Token[] {
  const start = tokens.findIndex((t) => t.type === 'heading' && (t as Tokens.Heading).text === name);
  if (start < 0) throw new Error(`no section ${name}`);
  const out: Token[] = [];
  for (const t of tokens.slice(start + 1)) {
    if (t.type === 'heading') break;
    out.push(t);
  }
  return out;
}

export function tables(tokens: Token[]): Tokens.Table[] {
  return tokens.filter((t): t is Tokens.Table => t.type === 'table');
}

/** A table's rows as plain cell texts. */
export function cells(table: Tokens.Table | undefined): string[][] {
  return (table?.rows ?? []).map((r) => r.map((c) => c.text));
}
