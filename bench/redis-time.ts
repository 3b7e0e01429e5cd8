// Redis server time the cockpit's Redis source costs, read from Redis itself, on a private
// redis-server (never the shared one) whose main thread runs SCHED_FIFO when the bench is root
// (BENCH_REDIS_REALTIME=0: nice -10 only), so the machine's other work does not preempt it
// mid-command. Per tick: INFO commandstats sums the source's commands (wall time inside Redis) and
// INFO cpu gives the main thread's CPU. Per call: SLOWLOG's longest EVALSHA over the pipelined
// ticks; then ticks run call by call, each EVALSHA between two INFO cpu readings (its own CPU)
// with its SLOWLOG wall time, beside a control script that reads nothing and spins for about as
// long (its wall time shows the machine's stalls). Queues are filled with Celery-shaped messages,
// bindings, dead letters and unacked entries; between ticks 50 messages are consumed and 50
// published (a live system at 50 tasks/s) so the script does real work.
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { RedisCelerySource, type RedisSourceOptions } from '../src/sources/redis/index.js';
import { envelope, startPrivateRedis } from './live-redis.js';

const PREFIX = 'b_';
const PER_QUEUE = 10;
const DEAD_PER_QUEUE = 5;
const UNACKED = 200;
const CHURN_PER_TICK = 50;
const COMPARE = process.env.BENCH_REDIS_COMPARE;
/** Spins ARGV[1] times and reads nothing. */
const SPIN_LUA = 'local x = 0 for i = 1, tonumber(ARGV[1]) do x = x + i end return x';
/** Ticks run call by call after the pipelined ones, to time each script call's Redis CPU. */
const PER_CALL_TICKS = Number(process.env.BENCH_REDIS_PER_CALL_TICKS ?? 20);

/** The Redis source of another build (its dist/ directory), to tick beside this one. */
async function compareSource(dist: string): Promise<typeof RedisCelerySource> {
  const mod = (await import(pathToFileURL(path.resolve(dist, 'src/sources/redis/index.js')).href)) as {
    RedisCelerySource: typeof RedisCelerySource;
  };
  return mod.RedisCelerySource;
}

export interface RedisTimeFigures {
  /** '' for this build, 'compare.' for BENCH_REDIS_COMPARE's. */
  label: string;
  /** How the private redis-server was scheduled (startPrivateRedis). */
  scheduling: string;
  queues: number;
  ticks: number;
  /** Redis time per tick (all the source's commands), ms. */
  tickMedian: number;
  tickP90: number;
  tickMax: number;
  /** The longest single command (an EVALSHA of one chunk), ms. */
  callMax: number;
  callsPerTick: number;
  evalshaUsecPerCall: number;
  clientMsMedian: number;
  /** CPU time of Redis's main thread per tick (INFO cpu), ms: unlike the wall times above, not
   * inflated when the machine preempts Redis mid-command; includes the two INFO calls around it. */
  cpuMsMedian: number;
  cpuMsP90: number;
  /**
   * Per script call, from ticks run call by call (perCallTicks more ticks, after the pipelined
   * ones): Redis main-thread CPU of each EVALSHA (INFO cpu before and after it, less the median
   * of INFO followed directly by INFO), ms: median, p99, max. CPU time is not inflated when the
   * machine preempts Redis; wall time (SLOWLOG) is.
   */
  callCpuMedian: number;
  callCpuP99: number;
  callCpuMax: number;
  /** Calls timed one by one. */
  callsTimed: number;
  /**
   * The machine's stalls: wall time (SLOWLOG) of a script that reads no key and spins for about
   * 0.4 ms of CPU, run 20 times before each call-by-call tick: median / max (of n), ms.
   */
  controlWall: string;
  /** The same calls' wall time (SLOWLOG), ms: median, max; and every call over 2 ms, wall and CPU. */
  callWallMedian: number;
  callWallMax: number;
  slowCalls: string;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? NaN;
}

/**
 * Makes the source's next pipelines run call by call, each EVALSHA between two INFO cpu readings
 * on the control connection (Redis serves one command at a time, and only this bench talks to
 * it): what Redis's main thread spent on that one call. Replies are handed back as a pipeline's.
 */
