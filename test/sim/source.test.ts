import { describe, expect, it } from 'vitest';
import { SimulationSource } from '../../src/sources/sim/source.js';
import { START, queue, sim } from './helpers.js';

/** A hand-driven real clock. */
function fakeRealTime(start = 5_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const signal = () => new AbortController().signal;

describe('SimulationSource', () => {
  it('advances the simulation by real elapsed time x speed on each read and returns the whole snapshot as the patch', async () => {
    const real = fakeRealTime();
    const s = sim('default');
    const source = new SimulationSource(s, { speed: 100, realNow: real.now });
    expect(source.name).toBe('simulation');
    expect(source.clock.now()).toBe(START);

    real.advance(600); // 60 simulated seconds
    const patch = await source.read(signal());
    expect(s.clock.now()).toBe(START + 60_000);
    expect(patch).not.toHaveProperty('at');
    expect(patch).not.toHaveProperty('sources');
    expect(patch.simulated).toBe(true);
    expect(patch.scenario).toBe('default');
    expect(patch.queues).toHaveLength(7);
    expect(patch.workers?.length).toBe(15);
    expect(patch.database?.replicas).toHaveLength(2);
    expect(patch.providers?.map((p) => p.name)).toEqual(['brightpool', 'fallbackpool']);
    // Same numbers as a snapshot of the simulation at that instant.
    const { at: _at, sources: _sources, ...rest } = s.snapshot();
    expect(patch).toEqual(rest);
    expect(queue(s.snapshot(), 'crawl').lagSeconds!).toBeGreaterThan(900);

    const again = await source.read(signal()); // no real time passed: no simulated time either
    expect(s.clock.now()).toBe(START + 60_000);
    expect(again).toEqual(patch);
  });

  it('steps in fixed internal steps and carries the remainder to the next read', async () => {
    const real = fakeRealTime();
    const s = sim('healthy');
    const source = new SimulationSource(s, { speed: 1, stepMs: 250, realNow: real.now });
    for (let i = 0; i < 5; i++) {
      real.advance(100);
      await source.read(signal());
    }
    expect(s.elapsedMs).toBe(500); // 2 steps of 250; nothing lost, nothing invented
    real.advance(40);
    await source.read(signal());
    expect(s.elapsedMs).toBe(500);
    real.advance(210); // 40 carried + 210 = one more step
    await source.read(signal());
    expect(s.elapsedMs).toBe(750);
  });

  it('caps one catch-up, rejects when aborted or closed, and refuses a bad speed', async () => {
    const real = fakeRealTime();
    const s = sim('healthy');
    const source = new SimulationSource(s, { speed: 10, realNow: real.now, maxCatchUpMs: 120_000 });
    real.advance(3_600_000);
    await source.read(signal());
    expect(s.elapsedMs).toBe(120_000);

    const ac = new AbortController();
    ac.abort();
    real.advance(1000);
    await expect(source.read(ac.signal)).rejects.toThrow();
    await source.close();
    await expect(source.read(signal())).rejects.toThrow(/closed/);
    expect(() => new SimulationSource(s, { speed: 0 })).toThrow(RangeError);
  });

  it('defaults to real time (speed 1) with Date.now', async () => {
    const s = sim('healthy');
    const before = Date.now();
    const source = new SimulationSource(s);
    await new Promise((r) => setTimeout(r, 300)); // real time passing is the subject here
    await source.read(signal());
    // At most the real time that passed (however long a busy machine took), in whole steps.
    expect(s.elapsedMs).toBeGreaterThanOrEqual(250);
    expect(s.elapsedMs).toBeLessThanOrEqual(Date.now() - before);
  });
});
