// The escalation panel with paging state: decided and suggested severity, who was paged and
// when, delivery (delivered / retrying n / failed permanently), acknowledgement and by whom,
// and the time to the next re-page. And the `a` key on the panel reaching the controller.
import { afterEach, describe, expect, it } from 'vitest';
import type { PagingCommands } from '../../src/control/paging/controller.js';
import type { PagingTargetView, PagingView } from '../../src/core/paging.js';
import { T0, cleanupAll, fixtureStore, openIncident, renderCockpit, testRegistry } from '../ui/fixtures.js';

afterEach(() => cleanupAll());

const lineWith = (frame: string, text: string) => frame.split('\n').find((l) => l.includes(text)) ?? '';

function target(partial: Partial<PagingTargetView>): PagingTargetView {
  return {
    target: 'on-call-engineer',
    role: 'on-call engineer',
    contact: 'Ana Oncall',
    channel: 'pagerduty',
    severity: 'SEV-1',
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
    nextRepageAt: null,
    dedupKey: 'INC-20240601-1358:on-call-engineer',
    ...partial,
  };
}

function paging(partial: Partial<PagingView> = {}): PagingView {
  return {
    incidentId: 'INC-20240601-1358',
    mode: 'live',
    disabled: null,
    decided: { severity: 'SEV-1', previous: 'SEV-3', reason: 'crawl down for every tenant', by: 'alice', at: T0 - 125_000 },
    suggested: { severity: 'SEV-2', reason: 'high error rates' },
    modules: ['crawl'],
    targets: [
      // Paged 13:58:00Z, delivered, re-page due 4m10s from the cockpit clock (T0 + 1 min).
      target({ pages: 2, nextRepageAt: T0 + 60_000 + 250_000 }),
      target({
        target: 'security-lead',
        role: 'security lead',
        contact: 'Sam Security',
        delivery: 'retrying',
        attempts: 3,
        lastStatus: 500,
        lastError: 'HTTP 500 {"error":"internal"}',
      }),
      target({
        target: 'crawl-owner',
        role: 'crawl owner',
        contact: 'Carl Crawl',
        severity: 'SEV-2',
        delivery: 'failed',
        attempts: 1,
        lastStatus: 400,
        lastError: 'HTTP 400 invalid routing key',
      }),
      target({
        target: 'primary-on-call',
        role: 'primary on-call',
        contact: 'Priya Primary',
        severity: 'SEV-2',
        ack: { by: 'dana', via: 'callback', at: T0 - 30_000 },
      }),
    ],
    notice: null,
    needsModule: false,
    callback: '127.0.0.1:8787',
    ...partial,
  };
}

