// A trigger's evidence asks the figure series only for what it reads (src/core/pir/evidence.ts):
// nothing for queue lag or replica lag (their evidence is in the snapshot), the one queue for a
// dead-letter spike, no queue for the provider and report rates. At 2,000 queues unpacking the
// whole series (90 samples) took 35–170 ms, at every trigger fired, and a stalled broker fires
// them by the dozen. The evidence found is the same as from the whole series.
import { describe, expect, it } from 'vitest';
import { triggerEvidence } from '../../src/core/pir/evidence.js';
import { packFigures, unpackFigures } from '../../src/core/pir/figures.js';
import { emptySnapshot, type QueueSnapshot } from '../../src/core/snapshot.js';
import type { FiguresDetails } from '../../src/core/timeline.js';
import type { TriggerState } from '../../src/core/triggers.js';
import { T0, figuresOf } from '../timeline/helpers.js';

const trigger = (kind: TriggerState['kind'], target: string, threshold = 0.2): TriggerState => ({
  key: `${kind}:${target}`,
  kind,
  section: 3,
  title: kind,
  target,
  module: 'crawl',
  firing: true,
  value: 1,
  threshold,
  clearAt: threshold,
  unit: 'ratio',
  detail: '',
  since: T0,
  scope: { queues: [target], campaigns: 0, providers: [] },
});

/** 30 minutes of 2,000 queues; tenant00042's dead letters grow above its baseline from minute 20. */
function series(): FiguresDetails[] {
  return Array.from({ length: 30 }, (_, m) => {
    const s = figuresOf(2000, T0 + m * 60_000, m);
    const q = s.queues.tenant00042!;
    s.queues.tenant00042 = { ...q, dlBase: 2, dlRate: m >= 20 ? 40 : 1 };
    s.providers = { brightpool: { campaigns: 3, failRate: m >= 25 ? 0.5 : 0.01 } };
    return s;
  });
}

describe('a trigger’s evidence reads only what it needs of the figure series', () => {
  const whole = series();
  const packed = whole.map((s) => packFigures(s));
  const snap = { ...emptySnapshot(T0 + 30 * 60_000) };
  snap.queues = [
    {
      ...snap.queues[0],
      name: 'tenant00042',
      lagSeconds: 600,
      deadLetterGrowthPerHour: 40,
      deadLetterBaselinePerHour: 2,
    } as unknown as QueueSnapshot,
  ];
  const asked: Array<string | null> = [];
  const history = (queue: string | null) => {
    asked.push(queue);
    return packed.map((p) => unpackFigures(p, queue));
  };

  it('unpacks one queue, or none, exactly as in the whole sample', () => {
    const one = unpackFigures(packed[3]!, 'tenant00042');
    expect(one.queues).toEqual({ tenant00042: whole[3]!.queues.tenant00042 });
    expect({ ...one, queues: {} }).toEqual({ ...whole[3], queues: {} });
    expect(unpackFigures(packed[3]!, null).queues).toEqual({});
    expect(unpackFigures(packed[3]!, 'no-such-queue').queues).toEqual({});
    expect(unpackFigures(packed[3]!)).toEqual(whole[3]);
  });

  it('queue lag and replica lag do not ask; a dead-letter spike asks for its queue; rates ask for no queue', () => {
    asked.length = 0;
    expect(triggerEvidence(trigger('queue-lag', 'tenant00042'), snap, history)).not.toBeNull();
    triggerEvidence(trigger('replica-lag', 'replica-1'), snap, history);
    expect(asked).toEqual([]);
    const spike = triggerEvidence(trigger('dead-letter-spike', 'tenant00042'), snap, history);
    const serp = triggerEvidence(trigger('serp-failures', 'brightpool'), snap, history);
    expect(asked).toEqual(['tenant00042', null]);
    // The same evidence as from the whole series.
    expect(spike).toEqual(triggerEvidence(trigger('dead-letter-spike', 'tenant00042'), snap, () => whole));
    expect(serp).toEqual(triggerEvidence(trigger('serp-failures', 'brightpool'), snap, () => whole));
    expect(spike?.evidenceAt).toBe(new Date(T0 + 20 * 60_000).toISOString());
    expect(serp?.evidenceAt).toBe(new Date(T0 + 25 * 60_000).toISOString());
  });
});
