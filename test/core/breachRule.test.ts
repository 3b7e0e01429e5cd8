// One breach rule (src/domain/thresholds.ts): the runbook triggers, the daily checklist and the
// queue panel judge the same figure against the same line the same way, at, just above and just
// below it.
import { describe, expect, it } from 'vitest';
import { runChecklist, type CheckArea, type AreaState } from '../../src/core/checklist.js';
import { DEFAULT_THRESHOLDS, evaluateTriggers } from '../../src/core/triggers.js';
import type { QueueSnapshot } from '../../src/core/snapshot.js';
import { deadLetterTone, lagTone } from '../../panels/queues/columns.js';
import { firingQueues } from '../../src/ui/state/selectors.js';
import { queue, snap } from './helpers.js';

const OK: AreaState = { state: 'ok' };
const areas: Record<CheckArea, AreaState> = { api: OK, broker: OK, database: OK };

function judged(q: QueueSnapshot, t = DEFAULT_THRESHOLDS) {
  const s = snap({ queues: [q] });
  const fired = evaluateTriggers([], s, t)
    .triggers.filter((x) => x.firing)
    .map((x) => x.kind);
  const checks = runChecklist({
    snapshot: s,
    thresholds: { ...t, apiTimeoutMs: 2000 },
    queues: [q.name],
    areas,
    only: ['queue-lag', 'dead-letter-growth'],
  });
  const status = (id: string) => checks.checks.find((c) => c.id === id)?.status;
  // The panel as it draws a queue no trigger has fired on yet: by the figure alone.
  const panel = { firing: firingQueues([]), thresholds: t };
  return {
    fired,
    lag: status('queue-lag'),
    deadLetters: status('dead-letter-growth'),
    panelLag: lagTone(q, panel) ?? 'ok',
    panelDeadLetters: deadLetterTone(q, panel) ?? 'ok',
  };
}

describe('triggers and the checklist decide a breach the same way', () => {
  it.each([
    [899, false, 'warn'],
    [900, false, 'warn'],
    [900.5, true, 'breach'],
    [700, false, 'ok'],
  ])('queue lag %s s against 15 minutes', (lag, fires, status) => {
    const r = judged(queue('crawl', { lagSeconds: lag, lagMethod: 'stamped', depth: 10 }));
    expect(r.fired.includes('queue-lag')).toBe(fires);
    expect(r.lag).toBe(status);
    expect(r.panelLag).toBe(status); // `warn` is the panel's `~` near the line (clearRatio = warnRatio = 0.8)
  });

  it.each([
    [6, false, 'warn'],
    [6.1, true, 'breach'],
  ])('dead-letter growth %s/h against 3x a 2/h baseline', (growth, fires, status) => {
    const r = judged(queue('crawl', { deadLetterGrowthPerHour: growth, deadLetterBaselinePerHour: 2 }));
    expect(r.fired.includes('dead-letter-spike')).toBe(fires);
    expect(r.deadLetters).toBe(status);
    expect(r.panelDeadLetters).toBe(fires ? 'breach' : 'ok'); // the panel marks a spike only, no `near`
  });

  it('with no baseline and a floor of 0, growth is a spike for both (the checklist used to call it 0x)', () => {
    const t = { ...DEFAULT_THRESHOLDS, deadLetterBaselineFloorPerHour: 0 };
    const growing = judged(
      queue('crawl', { deadLetterGrowthPerHour: 2, deadLetterBaselinePerHour: null, deadLetterBaselineSource: null }),
      t,
    );
    expect(growing.fired).toContain('dead-letter-spike');
    expect(growing.deadLetters).toBe('breach');
    expect(growing.panelDeadLetters).toBe('breach');
    const still = judged(
      queue('crawl', { deadLetterGrowthPerHour: 0, deadLetterBaselinePerHour: null, deadLetterBaselineSource: null }),
      t,
    );
    expect(still.fired).not.toContain('dead-letter-spike');
    expect(still.deadLetters).toBe('ok');
  });
});