describe('escalation panel with paging', () => {
  it('the paging bindings are in the registry (built and validated) on the escalation panel', () => {
    const paging = testRegistry().filter((b) => b.id === 'ack-page' || b.id === 'page-module');
    expect(paging.map((b) => [b.id, b.keys, b.panels])).toEqual([
      ['ack-page', ['a'], ['escalation']],
      ['page-module', ['m'], ['escalation']],
    ]);
  });

  it('shows decided and suggested severity, who was paged, when, delivery, acknowledgement and the next re-page', () => {
    const store = fixtureStore({ incident: openIncident() });
    store.getState().setPaging(paging());
    const { frame } = renderCockpit({ store, size: { columns: 200, rows: 50 } });
    const f = frame();
    // No decision in the incident summary (built by hand here): the journal's, through the paging view.
    expect(f).toMatch(/SEV-2 suggested · SEV-1 decided by alice 3m05s ago \(13:57:55Z\): crawl down for every tenant/);
    expect(f).toContain('paging live, ack callback 127.0.0.1:8787');
    expect(lineWith(f, 'on-call-engineer')).toMatch(
      /on-call-engineer Ana Oncall SEV-1 13:58:00Z x2 delivered 202 NOT ACKED\s+re-page in 4m10s/,
    );
    expect(lineWith(f, 'security-lead')).toMatch(/! security-lead Sam Security SEV-1 13:58:00Z UNDELIVERED retrying 3: HTTP 500/);
    expect(lineWith(f, 'crawl-owner')).toMatch(/! crawl-owner Carl Crawl SEV-2 13:58:00Z FAILED permanently: HTTP 400 invalid routing key/);
    expect(lineWith(f, 'primary-on-call')).toMatch(
      /primary-on-call Priya Primary SEV-2 13:58:00Z delivered 202 ack dana \(callback\) 13:59:30Z/,
    );
    // The trigger table is still there below.
    expect(f).toMatch(/! SEV-3 crawl lag/);
  });

  it('says so when paging records only, or is off, or needs the module', async () => {
    // One event-loop turn: React has committed the store change and Ink (debug mode) drawn it.
    const settle = () => new Promise((r) => setImmediate(r));
    const store = fixtureStore({ incident: openIncident() });
    store.getState().setPaging(paging({ mode: 'record-only', targets: [target({ delivery: 'recorded', lastStatus: null })] }));
    const r = renderCockpit({ store, size: { columns: 200, rows: 50 } });
    expect(r.frame()).toContain('paging RECORD ONLY (pages journaled, not sent)');
    expect(lineWith(r.frame(), 'on-call-engineer')).toContain('record only');
    store.getState().setPaging(paging({ disabled: 'no roster (/etc/roster.yaml): the cockpit pages no one', targets: [] }));
    await settle();
    expect(r.frame()).toContain('paging OFF: no roster (/etc/roster.yaml)');
    store.getState().setPaging(
      paging({
        targets: [],
        needsModule: true,
        notice: 'SEV-2: module owner: no affected module known (pick the module) — press m on the escalation panel (:page-module)',
      }),
    );
    await settle();
    expect(r.frame()).toContain('no affected module known (pick the module)');
  });

  it('says whom the suggestion names that the decision did not page (the suggestion grew after it)', async () => {
    const store = fixtureStore({ incident: openIncident() });
    const decided = { severity: 'SEV-2' as const, previous: null, reason: 'crawl down', by: 'root', at: T0 - 60_000 };
    const sev2 = (t: string, role: string) => target({ target: t, role, severity: 'SEV-2', delivery: 'recorded', lastStatus: null });
    store.getState().setPaging(
      paging({
        mode: 'record-only',
        decided,
        modules: ['crawl', 'rank'],
        targets: [sev2('primary-on-call', 'primary on-call'), sev2('crawl-owner', 'crawl owner')],
      }),
    );
    const { frame } = renderCockpit({ store, size: { columns: 200, rows: 50 } });
    const f = frame();
    expect(f).toContain('suggested: page primary on-call, crawl owner, rank owner');
    expect(f).toContain('2 paged');
    expect(lineWith(f, 'not paged:')).toMatch(/not paged: rank owner \(suggested after the SEV-2 decision; m pages the module owner\)/);
    // Once rank owner is paged, nothing more is said.
    store.getState().setPaging(
      paging({
        mode: 'record-only',
        decided,
        modules: ['crawl', 'rank'],
        targets: [sev2('primary-on-call', 'primary on-call'), sev2('crawl-owner', 'crawl owner'), sev2('rank-owner', 'rank owner')],
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(frame()).toContain('3 paged');
    expect(frame()).not.toContain('not paged:');
  });

  it('keeps the panel as it was when paging is not running', () => {
    const { frame } = renderCockpit({ size: { columns: 120, rows: 40 } });
    expect(frame()).not.toContain('paging');
    expect(frame()).toContain('SEV-2 suggested · not decided yet (s decides)');
  });

  it('a on the escalation panel asks who acknowledged and tells the controller', async () => {
    const calls: string[][] = [];
    const fake: PagingCommands = {
      acknowledgePage: async (t, by) => {
        calls.push([t, by]);
        return [t];
      },
      pickModule: async () => undefined,
      unacknowledgedTargets: () => ['on-call-engineer'],
    };
    const store = fixtureStore({ incident: openIncident() });
    store.getState().setPaging(paging({ targets: [target({})] }));
    const r = renderCockpit({ store, size: { columns: 200, rows: 50 }, services: { paging: fake } });
    await r.press('4', 'a');
    expect(r.frame()).toContain('Acknowledged (on-call-engineer)');
    await r.type('dana');
    await r.press('\r');
    expect(calls).toEqual([['on-call-engineer', 'dana']]);
  });
});
