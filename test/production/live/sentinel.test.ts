// Redis Sentinel under a running cockpit: three private Redis servers (a master, two replicas) and
// three Sentinels started by the test. The broker URL is Celery's sentinel:// list. Across a
// SENTINEL FAILOVER and a master killed with SIGKILL, the Redis source keeps reading the queues
// (now from the new master), the status line says which master it is on, the open incident's
// timeline records "broker master changed to …", the control flags client writes to the new
// master, and an action issued while the switch happens (a control flag through the live
// mitigation backend) lands exactly once.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { statusLineText } from '../../../panels/status/columns.js';
import { parseRedisBroker } from '../../../src/config/brokerUrl.js';
import { flagKeys } from '../../../src/control/mitigations/flags.js';
import { LiveBackend } from '../../../src/control/mitigations/liveBackend.js';
import { flagsClient } from '../../../src/control/mitigations/session.js';
import { systemClock } from '../../../src/core/source.js';
import { describeEntry, type TimelineEntry } from '../../../src/core/timeline.js';
import { IncidentRecorder } from '../../../src/journal/recorder.js';
import { CockpitRuntime } from '../../../src/runtime/runtime.js';
import { SourceScheduler } from '../../../src/runtime/scheduler.js';
import { connectedTo, writeFlag } from '../../../src/sources/connect/redis.js';
import { RedisCelerySource } from '../../../src/sources/redis/redisSource.js';
import { createCockpitStore } from '../../../src/ui/state/store.js';
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

  it('across SENTINEL FAILOVER and a SIGKILLed master a running cockpit keeps reading, shows and records the new master, writes flags there; an action during each switch lands once', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'lsos-sentinel-'));
    const store = createCockpitStore();
    const recorder = new IncidentRecorder({ stateDir, operator: 'tester' });
    const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
    recorder.openIncident('sentinel failover test');
    const id = recorder.view()?.id as string;
    // The cockpit's own loop on a second source of the same broker: one scheduler, the store, the recorder bridge.
    const broker = new RedisCelerySource({ url: cluster.url(DB), queues: [Q], discover: false, events: false });
    const scheduler = new SourceScheduler(broker, store, {
      intervalMs: 200,
      backoffMs: 200,
      maxBackoffMs: 400,
      timeoutMs: 3000,
      clock: systemClock,
    });
    const flags = await flagsClient(cluster.url(DB));
    const backend = new LiveBackend({ flags, publisher: null, control: null, replayer: null, replicasCommand: null, queues: [Q] });
    const line = () =>
      statusLineText(
        {
          simulated: false,
          scenario: null,
          readonly: false,
          readonlyReason: null,
          incident: null,
          sources: store.getState().snapshot.sources,
        },
        400,
        Date.now(),
      );
    const switches = (): TimelineEntry[] =>
      readFileSync(join(stateDir, `${id}.jsonl`), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as TimelineEntry)
        .filter((e) => e.kind === 'source-switched');
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
        { what: `the writes so far on ${n} replica(s)`, timeoutMs: 120_000 },
      ).catch(async (err: Error) => {
        // This set-up wait timed out twice on a loaded machine, cause not found: say what each
        // node's replication looked like, so the next failure tells.
        const each = (ports: number[], ask: (c: Redis) => Promise<unknown>) =>
          Promise.all(ports.map(async (p) => `${p} ${JSON.stringify(await ask(cluster.client(p)).catch((e: Error) => e.message))}`));
        const roles = await each(
          cluster.redis.map((n) => n.port),
          (c) => c.call('ROLE'),
        );
        // A Sentinel in TILT mode (its timer late by over 2 s, as on a starved CPU) reconfigures nothing for 30 s.
        const tilts = await each(
          cluster.sentinels.map((n) => n.port),
          async (c) => /sentinel_tilt:(\d+)/.exec(await c.info('sentinel'))?.[1] ?? '?',
        );
        throw new Error(
          `${err.message}; Sentinels name ${await cluster.masterPort().catch(() => '?')}; ROLE: ${roles.join(' | ')}; tilt: ${tilts.join(', ')}`,
        );
      });
    const alive = () => cluster.redis.filter((n) => n.proc.exitCode === null && n.proc.signalCode === null);
    scheduler.start();
    try {
      let master = await cluster.masterPort();
      const m0 = cluster.client(master, DB);
      await m0.rpush(Q, 'a', 'b', 'c');
      await waitFor(async () => (await depthRead()) === 3, { what: 'depth 3 through the Sentinel URL', timeoutMs: 30_000 });
      await waitFor(() => connectedTo(flags) === `127.0.0.1:${master}`, { what: 'flags client on the master' });
      await waitFor(() => line().includes(`redis (master 127.0.0.1:${master}) `), {
        what: `the status line on master ${master}`,
        timeoutMs: 30_000,
      });
      expect(switches()).toEqual([]);
      const seen: number[] = [];

      for (const [how, expectDepth, concurrency] of [
        ['failover', 5, 7],
        ['kill', 7, 3],
      ] as const) {
        // Everything written so far is on every replica before the switch (SIGKILL loses unreplicated writes).
        await replicated(2);
        const switched = how === 'failover' ? cluster.failover() : cluster.killMaster();
        // Two actions issued while the switch happens: a control flag written through the flags
        // client, and a provider's concurrency through the live mitigation backend.
        const value = `pause-crawl-${how}`;
        // The flag waits out the switch (writeFlag's Sentinel deadline, 60 s): on a busy 2-core
        // runner a SIGKILL failover once outlasted the 20 s it used to allow.
        const action = writeFlag(flags, FLAG, value);
        const pool = `serp-${process.pid}`;
        const backendAction = backend.setProviderConcurrency(pool, concurrency);
        const next = await switched;
        expect(next).not.toBe(master);
        await action;
        expect(await backendAction).toMatchObject({ ok: true });
        master = next;
        seen.push(master);
        const m = cluster.client(master, DB);
        // On the new master, and on every replica of it (nothing of the old master's left to win
        // back). A flag is a SET confirmed by a replica: the one resend after READONLY or a lost
        // reply writes the same value, never a second effect.
        expect(await cluster.client(master).get(FLAG)).toBe(value);
        expect(await cluster.client(master).get(flagKeys.providerConcurrency(pool))).toBe(String(concurrency));
        await replicated(1);
        for (const r of alive()) {
          await waitFor(async () => (await cluster.client(r.port).get(FLAG)) === value, { what: `flag on ${r.port}` });
          await waitFor(async () => (await cluster.client(r.port).get(flagKeys.providerConcurrency(pool))) === String(concurrency), {
            what: `concurrency flag on ${r.port}`,
          });
        }
        // The flags client now writes to the new master.
        await waitFor(
          async () => (await flags.set(`${COUNTER}:after-${how}`, 'x')) === 'OK' && connectedTo(flags) === `127.0.0.1:${master}`,
          { what: `flags client on the new master ${master}`, timeoutMs: 30_000 },
        );
        expect(await cluster.client(master).get(`${COUNTER}:after-${how}`)).toBe('x');
        // The source reads the new master: new messages pushed there are counted.
        await m.rpush(Q, `${how}-1`, `${how}-2`);
        await waitFor(async () => (await depthRead().catch(() => null)) === expectDepth, {
          what: `depth ${expectDepth} after the ${how}`,
          timeoutMs: 45_000,
        });
        // The running cockpit: its panels' data keep coming from the new master, the status line
        // names it, and the open incident's timeline records the switch.
        await waitFor(() => store.getState().snapshot.queues.find((q) => q.name === Q)?.depth === expectDepth, {
          what: `the store's depth ${expectDepth} after the ${how}`,
          timeoutMs: 45_000,
        });
        await waitFor(() => line().includes(`redis (master 127.0.0.1:${master}) `), {
          what: `the status line on the new master ${master}`,
          timeoutMs: 45_000,
        });
        await waitFor(() => switches().length === seen.length, { what: `${seen.length} switch(es) recorded`, timeoutMs: 30_000 });
        const last = switches().at(-1) as TimelineEntry;
        expect(last.details).toMatchObject({ source: 'redis', role: 'master', to: `127.0.0.1:${master}` });
        expect((last.details as { from: string }).from).toMatch(/^127\.0\.0\.1:\d+$/);
        expect((last.details as { from: string }).from).not.toBe(`127.0.0.1:${master}`);
        expect(describeEntry(last)).toContain(`broker master changed to 127.0.0.1:${master}`);
      }
      // Each switch recorded once, to the master in force after it.
      expect(switches().map((e) => (e.details as { to: string }).to)).toEqual(seen.map((p) => `127.0.0.1:${p}`));
    } finally {
      await scheduler.stop();
      await broker.close();
      flags.disconnect();
      runtime.dispose();
      recorder.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 240_000);
});
