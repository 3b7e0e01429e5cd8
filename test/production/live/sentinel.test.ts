// Redis Sentinel under a running source: three private Redis servers (a master, two replicas) and
// three Sentinels started by the test. The broker URL is Celery's sentinel:// list. Across a
// SENTINEL FAILOVER and a master killed with SIGKILL, the Redis source keeps reading the queues
// (now from the new master), the control flags client writes to the new master, and a write
// issued while the switch happens lands exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRedisBroker } from '../../../src/config/brokerUrl.js';
import { flagsClient } from '../../../src/control/mitigations/session.js';
import { connectedTo, writeFlag } from '../../../src/sources/connect/redis.js';
import { RedisCelerySource } from '../../../src/sources/redis/redisSource.js';
import { startSentinelCluster, type SentinelCluster } from '../../support/redisSentinel.js';
import { waitFor } from '../../support/waitFor.js';

const DB = 3;
const Q = `s17-sentinel-${process.pid}`;
const COUNTER = `s17:sentinel:${process.pid}:flag`;
const FLAG = COUNTER;

let cluster: SentinelCluster;
let source: RedisCelerySource;

async function depthRead(): Promise<number | null> {
  const patch = await source.read(new AbortController().signal);
  return patch.queues?.find((q) => q.name === Q)?.depth ?? null;
}

beforeAll(async () => {
  cluster = await startSentinelCluster();
  source = new RedisCelerySource({ url: cluster.url(DB), queues: [Q], discover: false, events: false });
}, 120_000);

afterAll(async () => {
  await source?.close();
  await cluster?.stop();
});

describe('Redis Sentinel broker', () => {
  it('the URL as Celery writes it names the Sentinels and the master', () => {
    expect(parseRedisBroker(cluster.url(DB))).toMatchObject({
      kind: 'sentinel',
      masterName: cluster.masterName,
      db: DB,
      sentinels: cluster.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
    });
  });

  it('keeps reading and writing across SENTINEL FAILOVER and a SIGKILLed master; a write during each switch lands once', async () => {
    // WAIT on the master the Sentinels name: right after a switch a node can still answer as a
    // replica for a moment ("WAIT cannot be used with replica instances"), so ask until it answers.
    const replicated = (n: number) =>
      waitFor(
        async () => {
          try {
            return Number(await cluster.client(await cluster.masterPort()).call('WAIT', String(n), '10000')) >= n;
          } catch {
            return false;
          }
        },
        { what: `the writes so far on ${n} replica(s)`, timeoutMs: 60_000 },
      );
    const flags = flagsClient(cluster.url(DB));
    try {
      let master = await cluster.masterPort();
      const m0 = cluster.client(master, DB);
      await m0.rpush(Q, 'a', 'b', 'c');
      await waitFor(async () => (await depthRead()) === 3, { what: 'depth 3 through the Sentinel URL', timeoutMs: 30_000 });
      await waitFor(() => connectedTo(flags) === `127.0.0.1:${master}`, { what: 'flags client on the master' });

      for (const [how, expectDepth] of [
        ['failover', 5],
        ['kill', 7],
      ] as const) {
        // Everything written so far is on every replica before the switch (SIGKILL loses unreplicated writes).
        await replicated(2);
        const switched = how === 'failover' ? cluster.failover() : cluster.killMaster();
        // The action issued while the switch happens: a control flag written through the cockpit's flags client.
        const value = `pause-crawl-${how}`;
        const action = writeFlag(flags, FLAG, value);
        const next = await switched;
        expect(next).not.toBe(master);
        await action;
        master = next;
        const m = cluster.client(master, DB);
        // On the new master, and on every replica of it (nothing of the old master's left to win back).
        expect(await cluster.client(master).get(FLAG)).toBe(value);
        await replicated(1);
        for (const r of cluster.redis.filter((n) => n.proc.exitCode === null && n.proc.signalCode === null))
          await waitFor(async () => (await cluster.client(r.port).get(FLAG)) === value, { what: `flag on ${r.port}` });
        // The flags client now writes to the new master.
        await waitFor(
          async () => (await flags.set(`${COUNTER}:after-${how}`, 'x')) === 'OK' && connectedTo(flags) === `127.0.0.1:${master}`,
          {
            what: `flags client on the new master ${master}`,
            timeoutMs: 30_000,
          },
        );
        expect(await cluster.client(master).get(`${COUNTER}:after-${how}`)).toBe('x');
        // The source reads the new master: new messages pushed there are counted.
        await m.rpush(Q, `${how}-1`, `${how}-2`);
        await waitFor(async () => (await depthRead().catch(() => null)) === expectDepth, {
          what: `depth ${expectDepth} after the ${how}`,
          timeoutMs: 45_000,
        });
      }
    } finally {
      flags.disconnect();
    }
  }, 240_000);
});
