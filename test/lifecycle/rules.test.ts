// The end of an incident's life as rules (src/core/lifecycle.ts): the resolve question lists what
// still fires and holds; the reopen offer stands for the window after the last resolve; a PIR
// export without an id means the incident resolved last, or asks when another opened since.
import { describe, expect, it } from 'vitest';
import {
  exportChoice,
  inForceText,
  reopenOffer,
  resolveNote,
  resolvePrompt,
  resolveReason,
  type ExportCandidate,
} from '../../src/core/lifecycle.js';

const MIN = 60_000;
const T = Date.UTC(2026, 11, 6, 10, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

describe('the resolve question', () => {
  it('one line when nothing fires or holds', () => {
    const note = resolveNote([], []);
    expect(resolvePrompt('INC-20261206-1000', note)).toBe('Mark incident INC-20261206-1000 RESOLVED?');
    expect(resolveReason(note)).toBe('marked resolved by the operator');
  });

  it('lists the triggers still firing and the mitigations still in force, then asks', () => {
    const note = resolveNote(
      [
        { key: 'queue-lag:crawl', title: 'Queue lag > 15 min', target: 'crawl' },
        { key: 'dead-letter-spike:reviews', title: 'Dead-letter spike > 3x baseline', target: 'reviews' },
      ],
      [
        { kind: 'paused-task', target: 'crawl.fetch_page', by: 'carol', undo: 'resume-task', setIn: 'INC-20261206-0930' },
        { kind: 'cancelled-consumer', target: 'rank', by: 'alice', undo: 'resume-consuming', unconfirmed: 'w1@h: no reply' },
      ],
    );
    expect(resolvePrompt('INC-20261206-1000', note).split('\n')).toEqual([
      '2 triggers are STILL FIRING:',
      '  - Queue lag > 15 min on crawl',
      '  - Dead-letter spike > 3x baseline on reviews',
      '2 mitigations are STILL IN FORCE (undo them first, or leave them on purpose):',
      '  - paused-task crawl.fetch_page by carol (set in INC-20261206-0930); undo: resume-task',
      '  - cancelled-consumer rank by alice (unconfirmed); undo: resume-consuming',
      'Mark incident INC-20261206-1000 RESOLVED anyway (recorded as such)?',
    ]);
    expect(resolveReason(note)).toBe('marked resolved by the operator while 2 trigger(s) still firing and 2 mitigation(s) still in force');
    expect(inForceText({ kind: 'pacing', target: 'lsos:pacing:profile', by: '?', undo: null })).toBe('pacing lsos:pacing:profile');
  });

  it('lists at most a few of each, and says how many more', () => {
    const many = Array.from({ length: 7 }, (_, i) => ({ key: `k${i}`, title: `T${i}`, target: `q${i}` }));
    const lines = resolvePrompt('INC-20261206-1000', resolveNote(many, []), 4).split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[5]).toBe('  - … and 3 more');
  });
});

describe('the reopen offer', () => {
  const resolved = { id: 'INC-20261206-1000', state: 'resolved', resolvedAt: iso(T) };

  it('stands from the resolve for the window, then not; never for an incident not resolved, or with no window', () => {
    expect(reopenOffer(resolved, T + 29 * MIN, 30 * MIN)).toEqual({
      incidentId: 'INC-20261206-1000',
      resolvedAt: iso(T),
      until: iso(T + 30 * MIN),
    });
    expect(reopenOffer(resolved, T + 30 * MIN, 30 * MIN)).toBeNull();
    expect(reopenOffer({ ...resolved, state: 'open' }, T, 30 * MIN)).toBeNull();
    expect(reopenOffer(resolved, T, 0)).toBeNull();
    expect(reopenOffer(null, T, 30 * MIN)).toBeNull();
  });
});

describe('which PIR an export without an id means', () => {
  const c = (id: string, state: string, openedMin: number, resolvedMin: number | null): ExportCandidate => ({
    id,
    state,
    openedAt: iso(T + openedMin * MIN),
    resolvedAt: resolvedMin === null ? null : iso(T + resolvedMin * MIN),
  });

  it('the incident resolved last', () => {
    expect(exportChoice([c('INC-A', 'resolved', 0, 50), c('INC-B', 'resolved', 60, 70)])).toEqual({ export: 'INC-B' });
    // Resolved last, though opened first.
    expect(exportChoice([c('INC-A', 'resolved', 0, 90), c('INC-B', 'resolved', 10, 20)])).toEqual({ export: 'INC-A' });
  });

  it('asks when an incident opened after that resolve, naming both', () => {
    expect(exportChoice([c('INC-A', 'resolved', 0, 50), c('INC-B', 'open', 51, null)])).toEqual({
      ask: ['INC-A', 'INC-B'],
      why: 'INC-B (open) opened after INC-A was resolved',
    });
  });

  it('nothing resolved: the only incident, else a question; no incidents: says so', () => {
    expect(exportChoice([c('INC-A', 'open', 0, null)])).toEqual({ export: 'INC-A' });
    expect(exportChoice([c('INC-A', 'open', 0, null), c('INC-B', 'mitigated', 5, null)])).toMatchObject({ ask: ['INC-A', 'INC-B'] });
    expect(exportChoice([])).toEqual({ none: 'no incidents' });
  });
});
