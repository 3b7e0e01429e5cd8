// What grows (issue 12's soak): the cockpit on the simulation (speed 60) and live on 500 queues
// (50 tasks/s), each under `--heapsnapshot-signal`; a heap snapshot after BENCH_GROWTH_FROM_S
// (default 60) and another BENCH_GROWTH_S later (default 300). Each snapshot is reduced to a
// breadth-first spanning tree from the GC roots; every object's subtree size is summed per path
// of property names from the root (array indices as #), and the paths that grew most between the
// two snapshots are printed, deepest first among equals: the structure that keeps growing is the
// deepest path with a large growth (e.g. `…/aggregator(EventAggregator)/queues(Map)`). The tree
// is the first path breadth-first, which can change between snapshots: a path the first snapshot
// did not have is marked `new path`, its whole size counted as growth (compare with its total).
// `node dist/bench/run.js growth` (BENCH_GROWTH_MODES=sim,live selects the runs).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BenchTmux, shq } from './tmux.js';
import { startLiveLsos, type LiveLsos } from './traffic.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = process.env.BENCH_CLI ? resolve(process.env.BENCH_CLI) : join(ROOT, 'dist/src/cli.cjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Bytes reachable under each path of the BFS tree (up to `maxDepth` edges from the root). */
export function sizesByPath(s: Snapshot, maxDepth = 20): Map<string, number> {
  const nf = s.snapshot.meta.node_fields;
  const ef = s.snapshot.meta.edge_fields;
  const NF = nf.length;
  const EF = ef.length;
  const nameI = nf.indexOf('name');
  const sizeI = nf.indexOf('self_size');
  const countI = nf.indexOf('edge_count');
  const etI = ef.indexOf('type');
  const enI = ef.indexOf('name_or_index');
  const toI = ef.indexOf('to_node');
  const edgeTypes = s.snapshot.meta.edge_types[0];
  const N = s.nodes.length / NF;
  const first = new Uint32Array(N + 1);
  for (let v = 0, e = 0; v < N; v++) {
    first[v] = e;
    e += (s.nodes[v * NF + countI] as number) * EF;
    first[v + 1] = e;
  }
  const parent = new Int32Array(N).fill(-1);
  const viaEdge = new Int32Array(N).fill(-1);
  const order: number[] = [0];
  parent[0] = 0;
  for (let h = 0; h < order.length; h++) {
    const v = order[h] as number;
    for (let e = first[v] as number; e < (first[v + 1] as number); e += EF) {
      const t = edgeTypes[s.edges[e + etI] as number];
      if (t === 'weak' || t === 'shortcut') continue;
      const w = (s.edges[e + toI] as number) / NF;
      if (parent[w] !== -1) continue;
      parent[w] = v;
      viaEdge[w] = e;
      order.push(w);
    }
  }
  const size = new Float64Array(N);
  for (let v = 0; v < N; v++) size[v] = s.nodes[v * NF + sizeI] as number;
  for (let k = order.length - 1; k > 0; k--) {
    const v = order[k] as number;
    size[parent[v] as number] = (size[parent[v] as number] as number) + (size[v] as number);
  }
  const path: string[] = new Array<string>(N);
  const depth = new Int32Array(N);
  path[0] = '';
  const out = new Map<string, number>();
  for (const v of order) {
    if (v === 0) continue;
    const p = parent[v] as number;
    depth[v] = (depth[p] as number) + 1;
    if ((depth[v] as number) > maxDepth) continue;
    const e = viaEdge[v] as number;
    const t = edgeTypes[s.edges[e + etI] as number];
    const edge = t === 'element' || t === 'hidden' ? '#' : String(s.strings[s.edges[e + enI] as number]).slice(0, 40);
    path[v] = `${path[p]}/${edge}(${String(s.strings[s.nodes[v * NF + nameI] as number]).slice(0, 30)})`;
    out.set(path[v] as string, (out.get(path[v] as string) ?? 0) + (size[v] as number));
  }
  return out;
}

