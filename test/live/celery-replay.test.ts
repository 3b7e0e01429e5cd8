// Dead-letter replay rules on the live brokers (no worker needed): only allowed tasks move, the
// others (and unreadable dead letters) stay in Q.dead in their original order, copies of a dead
// letter are replayed once, `max`, abort, request checks, preview. Truth read from the broker.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, requireServer, runId } from '../celery/harness.js';
import { buildTask, toAmqpMessage, toRedisEnvelope } from '../../src/control/celery/message.js';
import { AmqpDeadLetterReplayer } from '../../src/control/celery/amqpReplay.js';
import { RedisDeadLetterReplayer } from '../../src/control/celery/redisReplay.js';
import { amqpUrl, createVhost, deleteVhost, rabbitReady } from './amqp-support.js';

const REDIS_URL = 'redis://127.0.0.1:6379/8';
const redisOk = await requireServer('redis', () => redisAvailable(REDIS_URL));
const rabbitOk = await rabbitReady('celery replay rules (RabbitMQ)');
const allowed = (t: string) => t === 'crawl.fetch_page';
const base = { operator: 'ana', reasonCode: 'fix-deployed' as const, allowedTasks: allowed, ratePerSecond: 0 };

/** Oldest first: 10 dead letters alternating allowed / not allowed, then a copy of the first. */
function scenario(queue: string): { task: string; id: string }[] {
  const out: { task: string; id: string }[] = [];
  for (let i = 0; i < 10; i++) out.push({ task: i % 2 === 0 ? 'crawl.fetch_page' : 'crawl.not_idempotent', id: `${queue}-${i}` });
  return out;
}

describe.runIf(redisOk)('replay rules on Redis', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = `rr${runId()}_`;
  afterAll(async () => {
    const keys = await redis.keys(`*${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const ids = async (key: string) =>
    (await redis.lrange(key, 0, -1)).map((s) => (s.startsWith('{') ? (JSON.parse(s) as { headers: { id: string } }).headers.id : s));

  it('moves only allowed tasks, keeps the rest in order, replays a copy once, leaves unreadable ones', async () => {
    const queue = `${prefix}crawl`;
    const dls = scenario(queue);
    const raws = dls.map((d) => JSON.stringify(toRedisEnvelope(buildTask({ task: d.task, queue, id: d.id }))));
    // Oldest first: LPUSH in order; the unreadable one sits between; a byte-identical copy of d0 last.
    for (const [i, raw] of raws.entries()) {
      await redis.lpush(`${queue}.dead`, raw);
      if (i === 4) await redis.lpush(`${queue}.dead`, 'not json at all');
    }
    await redis.lpush(`${queue}.dead`, raws[0] as string);
    const r = new RedisDeadLetterReplayer({ url: REDIS_URL });
    try {
      expect(await r.preview(queue)).toEqual({
        total: 12,
        byTask: { 'crawl.fetch_page': 6, 'crawl.not_idempotent': 5, '(unreadable)': 1 },
      });
      const bad = await r.replay({ ...base, queue, reasonCode: 'because' as never });
      expect(bad.error).toMatch(/reason code/);
      expect(await redis.llen(`${queue}.dead`)).toBe(12);
      const ac = new AbortController();
      ac.abort();
      expect(await r.replay({ ...base, queue, signal: ac.signal })).toMatchObject({ stopped: true, replayed: 0 });
      const one = await r.replay({ ...base, queue, max: 1 });
      expect(one).toMatchObject({ replayed: 1, ids: [dls[0]?.id], error: null });
      const res = await r.replay({ ...base, queue });
      // d2, d4, d6, d8; the copy of d0 is recognised from the ledger; 5 not allowed + 1 unreadable stay.
      expect(res).toMatchObject({
        replayed: 4,
        alreadyDone: 1,
        skipped: 6,
        unreadable: 1,
        error: null,
        ids: [2, 4, 6, 8].map((i) => dls[i]?.id),
      });
    } finally {
      await r.close();
    }
    // Queue: consumed from the tail, so the tail-to-head order is the dead letters' order.
    expect((await ids(queue)).reverse()).toEqual([0, 2, 4, 6, 8].map((i) => dls[i]?.id));
    // Q.dead keeps the others in their original order (head = newest).
    expect((await ids(`${queue}.dead`)).reverse()).toEqual([dls[1]?.id, dls[3]?.id, 'not json at all', dls[5]?.id, dls[7]?.id, dls[9]?.id]);
    expect(await redis.hlen(`lsos:replay:ledger:${queue}`)).toBe(5);
  });
});

describe.runIf(rabbitOk)('replay rules on RabbitMQ', () => {
  const vhost = `lsos_rr_${runId()}`;
  const url = amqpUrl(vhost);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-replay-rules-'));
  let conn: amqp.ChannelModel;
  beforeAll(async () => {
    await createVhost(vhost);
    conn = await amqp.connect(url);
  });
  afterAll(async () => {
    await conn?.close().catch(() => undefined);
    await deleteVhost(vhost);
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  async function drain(queue: string): Promise<string[]> {
    const ch = await conn.createChannel();
    const out: string[] = [];
    for (;;) {
      const m = await ch.get(queue, { noAck: true });
      if (!m) break;
      out.push(String(m.properties.headers?.['id'] ?? m.content.toString()));
    }
    await ch.close();
    return out;
  }

  it('moves only allowed tasks, keeps the rest in order, replays a copy once, leaves unreadable ones', async () => {
    const queue = `rr${runId()}_crawl`;
    const dls = scenario(queue);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(queue, { durable: true });
    await ch.assertQueue(`${queue}.dead`, { durable: true });
    const msgs = dls.map((d) => toAmqpMessage(buildTask({ task: d.task, queue, id: d.id })));
    for (const [i, m] of msgs.entries()) {
      ch.publish('', `${queue}.dead`, m.content, m.options);
      if (i === 4) ch.publish('', `${queue}.dead`, Buffer.from('not json at all'), { contentType: 'text/plain' });
    }
    const copy = msgs[0] as (typeof msgs)[number];
    ch.publish('', `${queue}.dead`, copy.content, copy.options);
    await ch.waitForConfirms();
    await ch.close();
    const r = new AmqpDeadLetterReplayer({ url, stateDir, batchSize: 3 });
    try {
      expect(await r.preview(queue)).toEqual({
        total: 12,
        byTask: { 'crawl.fetch_page': 6, 'crawl.not_idempotent': 5, '(unreadable)': 1 },
      });
      const one = await r.replay({ ...base, queue, max: 1 });
      expect(one).toMatchObject({ replayed: 1, ids: [dls[0]?.id], error: null });
      const res = await r.replay({ ...base, queue });
      expect(res).toMatchObject({
        replayed: 4,
        alreadyDone: 1,
        skipped: 6,
        unreadable: 1,
        error: null,
        ids: [2, 4, 6, 8].map((i) => dls[i]?.id),
      });
      // A missing work queue is a clear error and nothing is taken from Q.dead.
      const missing = await r.replay({ ...base, queue: `${queue}_nope` });
      expect(missing.error).toMatch(/does not exist/);
    } finally {
      await r.close();
    }
    expect(await drain(queue)).toEqual([0, 2, 4, 6, 8].map((i) => dls[i]?.id));
    expect(await drain(`${queue}.dead`)).toEqual([dls[1]?.id, dls[3]?.id, 'not json at all', dls[5]?.id, dls[7]?.id, dls[9]?.id]);
  });
});