function timeCallByCall(source: RedisCelerySource, ctl: Redis, out: { cpu: number; wall: number }[], infoCost: () => number): void {
  const redis = (source as unknown as { redis: Redis }).redis;
  type Call = [string, unknown[]];
  redis.pipeline = (() => {
    const calls: Call[] = [];
    const pipe = new Proxy(
      {},
      {
        get(_t, name: string) {
          if (name === 'exec')
            return async () => {
              const results: [Error | null, unknown][] = [];
              for (const [cmd, args] of calls) {
                const timed = cmd === 'evalsha';
                const cpu0 = timed ? mainThreadCpu(await ctl.info('cpu')) : 0;
                try {
                  results.push([null, await (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[cmd]?.(...args)]);
                } catch (err) {
                  results.push([err as Error, null]);
                }
                if (!timed) continue;
                const cpu = Math.max(0, (mainThreadCpu(await ctl.info('cpu')) - cpu0) * 1000 - infoCost());
                // SLOWLOG (threshold 0 in these ticks): the newest entry is that INFO, the one before this call.
                const [, call] = (await ctl.slowlog('GET', '2')) as SlowEntry[];
                if (process.env.BENCH_DEBUG && cpu > Number(process.env.BENCH_DEBUG))
                  console.log('call', cpu.toFixed(3), 'ms CPU', args.slice(2, 12).map(String).join(' ').slice(0, 120));
                out.push({ cpu, wall: String(call?.[3]?.[0] ?? '').toLowerCase() === 'evalsha' ? (call?.[2] ?? NaN) / 1000 : NaN });
              }
              return results;
            };
          return (...args: unknown[]) => {
            calls.push([name, args]);
            return pipe;
          };
        },
      },
    );
    return pipe;
  }) as unknown as Redis['pipeline'];
}

async function fill(r: Redis, names: string[]): Promise<void> {
  const now = Date.now() / 1000;
  for (let from = 0; from < names.length; from += 200) {
    const pipe = r.pipeline();
    names.slice(from, from + 200).forEach((q, k) => {
      const qi = from + k;
      for (let i = 0; i < PER_QUEUE; i++) pipe.lpush(q, envelope(q, qi * 1000 + i, now - 60 + i));
      pipe.sadd(`_kombu.binding.${q}`, `${q}\x06\x16\x06\x16${q}`);
      for (let i = 0; i < DEAD_PER_QUEUE; i++)
        pipe.lpush(`${q}.dead`, JSON.stringify({ headers: { lsos_exc_type: i % 2 ? 'ProxyBlocked' : 'TimeoutError' } }));
      if (qi < UNACKED) {
        const tag = `u-${q}`;
        pipe.hset('unacked', tag, JSON.stringify([JSON.parse(envelope(q, qi, now)), '', q]));
        pipe.zadd('unacked_index', now, tag);
      }
    });
    await pipe.exec();
  }
}

/** 50 tasks consumed and 50 published across random queues, a few dead-lettered. */
async function churn(r: Redis, names: string[], tick: number): Promise<void> {
  const pipe = r.pipeline();
  const now = Date.now() / 1000;
  for (let i = 0; i < CHURN_PER_TICK; i++) {
    const q = names[(tick * 7919 + i * 104729) % names.length] as string;
    pipe.rpop(q);
    pipe.lpush(q, envelope(q, tick * 100 + i, now));
    if (i % 10 === 0) pipe.lpush(`${q}.dead`, JSON.stringify({ headers: { lsos_exc_type: 'ParserError' } }));
  }
  await pipe.exec();
}

/** The commands the source sends (SCAN and SMEMBERS for discovery, MGET for provider flags). */
const SOURCE_COMMANDS = ['evalsha', 'eval', 'scan', 'smembers', 'mget'];

function mainThreadCpu(info: string): number {
  const user = /used_cpu_user_main_thread:([\d.]+)/.exec(info) ?? /used_cpu_user:([\d.]+)/.exec(info);
  const sys = /used_cpu_sys_main_thread:([\d.]+)/.exec(info) ?? /used_cpu_sys:([\d.]+)/.exec(info);
  return Number(user?.[1] ?? 0) + Number(sys?.[1] ?? 0);
}

function parseCommandStats(info: string): Map<string, { calls: number; usec: number }> {
  const out = new Map<string, { calls: number; usec: number }>();
  for (const m of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+),usec=(\d+)/gm))
    out.set(m[1] as string, { calls: Number(m[2]), usec: Number(m[3]) });
  return out;
}

type SlowEntry = [number, number, number, (string | Buffer)[], string, string];

