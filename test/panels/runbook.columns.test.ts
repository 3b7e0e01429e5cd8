// The runbook pane's column set at two widths: ticks, step numbers, the step text with what only
// a person can do, and the head lines.
import { describe, expect, it } from 'vitest';
import { runbookSection } from '../../src/core/runbook.js';
import type { TriggerState } from '../../src/core/triggers.js';
import type { RunbookRow } from '../../src/ui/state/selectors.js';
import { runbookHead, runbookTable, type RunbookData } from '../../panels/runbook/columns.js';
import { cells, shape } from './fixtures.js';

function rowsOf(id: 3 | 5): RunbookRow[] {
  return runbookSection(id).steps.flatMap((st): RunbookRow[] => [
    { key: `${id}.${st.n}`, section: id, step: st.n, option: null, text: st.text },
    ...(st.options ?? []).map((o, i) => ({ key: `${id}.${st.n}.${i + 1}`, section: id, step: st.n, option: i + 1, text: o })),
  ]);
}

function data(id: 3 | 5, done: string[]): RunbookData {
  return { trigger: null, section: runbookSection(id), rows: rowsOf(id), done: new Set(done), hasIncident: true };
}

describe('runbook columns', () => {
  it('at 40 columns: tick, number and the step text cut to what is left', () => {
    const d = data(3, ['3.1']);
    const t = runbookTable(d, 40, false);
    expect(shape(t.columns)).toEqual({ keys: ['tick', 'n', 'text'], widths: [3, 4, 31], total: 40 });
    expect(cells(t.columns, d.rows[0]!)).toEqual({
      tick: { text: '[✓]', tone: 'ok' },
      n: { text: '3.1 ', tone: undefined },
      text: { text: 'Identify queue and top failing…', tone: 'muted' },
    });
    // An option belongs to its step: no tick of its own, a dash for a number.
    const option = d.rows.find((r) => r.option === 1)!;
    expect(cells(t.columns, option)).toMatchObject({ tick: { text: '   ' }, n: { text: '  - ' } });
    expect(
      cells(
        t.columns,
        d.rows.find((r) => r.key === '3.4')!,
      ).tick,
    ).toEqual({ text: '[ ]', tone: undefined });
  });

  it('at 100 columns: the whole step, with the part only a person can do marked manual', () => {
    const d = data(5, []);
    const t = runbookTable(d, 100, true);
    expect(shape(t.columns).widths).toEqual([3, 4, 91]);
    expect(cells(t.columns, d.rows[0]!).text?.text.trimEnd()).toBe(
      'Check proxy provider health dashboard.  [manual: Check proxy provider health dashboard]',
    );
  });

  it('the head: section, what it is shown for, what it follows, and the done count', () => {
    expect(runbookHead(data(3, ['3.1', '3.2']))).toEqual({
      section: '§3 Queue Triage Runbook',
      forWhat: '  no trigger firing: daily checklist',
      firing: false,
      follow: 'nothing fires: the daily checklist',
      triggerLine: `Trigger: ${runbookSection(3).trigger.join(' ')}`,
      info: '2/5 done',
    });
    expect(runbookHead({ ...data(3, []), hasIncident: false }).info).toBe('0/5 done, no incident');
  });

  it('says which trigger it follows and how to switch; a signal shows its evidence', () => {
    const top = {
      key: 'cross-tenant-risk:cmp-017+cmp-023',
      kind: 'cross-tenant-risk',
      target: 'cmp-017+cmp-023',
      firing: true,
      severity: 'SEV-1',
      detail: 'report for cmp-017 rendered with cmp-023 KPIs',
      evidence: ['report for cmp-017 rendered with cmp-023 KPIs'],
    } as TriggerState;
    const lag = { key: 'queue-lag:crawl', kind: 'queue-lag', target: 'crawl', firing: true, detail: 'crawl lag 16m' } as TriggerState;
    const following = runbookHead({ ...data(3, []), trigger: top, top, firing: 2, pinned: false });
    expect(following.follow).toBe('follows the most serious trigger (1 of 2 firing) · r on a trigger row (panel 4) pins another');
    expect(following.triggerLine).toBe('Evidence: report for cmp-017 rendered with cmp-023 KPIs');
    const pinned = runbookHead({ ...data(3, []), trigger: lag, top, firing: 2, pinned: true }, true);
    expect(pinned.follow).toBe('pinned by r to crawl lag; most serious: cmp-017+cmp-023 cross-tenant SEV-1; r on it follows it again');
    expect(pinned.section).toBe('Section 3 Queue Triage Runbook');
    expect(runbookHead({ ...data(3, []), trigger: top, top, firing: 1, pinned: true }).follow).toBe(
      'pinned by r to cmp-017+cmp-023 cross-tenant · r on it again follows the most serious',
    );
  });
});
