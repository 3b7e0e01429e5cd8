// The import graph of the code (src/, panels/, components/), read from the files themselves: no
// file-level cycle, and each layer imports only its own or lower layers:
//   domain < core < config, journal < sources < control < ui, panels, components < runtime < cli
// Type-only imports count too: a layer that needs another's types depends on it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { OVERLAYS } from '../../panels/overlays/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCANNED = ['src', 'panels', 'components'];

/** Layers, lowest first. A file belongs to the first layer one of whose prefixes it starts with. */
const LAYERS: ReadonlyArray<{ name: string; prefixes: readonly string[]; top?: RegExp }> = [
  { name: 'domain', prefixes: ['src/domain/'] },
  { name: 'core', prefixes: ['src/core/'] },
  { name: 'config/journal', prefixes: ['src/config/', 'src/journal/'] },
  { name: 'sources', prefixes: ['src/sources/'] },
  { name: 'control', prefixes: ['src/control/'] },
  { name: 'ui', prefixes: ['src/ui/', 'panels/', 'components/'] },
  { name: 'runtime', prefixes: ['src/runtime/'] },
  // The bin entry (src/cli.ts) and what it loads first sit at the top of src/.
  { name: 'cli', prefixes: ['src/cli/'], top: /^src\/[^/]+\.tsx?$/ },
];

export type Graph = ReadonlyMap<string, readonly string[]>;

function sourceFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** The project file a relative specifier names (`./x.js` is `x.ts` or `x.tsx` on disk), else the specifier resolved as is. */
function resolve(from: string, spec: string): string {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  const stem = base.replace(/\.(js|jsx|ts|tsx)$/, '');
  for (const c of [`${stem}.ts`, `${stem}.tsx`, `${base}/index.ts`, `${base}/index.tsx`]) {
    if (fs.existsSync(path.join(ROOT, c))) return c;
  }
  return base;
}

/** Every relative import of every file: `import`, `import type`, `export … from`, `import()`. */
export function readGraph(dirs: readonly string[] = SCANNED): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of dirs.flatMap(sourceFiles)) {
    const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
    const deps = info.importedFiles.map((i) => i.fileName).filter((s) => s.startsWith('.'));
    graph.set(file, [...new Set(deps.map((s) => resolve(file, s)))]);
  }
  return graph;
}

/** Strongly connected components with more than one file (or a file importing itself): the cycles. */
export function findCycles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop();
      if (w === undefined) break;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

export function layerOf(file: string): number {
  return LAYERS.findIndex((l) => l.prefixes.some((p) => file.startsWith(p)) || l.top?.test(file) === true);
}

/** `a -> b` for every import of a higher layer, and every file that is in no layer. */
export function layerViolations(graph: Graph): string[] {
  const out: string[] = [];
  for (const [file, deps] of graph) {
    const from = layerOf(file);
    if (from < 0) {
      out.push(`${file} is in no layer`);
      continue;
    }
    for (const dep of deps) {
      const to = layerOf(dep);
      if (to > from || to < 0) out.push(`${file} (${LAYERS[from]?.name}) -> ${dep} (${to < 0 ? 'outside' : LAYERS[to]?.name})`);
    }
  }
  return out.sort();
}

/** Imports of `file`s under `from` that reach outside every prefix of `allowed`. */
export function importsOutside(graph: Graph, from: readonly string[], allowed: readonly string[]): string[] {
  const out: string[] = [];
  for (const [file, deps] of graph) {
    if (!from.some((p) => file.startsWith(p))) continue;
    for (const dep of deps) if (!allowed.some((p) => dep.startsWith(p))) out.push(`${file} -> ${dep}`);
  }
  return out.sort();
}

/** Imports of files under `from` into files under `into`. */
export function importsInto(graph: Graph, from: readonly string[], into: readonly string[]): string[] {
  const under = (f: string, prefixes: readonly string[]) => prefixes.some((p) => f === p || f.startsWith(p));
  const out: string[] = [];
  for (const [file, deps] of graph) {
    if (!under(file, from)) continue;
    for (const dep of deps) if (under(dep, into)) out.push(`${file} -> ${dep}`);
  }
  return out.sort();
}