export async function measureRedisTime(queueCounts: number[], ticks = 40): Promise<RedisTimeFigures[]> {
  const priv = await startPrivateRedis({ realtime: process.env.BENCH_REDIS_REALTIME !== '0' });
  if (!priv) throw new Error('redis-server not found: the Redis server-time bench needs a private redis-server');
  const ctl = new Redis(priv.url, { connectionName: 'bench-ctl' });
  const out: RedisTimeFigures[] = [];
  try {
    for (const n of queueCounts) {
      await ctl.flushdb();
      const names = Array.from({ length: n }, (_, i) => `${PREFIX}q${String(i).padStart(5, '0')}`);
      await fill(ctl, names);
      // With BENCH_REDIS_COMPARE (another build's dist/, e.g. of the commit before), that build's
      // source ticks too, alternating with this one after the same churn: before and after in the
      // same conditions (this machine's load moves the figures more than a change does).
      const builds: { label: string; Source: typeof RedisCelerySource }[] = [{ label: '', Source: RedisCelerySource }];
      if (COMPARE) builds.push({ label: 'compare.', Source: await compareSource(COMPARE) });
      const sources = builds.map(
        (b) =>
          new b.Source({
            url: priv.url,
            queues: [],
            discoverPrefix: PREFIX,
            events: false,
            providerFlags: false,
            maxQueues: Math.max(n, 2000),
            // Budgets to try (BENCH_REDIS_OPTS='{"headRefreshPerTick":0}'): what each part of a tick costs.
            ...(JSON.parse(process.env.BENCH_REDIS_OPTS ?? '{}') as Partial<RedisSourceOptions>),
          }),
      );
      try {
        // Discovery (SCAN steps, then SMEMBERS) until every queue is watched, then two warm ticks.
        for (const source of sources) {
          for (let i = 0; i < 200; i++) if (((await source.read()).queues?.length ?? 0) >= n) break;
          await source.read();
        }
        // Per tick: INFO commandstats (reset before each tick) sums the source's top-level commands;
        // commands the script runs inside Redis are counted within its EVALSHA. Per call: SLOWLOG
        // above 100 µs (a lower threshold would log every command inside the script and slow it).
        await ctl.config('SET', 'slowlog-log-slower-than', '100');
        await ctl.config('SET', 'slowlog-max-len', '100000');
        const m = sources.map(() => ({
          perTick: [] as number[],
          clientMs: [] as number[],
          cpuMs: [] as number[],
          calls: [] as number[],
          evalUsec: 0,
          evalCalls: 0,
          callMax: 0,
        }));
        for (let t = 0; t < ticks; t++) {
          await churn(ctl, names, t);
          const order = sources.map((_, k) => k);
          if (t % 2 === 1) order.reverse();
          for (const k of order) {
            const source = sources[k] as RedisCelerySource;
            const f = m[k] as (typeof m)[number];
            await ctl.slowlog('RESET');
            await ctl.config('RESETSTAT');
            const cpu0 = mainThreadCpu(await ctl.info('cpu'));
            const t0 = performance.now();
            await source.read();
            f.clientMs.push(performance.now() - t0);
            const cpu1 = mainThreadCpu(await ctl.info('cpu'));
            f.cpuMs.push((cpu1 - cpu0) * 1000);
            const stats = parseCommandStats(await ctl.info('commandstats'));
            let usec = 0;
            let count = 0;
            for (const cmd of SOURCE_COMMANDS) {
              const s = stats.get(cmd);
              if (!s) continue;
              usec += s.usec;
              count += s.calls;
              if (cmd === 'evalsha' || cmd === 'eval') {
                f.evalUsec += s.usec;
                f.evalCalls += s.calls;
              }
            }
            f.perTick.push(usec / 1000);
            f.calls.push(count);
            for (const e of (await ctl.slowlog('GET', '100000')) as SlowEntry[]) {
              const cmd = String(e[3]?.[0] ?? '').toLowerCase();
              if (cmd === 'evalsha' || cmd === 'eval') f.callMax = Math.max(f.callMax, e[2]);
              if (process.env.BENCH_DEBUG && e[2] > 3000) console.log(n, e[2], String(e[3]?.slice(0, 12).join(' ')).slice(0, 200));
            }
          }
        }
        // Call by call: INFO followed by INFO first (what the readings themselves cost), then ticks
        // with each EVALSHA between two readings; before each, 20 no-op scripts show the stalls.
        const infoOnly: number[] = [];
        for (let j = 0; j < 40; j++) {
          const a = mainThreadCpu(await ctl.info('cpu'));
          infoOnly.push((mainThreadCpu(await ctl.info('cpu')) - a) * 1000);
        }
        const infoCost = pct(infoOnly, 50);
        const perCall = sources.map(() => [] as { cpu: number; wall: number }[]);
        // The control: a script that touches no key and only spins for about as long as a call
        // (calibrated here to the median call's CPU): its longest wall time is the machine's
        // stalls (preemption, the hypervisor), not the source's work.
        let spin = 20_000;
        {
          const a = mainThreadCpu(await ctl.info('cpu'));
          for (let j = 0; j < 10; j++) await ctl.eval(SPIN_LUA, 0, String(spin));
          const perRun = ((mainThreadCpu(await ctl.info('cpu')) - a) * 1000) / 10;
          spin = Math.max(1000, Math.round((spin * 0.4) / Math.max(0.01, perRun)));
        }
        const control: number[] = [];
        sources.forEach((source, k) =>
          timeCallByCall(source as RedisCelerySource, ctl, perCall[k] as { cpu: number; wall: number }[], () => infoCost),
        );
        for (let t = 0; t < PER_CALL_TICKS; t++) {
          await churn(ctl, names, ticks + t);
          for (let k = 0; k < sources.length; k++) {
            await ctl.slowlog('RESET');
            for (let j = 0; j < 20; j++) await ctl.eval(SPIN_LUA, 0, String(spin));
            for (const e of (await ctl.slowlog('GET', '100000')) as SlowEntry[])
              if (String(e[3]?.[0] ?? '').toLowerCase() === 'eval') control.push(e[2] / 1000);
            await ctl.config('SET', 'slowlog-log-slower-than', '0');
            await (sources[k] as RedisCelerySource).read();
            await ctl.config('SET', 'slowlog-log-slower-than', '100');
          }
        }
        builds.forEach((b, k) => {
          const f = m[k] as (typeof m)[number];
          const timed = perCall[k] as { cpu: number; wall: number }[];
          const calls = timed.map((c) => c.cpu);
          const walls = timed.map((c) => c.wall).filter((w) => Number.isFinite(w));
          const slow = timed.filter((c) => c.wall > 2);
          out.push({
            label: b.label,
            scheduling: priv.scheduling,
            queues: n,
            ticks,
            tickMedian: round(pct(f.perTick, 50)),
            tickP90: round(pct(f.perTick, 90)),
            tickMax: round(Math.max(...f.perTick)),
            callMax: round(f.callMax / 1000),
            callsPerTick: pct(f.calls, 50),
            evalshaUsecPerCall: f.evalCalls > 0 ? Math.round(f.evalUsec / f.evalCalls) : NaN,
            clientMsMedian: round(pct(f.clientMs, 50)),
            cpuMsMedian: round(pct(f.cpuMs, 50)),
            cpuMsP90: round(pct(f.cpuMs, 90)),
            callCpuMedian: round(pct(calls, 50)),
            callCpuP99: round(pct(calls, 99)),
            callCpuMax: round(Math.max(...calls)),
            callsTimed: calls.length,
            controlWall: `${round(pct(control, 50))} / ${round(Math.max(...control))} (of ${control.length})`,
            callWallMedian: round(pct(walls, 50)),
            callWallMax: round(Math.max(...walls)),
            slowCalls: slow.map((c) => `${round(c.wall)} wall / ${round(c.cpu)} CPU`).join(', ') || 'none',
          });
        });
      } finally {
        for (const source of sources) await source.close();
      }
    }
  } finally {
    ctl.disconnect();
    await priv.stop();
  }
  return out;
}

