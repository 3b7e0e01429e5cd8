// The failure classes' totals over every queue (src/ui/state/selectors.ts): each tick a source
// sends a new queues array, and at thousands of queues most queues keep their counts object
// (structural sharing, src/sources/redis/redisSource.ts): the totals are then adjusted by the
// counts objects that changed, and stay the same object when none did.
import { describe, expect, it } from 'vitest';
import { failureTotals } from '../../src/ui/state/selectors.js';
import { emptyFailures } from '../../src/core/snapshot.js';
import { queue } from '../core/helpers.js';

describe('failureTotals', () => {
  it('sums every queue, keeps its answer while no counts object changed, and follows the ones that did', () => {
    const counts = (over: Partial<ReturnType<typeof emptyFailures>>) => ({ ...emptyFailures(), ...over });
    const a = queue('a', { failuresByClass: counts({ transient: 2, parser: 1 }) });
    const b = queue('b', { failuresByClass: counts({ provider: 5 }) });
    const c = queue('c', { failuresByClass: counts({}) });
    const t1 = failureTotals([a, b, c]);
    expect(t1).toEqual({ transient: 2, validation: 0, provider: 5, parser: 1, unclassified: 0 });
    // The next tick: a new array (and new queue objects), the same counts objects.
    const t2 = failureTotals([{ ...a, lagSeconds: 3 }, b, { ...c, depth: 9 }]);
    expect(t2).toBe(t1);
    // One queue's counts change, another's go away and come back as zeros.
    const t3 = failureTotals([a, queue('b', { failuresByClass: counts({ provider: 1, validation: 4 }) }), c]);
    expect(t3).toEqual({ transient: 2, validation: 4, provider: 1, parser: 1, unclassified: 0 });
    expect(t1).toEqual({ transient: 2, validation: 0, provider: 5, parser: 1, unclassified: 0 });
    // Another number of queues: summed afresh.
    expect(failureTotals([a, c])).toEqual({ transient: 2, validation: 0, provider: 0, parser: 1, unclassified: 0 });
    expect(failureTotals([])).toEqual(emptyFailures());
  });
});
