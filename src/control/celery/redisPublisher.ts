// Task publishing on Redis: LPUSH the kombu envelope onto the queue's priority list, as a Celery
// producer does (no binding entry needed: Celery 5.2 publishes to the default exchange).
import type { Redis } from 'ioredis';
import { openRedis } from '../../sources/connect/redis.js';
import { assertValidTaskMessage, buildTask, redisPriorityKey, toRedisEnvelope, type BuildOptions } from './message.js';
import type { PublishResult, TaskPublisher, TaskSpec } from './types.js';

export interface RedisPublisherOptions extends BuildOptions {
  /** Broker URL (`redis://host:port/db`), or an ioredis client to share (not closed by close()). */
  url?: string;
  client?: Redis;
  /** Messages per pipeline in publishMany (default 100). */
  batchSize?: number;
}

export class RedisTaskPublisher implements TaskPublisher {
  private readonly redis: Redis;
  private readonly owned: boolean;

  constructor(private readonly opts: RedisPublisherOptions) {
    if (opts.client) {
      this.redis = opts.client;
      this.owned = false;
    } else if (opts.url) {
      this.redis = openRedis(opts.url, { maxRetriesPerRequest: 2, lazyConnect: false });
      this.redis.on('error', () => undefined); // surfaced through the rejected commands
      this.owned = true;
    } else throw new Error('RedisTaskPublisher needs url or client');
  }

  /** Builds and validates: throws before anything is sent. */
  private prepare(spec: TaskSpec): { key: string; json: string; result: PublishResult } {
    const built = buildTask(spec, this.opts);
    const env = toRedisEnvelope(built);
    const json = JSON.stringify(env);
    assertValidTaskMessage(json, 'redis');
    return { key: redisPriorityKey(built.queue, built.priority), json, result: { id: built.id, queue: built.queue, task: built.task } };
  }

  async publish(spec: TaskSpec): Promise<PublishResult> {
    const p = this.prepare(spec);
    await this.redis.lpush(p.key, p.json);
    return p.result;
  }

  async publishMany(
    specs: TaskSpec[],
    opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<{ published: PublishResult[]; error: string | null }> {
    const published: PublishResult[] = [];
    const batch = Math.max(1, this.opts.batchSize ?? 100);
    for (let i = 0; i < specs.length; i += batch) {
      if (opts.signal?.aborted) return { published, error: 'stopped' };
      const prepared: ReturnType<RedisTaskPublisher['prepare']>[] = [];
      let invalid: string | null = null;
      for (const s of specs.slice(i, i + batch)) {
        try {
          prepared.push(this.prepare(s));
        } catch (err) {
          invalid = err instanceof Error ? err.message : String(err);
          break;
        }
      }
      if (prepared.length > 0) {
        const pipe = this.redis.pipeline();
        for (const p of prepared) pipe.lpush(p.key, p.json);
        let results: [Error | null, unknown][] | null;
        try {
          results = await pipe.exec();
        } catch (err) {
          return { published, error: err instanceof Error ? err.message : String(err) };
        }
        for (let j = 0; j < prepared.length; j++) {
          const r = results?.[j];
          if (!r || r[0]) return { published, error: r?.[0]?.message ?? 'no reply from Redis' };
          published.push((prepared[j] as { result: PublishResult }).result);
        }
        opts.onProgress?.(published.length, specs.length);
      }
      if (invalid !== null) return { published, error: invalid };
    }
    return { published, error: null };
  }

  async close(): Promise<void> {
    if (this.owned) this.redis.disconnect();
  }
}
