// Evidence for docs/performance.md: a cockpit run for BENCH_PROFILE_S seconds (default 60) in tmux
// under `node --cpu-prof`, then a heap snapshot (`--heapsnapshot-signal`), on the simulation and
// live (a private Redis with 7 and 2,000 queues at 50 tasks/s); start-up is excluded from the CPU
// figures (the first 10 s are cut). Prints the top self-time functions and, from the snapshot, the
// largest objects by retained size (a dominator tree over the snapshot's graph).
// `node dist/bench/run.js profile` (BENCH_CLI selects the build, BENCH_PROFILE_MODES the runs).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BenchTmux, shq } from './tmux.js';
import { startLiveLsos, type LiveLsos } from './traffic.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = process.env.BENCH_CLI ? resolve(process.env.BENCH_CLI) : join(ROOT, 'dist/src/cli.cjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SKIP_MS = 10_000;

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (ms and % of busy time), from SKIP_MS to untilMs (before the heap snapshot). */
export function topSelf(p: CpuProfile, untilMs: number, n = 15): { busyMs: number; totalMs: number; top: [string, number, number][] } {
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const self = new Map<string, number>();
  let t = 0;
  let busy = 0;
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    t += dt;
    if (t < SKIP_MS || t > untilMs) return;
    total += dt;
    const cf = byId.get(id)?.callFrame;
    if (!cf) return;
    const name = cf.functionName || '(anonymous)';
    if (name === '(idle)') return;
    busy += dt;
    const file = cf.url.split('/').slice(-1)[0] ?? '';
    const key = file ? `${name} (${file.replace(/-[A-Z0-9]{8}\.js$/, '.js')})` : name;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]): [string, number, number] => [k, v, (100 * v) / Math.max(1, busy)]);
  return { busyMs: busy, totalMs: total, top };
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] }; node_count: number };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Retained sizes by a dominator tree (Cooper, Harvey and Kennedy's iterative algorithm) over the snapshot. */
export function largestRetained(s: Snapshot, n = 12): { totalMB: number; top: [string, number, number][] } {
  const nf = s.snapshot.meta.node_fields;
  const ef = s.snapshot.meta.edge_fields;
  const NF = nf.length;
  const EF = ef.length;
  const typeI = nf.indexOf('type');
  const nameI = nf.indexOf('name');
  const sizeI = nf.indexOf('self_size');
  const ecI = nf.indexOf('edge_count');
  const etI = ef.indexOf('type');
  const toI = ef.indexOf('to_node');
  const nodeTypes = s.snapshot.meta.node_types[0];
  const edgeTypes = s.snapshot.meta.edge_types[0];
  const weak = edgeTypes.indexOf('weak');
  const N = s.nodes.length / NF;
  const firstEdge = new Uint32Array(N + 1);
  for (let i = 0, e = 0; i < N; i++) {
    firstEdge[i] = e;
    e += (s.nodes[i * NF + ecI] as number) * EF;
    firstEdge[i + 1] = e;
  }
  // Reverse postorder from the root (node 0), ignoring weak edges.
  const order = new Int32Array(N).fill(-1);
  const post: number[] = [];
  const stack: number[] = [0];
  const iter = new Uint32Array(N);
  const seen = new Uint8Array(N);
  seen[0] = 1;
  while (stack.length) {
    const v = stack[stack.length - 1] as number;
    const e = firstEdge[v]! + iter[v]! * EF;
    if (e < firstEdge[v + 1]!) {
      iter[v]! += 1;
      if (s.edges[e + etI] === weak) continue;
      const w = (s.edges[e + toI] as number) / NF;
      if (!seen[w]) {
        seen[w] = 1;
        stack.push(w);
      }
    } else {
      stack.pop();
      order[v] = post.length;
      post.push(v);
    }
  }
  const preds: number[][] = Array.from({ length: N }, () => []);
  for (let v = 0; v < N; v++) {
    if (!seen[v]) continue;
    for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) {
      if (s.edges[e + etI] === weak) continue;
      const w = (s.edges[e + toI] as number) / NF;
      (preds[w] as number[]).push(v);
    }
  }
  const idom = new Int32Array(N).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (order[a]! < order[b]!) a = idom[a]!;
      while (order[b]! < order[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let k = post.length - 2; k >= 0; k--) {
      const v = post[k] as number;
      let d = -1;
      for (const p of preds[v] as number[]) {
        if (idom[p] === -1) continue;
        d = d === -1 ? p : intersect(p, d);
      }
      if (d !== -1 && idom[v] !== d) {
        idom[v] = d;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(N);
  for (let v = 0; v < N; v++) retained[v] = s.nodes[v * NF + sizeI] as number;
  for (const v of post) {
    const d = idom[v] as number;
    if (v !== 0 && d >= 0 && d !== v) retained[d] = (retained[d] as number) + (retained[v] as number);
  }
  let total = 0;
  for (let v = 0; v < N; v++) if (seen[v]) total += s.nodes[v * NF + sizeI] as number;
  const label = (v: number) => {
    const type = nodeTypes[s.nodes[v * NF + typeI] as number] ?? '?';
    const name = s.strings[s.nodes[v * NF + nameI] as number] ?? '';
    return `${type}:${name.slice(0, 60)}`;
  };
  const candidates = post.filter((v) => {
    const type = nodeTypes[s.nodes[v * NF + typeI] as number];
    return v !== 0 && type !== 'synthetic' && type !== 'hidden';
  });
  candidates.sort((a, b) => retained[b]! - retained[a]!);
  const top: [string, number, number][] = [];
  const used = new Set<number>();
  for (const v of candidates) {
    if (top.length >= n) break;
    // Skip an object whose dominator is already listed (its size is inside its parent's).
    let d = idom[v]!;
    let inside = false;
    while (d > 0 && d !== idom[d]) {
      if (used.has(d)) {
        inside = true;
        break;
      }
      d = idom[d]!;
    }
    if (inside) continue;
    used.add(v);
    top.push([label(v), retained[v]! / 1048576, (100 * retained[v]!) / total]);
  }
  return { totalMB: total / 1048576, top };
}

async function profileOne(t: BenchTmux, name: string, command: string, seconds: number, dir: string): Promise<string[]> {
  const pdir = join(dir, name);
  mkdirSync(pdir, { recursive: true });
  // bash execs node: the pane's pid is the cockpit's.
  t.launch(name, 120, 40, `bash -c ${shq(`cd ${shq(pdir)} && ${command}`)}`);
  await sleep(seconds * 1000 + SKIP_MS);
  const target = t.pid(name);
  process.kill(target, 'SIGUSR1'); // heap snapshot
  for (let i = 0; i < 600 && !readdirSync(pdir).some((f) => f.endsWith('.heapsnapshot')); i++) await sleep(100);
  await sleep(2000);
  process.kill(target, 'SIGTERM'); // the cockpit exits cleanly; --cpu-prof writes the profile
  for (let i = 0; i < 300 && !readdirSync(pdir).some((f) => f.endsWith('.cpuprofile')); i++) await sleep(100);
  const out: string[] = [];
  const prof = readdirSync(pdir).find((f) => f.endsWith('.cpuprofile'));
  if (prof) {
    const r = topSelf(JSON.parse(readFileSync(join(pdir, prof), 'utf8')) as CpuProfile, SKIP_MS + seconds * 1000);
    out.push(
      `  ${name}: CPU busy ${((100 * r.busyMs) / Math.max(1, r.totalMs)).toFixed(1)}% of one core over ${(r.totalMs / 1000).toFixed(0)} s`,
    );
    for (const [k, ms, pct] of r.top) out.push(`    ${pct.toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(6)} ms  ${k}`);
  } else out.push(`  ${name}: no CPU profile written`);
  const snap = readdirSync(pdir).find((f) => f.endsWith('.heapsnapshot'));
  if (snap) {
    const r = largestRetained(JSON.parse(readFileSync(join(pdir, snap), 'utf8')) as Snapshot);
    out.push(`  ${name}: heap snapshot ${r.totalMB.toFixed(1)} MB reachable; largest retained:`);
    for (const [k, mb, pct] of r.top) out.push(`    ${mb.toFixed(2).padStart(7)} MB ${pct.toFixed(1).padStart(5)}%  ${k}`);
  } else out.push(`  ${name}: no heap snapshot written`);
  return out;
}

export async function benchProfile(): Promise<Record<string, string>> {
  const seconds = Number(process.env.BENCH_PROFILE_S ?? 60);
  const modes = (process.env.BENCH_PROFILE_MODES ?? 'sim,live7,live2000').split(',');
  const dir = mkdtempSync(join(tmpdir(), 'lsos-profile-'));
  const t = new BenchTmux();
  const lives: LiveLsos[] = [];
  const stops: (() => void)[] = [];
  const lines: string[] = [`  cockpit ${CLI}; files in ${dir}`];
  try {
    const runs: Promise<string[]>[] = [];
    for (const mode of modes) {
      let env = '';
      if (mode.startsWith('live')) {
        const live = await startLiveLsos(Number(mode.slice(4)) || 7);
        lives.push(live);
        stops.push(live.flow(50));
        env = `REDIS_URL=${shq(live.url)}`;
      }
      const cmd = `exec env -u CI -u NODE_ENV LANG=C.UTF-8 TERM=xterm-256color ${env} node --cpu-prof --heapsnapshot-signal=SIGUSR1 ${shq(CLI)} --state-dir ${shq(join(dir, `${mode}-state`))}`;
      runs.push(profileOne(t, mode, cmd, seconds, dir));
    }
    for (const r of await Promise.all(runs)) lines.push(...r);
  } finally {
    for (const s of stops) s();
    t.killServer();
    for (const l of lives) await l.stop();
  }
  return { profile: `\n${lines.join('\n')}` };
}