function round(x: number): number {
  return Number(x.toFixed(2));
}

export async function benchRedisTime(): Promise<Record<string, number | string>> {
  const counts = (process.env.BENCH_REDIS_QUEUES ?? '7,200,2000').split(',').map(Number);
  const load0 = os.loadavg();
  const rows = await measureRedisTime(counts);
  const fig: Record<string, number | string> = {};
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  fig['load average (1/5/15 min) at start, at end'] = `${la(load0)}, ${la(os.loadavg())}`;
  if (COMPARE) fig['compared with'] = COMPARE;
  fig['redis-server scheduling'] = rows[0]?.scheduling ?? '-';
  for (const r of rows) {
    const k = `redis.${r.queues}q${r.label ? `.${r.label.slice(0, -1)}` : ''}`;
    fig[`${k}.serverMsPerTick (wall) median/p90/max`] = `${r.tickMedian} / ${r.tickP90} / ${r.tickMax}`;
    fig[`${k}.redisCpuMsPerTick median/p90`] = `${r.cpuMsMedian} / ${r.cpuMsP90}`;
    fig[`${k}.longestCallMs (wall)`] = r.callMax;
    fig[`${k}.perCall Redis CPU ms median/p99/max (of ${r.callsTimed} calls)`] = `${r.callCpuMedian} / ${r.callCpuP99} / ${r.callCpuMax}`;
    fig[`${k}.perCall wall ms median/max (the same calls)`] = `${r.callWallMedian} / ${r.callWallMax}`;
    fig[`${k}.perCall over 2 ms wall (wall / CPU)`] = r.slowCalls;
    fig[`${k}.control: 0.4 ms spin script, wall ms median/max (the machine's stalls)`] = r.controlWall;
    fig[`${k}.commandsPerTick`] = r.callsPerTick;
    fig[`${k}.evalshaUsecPerCall`] = r.evalshaUsecPerCall;
    fig[`${k}.clientMsPerTick.median`] = r.clientMsMedian;
  }
  return fig;
}
