// A live LSOS on a private redis-server for the bench: N queues (kombu lists and bindings, stamped
// Celery messages, dead letters, unacked entries) and a steady flow of T tasks/s: each task is
// published to a queue, later consumed from it, and announced through Celery events on pub/sub
// (task-received, task-started, task-succeeded or task-failed), with worker heartbeats every 2 s.
import { Redis } from 'ioredis';
import { envelope, startPrivateRedis } from './live-redis.js';

const EVENT_WORKERS = 8;

function eventMessage(event: Record<string, unknown>): string {
  const body = Buffer.from(JSON.stringify(event)).toString('base64');
  return JSON.stringify({
    body,
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: { hostname: event['hostname'] },
    properties: {
      delivery_mode: 1,
      delivery_info: { exchange: 'celeryev', routing_key: String(event['type']).replace('-', '.') },
      priority: 0,
      body_encoding: 'base64',
      delivery_tag: `ev-${Math.random().toString(36).slice(2)}`,
    },
  });
}

export interface LiveLsos {
  url: string;
  queues: string[];
  /**
   * Starts the flow; returns a stop function. A `stalled` queue has no consumer: its tasks are
   * published and never taken (its oldest message stays at the tail, where the lag is read).
   */
  flow(tasksPerSecond: number, opts?: { stalled?: readonly string[] }): () => void;
  stop(): Promise<void>;
}

export async function startLiveLsos(queueCount: number): Promise<LiveLsos> {
  const priv = await startPrivateRedis();
  if (!priv) throw new Error('redis-server not found: the live bench needs a private redis-server');
  const r = new Redis(priv.url, { connectionName: 'bench-traffic' });
  const pub = new Redis(priv.url, { connectionName: 'bench-events' });
  const lsos = ['crawl', 'rank', 'reviews', 'reporting', 'reporting.retry', 'email', 'celery'];
  const queues = [
    ...lsos,
    ...Array.from({ length: Math.max(0, queueCount - lsos.length) }, (_, i) => `tenant${String(i).padStart(5, '0')}`),
  ];
  const now = Date.now() / 1000;
  for (let from = 0; from < queues.length; from += 200) {
    const pipe = r.pipeline();
    queues.slice(from, from + 200).forEach((q, k) => {
      const qi = from + k;
      for (let i = 0; i < 5; i++) pipe.lpush(q, envelope(q, qi * 1000 + i, now - 30 + i));
      pipe.sadd(`_kombu.binding.${q}`, `${q}\x06\x16\x06\x16${q}`);
      pipe.lpush(`${q}.dead`, JSON.stringify({ headers: { lsos_exc_type: 'TimeoutError' } }));
      if (qi < 100) {
        const tag = `u-${q}`;
        pipe.hset('unacked', tag, JSON.stringify([JSON.parse(envelope(q, qi, now)), '', q]));
        pipe.zadd('unacked_index', now, tag);
      }
    });
    await pipe.exec();
  }
  let seq = 0;
  return {
    url: priv.url,
    queues,
    flow(tasksPerSecond: number, opts: { stalled?: readonly string[] } = {}) {
      const stalled = new Set(opts.stalled ?? []);
      const tickMs = 100;
      const perTick = tasksPerSecond / (1000 / tickMs);
      let carry = 0;
      let ticks = 0;
      const timer = setInterval(() => {
        carry += perTick;
        const n = Math.floor(carry);
        carry -= n;
        const pipe = r.pipeline();
        const at = Date.now() / 1000;
        for (let i = 0; i < n; i++) {
          seq += 1;
          const q = queues[(seq * 7919) % queues.length] as string;
          const id = `00000000-0000-4000-9000-${String(seq).padStart(12, '0')}`;
          const host = `w${seq % EVENT_WORKERS}@bench`;
          pipe.lpush(q, envelope(q, 1_000_000 + seq, at));
          if (stalled.has(q)) continue;
          pipe.rpop(q);
          const name = `${q.startsWith('tenant') ? 'crawl' : q.split('.')[0]}.task`;
          const base = { hostname: host, timestamp: at, utcoffset: 0, pid: 1, clock: seq };
          for (const ev of [
            { ...base, type: 'task-received', uuid: id, name, routing_key: q },
            { ...base, type: 'task-started', uuid: id },
            seq % 20 === 0
              ? { ...base, type: 'task-failed', uuid: id, exception: "TimeoutError('slow')" }
              : { ...base, type: 'task-succeeded', uuid: id, runtime: 0.05 },
          ])
            void pub.publish(`/0.celeryev/${ev.type.replace('-', '.')}`, eventMessage(ev));
        }
        ticks += 1;
        if (ticks % 20 === 0)
          for (let w = 0; w < EVENT_WORKERS; w++)
            void pub.publish(
              '/0.celeryev/worker.heartbeat',
              eventMessage({
                type: 'worker-heartbeat',
                hostname: `w${w}@bench`,
                timestamp: at,
                utcoffset: 0,
                freq: 2,
                active: 1,
                processed: seq,
              }),
            );
        void pipe.exec();
      }, tickMs);
      return () => clearInterval(timer);
    },
    async stop() {
      r.disconnect();
      pub.disconnect();
      await priv.stop();
    },
  };
}
