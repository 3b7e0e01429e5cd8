import { describe, expect, it } from 'vitest';
import { SourceScheduler } from '../../src/runtime/scheduler.js';
import { createCockpitStore, SliceError } from '../../src/ui/state/store.js';
import type { Source, SnapshotPatch, SnapshotSlice } from '../../src/core/source.js';
import { queue } from '../core/helpers.js';

/** An in-memory source whose answers the test controls (a unit test of the scheduler's logic). */
class ScriptedSource implements Source {
  calls = 0;
  concurrent = 0;
  maxConcurrent = 0;
  constructor(
    private readonly answers: Array<() => Promise<SnapshotPatch>>,
    readonly owns: readonly SnapshotSlice[] = ['scenario'],
    readonly name = 'scripted',
  ) {}
  /** The signal of the last read. */
  signal: AbortSignal | null = null;
  async read(signal?: AbortSignal): Promise<SnapshotPatch> {
    this.signal = signal ?? null;
    this.calls += 1;
    this.concurrent += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      const next = this.answers.shift();
      if (!next) throw new Error('no more answers');
      return await next();
    } finally {
      this.concurrent -= 1;
    }
  }
  async close(): Promise<void> {}
}

const clock = {
  t: 1_000,
  now() {
    return this.t;
  },
};

describe('source scheduler', () => {
  it('never overlaps reads: a tick during a slow read joins it', async () => {
    let release: (v: SnapshotPatch) => void = () => {};
    const src = new ScriptedSource([
      () =>
        new Promise<SnapshotPatch>((r) => {
          release = r;
        }),
    ]);
    const store = createCockpitStore();
    const s = new SourceScheduler(src, store, { intervalMs: 1000, clock });
    const a = s.tick();
    const b = s.tick();
    expect(a).toBe(b);
    release({ scenario: null });
    await a;
    expect(src.calls).toBe(1);
    expect(src.maxConcurrent).toBe(1);
  });

  it('writes one store update per settled read, marks failures unreachable, keeps the last good time, recovers', async () => {
    const src = new ScriptedSource([
      async () => ({ scenario: 'first' }),
      async () => {
        throw new Error('ECONNREFUSED 127.0.0.1:6390');
      },
      async () => {
        throw new Error('still down');
      },
      async () => ({ scenario: 'again' }),
    ]);
    const store = createCockpitStore();
    let updates = 0;
    store.subscribe(() => {
      updates += 1;
    });
    const s = new SourceScheduler(src, store, { intervalMs: 1000, backoffMs: 500, maxBackoffMs: 1500, clock });
    clock.t = 1_000;
    await s.tick();
    expect(updates).toBe(1);
    expect(store.getState().snapshot.scenario).toBe('first');
    clock.t = 2_000;
    await s.tick();
    let st = store.getState().snapshot.sources.find((x) => x.name === 'scripted');
    expect(st).toMatchObject({ state: 'unreachable', lastGoodAt: 1_000, unreachableSince: 2_000 });
    expect(st?.error).toContain('ECONNREFUSED');
    expect(store.getState().snapshot.scenario).toBe('first'); // last good data kept
    expect(s.nextDelay()).toBe(500);
    clock.t = 3_000;
    await s.tick();
    st = store.getState().snapshot.sources.find((x) => x.name === 'scripted');
    expect(st?.unreachableSince).toBe(2_000); // since the first failure
    expect(s.nextDelay()).toBe(1000);
    clock.t = 4_000;
    await s.tick();
    expect(store.getState().snapshot.sources.find((x) => x.name === 'scripted')).toMatchObject({
      state: 'ok',
      lastGoodAt: 4_000,
      unreachableSince: null,
    });
    expect(s.nextDelay()).toBe(1000);
    expect(updates).toBe(4);
  });

  it('backoff is capped', async () => {
    const src = new ScriptedSource(
      Array.from({ length: 6 }, () => async () => {
        throw new Error('down');
      }),
    );
    const s = new SourceScheduler(src, createCockpitStore(), { intervalMs: 1000, backoffMs: 500, maxBackoffMs: 3000, clock });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      await s.tick();
      delays.push(s.nextDelay());
    }
    expect(delays).toEqual([500, 1000, 2000, 3000, 3000, 3000]);
  });

  it('a read that hangs past its timeout counts as a failure and frees the scheduler', async () => {
    const src = new ScriptedSource([() => new Promise<SnapshotPatch>(() => {}), async () => ({})]);
    const store = createCockpitStore();
    const s = new SourceScheduler(src, store, { intervalMs: 1000, timeoutMs: 50, clock });
    await s.tick();
    expect(store.getState().snapshot.sources[0]?.state).toBe('unreachable');
    expect(store.getState().snapshot.sources[0]?.error).toContain('no answer within 50 ms');
    await s.tick();
    expect(store.getState().snapshot.sources[0]?.state).toBe('ok');
  });
});

