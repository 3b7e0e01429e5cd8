// A running cockpit losing its servers one at a time: the others keep updating, the lost one says
// "unreachable" (since when, with the age of its last good data), the open incident's timeline
// records the loss and the recovery, and the source recovers when its server returns.
// Redis is a private redis-server that is really killed; PostgreSQL and RabbitMQ are the shared
// servers behind a TCP proxy that is cut (the shared services themselves never stop).
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RabbitMqSource } from '../../src/sources/amqp/index.js';
import { ApiHealthSource } from '../../src/sources/http/apiHealth.js';
import { PostgresSource } from '../../src/sources/postgres/source.js';
import { RedisCelerySource } from '../../src/sources/redis/index.js';
import { CockpitRuntime } from '../../src/runtime/runtime.js';
import { SourceScheduler } from '../../src/runtime/scheduler.js';
import { createCockpitStore, type CockpitStore } from '../../src/ui/state/store.js';
import { systemClock, type Source } from '../../src/core/source.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { PrivateRedis, freePort, requireServer, run, until } from '../celery/harness.js';
import { TcpProxy } from '../support/tcpProxy.js';

const ok =
  (await requireServer('redis-server binary', () => run('redis-server', ['--version']))) &&
  (await requireServer('PostgreSQL on 127.0.0.1:5432', async () => {
    const pg = await import('pg');
    const c = new pg.default.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await c.connect();
    await c.end();
  })) &&
  (await requireServer('RabbitMQ on 127.0.0.1:5672', async () => {
    const amqp = await import('amqplib');
    const c = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
    await c.close();
  }));

interface Cockpit {
  store: CockpitStore;
  schedulers: SourceScheduler[];
  sources: Source[];
  journal: () => string;
  stop(): Promise<void>;
}

/** The cockpit minus the screen: one scheduler per source, the store, the recorder on an open incident. */
function startCockpit(sources: Source[]): Cockpit {
  const stateDir = mkdtempSync(join(tmpdir(), 'lsos-degradation-'));
  const store = createCockpitStore();
  const recorder = new IncidentRecorder({ stateDir, operator: 'tester' });
  const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
  recorder.openIncident('degradation test');
  const id = recorder.view()?.id as string;
  const schedulers = sources.map(
    (s) => new SourceScheduler(s, store, { intervalMs: 250, backoffMs: 250, maxBackoffMs: 500, timeoutMs: 3000, clock: systemClock }),
  );
  for (const s of schedulers) s.start();
  return {
    store,
    schedulers,
    sources,
    journal: () => readFileSync(join(stateDir, `${id}.jsonl`), 'utf8'),
    async stop() {
      await Promise.all(schedulers.map((s) => s.stop()));
      await Promise.all(sources.map((s) => s.close().catch(() => undefined)));
      runtime.dispose();
      recorder.close();
    },
  };
}

const status = (c: Cockpit, name: string) => c.store.getState().snapshot.sources.find((s) => s.name === name);

/** Waits until every source in `names` has fresh data newer than `after`. */
async function freshSince(c: Cockpit, names: string[], after: number): Promise<void> {
  await until(() => names.every((n) => (status(c, n)?.state === 'ok' && (status(c, n)?.lastGoodAt ?? 0) > after) || false), 15_000);
}

describe.runIf(ok)('servers lost one at a time under a running cockpit', () => {
  let api: http.Server;
  let apiUrl = '';
  const pgProxy = new TcpProxy(5432);
  const rabbitProxy = new TcpProxy(5672);

  beforeAll(async () => {
    api = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
    apiUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
    await pgProxy.start();
    await rabbitProxy.start();
  });
  afterAll(async () => {
    await pgProxy.close();
    await rabbitProxy.close();
    await new Promise<void>((r) => api.close(() => r()));
  });

  it('Redis killed, then PostgreSQL cut: the others keep updating, each loss and recovery is recorded', async () => {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    const c = startCockpit([
      new RedisCelerySource({ url: redis.url, readyTimeoutMs: 500, connectTimeoutMs: 500, events: false }),
      new PostgresSource({ primaryUrl: `postgres://postgres@127.0.0.1:${pgProxy.port}/test`, connectTimeoutMs: 1000 }),
      new ApiHealthSource(apiUrl),
    ]);
    try {
      await freshSince(c, ['redis', 'postgres', 'api'], 0);

      // Redis dies.
      await redis.kill();
      await until(() => status(c, 'redis')?.state === 'unreachable', 10_000);
      const lost = status(c, 'redis');
      expect(lost?.unreachableSince).not.toBeNull();
      expect(lost?.lastGoodAt).toBeLessThanOrEqual(lost?.unreachableSince as number);
      expect(lost?.error).toMatch(/redis/i);
      const t0 = Date.now();
      await freshSince(c, ['postgres', 'api'], t0); // the others keep updating
      expect(status(c, 'redis')?.state).toBe('unreachable');
      expect(c.store.getState().snapshot.queues.length).toBeGreaterThan(0); // last good data kept

      // Redis returns on the same port.
      await redis.start();
      await freshSince(c, ['redis'], t0);

      // PostgreSQL goes away (the proxy in front of it is cut).
      await pgProxy.cut();
      await until(() => status(c, 'postgres')?.state === 'unreachable', 15_000);
      expect(c.store.getState().snapshot.database.primaryReachable).toBe(false);
      expect(c.store.getState().triggers.some((t) => t.key === 'primary-degradation:primary' && t.firing)).toBe(true);
      const t1 = Date.now();
      await freshSince(c, ['redis', 'api'], t1);
      await pgProxy.restore();
      await freshSince(c, ['postgres'], t1);

      const journal = c.journal();
      for (const [kind, source] of [
        ['source-lost', 'redis'],
        ['source-restored', 'redis'],
        ['source-lost', 'postgres'],
        ['source-restored', 'postgres'],
      ]) {
        expect(journal, `${kind} ${source} in the timeline`).toMatch(
          new RegExp(`"kind":"${kind}"[^\\n]*"source":"${source}"|"source":"${source}"[^\\n]*"kind":"${kind}"`),
        );
      }
    } finally {
      await c.stop();
      await redis.stop();
    }
  });

  it('RabbitMQ cut: PostgreSQL keeps updating, the broker says unreachable and recovers', async () => {
    const c = startCockpit([
      new RabbitMqSource({
        url: `amqp://guest:guest@127.0.0.1:${rabbitProxy.port}`,
        connectTimeoutMs: 1000,
        queues: ['lsos_degradation_probe'],
      }),
      new PostgresSource({ primaryUrl: 'postgres://postgres@127.0.0.1:5432/test' }),
    ]);
    try {
      await freshSince(c, ['rabbitmq', 'postgres'], 0);
      await rabbitProxy.cut();
      await until(() => status(c, 'rabbitmq')?.state === 'unreachable', 10_000);
      const t0 = Date.now();
      await freshSince(c, ['postgres'], t0);
      await rabbitProxy.restore();
      await freshSince(c, ['rabbitmq'], t0);
      const journal = c.journal();
      expect(journal).toMatch(/"kind":"source-lost"[^\n]*rabbitmq|rabbitmq[^\n]*"kind":"source-lost"/);
      expect(journal).toMatch(/"kind":"source-restored"[^\n]*rabbitmq|rabbitmq[^\n]*"kind":"source-restored"/);
    } finally {
      await c.stop();
    }
  });
});
