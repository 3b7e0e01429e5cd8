// Presentation mode's content at projector sizes (120x40 to 240x70) and at 80x24: the band (the
// severity and elapsed time in block letters, the severity said as everywhere), the headline (the
// section of the most serious trigger, what it follows, a signal's evidence), the figures that
// matter with their trend and line, who was paged, the mitigations in force and the last 5
// timeline entries. Every line fits its width; the lines fit the height.
import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { BIG_TEXT_HEIGHT } from '../../components/blockLetters.js';
import { orderTriggers } from '../../src/core/escalation.js';
import { runbookSection } from '../../src/core/runbook.js';
import type { TriggerState } from '../../src/core/triggers.js';
import type { RunbookFocus } from '../../src/ui/state/selectors.js';
import type { TimelineLine } from '../../src/ui/state/store.js';
import {
  bandHeight,
  bandLines,
  bigFigure,
  bodyLines,
  figureText,
  lineText,
  presentationScale,
  type PresentationData,
} from '../../panels/presentation/columns.js';
import { T0 } from './fixtures.js';

function trigger(over: Partial<TriggerState>): TriggerState {
  return {
    key: 'queue-lag:crawl',
    kind: 'queue-lag',
    section: 3,
    title: 'Queue lag > 15 minutes',
    target: 'crawl',
    module: 'crawl',
    firing: true,
    value: 1385,
    threshold: 900,
    clearAt: 720,
    unit: 's',
    detail: 'crawl lag 23m05s (stamped) vs 15m00s, depth 4210',
    since: T0 - 60_000,
    scope: { queues: ['crawl'] },
    ...over,
  };
}

const primary = trigger({
  key: 'primary-degradation:primary',
  kind: 'primary-degradation',
  section: 6,
  title: 'Primary degradation',
  target: 'primary',
  module: 'database',
  value: 1,
  threshold: 0,
  clearAt: 0,
  unit: 'flag',
  detail: 'primary unreachable',
  severity: 'SEV-1',
});
const spike = trigger({
  key: 'dead-letter-spike:rank',
  kind: 'dead-letter-spike',
  title: 'Dead-letter spike > 3x baseline',
  target: 'rank',
  module: 'rank',
  value: 587,
  threshold: 3,
  unit: 'x',
  detail: 'rank.dead +2348.1/h = 587.0x baseline 4.0/h (7d)',
});
const lag = trigger({});
const replica = trigger({
  key: 'replica-lag:replica-1',
  kind: 'replica-lag',
  section: 6,
  title: 'Replica lag breach',
  target: 'replica-1',
  module: 'database',
  value: 79,
  threshold: 60,
  detail: 'replica-1 replay lag 1m19s vs 1m00s',
});
const report = trigger({
  key: 'report-failures:reporting',
  kind: 'report-failures',
  section: 4,
  title: 'Monthly report failures > 5% in 1-hour window',
  target: 'reporting',
  module: 'reporting',
  value: 0.206,
  threshold: 0.05,
  unit: 'ratio',
  detail: '13/63 report runs failed in 60m = 20.6% vs 5.0%',
});

const triggers = orderTriggers([lag, replica, spike, report, primary]);

function focus(over: Partial<RunbookFocus> = {}): RunbookFocus {
  return {
    trigger: triggers[0] ?? null,
    section: runbookSection(6),
    pinned: false,
    top: triggers[0] ?? null,
    firing: triggers.length,
    ...over,
  };
}

const entries: TimelineLine[] = Array.from({ length: 8 }, (_, i) => ({
  seq: i + 1,
  at: new Date(T0 + i * 1000).toISOString(),
  operator: 'alice',
  kind: 'note',
  text: `entry number ${i + 1} with enough words to need cutting at the narrowest of the widths we draw`,
}));

const data: PresentationData = {
  severity: { suggested: 'SEV-1', decided: { severity: 'SEV-1', by: 'alice', at: T0 - 30_000, reason: 'primary down' } },
  suggestion: { severity: 'SEV-1', reason: 'full service outage', page: ['on-call engineer', 'security lead'], ticket: false, modules: [] },
  focus: focus(),
  triggers,
  trends: { [spike.key]: [10, 40, 120, 300, 587], [lag.key]: [1300, 1385] },
  incident: { id: 'INC-20240601-1358', state: 'open', startedAt: new Date(T0 - 212_000).toISOString(), openedBy: 'alice', entries },
  paging: {
    mode: 'record-only',
    modules: ['database', 'rank', 'reporting', 'crawl'],
    targets: [
      {
        target: 'security-lead',
        role: 'security lead',
        contact: 'Dana Okafor',
        channel: 'pagerduty',
        severity: 'SEV-1',
        firstPagedAt: T0 - 25_000,
        lastPagedAt: T0 - 25_000,
        pages: 1,
        lastAction: 'trigger',
        delivery: 'recorded',
        sending: false,
        attempts: 0,
        lastError: null,
        lastStatus: null,
        nextAttemptAt: null,
        ack: null,
        resolvedAt: null,
        nextRepageAt: null,
        dedupKey: 'k',
      },
    ],
  },
  inForce: [{ action: 'frozen-writes', target: 'lsos:writes:frozen', by: 'alice', until: null, drift: null }],
};

