// The most serious first (issue 14 item 2): triggers ordered by the severity they imply, then by
// how far past the line, a queue's symptom right after the trigger on its module that explains it;
// the runbook pane and the presentation headline follow the top one unless the operator pins
// another. Pure, then each bundled scenario through the simulation.
import { describe, expect, it } from 'vitest';
import { impliedSeverity, orderTriggers, pastTheLine } from '../../src/core/escalation.js';
import { DEFAULT_THRESHOLDS, evaluateTriggers, type TriggerState } from '../../src/core/triggers.js';
import { LsosSimulation, loadScenario } from '../../src/sources/sim/index.js';
import { runbookFocus } from '../../src/ui/state/selectors.js';
import { createCockpitStore } from '../../src/ui/state/store.js';

function t(key: string, over: Partial<TriggerState>): TriggerState {
  const [kind = '', target = ''] = key.split(/:(.*)/);
  return {
    key,
    kind: kind as TriggerState['kind'],
    section: 3,
    title: kind,
    target,
    module: target,
    firing: true,
    value: 2,
    threshold: 1,
    clearAt: 0.8,
    unit: 'x',
    detail: key,
    since: 0,
    scope: {},
    ...over,
  };
}

describe('the ordering rule', () => {
  it('firing first; then SEV-1 before SEV-2 before SEV-3; then furthest past the line; then by id', () => {
    const lag = t('queue-lag:crawl', { value: 1385, threshold: 900, unit: 's' }); // SEV-3, 1.54x
    const replica = t('replica-lag:replica-1', { section: 6, module: 'database', value: 300, threshold: 60, unit: 's' }); // SEV-3, 5x
    const spike = t('dead-letter-spike:reviews', { value: 48 * 3, threshold: 3 }); // SEV-2, 48x
    const primary = t('primary-degradation:primary', {
      section: 6,
      module: 'database',
      value: 1,
      threshold: 0,
      unit: 'flag',
      severity: 'SEV-1',
    });
    const cleared = t('dead-letter-spike:rank', { firing: false, value: 900, threshold: 3 });
    expect(orderTriggers([cleared, lag, replica, spike, primary]).map((x) => x.key)).toEqual([
      'primary-degradation:primary',
      'dead-letter-spike:reviews',
      'replica-lag:replica-1',
      'queue-lag:crawl',
      'dead-letter-spike:rank',
    ]);
    expect([impliedSeverity(primary), impliedSeverity(spike), impliedSeverity(lag)]).toEqual(['SEV-1', 'SEV-2', 'SEV-3']);
    expect(pastTheLine(primary)).toBe(Number.POSITIVE_INFINITY);
    expect(pastTheLine(replica)).toBe(5);
    // Equal in both: by id, so the order does not shuffle between evaluations.
    const a = t('queue-lag:a', {});
    const b = t('queue-lag:b', {});
    expect(orderTriggers([b, a]).map((x) => x.key)).toEqual(['queue-lag:a', 'queue-lag:b']);
  });

  it("a queue's dead-letter spike that a trigger on its module explains comes right after that trigger", () => {
    const serp = t('serp-failures:brightpool', { section: 5, module: 'rank', value: 0.48, threshold: 0.2, unit: 'ratio' }); // 2.4x
    const rankSpike = t('dead-letter-spike:rank', { value: 477, threshold: 3 }); // 159x, but SERP failures cause it
    const reviews = t('dead-letter-spike:reviews', { value: 9, threshold: 3 }); // 3x, nothing explains it
    expect(orderTriggers([rankSpike, reviews, serp]).map((x) => x.key)).toEqual([
      'dead-letter-spike:reviews',
      'serp-failures:brightpool',
      'dead-letter-spike:rank',
    ]);
    // Only a trigger at least as severe explains it.
    const lagOnly = t('queue-lag:rank', { value: 2000, threshold: 900, unit: 's', module: 'rank' });
    expect(orderTriggers([lagOnly, rankSpike]).map((x) => x.key)).toEqual(['dead-letter-spike:rank', 'queue-lag:rank']);
  });
});

/** The scenario after `seconds` of simulated time, judged as the store judges it. */
function judged(scenario: string, seconds: number) {
  const sim = new LsosSimulation(loadScenario(scenario), { seed: 11, startAt: Date.UTC(2026, 0, 15, 9, 0, 0) });
  const store = createCockpitStore();
  for (let s = 0; s < seconds; s += 5) {
    sim.step(5000);
    const { at: _at, sources: _sources, ...patch } = sim.snapshot();
    store.getState().ingest('simulation', { ...patch, simulated: true }, sim.clock.now());
  }
  return store;
}

describe('each bundled scenario: the runbook pane follows the most serious trigger', () => {
  it.each([
    ['default', 180, 'dead-letter-spike:reviews', 3],
    ['queue-triage', 240, 'dead-letter-spike:reviews', 3],
    ['reporting-failures', 240, 'report-failures:reporting', 4],
    ['serp-provider-degraded', 240, 'serp-failures:brightpool', 5],
    ['replica-stall', 240, 'replica-lag:replica-2', 6],
    ['primary-degraded', 120, 'failed-migrations:primary', 6],
    ['full-outage', 120, 'primary-degradation:primary', 6],
    ['cross-tenant-risk', 60, 'cross-tenant-risk:cmp-017+cmp-023', 7],
  ])('%s: %s at %is → %s, section %i', (scenario, seconds, top, section) => {
    const store = judged(scenario, seconds);
    const focus = runbookFocus(store.getState());
    expect(focus.top?.key).toBe(top);
    expect(focus.trigger?.key).toBe(top);
    expect(focus.pinned).toBe(false);
    expect(focus.section.id).toBe(section);
    // Pinning another (r on its row) shows that one's section, and says it is pinned.
    const other = store.getState().triggers.find((x) => x.firing && x.key !== top);
    if (other) {
      store.getState().setUi({ runbookTrigger: other.key });
      expect(runbookFocus(store.getState())).toMatchObject({ pinned: true, trigger: { key: other.key }, top: { key: top } });
    }
  });

  it('healthy: nothing fires, the daily checklist (section 2)', () => {
    const focus = runbookFocus(judged('healthy', 300).getState());
    expect(focus).toMatchObject({ trigger: null, top: null, firing: 0 });
    expect(focus.section.id).toBe(2);
  });

  it('evaluateTriggers returns them in that order', () => {
    const sim = new LsosSimulation(loadScenario('full-outage'), { seed: 11, startAt: 0 });
    let triggers: TriggerState[] = [];
    for (let s = 0; s < 180; s += 5) {
      sim.step(5000);
      triggers = evaluateTriggers(triggers, sim.snapshot(), DEFAULT_THRESHOLDS).triggers;
    }
    expect(triggers.map((x) => x.key)).toEqual(orderTriggers(triggers).map((x) => x.key));
    expect(triggers[0]?.key).toBe('primary-degradation:primary');
    expect(triggers.filter((x) => x.firing).length).toBeGreaterThan(4);
  });
});
