// Dead-letter replay throughput on the live brokers: 2,000 dead letters per broker, rate limit
// off, replayed from Q.dead to Q; dead letters per second, plus a run paced at the default
// 200/s to show the limiter holds. Redis: db 10 with unique key names; RabbitMQ: the default
// vhost with unique queue names. Everything it creates is deleted. Prints nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { buildTask, toAmqpMessage, toRedisEnvelope } from '../src/control/celery/message.js';
import { AmqpDeadLetterReplayer } from '../src/control/celery/amqpReplay.js';
import { RedisDeadLetterReplayer } from '../src/control/celery/redisReplay.js';
import type { DeadLetterReplayer, ReplayRequest } from '../src/control/celery/types.js';

const N = 2000;
const PACED = 400;
const REDIS_URL = process.env.LSOS_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/10';
const AMQP_URL = process.env.LSOS_BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';

const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d;
const tag = () => Math.random().toString(36).slice(2, 8);

function request(queue: string, ratePerSecond: number): ReplayRequest {
  return { queue, operator: 'bench', reasonCode: 'transient-cleared', allowedTasks: () => true, ratePerSecond };
}

async function timed(r: DeadLetterReplayer, req: ReplayRequest): Promise<{ perSecond: number; ms: number; replayed: number }> {
  const t0 = performance.now();
  const res = await r.replay(req);
  const ms = performance.now() - t0;
  if (res.error) throw new Error(res.error);
  return { perSecond: (res.replayed / ms) * 1000, ms, replayed: res.replayed };
}

async function benchRedisReplay(out: Record<string, number | string>): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const queue = `lsos_bench_replay_${tag()}`;
  const fill = async (n: number) => {
    const pipe = redis.pipeline();
    for (let i = 0; i < n; i++) {
      const env = toRedisEnvelope(buildTask({ task: 'crawl.fetch_page', queue, kwargs: { url: `https://example.com/${i}` } }));
      Object.assign(env.headers, {
        lsos_exc_type: 'TimeoutError',
        lsos_exc_message: 'timed out',
        lsos_failed_at: Date.now() / 1000,
        lsos_dead_reason: 'max_retries',
      });
      pipe.lpush(`${queue}.dead`, JSON.stringify(env));
    }
    await pipe.exec();
  };
  const r = new RedisDeadLetterReplayer({ url: REDIS_URL });
  try {
    await fill(N);
    const fast = await timed(r, request(queue, 0));
    out['redis: dead letters replayed (rate off)'] = fast.replayed;
    out['redis: replay throughput, dead letters/s'] = round(fast.perSecond);
    await redis.del(queue);
    await fill(PACED);
    const paced = await timed(r, request(queue, 200));
    out['redis: paced at 200/s, measured /s'] = round(paced.perSecond, 1);
  } finally {
    await r.close();
    await redis.del(queue, `${queue}.dead`, `lsos:replay:ledger:${queue}`);
    redis.disconnect();
  }
}

async function benchAmqpReplay(out: Record<string, number | string>): Promise<void> {
  const conn = await amqp.connect(AMQP_URL, { noDelay: true });
  const queue = `lsos_bench_replay_${tag()}`;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-bench-replay-'));
  const ch = await conn.createConfirmChannel();
  const fill = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const m = toAmqpMessage(buildTask({ task: 'crawl.fetch_page', queue, kwargs: { url: `https://example.com/${i}` } }));
      ch.publish('', `${queue}.dead`, m.content, m.options);
    }
    await ch.waitForConfirms();
  };
  const r = new AmqpDeadLetterReplayer({ url: AMQP_URL, stateDir });
  try {
    await ch.assertQueue(queue, { durable: true });
    await ch.assertQueue(`${queue}.dead`, { durable: true });
    await fill(N);
    const fast = await timed(r, request(queue, 0));
    out['rabbitmq: dead letters replayed (rate off)'] = fast.replayed;
    out['rabbitmq: replay throughput, dead letters/s'] = round(fast.perSecond);
    await ch.purgeQueue(queue);
    await fill(PACED);
    const paced = await timed(r, request(queue, 200));
    out['rabbitmq: paced at 200/s, measured /s'] = round(paced.perSecond, 1);
  } finally {
    await r.close();
    await ch.deleteQueue(queue).catch(() => undefined);
    await ch.deleteQueue(`${queue}.dead`).catch(() => undefined);
    await conn.close().catch(() => undefined);
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Replay throughput per broker (a broker that is not reachable is reported, not fatal). */
export async function benchReplay(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  for (const [name, run] of [
    ['redis', benchRedisReplay],
    ['rabbitmq', benchAmqpReplay],
  ] as const) {
    try {
      await run(out);
    } catch (err) {
      out[`${name}: could not run`] = err instanceof Error ? err.message : String(err);
    }
  }
  return out;
}
