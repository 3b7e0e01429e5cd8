// No silent queue cap on Redis (db 10, a random prefix): 10,100 discovered queues are all
// watched, the one sorted last (30 minutes behind) included: a cap (2,000, later 10,000) cut it; a
// queue whose name holds ESC is watched and its lag read, not dropped; and `check` covers
// queues found by discovery (it finishes a SCAN pass before the reading it uses), so a
// discovered queue 50 minutes behind is a breach, exit 2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { runCheck } from '../../src/cli/check.js';
import type { QueueSnapshot } from '../../src/core/snapshot.js';
import { RedisCelerySource } from '../../src/sources/redis/index.js';
import { KOMBU_SEP, redisAvailable, requireServer, runId, kombuRedisMessage } from '../celery/harness.js';

const DB = 10;
const URL = `redis://127.0.0.1:6379/${DB}`;
const PREFIX = `wa${runId()}_`;
const N = 10_100;

const ok = await requireServer('redis 127.0.0.1:6379', () => redisAvailable(URL));

/** Declares a queue as kombu does on Redis: a member of `_kombu.binding.<exchange>`, and its list. */
function declare(pipe: ReturnType<Redis['pipeline']>, queue: string, i: number, sentAt: number): void {
  pipe.sadd(`_kombu.binding.${PREFIX}ex`, `${queue}${KOMBU_SEP}${KOMBU_SEP}${queue}`);
  pipe.lpush(queue, kombuRedisMessage(queue, i, sentAt));
}

async function readUntil(source: RedisCelerySource, done: (qs: Map<string, QueueSnapshot>) => boolean, ticks = 400) {
  let qs = new Map<string, QueueSnapshot>();
  for (let t = 0; t < ticks; t++) {
    const patch = await source.read();
    qs = new Map((patch.queues ?? []).map((q) => [q.name, q]));
    if (done(qs)) return qs;
  }
  return qs;
}

describe.runIf(ok)(`every discovered queue is watched (db ${DB})`, () => {
  let redis: Redis;
  const now = Date.now() / 1000;
  const names = Array.from({ length: N }, (_, i) => `${PREFIX}q${String(i).padStart(5, '0')}`);
  // Sorted last: the one a cap at the first 2,000 would drop.
  const late = `${PREFIX}zz-late`;
  const hostile = `${PREFIX}crawl\x1b[31m`;
  const euLag = `${PREFIX}crawl-eu`;

  beforeAll(async () => {
    redis = new Redis(URL);
    for (let i = 0; i < names.length; i += 500) {
      const pipe = redis.pipeline();
      names.slice(i, i + 500).forEach((q, k) => declare(pipe, q, i + k, now - 5));
      await pipe.exec();
    }
    const pipe = redis.pipeline();
    declare(pipe, late, 90_001, now - 30 * 60);
    declare(pipe, hostile, 90_002, now - 20 * 60);
    await pipe.exec();
  }, 120_000);

  afterAll(async () => {
    if (!redis) return;
    const all = [...names, late, hostile, euLag];
    for (let i = 0; i < all.length; i += 500) await redis.del(...all.slice(i, i + 500));
    await redis.del(`_kombu.binding.${PREFIX}ex`);
    redis.disconnect();
  });

  it(`watches all ${N + 2} discovered queues: the one sorted last, 30 minutes behind, and a name with ESC`, async () => {
    const source = new RedisCelerySource({ url: URL, queuePrefix: PREFIX, discover: true, events: false, providerFlags: false });
    try {
      await source.discoverAll();
      const qs = await readUntil(source, (m) => m.get(late)?.lagMethod === 'stamped' && m.get(hostile)?.lagMethod === 'stamped');
      // Every discovered one (besides them, the configured LSOS queues under the prefix).
      expect(names.filter((q) => qs.get(q)?.depth === 1).length).toBe(N);
      expect(qs.get(late)).toMatchObject({ depth: 1, lagMethod: 'stamped' });
      expect(qs.get(late)?.lagSeconds).toBeGreaterThan(29 * 60);
      // The raw name is the key it reads (LLEN of the real list); it is drawn escaped.
      expect(qs.get(hostile)).toMatchObject({ depth: 1, lagMethod: 'stamped' });
      expect(qs.get(hostile)?.lagSeconds).toBeGreaterThan(19 * 60);
    } finally {
      await source.close();
    }
  }, 180_000);

  it('check covers a discovered queue: crawl-eu 50 minutes behind is a breach (exit 2)', async () => {
    const pipe = redis.pipeline();
    declare(pipe, euLag, 90_003, now - 50 * 60);
    await pipe.exec();
    const source = new RedisCelerySource({ url: URL, queuePrefix: PREFIX, discover: true, events: false, providerFlags: false });
    const out: string[] = [];
    const io = {
      stdout: { write: (s: string) => (out.push(s), true) },
      stderr: { write: (s: string) => (out.push(s), true) },
      env: { REDIS_URL: URL, HOME: '/nonexistent', XDG_CONFIG_HOME: '/nonexistent' },
      cwd: '/',
    };
    try {
      const code = await runCheck(['--json', '--only', 'queue-lag', '--timeout', '60000'], io as never, {
        sources: [{ source, area: 'broker', pollIntervalMs: 5000 }],
      });
      const report = JSON.parse(out.join('')) as { checks: { id: string; target: string; status: string; value: number }[] };
      const eu = report.checks.find((c) => c.id === 'queue-lag' && c.target === euLag);
      expect(
        eu,
        `queue-lag checks: ${report.checks
          .map((c) => c.target)
          .join(', ')
          .slice(0, 300)}`,
      ).toBeDefined();
      expect(eu?.status).toBe('breach');
      expect(eu?.value).toBeGreaterThan(49 * 60);
      expect(code).toBe(2);
    } finally {
      await source.close();
    }
  }, 180_000);
});
