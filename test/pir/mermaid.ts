// Mermaid's own parser, for the PIR's charts: the `mermaid` package under a jsdom DOM (it loads
// DOMPurify, which wants a window). parse() rejects what GitHub would fail to draw.
import { JSDOM } from 'jsdom';

type Mermaid = { parse(text: string, opts?: { suppressErrors?: boolean }): Promise<unknown> };
let loaded: Promise<Mermaid> | null = null;

export function mermaid(): Promise<Mermaid> {
  if (!loaded) {
    const dom = new JSDOM('<!doctype html><html><body></body></html>');
    const g = globalThis as Record<string, unknown>;
    g.window ??= dom.window;
    g.document ??= dom.window.document;
    g.DOMParser ??= dom.window.DOMParser;
    loaded = import('mermaid').then((m) => m.default as unknown as Mermaid);
  }
  return loaded;
}

/** The ```mermaid blocks of a markdown document. */
export function mermaidBlocks(md: string): string[] {
  return [...md.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1] ?? '');
}
