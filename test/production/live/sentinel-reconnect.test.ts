// ioredis 6 ends a Sentinel client for good when its failover detector (a +switch-master) cancels
// a reconnect in flight: after a SIGKILLed master every command of the cockpit's clients failed
// with "Connection is closed." until the process restarted (the Sentinel test, once, on a loaded
// machine). openRedis connects such a client again; one its owner closed stays closed.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Redis } from 'ioredis';
import { openRedis } from '../../../src/sources/connect/redis.js';
import { startSentinelCluster, type SentinelCluster } from '../../support/redisSentinel.js';
import { waitFor } from '../../support/waitFor.js';

let cluster: SentinelCluster;

beforeAll(async () => {
  cluster = await startSentinelCluster();
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

/** What the failover detector does on +switch-master, at the moment the client starts to reconnect. */
function cancelNextReconnect(r: Redis): void {
  r.once('connecting', () => (r as unknown as { connector: { disconnect(): void } }).connector.disconnect());
  r.disconnect(true); // a dropped connection: ioredis reconnects
}

describe('a Sentinel client that ioredis ended on its own', () => {
  it('connects again through the Sentinels and serves commands', async () => {
    const r = openRedis(cluster.url(4), { maxRetriesPerRequest: 1 });
    r.on('error', () => undefined);
    try {
      await waitFor(async () => (await r.ping()) === 'PONG', { what: 'the first connection', timeoutMs: 30_000 });
      const ended = new Promise<void>((resolve) => r.once('end', () => resolve()));
      cancelNextReconnect(r);
      await ended; // ioredis gave up on the client here
      await waitFor(async () => r.status === 'ready' && (await r.set('lsos:revived', '1')) === 'OK', {
        what: 'the client connected again',
        timeoutMs: 30_000,
      });
    } finally {
      r.disconnect();
    }
  });

  it('stays closed when its owner closed it', async () => {
    const r = openRedis(cluster.url(4), { maxRetriesPerRequest: 1 });
    r.on('error', () => undefined);
    await waitFor(async () => (await r.ping()) === 'PONG', { what: 'the first connection', timeoutMs: 30_000 });
    const connect = vi.spyOn(r, 'connect');
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const ended = new Promise<void>((resolve) => r.once('end', () => resolve()));
      await r.quit();
      await ended;
      vi.runAllTimers(); // the reconnect the 'end' handler would schedule, if it did
      expect(connect).not.toHaveBeenCalled();
      expect(r.status).toBe('end');
    } finally {
      vi.useRealTimers();
    }
  });
});
