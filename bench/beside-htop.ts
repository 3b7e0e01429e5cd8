// The cockpit beside htop, in one run, in the same terminal multiplexer (issue 16): launch to first
// full frame, CPU % of one core and RSS over a steady window, bytes written per second, and key to
// frame latency, for htop, the cockpit on the simulation and the cockpit live on a private Redis
// with 200 queues and 50 tasks/s (in the steady window also on LSOS's 7 queues). Then the soak
// (issue 12): heap after gc at the start and after N minutes on the simulation (speed 60) and live
// on 500 queues.
//
// Environment: BENCH_WINDOW_S (steady window, default 60), BENCH_WINDOWS (steady windows back to
// back, default 2: the first minute after start-up and the one after it), BENCH_KEYS (key presses per program,
// default 40), BENCH_LAUNCHES (default 3), BENCH_SOAK_MIN (default 10), BENCH_CLI (the cockpit to
// measure, default dist/src/cli.cjs: point it at another build to compare).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BenchTmux, ControlClient, haveTmux, median, percentile, procStat, shq, withoutDigits } from './tmux.js';
import { startLiveLsos, type LiveLsos } from './traffic.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = process.env.BENCH_CLI ? resolve(process.env.BENCH_CLI) : join(ROOT, 'dist/src/cli.cjs');
const PROBE = join(ROOT, 'bench', 'probe.mjs');
/** What the bin's sh line (its second, scripts/bundle.mjs) holds. */
export interface BinLine {
  /** The shell it runs before Node (`export NAME=value;` for malloc, NODE_EXTRA_CA_CERTS moved aside), each statement ending in `; `. */
  shell: string;
  /** Node's flags. */
  flags: string;
}

/**
 * The bin's sh line read apart, empty for a build without one. A build from before the sh line
 * (`#!/usr/bin/env -S [NAME=value …] node [flags]`) is read as the same, so a bench can set one
 * beside the other (BENCH_SIDE_CLIS, BENCH_MEMORY_VARIANTS' `bin:`).
 */
export function binLine(cli: string): BinLine {
  try {
    const [first = '', second = ''] = readFileSync(cli, 'utf8').split('\n', 2);
    const m = /^":" \/\/; (.*; )?exec node(?: (.*?))? "\$0" "\$@"$/.exec(second);
    if (m) return { shell: m[1] ?? '', flags: m[2]?.trim() ?? '' };
    const old = /^#!\/usr\/bin\/env -S ((?:[A-Za-z_][A-Za-z0-9_]*=\S* )*)node(?: (.*))?$/.exec(first);
    if (old)
      return {
        shell: (old[1] ?? '')
          .split(' ')
          .filter(Boolean)
          .map((w) => `export ${w}; `)
          .join(''),
        flags: old[2]?.trim() ?? '',
      };
    return { shell: '', flags: '' };
  } catch {
    return { shell: '', flags: '' };
  }
}

/**
 * The cockpit runs as its bin does (`lsos-cockpit`, `npm start`): sh runs the bin's line, with
 * `nodeFlags` added to Node's, then Node the script named next (`$0`) with the words after it. Goes
 * after an `env …` prefix. A build without the line: plain `node`.
 */
export function binCommand(cli: string, nodeFlags = ''): string {
  const { shell, flags } = binLine(cli);
  const node = ['node', flags, nodeFlags].filter(Boolean).join(' ');
  if (shell === '' && flags === '') return node;
  return `sh -c ${shq(`${shell}exec ${node} "$0" "$@"`)}`;
}
const NODE = binCommand(CLI);
const COLS = 120;
const ROWS = 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const num = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};

type Figures = Record<string, number | string>;

