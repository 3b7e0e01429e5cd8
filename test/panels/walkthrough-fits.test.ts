// Findings 9 and 10 of the on-call walkthrough, as pure column tests: at 80 columns the figures'
// title counts the rows drawn, a signal's name keeps its kind, the footer keeps `s severity`
// while none is decided, and a status message keeps its key hint whole or drops it whole.
import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import type { TriggerState } from '../../src/core/triggers.js';
import { runbookSection } from '../../src/core/runbook.js';
import { bodyLines, fitTriggerName, figuresTitle, type PresentationData } from '../../panels/presentation/columns.js';
import { fitFlash, fitFooter, footerFirst } from '../../panels/status/columns.js';
import { T0 } from './fixtures.js';

function trigger(i: number, over: Partial<TriggerState> = {}): TriggerState {
  return {
    key: `queue-lag:q${i}`,
    kind: 'queue-lag',
    section: 3,
    title: 'Queue lag > 15 minutes',
    target: `q${i}`,
    module: 'crawl',
    firing: true,
    value: 1385,
    threshold: 900,
    clearAt: 720,
    unit: 's',
    detail: `q${i} lag 23m05s (stamped) vs 15m00s`,
    since: T0 - 60_000,
    scope: { queues: [`q${i}`] },
    ...over,
  };
}

const signal = trigger(0, {
  key: 'cross-tenant-risk:cmp-017+cmp-023',
  kind: 'cross-tenant-risk',
  section: 7,
  title: 'Cross-tenant risk',
  target: 'cmp-017+cmp-023',
  module: 'platform',
  value: 1,
  threshold: 0,
  unit: 'flag',
  severity: 'SEV-1',
  detail: 'report for cmp-017 rendered with cmp-023 KPIs (raised by the security tool)',
});

function data(triggers: TriggerState[]): PresentationData {
  return {
    severity: { suggested: 'SEV-1', decided: null },
    suggestion: { severity: 'SEV-1', reason: 'outage', page: ['on-call engineer'], ticket: false, modules: [] },
    focus: { trigger: triggers[0] ?? null, section: runbookSection(7), pinned: false, top: triggers[0] ?? null, firing: triggers.length },
    triggers,
    trends: {},
    incident: { id: 'INC-1', state: 'open', startedAt: new Date(T0).toISOString(), openedBy: 'alice', entries: [] },
    paging: null,
    inForce: [],
  };
}

describe('presentation at 80 columns', () => {
  it('FIGURES THAT MATTER counts the figure rows actually drawn', () => {
    const all = [signal, ...Array.from({ length: 8 }, (_, i) => trigger(i + 1))];
    for (const height of [12, 13, 14, 15, 16, 18]) {
      const body = bodyLines(data(all), 80, height, false).map((l) => l.text);
      const at = body.findIndex((l) => l.startsWith('FIGURES THAT MATTER'));
      expect(at).toBeGreaterThanOrEqual(0);
      const end = body.indexOf('', at);
      const rows = body.slice(at + 1, end === -1 ? undefined : end).filter((l) => /^SEV-\d/.test(l)).length;
      expect(body[at]).toContain(`(${rows} most serious of 9 firing)`);
    }
  });

  it("a signal's name keeps its kind: the target gives way first", () => {
    const n = fitTriggerName(signal, 22, false);
    expect(stringWidth(n)).toBeLessThanOrEqual(22);
    expect(n).toMatch(/cross-tenant/);
    expect(n).toMatch(/^cmp-017/);
    const body = bodyLines(data([signal]), 80, 20, false).map((l) => l.text);
    expect(body.join('\n')).toMatch(/SEV-1 +cmp-0\S* cross-tenant +raised/);
    // The headline: the section and the name on the first line, the detail whole on the next.
    expect(body[0]).toMatch(/cross-tenant\S* SEV-1$/);
    expect(body[1]).toBe('report for cmp-017 rendered with cmp-023 KPIs (raised by the security tool)');
    for (const l of body) expect(stringWidth(l)).toBeLessThanOrEqual(80);
  });

  it('the title says no count when every firing figure is drawn', () => {
    expect(figuresTitle(3, 3, 80, false)).not.toContain('most serious');
    expect(figuresTitle(3, 9, 80, false)).toContain('(3 most serious of 9 firing)');
  });
});

describe('the footer at 80 columns', () => {
  const hints = ['/ filter', ': cmd', 'Enter actions', '? help', 'p present', 'z zoom', 'n note', 's severity', 'P PIR', 'q quit'];
  it('keeps `s severity` while no severity is decided, dropping lesser hints first', () => {
    const flash = '';
    const undecided = fitFooter(flash, hints, 80, footerFirst(hints, false));
    expect(undecided.hints).toContain('s severity');
    expect(undecided.hints).toContain('? help');
    expect(undecided.hints).toContain('q quit');
    expect(flash.length + undecided.hints.length).toBeLessThanOrEqual(80);
    // Decided: it competes like the others (in order).
    expect(fitFooter(flash, hints, 80, footerFirst(hints, true)).hints).not.toContain('s severity');
  });

  it('a status message keeps its key hint whole, or drops it whole', () => {
    const msg = 'incident marked resolved with 2 trigger(s) firing and 1 mitigation(s) in force (recorded): O reopens it';
    const cut = fitFlash(msg, 60);
    expect(stringWidth(cut)).toBeLessThanOrEqual(60);
    expect(cut.endsWith(': O reopens it')).toBe(true);
    const tiny = fitFlash(msg, 25);
    expect(tiny).not.toMatch(/O re/);
    expect(stringWidth(tiny)).toBeLessThanOrEqual(25);
    const line = fitFooter(`${msg}  `, hints, 80, footerFirst(hints, true));
    expect(line.flash).toContain('O reopens it');
  });
});
