// What the RSS is made of (issue 16: ≤ 80 MB on the simulation and live with 200 queues). Cockpits
// run side by side in the bench's tmux (each variant BENCH_MEMORY_RUNS times, simulation and live
// on a private Redis with 200 queues and 50 tasks/s); after a steady window each one's
// /proc/<pid>/smaps is split by what the pages hold: the Node binary's code, its read-only data and
// the part of it that is ICU's data (pages present, from /proc/<pid>/pagemap: needs root), shared
// libraries, V8's heap pages, V8's code pages, malloc's arenas and thread stacks. A preload
// (bench/memprobe.mjs, no gc) adds V8's own figures: heap used, and the physical size of each space.
//
// `node --expose-gc dist/bench/run.js memory`. BENCH_MEMORY_VARIANTS: `label=node flags;label=…`
// (default: the bin's own flags; an `env:NAME=value` word goes to the environment instead, and
// `cli:PATH` runs another build; `bin:PATH` runs another build as its bin does, alone), BENCH_MEMORY_RUNS (default 2), BENCH_WINDOW_S (60), BENCH_CLI.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { binCommand } from './beside-htop.js';
import { BenchTmux, procStat, shq } from './tmux.js';
import { startLiveLsos } from './traffic.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = process.env.BENCH_CLI ? resolve(process.env.BENCH_CLI) : join(ROOT, 'dist/src/cli.cjs');
const MEMPROBE = join(ROOT, 'bench', 'memprobe.mjs');
const PAGE = 4096;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => Number((b / 1048576).toFixed(1));

interface Mapping {
  lo: number;
  hi: number;
  perms: string;
  offset: number;
  path: string;
  rss: number;
}

export function parseSmaps(text: string): Mapping[] {
  const maps: Mapping[] = [];
  let cur: Mapping | null = null;
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) \S+ \d+\s*(.*)$/.exec(line);
    if (m) {
      cur = { lo: parseInt(m[1]!, 16), hi: parseInt(m[2]!, 16), perms: m[3]!, offset: parseInt(m[4]!, 16), path: m[5]!, rss: 0 };
      maps.push(cur);
      continue;
    }
    const r = /^Rss:\s+(\d+) kB/.exec(line);
    if (r && cur) cur.rss = Number(r[1]) * 1024;
  }
  return maps;
}

const icuSymbols = new Map<string, { vaddr: number; size: number; firstLoad: number } | null>();

/** Where ICU's data (the `icudt*_dat` symbol) sits in the binary: file-relative address and size. */
function icuSymbol(exe: string): { vaddr: number; size: number; firstLoad: number } | null {
  if (!icuSymbols.has(exe)) icuSymbols.set(exe, readIcuSymbol(exe));
  return icuSymbols.get(exe) ?? null;
}