/** htop from Debian when missing (as root); the bench says so when it cannot. */
export function ensureHtop(): boolean {
  const have = () => {
    try {
      execFileSync('htop', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (have()) return true;
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', 'htop'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch {
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
      execFileSync('apt-get', ['install', '-y', '-qq', 'htop'], {
        stdio: 'ignore',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch {
      return false;
    }
  }
  return have();
}

interface Program {
  label: string;
  session: string;
  command: (stateDir: string) => string;
  /** The first full frame: everything the program shows at rest is on screen. */
  full: (screen: string) => boolean;
  /** Keys that move the selection down and back up. */
  keys: [string, string];
  /** A screen change the key caused (not the clock): compared without digits. */
  changed: (before: string, after: string) => boolean;
}

// As an operator starts it: no CI, no NODE_ENV (the bench process sets NODE_ENV=production for its
// in-process render bench, and tmux would hand it on to every program it starts).
const ENV = `env -u CI -u NODE_ENV LANG=C.UTF-8 TERM=xterm-256color`;

function cockpitSim(extra = ''): Program {
  return {
    label: 'cockpit sim',
    session: 'sim',
    command: (state) => `${ENV} ${NODE} ${shq(CLI)} --state-dir ${shq(state)} ${extra}`,
    full: (s) => ['SIMULATION', '1 Queue lag', 'crawl', 'celery', 'replica-1', '4 Escalation', 'suggest'].every((x) => s.includes(x)),
    keys: ['j', 'k'],
    changed: (a, b) => withoutDigits(a) !== withoutDigits(b),
  };
}

function cockpitLive(url: string, extra = '', label = 'cockpit live', session = 'live'): Program {
  return {
    label,
    session,
    command: (state) => `${ENV} REDIS_URL=${shq(url)} ${NODE} ${shq(CLI)} --state-dir ${shq(state)} ${extra}`,
    full: (s) => ['1 Queue lag', 'crawl', 'celery', '4 Escalation'].every((x) => s.includes(x)) && /redis/.test(s),
    keys: ['j', 'k'],
    changed: (a, b) => withoutDigits(a) !== withoutDigits(b),
  };
}

/**
 * Node alone, started as the bin starts the cockpit (its `#!` environment and flags), writing one
 * line and waiting: the floor of any Node program's launch on this machine, measured the same way.
 */
const NODE_FLOOR: Program = {
  label: "node alone (the bin's environment and flags)",
  session: 'floor',
  command: () => `${ENV} ${NODE} -e ${shq("process.stdout.write('node ready'); setInterval(() => {}, 60000)")}`,
  full: (s) => s.includes('node ready'),
  keys: ['', ''],
  changed: () => false,
};

const HTOP: Program = {
  label: 'htop',
  session: 'htop',
  command: () => `${ENV} htop -d 10`,
  full: (s) => s.includes('PID') && s.includes('Load average') && s.includes('Tasks:'),
  keys: ['Down', 'Up'],
  // htop's meters redraw as bars; the selection bar moving changes which line carries the highlight.
  changed: (a, b) => withoutDigits(a).replace(/\|/g, '') !== withoutDigits(b).replace(/\|/g, ''),
};

/** Launch to first full frame: wall ms, and the CPU ms the program used until then (load-independent). */
async function launchTimes(t: BenchTmux, p: Program, times: number, work: string): Promise<{ ms: number[]; cpuMs: number[] }> {
  const ms: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = t.launch(p.session, COLS, ROWS, p.command(join(work, `${p.session}-launch-${i}`)));
    ms.push(await t.waitForFrame(p.session, t0, p.full));
    cpuMs.push(procStat(t.pid(p.session)).cpuSeconds * 1000);
    t.kill(p.session);
    await sleep(300);
  }
  return { ms, cpuMs };
}

/** Key to frame latencies, and the program's CPU ms per key (CPU over the key phase / keys: load-independent). */
async function keyLatencies(t: BenchTmux, p: Program, presses: number): Promise<{ ms: number[]; cpuMsPerKey: number }> {
  const c = new ControlClient(t, p.session);
  try {
    await sleep(300);
    const out: number[] = [];
    const pid = t.pid(p.session);
    const cpu0 = procStat(pid).cpuSeconds;
    for (let i = 0; i < presses; i++) {
      await c.settle(100, 1500);
      const ms = await c.keyLatency(p.keys[i % 2] as string, p.changed);
      if (ms !== null) out.push(ms);
      await sleep(40 + ((i * 37) % 80));
    }
    return { ms: out, cpuMsPerKey: ((procStat(pid).cpuSeconds - cpu0) * 1000) / presses };
  } finally {
    c.close();
  }
}

const f1 = (x: number) => Number(x.toFixed(1));
const mb = (b: number) => f1(b / 1048576);

export async function benchBesideHtop(): Promise<Figures> {
  if (!haveTmux()) throw new Error('tmux is needed (apt-get install tmux)');
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: npm run build`);
  const htop = ensureHtop();
  const window = num('BENCH_WINDOW_S', 60);
  const windows = Math.max(1, num('BENCH_WINDOWS', 2));
  const presses = num('BENCH_KEYS', 40);
  const launches = num('BENCH_LAUNCHES', 3);
  const work = mkdtempSync(join(tmpdir(), 'lsos-bench-'));
  const t = new BenchTmux();
  let live: LiveLsos | null = null;
  let live7: LiveLsos | null = null;
  let stopFlow = () => {};
  let stopFlow7 = () => {};
  const fig: Figures = {
    machine: `${machine()}`,
    terminal: `${COLS}x${ROWS}, tmux ${execFileSync('tmux', ['-V'], { encoding: 'utf8' }).trim()} (-L ${t.socket})`,
    cockpit: `${NODE} ${CLI}`,
  };
  try {
    live = await startLiveLsos(200);
    stopFlow = live.flow(50);
    // The issue's own live figures were taken on LSOS's 7 queues: the steady window runs that too,
    // so bytes/s and CPU compare like with like.
    live7 = await startLiveLsos(7);
    stopFlow7 = live7.flow(50);
    const programs = [...(htop ? [HTOP] : []), cockpitSim(), cockpitLive(live.url)];
    const steadyOnly = [cockpitLive(live7.url, '', 'cockpit live, 7 queues', 'live7')];
    if (!htop) fig['htop'] = 'not installed and not root: htop figures missing';

    // 1. Launch to first full frame, each program alone (and Node alone, the floor under the cockpit's).
    for (const p of [...programs, NODE_FLOOR]) {
      const { ms, cpuMs } = await launchTimes(t, p, launches, work);
      fig[`${p.label}: launch to first full frame, ms (median of ${launches})`] =
        `${Math.round(median(ms))}  (${ms.map(Math.round).join(', ')})`;
      fig[`${p.label}: CPU ms used until the first full frame (median)`] = Math.round(median(cpuMs));
    }

    // 2. Steady window: all side by side, nobody typing.
    const clients = new Map<string, ControlClient>();
    const steady = [...programs, ...steadyOnly];
    for (const p of steady) {
      t.launch(p.session, COLS, ROWS, p.command(join(work, `${p.session}-steady`)));
      clients.set(p.session, new ControlClient(t, p.session));
    }
    for (const p of steady) await t.waitForFrame(p.session, performance.now(), p.full);
    await sleep(5000); // past start-up work
    // Back-to-back windows: the first minute still holds V8's optimising compiles of start-up
    // (a third of the cockpit's CPU then, docs/performance.md); the later ones are the screen left open.
    for (let k = 0; k < windows; k++) {
      const before = new Map(steady.map((p) => [p.session, { ...procStat(t.pid(p.session)), bytes: clients.get(p.session)?.bytes ?? 0 }]));
      const w0 = performance.now();
      await sleep(window * 1000);
      const secs = (performance.now() - w0) / 1000;
      const from = 5 + k * window;
      const when = k === 0 ? `${window} s, no keys` : `${window} s from ${from} s after the first frame, no keys`;
      for (const p of steady) {
        const b = before.get(p.session);
        const a = procStat(t.pid(p.session));
        const bytes = (clients.get(p.session)?.bytes ?? 0) - (b?.bytes ?? 0);
        fig[`${p.label}: CPU % of one core (${when})`] = f1((100 * (a.cpuSeconds - (b?.cpuSeconds ?? 0))) / secs);
        fig[`${p.label}: RSS MB${k === 0 ? '' : ` (${from + window} s after the first frame)`}`] = mb(a.rssBytes);
        fig[`${p.label}: bytes written per second${k === 0 ? '' : ` (${when})`}`] = Math.round(bytes / secs);
      }
    }
    for (const c of clients.values()) c.close();

    // 3. Key to frame, one program at a time (the others keep running, as on a shared bastion).
    for (const p of programs) {
      const { ms, cpuMsPerKey } = await keyLatencies(t, p, presses);
      fig[`${p.label}: key to frame ms, median / p90 / max (n=${ms.length})`] =
        ms.length > 0 ? `${f1(median(ms))} / ${f1(percentile(ms, 90))} / ${f1(Math.max(...ms))}` : 'no change seen';
      // Includes the program's background work during the key phase (ticks, clock).
      fig[`${p.label}: CPU ms per key press (all work during the key phase / keys)`] = f1(cpuMsPerKey);
    }
    fig['load average (1 min) at the end'] = readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? '?';
  } finally {
    stopFlow();
    stopFlow7();
    t.killServer();
    await live?.stop();
    await live7?.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return fig;
}

/** Heap after gc through bench/probe.mjs (SIGUSR2), and RSS, of a running cockpit. */
async function probe(pid: number, out: string): Promise<{ heapUsedAfterGc: number; rss: number; measures: number }> {
  const before = existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean).length : 0;
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const lines = existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length > before)
      return JSON.parse(lines[lines.length - 1] as string) as { heapUsedAfterGc: number; rss: number; measures: number };
    await sleep(100);
  }
  throw new Error(`no probe answer from pid ${pid}`);
}

export async function benchSoak(): Promise<Figures> {
  if (!haveTmux()) throw new Error('tmux is needed (apt-get install tmux)');
  const minutes = num('BENCH_SOAK_MIN', 10);
  const work = mkdtempSync(join(tmpdir(), 'lsos-soak-'));
  const t = new BenchTmux();
  let live: LiveLsos | null = null;
  let live7: LiveLsos | null = null;
  let stopFlow = () => {};
  let stopFlow7 = () => {};
  const fig: Figures = { machine: machine(), minutes, cockpit: CLI };
  try {
    live = await startLiveLsos(500);
    stopFlow = live.flow(50);
    const runs = [
      { p: cockpitSim('--speed 60'), label: 'simulation, speed 60' },
      { p: cockpitLive(live.url), label: 'live, 500 queues, 50 tasks/s' },
    ];
    const outs = new Map<string, string>();
    for (const { p } of runs) {
      const out = join(work, `${p.session}.jsonl`);
      outs.set(p.session, out);
      const cmd = p
        .command(join(work, `${p.session}-state`))
        .replace(' node ', ` LSOS_PROBE_OUT=${shq(out)} node --expose-gc --import=${shq(PROBE)} `);
      t.launch(p.session, COLS, ROWS, cmd);
    }
    for (const { p } of runs) await t.waitForFrame(p.session, performance.now(), p.full, 30_000);
    await sleep(10_000);
    const start = new Map<string, { heapUsedAfterGc: number; rss: number }>();
    for (const { p } of runs) start.set(p.session, await probe(t.pid(p.session), outs.get(p.session) as string));
    const series = new Map<string, number[]>(runs.map(({ p }) => [p.session, [mb(start.get(p.session)?.heapUsedAfterGc ?? 0)]]));
    for (let m = 1; m <= minutes; m++) {
      await sleep(60_000);
      for (const { p } of runs) {
        const s = await probe(t.pid(p.session), outs.get(p.session) as string);
        series.get(p.session)?.push(mb(s.heapUsedAfterGc));
        if (m === minutes) {
          const s0 = start.get(p.session);
          const label = runs.find((r) => r.p.session === p.session)?.label ?? p.session;
          fig[`${label}: heap after gc at start / after ${minutes} min, MB`] = `${mb(s0?.heapUsedAfterGc ?? 0)} / ${mb(s.heapUsedAfterGc)}`;
          fig[`${label}: growth MB (goal < 5)`] = f1((s.heapUsedAfterGc - (s0?.heapUsedAfterGc ?? 0)) / 1048576);
          fig[`${label}: RSS at start / end, MB`] = `${mb(s0?.rss ?? 0)} / ${mb(s.rss)}`;
          fig[`${label}: performance.measure entries`] = s.measures;
          fig[`${label}: heap after gc each minute, MB`] = (series.get(p.session) ?? []).join(' ');
        }
      }
    }
  } finally {
    stopFlow();
    t.killServer();
    await live?.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return fig;
}

function machine(): string {
  try {
    const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'cpu';
    const cores = execFileSync('nproc', { encoding: 'utf8' }).trim();
    const mem = Math.round(Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1048576);
    return `${cores} cores (${cpu}), ${mem} GB RAM, shared with other work; node ${process.version}`;
  } catch {
    return 'unknown';
  }
}
