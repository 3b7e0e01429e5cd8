import { describe, expect, it } from 'vitest';
import { SourceScheduler } from '../../src/runtime/scheduler.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import type { Source, SnapshotPatch } from '../../src/core/source.js';

/** An in-memory source whose answers the test controls (a unit test of the scheduler's logic). */
class ScriptedSource implements Source {
  readonly name = 'scripted';
  calls = 0;
  concurrent = 0;
  maxConcurrent = 0;
  constructor(private readonly answers: Array<() => Promise<SnapshotPatch>>) {}
  async read(): Promise<SnapshotPatch> {
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
    release({ crossTenantRisk: false });
    await a;
    expect(src.calls).toBe(1);
    expect(src.maxConcurrent).toBe(1);
  });

  it('writes one store update per settled read, marks failures unreachable, keeps the last good time, recovers', async () => {
    const src = new ScriptedSource([
      async () => ({ crossTenantRisk: true }),
      async () => {
        throw new Error('ECONNREFUSED 127.0.0.1:6390');
      },
      async () => {
        throw new Error('still down');
      },
      async () => ({ crossTenantRisk: false }),
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
    expect(store.getState().snapshot.crossTenantRisk).toBe(true);
    clock.t = 2_000;
    await s.tick();
    let st = store.getState().snapshot.sources.find((x) => x.name === 'scripted');
    expect(st).toMatchObject({ state: 'unreachable', lastGoodAt: 1_000, unreachableSince: 2_000 });
    expect(st?.error).toContain('ECONNREFUSED');
    expect(store.getState().snapshot.crossTenantRisk).toBe(true); // last good data kept
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