describe('a reading that says its own server is down', () => {
  it('merges the figures it got, shows the source unreachable since the first such reading, and backs off', async () => {
    const answers: SnapshotPatch[] = [
      {
        database: {
          primaryReachable: true,
          connections: 5,
          maxConnections: 100,
          blocking: [],
          failedMigrations: 0,
          primaryDegraded: null,
          replicas: [],
          lastBackupAt: null,
        },
      },
      {
        database: {
          primaryReachable: false,
          primaryError: 'connect ECONNREFUSED',
          connections: 5,
          maxConnections: 100,
          blocking: [],
          failedMigrations: 0,
          primaryDegraded: 'primary unreachable',
          replicas: [{ name: 'r1', lagSeconds: 3, replayPaused: false, seenFrom: 'replica', reachable: true }],
          lastBackupAt: null,
        },
      },
      {
        database: {
          primaryReachable: true,
          connections: 6,
          maxConnections: 100,
          blocking: [],
          failedMigrations: 0,
          primaryDegraded: null,
          replicas: [],
          lastBackupAt: null,
        },
      },
    ];
    const src: Source = {
      name: 'postgres',
      owns: ['database'],
      read: async () => answers.shift() as SnapshotPatch,
      unreachableIn: (p) => (p.database && !p.database.primaryReachable ? (p.database.primaryError ?? 'down') : null),
      close: async () => {},
    };
    const store = createCockpitStore();
    const s = new SourceScheduler(src, store, { intervalMs: 1000, backoffMs: 500, clock });
    clock.t = 10_000;
    await s.tick();
    clock.t = 11_000;
    await s.tick();
    const st = store.getState();
    expect(st.snapshot.sources[0]).toMatchObject({
      state: 'unreachable',
      lastGoodAt: 10_000,
      unreachableSince: 11_000,
      error: 'connect ECONNREFUSED',
    });
    expect(st.snapshot.database.replicas[0]?.name).toBe('r1'); // the replica's figures still arrive
    expect(st.triggers.some((t) => t.key === 'primary-degradation:primary' && t.firing)).toBe(true);
    expect(s.nextDelay()).toBe(500);
    clock.t = 12_000;
    await s.tick();
    expect(store.getState().snapshot.sources[0]).toMatchObject({ state: 'ok', lastGoodAt: 12_000, unreachableSince: null });
  });
});

describe('each source owns a declared slice of the snapshot', () => {
  it('refuses a patch outside the slice: nothing of it is merged, the source shows unreachable and why, and backs off', async () => {
    const broker = new ScriptedSource(
      [
        async () => ({ queues: [queue('crawl', { depth: 7 })] }),
        async () => ({ queues: [], database: { ...createCockpitStore().getState().snapshot.database, connections: 99 } }),
      ],
      ['queues', 'workers', 'reporting', 'providers'],
      'redis',
    );
    const store = createCockpitStore();
    const s = new SourceScheduler(broker, store, { intervalMs: 1000, backoffMs: 500, clock });
    clock.t = 20_000;
    await s.tick();
    expect(store.getState().snapshot.queues.map((q) => q.depth)).toEqual([7]);
    clock.t = 21_000;
    await s.tick();
    const st = store.getState();
    expect(st.snapshot.queues.map((q) => q.depth)).toEqual([7]); // the refused patch's queues were not merged either
    expect(st.snapshot.database.connections).toBe(0);
    expect(st.snapshot.sources[0]).toMatchObject({ name: 'redis', state: 'unreachable', lastGoodAt: 20_000 });
    expect(st.snapshot.sources[0]?.error).toBe('redis wrote database, outside what it owns (queues, workers, reporting, providers)');
    expect(s.nextDelay()).toBe(500);
  });

  it('refuses a write into a slice another source owns, a key that is no slice, and a slice claimed twice', () => {
    const store = createCockpitStore();
    const down = { api: { healthy: false, latencyMs: null, detail: 'x', checkedAt: null } };
    // Nobody owns the API figures yet: a writer that declared nothing (a test's) may write them.
    store.getState().ingest('by-hand', down, 1);
    expect(store.getState().snapshot.api.healthy).toBe(false);
    store.getState().declareSource('api', ['api']);
    expect(() => store.getState().ingest('by-hand', { api: { ...down.api, healthy: true } }, 2)).toThrow(
      'by-hand wrote api (api), owned by another source',
    );
    expect(store.getState().snapshot.api.healthy).toBe(false);
    expect(() => store.getState().ingest('api', { api: down.api, sources: [] } as never, 2)).toThrow(
      'api wrote sources, which is not a part of the snapshot',
    );
    store.getState().declareSource('postgres', ['database']);
    expect(() => store.getState().ingest('postgres', { scenario: 'x' }, 1)).toThrow(/postgres wrote scenario, outside/);
    expect(store.getState().snapshot.scenario).toBeNull();
    // Two brokers would both claim the queues: the second scheduler is refused when it is made.
    new SourceScheduler(new ScriptedSource([], ['queues'], 'redis'), store, { intervalMs: 1000, clock });
    expect(
      () => new SourceScheduler(new ScriptedSource([], ['queues', 'workers'], 'rabbitmq'), store, { intervalMs: 1000, clock }),
    ).toThrow('rabbitmq claims queues, which redis already owns');
    // The refused claim took nothing: workers are still free.
    store.getState().declareSource('events', ['workers']);
    expect(() => store.getState().declareSource('redis', ['queues', 'workers'])).toThrow(/redis already declared queues/);
  });
});

