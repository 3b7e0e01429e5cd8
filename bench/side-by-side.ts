// Two builds (or more) live side by side: one private redis-server with N queues and 50 tasks/s
// (bench/traffic.ts), each build's cockpit in the same tmux server, run as its bin runs it, CPU
// from /proc over the same windows. On a shared machine this is the fair A/B: both see the same
// load, window by window. `node --expose-gc dist/bench/run.js side-by-side`
// Environment: BENCH_SIDE_CLIS (cli.cjs or cli.js paths, comma separated; default this build and BENCH_CLI),
// BENCH_SCALE_QUEUES (default 2000, one size), BENCH_WINDOW_S (30), BENCH_WINDOWS (3),
// BENCH_SIDE_INCIDENT=1: one queue an hour behind, as the `scale` bench leaves it, so each cockpit
// has an incident open and records (each its own: not shared, else one would record for both);
// BENCH_SIDE_STATE_FROM=<dir>: each cockpit starts on a copy of that state directory (an incident
// an hour old, say, to see what a long incident costs).
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BenchTmux, median, procStat, shq } from './tmux.js';
import { Redis } from 'ioredis';
import { startLiveLsos } from './traffic.js';
import { envelope } from './live-redis.js';
import { binCommand } from './beside-htop.js';

const ROOT = resolve(import.meta.dirname, '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchSideBySide(): Promise<Record<string, number | string>> {
  const here = join(ROOT, 'dist/src/cli.cjs');
  const clis = (process.env.BENCH_SIDE_CLIS ?? [here, process.env.BENCH_CLI ?? ''].filter(Boolean).join(','))
    .split(',')
    .map((c) => resolve(c));
  const n = Number(process.env.BENCH_SCALE_QUEUES ?? 2000);
  const windowS = Number(process.env.BENCH_WINDOW_S ?? 30);
  const windows = Number(process.env.BENCH_WINDOWS ?? 3);
  const fig: Record<string, number | string> = {};
  const incident = process.env.BENCH_SIDE_INCIDENT === '1';
  const live = await startLiveLsos(n);
  const worst = live.queues.at(-1) as string;
  const stopFlow = live.flow(50, incident ? { stalled: [worst] } : {});
  if (incident) {
    const r = new Redis(live.url);
    await r.rpush(worst, envelope(worst, 9_999_999, Date.now() / 1000 - 3600));
    r.disconnect();
  }
  const t = new BenchTmux();
  const work = mkdtempSync(join(tmpdir(), 'lsos-side-'));
  try {
    const names = clis.map((_, i) => `c${i}`);
    const from = process.env.BENCH_SIDE_STATE_FROM;
    if (from) clis.forEach((_, i) => cpSync(from, join(work, `s${i}`), { recursive: true }));
    clis.forEach((cli, i) => {
      const env = `env -u CI -u NODE_ENV LANG=C.UTF-8 TERM=xterm-256color REDIS_URL=${shq(live.url)}${incident ? ' LSOS_COCKPIT_SHARED=0' : ''}`;
      t.launch(names[i] as string, 120, 40, `${env} ${binCommand(cli)} ${shq(cli)} --state-dir ${shq(join(work, `s${i}`))}`);
    });
    const count = new RegExp(`Queue lag.*\\b\\d+/${n}\\b`);
    for (const name of names) await t.waitForFrame(name, performance.now(), (s) => count.test(s), 300_000);
    await sleep(10_000); // past discovery and the first reads
    const pids = names.map((name) => t.pid(name));
    const cpu: number[][] = clis.map(() => []);
    const loads: string[] = [];
    for (let w = 0; w < windows; w++) {
      const a = pids.map(procStat);
      const w0 = performance.now();
      await sleep(windowS * 1000);
      const b = pids.map(procStat);
      const secs = (performance.now() - w0) / 1000;
      pids.forEach((_, i) => cpu[i]?.push((100 * ((b[i]?.cpuSeconds ?? 0) - (a[i]?.cpuSeconds ?? 0))) / secs));
      loads.push(readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? '?');
    }
    clis.forEach((cli, i) => {
      const c = cpu[i] ?? [];
      fig[`${cli}: ${n} queues, CPU % (median; windows)`] = `${median(c).toFixed(1)} (${c.map((x) => x.toFixed(1)).join(' ')})`;
      fig[`${cli}: RSS MB`] = Number((procStat(pids[i] as number).rssBytes / 2 ** 20).toFixed(1));
      fig[`${cli}: every queue counted`] = count.test(t.capture(names[i] as string)) ? 'yes' : 'NO';
    });
    fig['load average (1 min) after each window'] = loads.join(' ');
  } finally {
    stopFlow();
    t.killServer();
    await live.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return fig;
}