function readIcuSymbol(exe: string): { vaddr: number; size: number; firstLoad: number } | null {
  try {
    const syms = execFileSync('readelf', ['--dyn-syms', '-W', exe], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const s = /^\s*\d+:\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+OBJECT\s+\S+\s+\S+\s+\S+\s+icudt\d+_dat$/m.exec(syms);
    const load = /^\s*LOAD\s+0x[0-9a-f]+\s+0x([0-9a-f]+)/m.exec(execFileSync('readelf', ['-lW', exe], { encoding: 'utf8' }));
    if (!s || !load) return null;
    return { vaddr: parseInt(s[1]!, 16), size: Number(s[2]), firstLoad: parseInt(load[1]!, 16) };
  } catch {
    return null;
  }
}

/** Bytes of [lo, hi) present in the process's memory (/proc/<pid>/pagemap, bit 63). */
function presentBytes(pid: number, lo: number, hi: number): number {
  const p0 = Math.floor(lo / PAGE);
  const p1 = Math.ceil(hi / PAGE);
  const buf = Buffer.alloc((p1 - p0) * 8);
  const fd = openSync(`/proc/${pid}/pagemap`, 'r');
  try {
    readSync(fd, buf, 0, buf.length, p0 * 8);
  } finally {
    closeSync(fd);
  }
  let n = 0;
  for (let i = 0; i < p1 - p0; i++) if (buf.readBigUInt64LE(i * 8) >> 63n) n++;
  return n * PAGE;
}

/**
 * The RSS of `pid` split by what its pages hold. V8's heap pages are the anonymous mappings below
 * the 0x7f… range (V8 places them at random hints there); its code pages are the rwx ones.
 */
export function rssParts(pid: number, maps = parseSmaps(readFileSync(`/proc/${pid}/smaps`, 'utf8'))): Record<string, number> {
  const exe = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
  const exePath = maps.find((m) => m.path.endsWith('/node') || m.path === exe)?.path ?? '';
  const icu = exePath ? icuSymbol(exePath) : null;
  const base = maps.find((m) => m.path === exePath && m.offset === 0);
  const parts: Record<string, number> = {};
  const add = (k: string, v: number) => (parts[k] = (parts[k] ?? 0) + v);
  maps.forEach((m, i) => {
    const next = maps[i + 1];
    const prev = maps[i - 1];
    if (m.path === exePath) {
      if (m.perms.includes('x')) return add('node code', m.rss);
      if (m.perms.startsWith('rw')) return add('node data', m.rss);
      if (icu && base) {
        const lo = icu.vaddr - icu.firstLoad + base.lo;
        if (m.lo <= lo && m.hi >= lo + icu.size) {
          let inIcu = 0;
          try {
            inIcu = presentBytes(pid, lo, lo + icu.size);
          } catch {
            // pagemap needs root: ICU's pages stay counted as read-only data.
          }
          add('node ICU data', inIcu);
          return add('node read-only data', m.rss - inIcu);
        }
      }
      return add('node read-only data', m.rss);
    }
    if (m.path.startsWith('/')) return add('shared libraries', m.rss);
    if (m.path === '[heap]') return add('malloc', m.rss);
    if (m.path.startsWith('[')) return add('stacks and vdso', m.rss);
    if (m.lo < 0x10000000) return add('node data', m.rss); // .bss, right after the binary
    if (m.perms === 'rwxp' || (m.hi - m.lo === 8192 && next?.perms === '---p' && maps[i + 2]?.perms === 'rwxp'))
      return add('V8 code pages', m.rss);
    if (m.lo < 0x7f0000000000) return add('V8 heap pages', m.rss);
    if (prev?.perms === '---p' && prev.hi === m.lo && m.hi - m.lo === 8 << 20) return add('stacks and vdso', m.rss);
    return add('malloc', m.rss); // thread arenas (64 MB aligned) and malloc's own mmaps
  });
  return parts;
}

interface Variant {
  label: string;
  /** `NAME=value` words for the environment. */
  env: string;
  /** What runs the cockpit's script with the memory probe loaded: the bin's own line, or `node` with the variant's flags. */
  node: string;
  cli: string;
}

function variants(): Variant[] {
  const spec = process.env.BENCH_MEMORY_VARIANTS;
  const probe = `--import=${shq(MEMPROBE)}`;
  if (!spec) return [{ label: 'bin', env: '', node: binCommand(CLI, probe), cli: CLI }];
  return spec.split(';').map((v) => {
    const at = v.indexOf('=');
    const label = at < 0 ? v : v.slice(0, at);
    const rest = at < 0 ? '' : v.slice(at + 1);
    const words = rest.split(/\s+/).filter(Boolean);
    const cli = words.find((w) => w.startsWith('cli:'));
    // `bin:PATH`: that build started as its own bin starts it (its line's environment and flags).
    const bin = words.find((w) => w.startsWith('bin:'));
    if (bin) return { label: label.trim(), env: '', node: binCommand(resolve(bin.slice(4)), probe), cli: resolve(bin.slice(4)) };
    return {
      label: label.trim(),
      node: ['node', ...words.filter((w) => !/^(env|cli):/.test(w)), probe].join(' '),
      env: words
        .filter((w) => w.startsWith('env:'))
        .map((w) => w.slice(4))
        .join(' '),
      cli: cli ? resolve(cli.slice(4)) : CLI,
    };
  });
}

export async function benchMemory(): Promise<Record<string, string | number>> {
  const runs = Number(process.env.BENCH_MEMORY_RUNS) || 2;
  const windowS = Number(process.env.BENCH_WINDOW_S) || 60;
  const t = new BenchTmux();
  const fig: Record<string, string | number> = {
    cockpit: CLI,
    window: `${windowS} s after 15 s of start-up`,
    'load average (1 min) at the start': readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? '?',
  };
  const live = await startLiveLsos(200);
  const stopFlow = live.flow(50);
  const work = mkdtempSync(join(tmpdir(), 'lsos-memory-'));
  try {
    const cockpits: { name: string; label: string; probe: string }[] = [];
    const env = `env -u CI -u NODE_ENV LANG=C.UTF-8 TERM=xterm-256color`;
    let n = 0;
    // Interleaved: variant after variant, so each sees the same load.
    for (let r = 0; r < runs; r++)
      for (const mode of ['sim', 'live'] as const)
        for (const v of variants()) {
          const name = `m${n++}`;
          const probe = join(work, `${name}.jsonl`);
          const url = mode === 'live' ? `REDIS_URL=${shq(live.url)}` : '';
          t.launch(
            name,
            120,
            40,
            `${env} ${url} ${v.env} LSOS_MEMPROBE_OUT=${shq(probe)} ${v.node} ${shq(v.cli)} --state-dir ${shq(join(work, name))}`,
          );
          cockpits.push({ name, label: `${mode} ${v.label} #${r + 1}`, probe });
        }
    icuSymbol(process.execPath); // readelf once (seconds), before the window: the cockpits run the same node
    await sleep(15_000);
    const before = new Map(cockpits.map((c) => [c.name, procStat(t.pid(c.name)).cpuSeconds]));
    const t0 = performance.now();
    await sleep(windowS * 1000);
    const secs = (performance.now() - t0) / 1000;
    for (const c of cockpits) {
      const pid = t.pid(c.name);
      const { cpuSeconds, rssBytes } = procStat(pid);
      process.kill(pid, 'SIGUSR2');
      const parts = rssParts(pid);
      const deadline = Date.now() + 5000;
      while (!existsSync(c.probe) && Date.now() < deadline) await sleep(50);
      await sleep(100);
      const v8 = existsSync(c.probe)
        ? (JSON.parse(readFileSync(c.probe, 'utf8').trim().split('\n').pop() as string) as {
            heapUsed: number;
            spaces: Record<string, number>;
            bytecode: number;
          })
        : null;
      const cpu = ((100 * (cpuSeconds - (before.get(c.name) ?? 0))) / secs).toFixed(2);
      fig[`${c.label}: RSS MB, CPU %`] = `${mb(rssBytes)}  ${cpu}%`;
      fig[`${c.label}: pages, MB`] = Object.entries(parts)
        .sort((a, b) => b[1] - a[1])
        .map(([k, b]) => `${k} ${mb(b)}`)
        .join(', ');
      if (v8)
        fig[`${c.label}: V8, MB`] =
          `heap used ${mb(v8.heapUsed)}; physical: ` +
          Object.entries(v8.spaces)
            .filter(([, b]) => b > 0)
            .map(([k, b]) => `${k.replace('_space', '')} ${mb(b)}`)
            .join(', ') +
          `; bytecode and metadata ${mb(v8.bytecode)}`;
    }
    return fig;
  } finally {
    stopFlow();
    t.killServer();
    await live.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
