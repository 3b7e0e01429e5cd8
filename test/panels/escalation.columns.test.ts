// Escalation's content at two widths: the trigger table, what the matrix suggests, and the
// paging lines (delivery, acknowledgement, what is left out when lines run short).
import { describe, expect, it } from 'vitest';
import type { SeverityDecision } from '../../src/core/escalation.js';
import type { PagingTargetView, PagingView } from '../../src/core/paging.js';
import type { TriggerState } from '../../src/core/triggers.js';
import {
  escalationSplit,
  notPagedText,
  pagingLines,
  shownDecision,
  suggestionText,
  triggerTable,
} from '../../panels/escalation/columns.js';
import { cells, header, shape, T0 } from './fixtures.js';

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
  } as TriggerState;
}

const firing = trigger({});
const cleared = trigger({
  key: 'dead-letter-spike:rank',
  kind: 'dead-letter-spike',
  target: 'rank',
  firing: false,
  detail: 'rank.dead +0.5/h',
});

function target(over: Partial<PagingTargetView>): PagingTargetView {
  return {
    target: 'crawl owner',
    role: 'owner',
    contact: 'crawl-team',
    channel: 'page',
    severity: 'SEV-2',
    firstPagedAt: T0 - 120_000,
    lastPagedAt: T0 - 120_000,
    pages: 1,
    lastAction: 'trigger',
    delivery: 'delivered',
    sending: false,
    attempts: 1,
    lastError: null,
    lastStatus: 202,
    nextAttemptAt: null,
    ack: null,
    resolvedAt: null,
    nextRepageAt: T0 + 600_000,
    dedupKey: 'k',
    ...over,
  } as PagingTargetView;
}

function paging(targets: PagingTargetView[], over: Partial<PagingView> = {}): PagingView {
  return {
    incidentId: 'INC-1',
    mode: 'live',
    disabled: null,
    decided: null,
    suggested: null,
    modules: [],
    targets,
    notice: null,
    needsModule: false,
    callback: null,
    ...over,
  };
}