/** Every line within the width, the lines within the height. */
function fits(lines: readonly string[], width: number, height: number): void {
  expect(lines.length).toBeLessThanOrEqual(height);
  for (const l of lines) expect(stringWidth(l), l).toBeLessThanOrEqual(width);
}

describe('presentation mode, line by line', () => {
  it('the most serious first: the primary unreachable (SEV-1) leads a full outage, its runbook section heads the screen', () => {
    expect(triggers.map((t) => t.key)).toEqual([
      'primary-degradation:primary',
      'dead-letter-spike:rank',
      'report-failures:reporting',
      'queue-lag:crawl', // SEV-3, 1.54x its line
      'replica-lag:replica-1', // SEV-3, 1.32x its line
    ]);
    const body = bodyLines(data, 120, 32, false).map((l) => l.text);
    expect(body[0]).toBe('§6 DATABASE INCIDENT RUNBOOK · primary degraded SEV-1: primary unreachable');
    expect(body[1]).toBe('follows the most serious trigger (1 of 5 firing) · r on a trigger row (panel 4) pins another');
  });

  it.each([
    [120, 40],
    [160, 48],
    [200, 60],
    [240, 70],
  ])('at %ix%i every line fits, and the screen holds the band, headline, 4 figures, pages, mitigations and 5 entries', (w, h) => {
    const scale = presentationScale(w, h);
    const band = bandLines(data, '3m32s', w, false, scale);
    expect(band.lines).toHaveLength(bandHeight(scale));
    for (const l of band.lines) expect(stringWidth(l)).toBe(w); // a solid band
    expect(band.tone).toBe('breach');
    const bodyHeight = h - 3 - bandHeight(scale); // the status bar (2), the gap (1)
    const body = bodyLines(data, w, bodyHeight, false).map((l) => l.text);
    fits(body, w, bodyHeight);
    const text = body.join('\n');
    expect(text).toContain('FIGURES THAT MATTER (4 most serious of 5 firing)');
    for (const name of ['primary degraded', 'rank DL spike', 'reporting failures', 'crawl lag']) expect(text).toContain(name);
    expect(text).not.toContain('replica-1 lag'); // the fifth
    expect(text).toContain('PAGED (1)');
    expect(text).toMatch(/SEV-1 {2}security lead Dana Okafor · paged 13:59:35Z · NOT ACKNOWLEDGED/);
    expect(text).toContain('MITIGATIONS IN FORCE (1)');
    expect(text).toContain('frozen-writes lsos:writes:frozen · by alice until undone');
    expect(text).toContain('LAST 5 TIMELINE ENTRIES');
    for (const n of [4, 5, 6, 7, 8]) expect(text).toContain(`entry number ${n} `);
    expect(text).not.toContain('entry number 3 ');
    // The band says the severity and the elapsed time in words as well as in letters.
    expect(band.lines.join('\n')).toContain('SEV-1 SUGGESTED · SEV-1 DECIDED BY ALICE');
    expect(band.lines.join('\n')).toContain('INC-20240601-1358 OPEN · 3m32s since 13:56:28Z');
    expect(band.lines.join('\n')).toContain('commander alice');
    expect(band.lines.join('\n')).toContain('paged: security lead Dana Okafor');
    // The rows left empty: no more than a third of the screen.
    const used = bandHeight(scale) + 1 + body.length;
    expect(used / (h - 2)).toBeGreaterThan(2 / 3);
  });

  it('on a large screen the figures themselves are in block letters, the band twice the size', () => {
    expect(presentationScale(240, 70)).toBe(2);
    expect(presentationScale(120, 40)).toBe(1);
    const band = bandLines(data, '3m32s', 240, false, 2);
    expect(band.lines).toHaveLength(BIG_TEXT_HEIGHT * 2 + 2);
    expect(band.lines[1]).toContain('████████'); // each cell two wide
    const body = bodyLines(data, 240, 70 - 3 - bandHeight(2), false).map((l) => l.text);
    const spikeAt = body.findIndex((l) => l.startsWith('SEV-2  rank DL spike'));
    expect(spikeAt).toBeGreaterThan(0);
    // 587.0X in letters, with what it is, its line and its trend beside.
    expect(body[spikeAt + 1]).toMatch(/█.*rank\.dead \+2348\.1\/h/);
    expect(body[spikeAt + 2]).toContain('line 3x');
    expect(body[spikeAt + 3]).toMatch(/▁.*█ ▲ rising/);
    expect(bigFigure(spike)).toBe('587.0X');
    expect(bigFigure(primary)).toBe('DOWN');
  });

  it('a figure, its line and its trend in words', () => {
    expect([figureText(lag), lineText(lag)]).toEqual(['23m', 'line 15m']);
    expect([figureText(spike), lineText(spike)]).toEqual(['587.0x baseline', 'line 3x']);
    expect([figureText(report), lineText(report)]).toEqual(['20.6%', 'line 5.0%']);
    expect([figureText(primary), lineText(primary)]).toEqual(['down', 'line: any']);
    const body = bodyLines(data, 160, 40, false).map((l) => l.text);
    expect(body.find((l) => l.includes('rank DL spike'))).toMatch(/587\.0x baseline +line 3x +▁▁▂▅█ ▲ rising$/);
    // A yes/no has no course: since when instead.
    expect(body.find((l) => l.startsWith('SEV-1  primary degraded'))).toMatch(/down +line: any +since 13:59:00Z/);
  });

  it('a signal heads the screen with its evidence: whose data crossed', () => {
    const signal = trigger({
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
      detail: 'report for cmp-017 rendered with cmp-023 KPIs; campaigns cmp-017, cmp-023 (raised by the security tool)',
      evidence: ['report for cmp-017 rendered with cmp-023 KPIs'],
      scope: { campaigns: 2, campaignIds: ['cmp-017', 'cmp-023'] },
    });
    const body = bodyLines(
      { ...data, triggers: [signal], focus: { trigger: signal, section: runbookSection(7), pinned: false, top: signal, firing: 1 } },
      120,
      32,
      false,
    ).map((l) => l.text);
    expect(body[0]).toContain('§7 ESCALATION MATRIX · cmp-017+cmp-023 cross-tenant SEV-1');
    // Too wide for one line at 120: the detail goes on its own line, whole, under the name.
    expect(body[1]).toBe('report for cmp-017 rendered with cmp-023 KPIs; campaigns cmp-017, cmp-023 (raised by the security tool)');
    expect(body[3]).toBe('evidence: report for cmp-017 rendered with cmp-023 KPIs · campaigns cmp-017, cmp-023');
    expect(body.join('\n')).toMatch(/SEV-1 +cmp-017\+cmp-023 cross-tenant +raised +line: any/);
  });

  it('pinned with r: the headline says what it follows and how to follow the most serious again', () => {
    const body = bodyLines({ ...data, focus: focus({ trigger: lag, section: runbookSection(3), pinned: true }) }, 160, 40, false);
    expect(body[0]?.text).toContain('§3 QUEUE TRIAGE RUNBOOK · crawl lag SEV-3');
    expect(body[1]?.text).toBe('pinned by r to crawl lag · most serious: primary degraded SEV-1 · r on it follows it again');
    expect(body[1]?.tone).toBe('warn');
  });

  it('at 80x24 it shrinks from the bottom and keeps the headline and the figures; in ASCII every byte is ASCII', () => {
    const band = bandLines(data, '3m32s', 80, true, 1);
    const body = bodyLines(data, 80, 24 - 3 - bandHeight(1), true);
    const all = [...band.lines, ...body.map((l) => l.text)];
    fits(all, 80, 24);
    expect(body[0]?.text).toContain('Section 6 DATABASE INCIDENT RUNBOOK');
    expect(body.map((l) => l.text).join('\n')).toContain('FIGURES THAT MATTER');
    for (const l of all)
      expect(
        [...l].every((c) => c.charCodeAt(0) < 0x80),
        l,
      ).toBe(true);
  });

  it('when the timeline must shrink it keeps the newest entries and says how many it shows', () => {
    // The least height with room for all five (more height may draw the figures larger)...
    let roomy = 10;
    while (!bodyLines(data, 120, roomy, false).some((l) => l.text === 'LAST 5 TIMELINE ENTRIES')) roomy++;
    // ...and two rows less: the timeline gives up its oldest entries first.
    const height = roomy - 2;
    const body = bodyLines(data, 120, height, false).map((l) => l.text);
    const title = body.find((l) => l.startsWith('LAST '));
    expect(title).toBe('LAST 3 TIMELINE ENTRIES (of 5)');
    const shown = body.slice(body.indexOf(title as string) + 1).join('\n');
    expect(shown).toContain('entry number 8');
    expect(shown).toContain('entry number 6');
    expect(shown).not.toContain('entry number 5');
  });

  it('without an incident: no elapsed time, the band says so; nothing firing: the checklist', () => {
    const quiet: PresentationData = {
      ...data,
      severity: { suggested: null, decided: null },
      suggestion: { ...data.suggestion, severity: null, page: [] },
      focus: { trigger: null, section: runbookSection(2), pinned: false, top: null, firing: 0 },
      triggers: [],
      incident: null,
      paging: null,
      inForce: [],
    };
    const band = bandLines(quiet, null, 120, false);
    expect(band.tone).toBe('ok');
    expect(band.lines.join('\n')).toContain('NO SEVERITY SUGGESTED · NOT DECIDED YET');
    expect(band.lines.join('\n')).toContain('NO INCIDENT OPEN');
    const body = bodyLines(quiet, 120, 32, false).map((l) => l.text);
    expect(body[0]).toBe('§2 DAILY OPERATIONS CHECKLIST: no runbook trigger firing');
    expect(body).toContain('none in force');
  });
});
