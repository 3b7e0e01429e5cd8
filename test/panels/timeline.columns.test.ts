// The timeline's column set at two widths: time, who, kind and entry, newest last; the head line.
import { describe, expect, it } from 'vitest';
import type { TimelineLine } from '../../src/ui/state/store.js';
import { incidentStateTone, timelineHead, timelineTable } from '../../panels/timeline/columns.js';
import { cells, header, shape } from './fixtures.js';

const entries: TimelineLine[] = [
  { seq: 1, at: '2024-06-01T13:58:00.000Z', operator: 'alice', kind: 'incident-opened', text: 'crawl lag over 15 minutes' },
  { seq: 2, at: '2024-06-01T13:58:30.000Z', operator: 'cockpit', kind: 'trigger-fired', text: 'queue-lag:crawl fired' },
];

describe('timeline columns', () => {
  it('at 40 columns: time, kind as a short word (as wide as the widest shown) and entry; who left out', () => {
    const t = timelineTable(entries, 40);
    expect(shape(t.columns)).toEqual({ keys: ['at', 'kind', 'text'], widths: [8, 6, 24], total: 40 });
    expect(cells(t.columns, entries[1]!)).toEqual({
      at: { text: '13:58:30', tone: undefined },
      kind: { text: 'fired ', tone: 'warn' },
      text: { text: 'queue-lag:crawl fired   ', tone: undefined },
    });
    expect(cells(t.columns, entries[0]!).kind?.tone).toBe('accent');
  });

  it('at 100 columns: who wrote each entry', () => {
    const t = timelineTable(entries, 100);
    expect(shape(t.columns)).toEqual({ keys: ['at', 'who', 'kind', 'text'], widths: [8, 7, 6, 76], total: 100 });
    expect(header(t.columns)).toMatch(/^UTC {6}who {5}kind {3}entry +$/);
    expect(cells(t.columns, entries[1]!).who).toEqual({ text: 'cockpit', tone: 'muted' });
  });

  it("a simulation's entry shows its simulated time, as the milestones and the PIR do, not the wall clock", () => {
    const sim: TimelineLine = { ...entries[1]!, at: '2026-12-06T12:29:05.000Z', simAt: '2026-12-06T12:14:36.510Z' };
    expect(cells(timelineTable([sim], 100).columns, sim).at?.text).toBe('12:14:36');
  });

  it('every journal kind reads as a word that is never cut, even beside a long one (no trigger-f...)', () => {
    const kinds = ['trigger-fired', 'severity-suggested', 'severity-decided', 'source-restored', 'milestone-corrected', 'procedure-step'];
    const rows = kinds.map((kind, i) => ({ ...entries[0]!, seq: i + 1, kind }));
    for (const width of [60, 120, 200]) {
      const t = timelineTable(rows, width);
      const got = rows.map((r) => cells(t.columns, r).kind?.text.trim());
      expect(got).toEqual(['fired', 'suggested', 'decided', 'source back', 'corrected', 'step']);
      expect(t.columns.find((c) => c.column.key === 'kind')?.width).toBe(11);
    }
  });

  it('the head line and at most two journal problems', () => {
    const head = timelineHead({
      id: 'INC-20240601-01',
      state: 'mitigated',
      severity: null,
      startedAt: '2024-06-01T13:58:00.000Z',
      problems: ['torn last line', 'chain breaks at 7', 'third'],
    });
    expect(head).toEqual({
      id: 'INC-20240601-01',
      state: ' mitigated',
      rest: ' severity not decided  since 13:58:00Z',
      problems: ['! journal: torn last line', '! journal: chain breaks at 7'],
    });
    // A severity only suggested says so; a decided one, or one not known to be either, is shown as it is.
    const base = { id: 'INC-1', state: 'open' as const, severity: 'SEV-2' as const, startedAt: '2024-06-01T13:58:00.000Z', problems: [] };
    expect(timelineHead({ ...base, decided: false }).rest).toBe(' severity not decided (last suggested SEV-2)  since 13:58:00Z');
    expect(timelineHead({ ...base, decided: true }).rest).toBe(' SEV-2  since 13:58:00Z');
    expect(timelineHead(base).rest).toBe(' SEV-2  since 13:58:00Z');
    expect([incidentStateTone('open'), incidentStateTone('mitigated'), incidentStateTone('resolved')]).toEqual(['breach', 'warn', 'ok']);
  });
});