describe('escalation columns', () => {
  it('at 40 columns: mark, the severity each implies, the trigger names whole (the detail gives way), and since', () => {
    const t = triggerTable([firing, cleared], 40);
    expect(shape(t.columns).keys).toEqual(['mark', 'sev', 'trigger', 'since']);
    expect(header(t.columns)).toMatch(/^ {2}sev {3}trigger +since$/);
    expect(cells(t.columns, firing)).toMatchObject({
      mark: { text: '!', tone: 'breach' },
      // Queue lag is partial degradation by the matrix: SEV-3.
      sev: { text: 'SEV-3', tone: 'accent' },
      trigger: { text: expect.stringMatching(/^crawl lag *$/), tone: undefined },
    });
    expect(cells(t.columns, cleared)).toMatchObject({
      mark: { text: ' ', tone: 'muted' },
      sev: { text: 'SEV-2', tone: 'muted' },
      trigger: { text: expect.stringMatching(/^rank DL spike *$/), tone: 'muted' },
    });
    // The since column is live: an age by the cockpit clock; without one it reads the UTC time.
    expect(t.columns[3]?.column.since?.(firing)).toBe(T0 - 60_000);
    expect(cells(t.columns, firing).since?.text).toBe('13:59…');
  });

  it('at 100 columns: the whole detail', () => {
    const t = triggerTable([firing], 100);
    // The trigger column as wide as its name; the detail takes the rest.
    expect(shape(t.columns).widths).toEqual([1, 5, 9, 75, 6]);
    expect(cells(t.columns, firing).detail?.text.trimEnd()).toBe('crawl lag 23m05s (stamped) vs 15m00s, depth 4210');
  });

  it('says whom to page, or that a ticket will do', () => {
    expect(suggestionText({ severity: 'SEV-2', reason: 'r', page: ['primary on-call', 'crawl owner'], ticket: true, modules: [] })).toEqual(
      {
        severity: 'SEV-2',
        page: '  page primary on-call, crawl owner + ticket',
      },
    );
    // With paging running: the owners of the modules paging uses, as the decision would page them.
    expect(
      suggestionText({ severity: 'SEV-2', reason: 'r', page: ['primary on-call', 'crawl owner'], ticket: false, modules: ['crawl'] }, [
        'crawl',
        'reviews',
      ]).page,
    ).toBe('  page primary on-call, crawl owner, reviews owner');
    expect(suggestionText({ severity: null, reason: 'r', page: [], ticket: true, modules: [] })).toEqual({
      severity: 'none',
      page: '  ticket, same-day remediation',
    });
  });

  it('the paging block: delivery, acknowledgement, and how many targets did not fit', () => {
    const stuck = target({ target: 'primary on-call', delivery: 'retrying', attempts: 3, lastError: 'HTTP 503', nextRepageAt: null });
    const acked = target({ ack: { by: 'alice', via: 'callback', at: T0 - 30_000 } });
    const p = paging([stuck, acked, target({ target: 'db owner' })]);
    const block = pagingLines(p, 3);
    expect(block.head.map((s) => s.text).join('')).toBe('paging live  3 paged (1 more)  a ack  m module');
    expect(block.targets.map((t) => t.spans.map((s) => s.text).join(''))).toEqual([
      '! primary on-call crawl-team SEV-2 13:58:00Z UNDELIVERED retrying 3: HTTP 503 NOT ACKED',
      '  crawl owner crawl-team SEV-2 13:58:00Z delivered 202 ack alice (callback) 13:59:30Z',
    ]);
    expect(block.targets[0]?.spans[0]).toEqual({ text: '!', tone: 'breach' });
    expect(block.targets[1]?.repageAt).toBe(T0 + 600_000);
    expect(pagingLines(paging([], { mode: 'record-only', notice: 'pick a module', needsModule: true }), 2).notice).toEqual({
      text: '  pick a module',
      tone: 'warn',
    });
  });

  it('leaves the trigger table a header and two rows, the paging block the rest', () => {
    const p = paging([target({}), target({ target: 'b' }), target({ target: 'c' })]);
    expect(escalationSplit(20, p)).toEqual({ paging: 4, triggers: 13 });
    expect(escalationSplit(8, p)).toEqual({ paging: 2, triggers: 3 });
    expect(escalationSplit(8, null)).toEqual({ paging: 0, triggers: 5 });
  });

  it('says on one line whom the suggestion names that the decision did not page; pages no one', () => {
    const decided = { severity: 'SEV-2' as const, previous: null, reason: 'crawl down', by: 'root', at: T0 };
    const paged = [
      target({ target: 'primary-on-call', role: 'primary on-call' }),
      target({ target: 'crawl-owner', role: 'crawl owner' }),
      target({ target: 'reviews-owner', role: 'reviews owner' }),
    ];
    // The rank DL spike fired after the SEV-2 decision: the suggestion now names the rank owner too.
    const p = paging(paged, { decided, modules: ['crawl', 'rank', 'reviews'] });
    const sev2 = { severity: 'SEV-2' as const, reason: 'r', page: [], ticket: false, modules: [] };
    const line = notPagedText(sev2, p, { resolved: false });
    expect(line).toBe('not paged: rank owner (suggested after the SEV-2 decision; m pages the module owner)');
    const block = pagingLines(p, 5, line);
    expect(block.notPaged).toEqual({ text: `  ${line}`, tone: 'warn' });
    expect(block.head.map((s) => s.text).join('')).toBe('paging live  3 paged  a ack  m module');
    expect(escalationSplit(20, p, line)).toEqual({ paging: 5, triggers: 12 });
    // A more serious suggestion: s decides it.
    expect(notPagedText({ ...sev2, severity: 'SEV-1' }, p, { resolved: false })).toBe(
      'not paged: on-call engineer, security lead (SEV-1 suggested, SEV-2 decided; s decides SEV-1)',
    );
    // Everyone named was paged, a less serious suggestion, no decision, paging off, resolved: nothing said.
    expect(notPagedText(sev2, paging(paged, { decided, modules: ['crawl', 'reviews'] }), { resolved: false })).toBeNull();
    expect(notPagedText({ ...sev2, severity: 'SEV-3' }, p, { resolved: false })).toBeNull();
    expect(notPagedText(sev2, paging(paged, { modules: ['rank'] }), { resolved: false })).toBeNull();
    expect(notPagedText(sev2, paging([], { decided, modules: ['rank'], disabled: 'no roster' }), { resolved: false })).toBeNull();
    expect(notPagedText(sev2, p, { resolved: true })).toBeNull();
  });

  it("shows the store's decision, else the one the journal holds after a restart", () => {
    const journal: SeverityDecision = { severity: 'SEV-2', reason: 'r', by: 'bob', at: T0 };
    expect(shownDecision(null, journal)).toBe(journal);
    const now: SeverityDecision = { ...journal, severity: 'SEV-1' };
    expect(shownDecision(now, journal)).toBe(now);
    expect(shownDecision(null, null)).toBeNull();
  });
});