describe('the import graph of src/, panels/ and components/', () => {
  const graph = readGraph();

  it('reads every kind of import (type-only, re-exports, dynamic), as a check of the reader itself', () => {
    expect(graph.size).toBeGreaterThan(100);
    // src/cli.ts loads its subcommands with import(); store.ts imports only types from core/triggers.
    expect(graph.get('src/cli.ts')).toContain('src/runtime/main.ts');
    expect(graph.get('src/ui/state/store.ts')).toContain('src/core/triggers.ts');
    for (const deps of graph.values()) for (const d of deps) expect(fs.existsSync(path.join(ROOT, d)), d).toBe(true);
  });

  it('has no import cycle', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('imports only its own layer or lower ones', () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it('src/core and src/domain import nothing outside themselves (src/core may import src/domain)', () => {
    expect(importsOutside(graph, ['src/domain/'], ['src/domain/'])).toEqual([]);
    expect(importsOutside(graph, ['src/core/'], ['src/core/', 'src/domain/'])).toEqual([]);
  });

  it('src/ui/input imports nothing from panels/ (overlay kinds there import it; their table is handed to the router)', () => {
    expect(importsInto(graph, ['src/ui/input/'], ['panels/'])).toEqual([]);
  });

  it('src/ui imports nothing from src/cli; src/cli nothing from src/ui or panels', () => {
    expect(importsInto(graph, ['src/ui/'], ['src/cli/', 'src/cli.ts'])).toEqual([]);
    const cli = [...graph.keys()].filter((f) => LAYERS[layerOf(f)]?.name === 'cli');
    expect(cli).toContain('src/cli.ts');
    expect(importsInto(graph, cli, ['src/ui/', 'panels/'])).toEqual([]);
  });
});

describe('overlays', () => {
  it('each kind has one home, panels/overlays/<kind>/ (state, keys, view), and the one table lists exactly those kinds', () => {
    const dir = path.join(ROOT, 'panels/overlays');
    const homes = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(Object.keys(OVERLAYS).sort()).toEqual(homes);
    for (const kind of homes) {
      // Its state, its keys and its view; helpers of its own may sit beside them.
      expect(fs.readdirSync(path.join(dir, kind)), kind).toEqual(expect.arrayContaining(['View.tsx', 'route.ts', 'state.ts']));
    }
  });
});

describe('the checks themselves, on a made-up graph', () => {
  it('find a cycle and a file importing itself', () => {
    const g = new Map([
      ['src/core/a.ts', ['src/core/b.ts']],
      ['src/core/b.ts', ['src/core/c.ts']],
      ['src/core/c.ts', ['src/core/a.ts']],
      ['src/core/d.ts', ['src/core/d.ts']],
      ['src/core/e.ts', ['src/core/a.ts']],
    ]);
    expect(findCycles(g)).toEqual([['src/core/a.ts', 'src/core/b.ts', 'src/core/c.ts'], ['src/core/d.ts']]);
  });

  it('find an upward import and a file in no layer', () => {
    const g = new Map([
      ['src/control/paging/x.ts', ['src/ui/state/store.ts', 'src/core/y.ts']],
      ['src/runtime/r.ts', ['src/cli/pir.ts']],
      ['src/elsewhere/x.ts', []],
      ['src/cli.ts', ['src/runtime/main.ts']],
      ['src/ui/u.ts', ['panels/p.tsx', 'src/control/z.ts']],
    ]);
    expect(layerViolations(g)).toEqual([
      'src/control/paging/x.ts (control) -> src/ui/state/store.ts (ui)',
      'src/elsewhere/x.ts is in no layer',
      'src/runtime/r.ts (runtime) -> src/cli/pir.ts (cli)',
    ]);
  });
});