/** The paths that grew most from `a` to `b`, as printable lines. */
export function growth(a: Map<string, number>, b: Map<string, number>, n = 25): string[] {
  const rows: [string, number, number][] = [];
  for (const [k, v] of b) rows.push([k, v - (a.get(k) ?? 0), v]);
  rows.sort((x, y) => y[1] - x[1] || y[0].length - x[0].length);
  return rows
    .filter((r) => r[1] >= 16 * 1024)
    .slice(0, n)
    .map(
      ([k, d, v]) =>
        `    ${`+${(d / 1024).toFixed(0)}`.padStart(7)} KB ${(v / 1024).toFixed(0).padStart(7)} KB${a.has(k) ? '' : ' new path'}  ${k.slice(-220)}`,
    );
}

async function snapshotNow(t: BenchTmux, name: string, dir: string, label: string): Promise<Map<string, number>> {
  const before = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).length;
  process.kill(t.pid(name), 'SIGUSR1');
  for (let i = 0; i < 1200; i++) {
    const files = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && !f.startsWith('snap-'));
    if (files.length > 0 && readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).length > before) {
      // V8 writes it in pieces: done when its size has not changed for 2 s.
      const written = join(dir, files[0] as string);
      for (let last = -1, same = 0; same < 4; await sleep(500)) {
        const size = statSync(written).size;
        same = size === last && size > 0 ? same + 1 : 0;
        last = size;
      }
      const file = join(dir, `snap-${label}.heapsnapshot`);
      renameSync(written, file);
      return sizesByPath(JSON.parse(readFileSync(file, 'utf8')) as Snapshot);
    }
    await sleep(100);
  }
  throw new Error(`${name}: no heap snapshot written`);
}

export async function benchHeapGrowth(): Promise<Record<string, string>> {
  const fromS = Number(process.env.BENCH_GROWTH_FROM_S ?? 60);
  const forS = Number(process.env.BENCH_GROWTH_S ?? 300);
  const modes = (process.env.BENCH_GROWTH_MODES ?? 'sim,live').split(',');
  const dir = mkdtempSync(join(tmpdir(), 'lsos-growth-'));
  const t = new BenchTmux();
  let live: LiveLsos | null = null;
  let stopFlow = () => {};
  const lines: string[] = [`  cockpit ${CLI}; snapshots in ${dir}; from ${fromS} s, ${forS} s apart`];
  try {
    for (const mode of modes) {
      let env = '';
      let extra = '';
      if (mode === 'live') {
        live = await startLiveLsos(500);
        stopFlow = live.flow(50);
        env = `REDIS_URL=${shq(live.url)}`;
      } else extra = '--speed 60';
      const pdir = join(dir, mode);
      mkdirSync(pdir, { recursive: true });
      const cmd = `exec env -u CI -u NODE_ENV LANG=C.UTF-8 TERM=xterm-256color ${env} node --heapsnapshot-signal=SIGUSR1 ${shq(CLI)} --state-dir ${shq(join(pdir, 'state'))} ${extra}`;
      t.launch(mode, 120, 40, `bash -c ${shq(`cd ${shq(pdir)} && ${cmd}`)}`);
    }
    await sleep(fromS * 1000);
    const first = new Map<string, Map<string, number>>();
    for (const mode of modes) first.set(mode, await snapshotNow(t, mode, join(dir, mode), 'a'));
    await sleep(forS * 1000);
    for (const mode of modes) {
      const second = await snapshotNow(t, mode, join(dir, mode), 'b');
      lines.push(`  ${mode}: largest growth by path from the GC roots (subtree bytes)`);
      lines.push(...growth(first.get(mode) ?? new Map(), second));
    }
  } finally {
    stopFlow();
    t.killServer();
    await live?.stop();
  }
  return { growth: `\n${lines.join('\n')}` };
}
