// A configured replica promoted to primary: when the primary's host list has followed it (it is the
// server the primary figures come from), the replica list says so instead of showing a replica
// whose lag cannot be read. Out of recovery but not the primary read now: still the warning.
import { describe, expect, it } from 'vitest';
import { combineReplicas, type ReplicaOutcome } from '../../src/sources/postgres/combine.js';

const outOfRecovery: ReplicaOutcome = {
  name: 'standby-1',
  reading: { inRecovery: false, replayPaused: false, caughtUp: null, streaming: false, sinceLastReplaySeconds: null },
};
const streaming: ReplicaOutcome = {
  name: 'standby-2',
  reading: { inRecovery: true, replayPaused: false, caughtUp: true, streaming: true, sinceLastReplaySeconds: 3 },
};

describe('replica list after a promotion', () => {
  it('the one the primary is read from now is marked promoted, with no lag and no error', () => {
    expect(combineReplicas([outOfRecovery, streaming], [], new Set(['standby-1']))).toEqual([
      {
        name: 'standby-1',
        lagSeconds: null,
        replayPaused: false,
        seenFrom: 'replica',
        reachable: true,
        error: null,
        fromPrimary: null,
        fromReplicaSeconds: null,
        promoted: true,
      },
      expect.objectContaining({ name: 'standby-2', lagSeconds: 0, error: null }),
    ]);
  });

  it('out of recovery but not the primary read now: a replica with a warning, not marked promoted', () => {
    const [r] = combineReplicas([outOfRecovery], []);
    expect(r).toMatchObject({ name: 'standby-1', error: 'not in recovery: this server is not a standby (promoted?)' });
    expect(r?.promoted).toBeUndefined();
  });

  it('still in recovery although named: a replica as before', () => {
    const [r] = combineReplicas([streaming], [], new Set(['standby-2']));
    expect(r?.promoted).toBeUndefined();
    expect(r?.lagSeconds).toBe(0);
  });
});
