// Scale (issue 16 item 6): the cockpit live on a private Redis with 2,000 and 10,000 queues and 50
// tasks/s: CPU % of one core and RSS over a steady window, whether every queue is watched (the
// queue panel's count against the queues in Redis: nothing cut), and where the worst queue is:
// one queue far down the list (the last tenant) is given a message an hour old; the panel's own
// order lists LSOS's queues first and the rest as discovered, so the bench sorts by lag (`>` until
// the title says `sort:lag`) and reads the first row.
//
// CPU is taken over BENCH_SCALE_WINDOWS windows back to back (default 3, the issue's "medians of
// three"): one 30 s window on this shared machine read 5.0% in one run and 6.1% in the next, the same
// build at 2,000 queues; the median and every window are printed.
//
// Environment: BENCH_SCALE_QUEUES (default 2000,10000), BENCH_WINDOW_S (default 60),
// BENCH_SCALE_WINDOWS (default 3), BENCH_CLI.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { BenchTmux, median, procStat, shq } from './tmux.js';
import { startLiveLsos } from './traffic.js';
import { envelope } from './live-redis.js';
import { binCommand } from './beside-htop.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = process.env.BENCH_CLI ? resolve(process.env.BENCH_CLI) : join(ROOT, 'dist/src/cli.cjs');
// As its bin runs it (the environment and Node flags of its #! line).
const NODE = binCommand(CLI);
const ENV = `env -u CI -u NODE_ENV LANG=C.UTF-8 TERM=xterm-256color`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Figures = Record<string, number | string>;

/** The queue panel's rows: the lines between its header and its bottom border (left column). */
function queueRows(screen: string): string[] {
  const lines = screen.split('\n');
  const header = lines.findIndex((l) => /queue\s+depth/.test(l));
  if (header < 0) return [];
  const rows: string[] = [];
  for (const l of lines.slice(header + 1)) {
    if (/^[╚└+]/.test(l)) break;
    rows.push(l);
  }
  return rows;
}

export async function benchScale(): Promise<Figures> {
  const sizes = (process.env.BENCH_SCALE_QUEUES ?? '2000,10000').split(',').map(Number);
  const window = Number(process.env.BENCH_WINDOW_S ?? 60);
  const windows = Math.max(1, Number(process.env.BENCH_SCALE_WINDOWS ?? 3));
  const fig: Figures = { cockpit: `${NODE} ${CLI}` };
  for (const n of sizes) {
    const live = await startLiveLsos(n);
    const worst = live.queues.at(-1) as string;
    // Stalled, as a stuck queue is: the flow's consumer would otherwise take the hour-old message
    // from the tail within a minute (each queue is taken from every n / 50 s).
    const stopFlow = live.flow(50, { stalled: [worst] });
    const r = new Redis(live.url);
    const t = new BenchTmux();
    const work = mkdtempSync(join(tmpdir(), 'lsos-scale-'));
    try {
      // The worst queue: a message an hour old at the head, in a queue the list reaches last.
      await r.rpush(worst, envelope(worst, 9_999_999, Date.now() / 1000 - 3600));
      const t0 = t.launch('c', 120, 40, `${ENV} REDIS_URL=${shq(live.url)} ${NODE} ${shq(CLI)} --state-dir ${shq(work)}`);
      const count = new RegExp(`Queue lag.*\\b\\d+/${n}\\b`);
      const ms = await t.waitForFrame('c', t0, (s) => count.test(s), 300_000);
      fig[`${n} queues: launch until every queue is counted, ms`] = Math.round(ms);
      await sleep(10_000); // past discovery and the first reads
      const pid = t.pid('c');
      const cpu: number[] = [];
      let b = procStat(pid);
      for (let w = 0; w < windows; w++) {
        const a = b;
        const w0 = performance.now();
        await sleep(window * 1000);
        b = procStat(pid);
        cpu.push((100 * (b.cpuSeconds - a.cpuSeconds)) / ((performance.now() - w0) / 1000));
      }
      const title = /Queue lag.*?(\d+)\/(\d+)/.exec(t.capture('c'));
      for (let i = 0; i < 8 && !/sort:lag/.test(t.capture('c')); i++) {
        t.tmux('send-keys', '-t', 'c', '>');
        await sleep(500);
      }
      await sleep(2000); // a tick or two with the sort in force
      const screen = t.capture('c');
      fig[`${n} queues: CPU % of one core (median of ${windows} windows of ${window} s; each), 50 tasks/s`] =
        `${median(cpu).toFixed(1)} (${cpu.map((c) => c.toFixed(1)).join(' ')})`;
      fig[`${n} queues: RSS MB`] = Number((b.rssBytes / 2 ** 20).toFixed(1));
      fig[`${n} queues: queues counted by the panel / in Redis`] = `${title?.[2] ?? '?'} / ${live.queues.length}`;
      fig[`${n} queues: first row sorted by lag (>)`] = (queueRows(screen)[0] ?? '?').replace(/[║│|]/g, ' ').replace(/\s+/g, ' ').trim();
      fig[`${n} queues: worst queue (${worst}, lag 1h) first when sorted by lag`] = (queueRows(screen)[0] ?? '').includes(
        worst.slice(0, 10),
      )
        ? 'yes'
        : 'NO';
    } finally {
      stopFlow();
      t.killServer();
      r.disconnect();
      await live.stop();
      rmSync(work, { recursive: true, force: true });
    }
  }
  fig['load average (1 min) at the end'] = readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? '?';
  return fig;
}