describe('what an update changed comes back as events', () => {
  it('ingest returns triggers fired and cleared, the evaluated suggestion and sources lost and restored, and publishes them after the update', () => {
    const store = createCockpitStore();
    store.getState().declareSource('redis', ['queues']);
    const published: string[][] = [];
    const seenInUpdate: string[] = [];
    store.subscribe(() => seenInUpdate.push(`update ${published.length}`));
    store.getState().onChanges((changes) => {
      // Published once the update is over: the state already shows it.
      expect(store.getState().snapshot.queues[0]?.lagSeconds).toBe(lagNow);
      published.push(changes.map((c) => c.kind));
    });
    let lagNow = 1200;
    const fired = store
      .getState()
      .ingest('redis', { queues: [queue('crawl', { lagSeconds: lagNow, lagMethod: 'stamped', depth: 5 })] }, 1000);
    expect(fired.map((c) => c.kind)).toEqual(['trigger-fired', 'severity-evaluated']);
    expect(fired[0]).toMatchObject({ kind: 'trigger-fired', trigger: { kind: 'queue-lag', target: 'crawl', firing: true } });
    expect(fired[1]).toMatchObject({ kind: 'severity-evaluated', suggestion: { severity: store.getState().suggestion.severity } });
    const lost = store.getState().sourceFailed('redis', 'ECONNREFUSED', 2000);
    expect(lost).toEqual([{ kind: 'source-lost', source: 'redis', error: 'ECONNREFUSED' }]);
    expect(store.getState().sourceFailed('redis', 'still down', 3000)).toEqual([]); // once per outage
    lagNow = 0;
    const back = store.getState().ingest('redis', { queues: [queue('crawl')] }, 4000);
    expect(back.map((c) => c.kind)).toEqual(['trigger-cleared', 'severity-evaluated', 'source-restored']);
    expect(published).toEqual([fired, lost, [], back].map((cs) => cs.map((c) => c.kind)));
    expect(seenInUpdate).toEqual(['update 0', 'update 1', 'update 2', 'update 3']);
    expect(Object.keys(store.getState())).not.toContain('lastChanges');
  });

  it('prefetch(): the read starts at once, the store sees it only at the next tick, which reads no second time', async () => {
    let release: (v: SnapshotPatch) => void = () => {};
    const src = new ScriptedSource([
      () =>
        new Promise<SnapshotPatch>((r) => {
          release = r;
        }),
      async () => ({ scenario: 'second' }),
    ]);
    const store = createCockpitStore();
    const changes: number[] = [];
    store.getState().onChanges((c) => changes.push(c.length));
    const s = new SourceScheduler(src, store, { intervalMs: 1000, clock });
    s.prefetch();
    s.prefetch();
    expect(src.calls).toBe(1);
    const first = src.signal!;
    release({ scenario: 'first' });
    await new Promise((r) => setTimeout(r, 10));
    expect(store.getState().snapshot.scenario).not.toBe('first');
    expect(changes).toEqual([]);
    await s.tick();
    expect(src.calls).toBe(1);
    expect(store.getState().snapshot.scenario).toBe('first');
    await s.tick();
    expect(src.calls).toBe(2);
    expect(store.getState().snapshot.scenario).toBe('second');
    expect(first.aborted).toBe(false);
  });

  it('stop() aborts a prefetched read that no tick applied', async () => {
    const src = new ScriptedSource([() => new Promise<SnapshotPatch>(() => {})]);
    const store = createCockpitStore();
    const s = new SourceScheduler(src, store, { intervalMs: 1000, clock });
    s.prefetch();
    const first = src.signal!;
    await s.stop();
    expect(first.aborted).toBe(true);
  });
});
