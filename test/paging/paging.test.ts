// Paging through real local HTTP receivers: each matrix row's pages and payloads, dedup keys,
// acknowledgement by key and by callback, re-paging, resolution, and SEV changes.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../src/ui/registry/dispatcher.js';
import { describeEntry } from '../../src/core/timeline.js';
import { foldIncident } from '../../src/core/incidentView.js';
import { renderPir } from '../../src/core/pir.js';
import { testRegistry } from '../ui/fixtures.js';
import { Cockpit, Receiver, openWithTrigger, removeTempDirs, rosterFor, settled, tempDir, testConfig, waitFor } from './helpers.js';

let rx: Receiver;
let c: Cockpit;

beforeEach(async () => {
  rx = await new Receiver().start();
});
afterEach(async () => {
  await c?.stop();
  await rx.stop();
});
afterAll(() => removeTempDirs());

async function cockpit(partial: Parameters<typeof testConfig>[0] = {}): Promise<Cockpit> {
  c = new Cockpit(
    tempDir(),
    rosterFor(rx.url('')),
    testConfig({ ticket: { webhook: rx.url('/ticket'), routingKey: 'rk-ticket', format: 'generic' }, ...partial }),
  );
  return c.start();
}

const body = (path: string) =>
  rx
    .accepted()
    .filter((r) => r.path === path)
    .map((r) => r.body);

describe('each matrix row', () => {
  it('SEV-1 pages the on-call engineer and the security lead at once (PagerDuty Events v2)', async () => {
    await cockpit();
    openWithTrigger(c, ['crawl']);
    c.recorder.decideSeverity('SEV-1', 'crawl down for every tenant');
    await waitFor('two pages', () => rx.accepted().length === 2);
    await settled(c);
    const id = c.incidentId();
    expect(
      rx
        .accepted()
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/pd/on-call-engineer', '/pd/security-lead']);
    const [oncall] = body('/pd/on-call-engineer');
    expect(oncall).toMatchObject({
      routing_key: 'rk-oncall',
      event_action: 'trigger',
      dedup_key: `${id}:on-call-engineer`,
      payload: {
        source: 'lsos-cockpit',
        severity: 'critical',
        class: 'SEV-1',
        custom_details: { incident: id, severity: 'SEV-1', role: 'on-call engineer', contact: 'Ana Oncall', modules: ['crawl'] },
      },
    });
    expect(String((oncall?.payload as { summary: string }).summary)).toContain('crawl down for every tenant');
    expect(body('/pd/security-lead')[0]).toMatchObject({ routing_key: 'rk-security', dedup_key: `${id}:security-lead` });
    // Written before sent: every intent precedes its delivery, and the view says delivered.
    const events = c.pageEntries().map((d) => `${String(d.event)}:${String(d.target)}`);
    expect(events.indexOf('intent:on-call-engineer')).toBeLessThan(events.indexOf('delivered:on-call-engineer'));
    expect(c.pageEntries().find((d) => d.event === 'intent')?.state).toBe('pending');
    expect(c.pageEntries().find((d) => d.event === 'delivered')?.httpStatus).toBe(202);
    const view = c.store.getState().paging;
    expect(view?.targets.map((t) => [t.target, t.delivery, t.ack])).toEqual([
      ['on-call-engineer', 'delivered', null],
      ['security-lead', 'delivered', null],
    ]);
    expect(view?.targets[0]?.nextRepageAt).toBeGreaterThan(Date.now() + 4 * 60_000);
  });

  it('SEV-2 pages the primary on-call and the owners of the modules whose triggers fired (PagerDuty and generic)', async () => {
    await cockpit();
    openWithTrigger(c, ['crawl', 'email']);
    c.recorder.decideSeverity('SEV-2', 'crawl and email queues stuck');
    await waitFor('three pages', () => rx.accepted().length === 3);
    await settled(c);
    const id = c.incidentId();
    expect(
      rx
        .accepted()
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/generic/email-owner', '/pd/crawl-owner', '/pd/primary-on-call']);
    expect(body('/pd/crawl-owner')[0]).toMatchObject({
      routing_key: 'rk-crawl',
      event_action: 'trigger',
      dedup_key: `${id}:crawl-owner`,
      payload: { severity: 'error' },
    });
    expect(body('/generic/email-owner')[0]).toMatchObject({
      type: 'page',
      action: 'trigger',
      dedup_key: `${id}:email-owner`,
      routing_key: 'rk-email',
      incident: id,
      severity: 'SEV-2',
      target: 'email-owner',
      role: 'email owner',
      contact: 'Emil Email',
    });
    expect(rx.accepted().find((r) => r.path === '/generic/email-owner')?.headers['x-lsos-message-id']).toBe(`${id}:email-owner#1`);
  });

  it('SEV-2 with no module known asks the operator, who picks it: its owner is paged', async () => {
    await cockpit();
    c.recorder.openIncident('customers report errors');
    c.recorder.decideSeverity('SEV-2', 'high error rates');
    await waitFor('primary paged', () => rx.accepted().length === 1);
    await settled(c);
    expect(c.store.getState().paging?.needsModule).toBe(true);
    expect(c.pageEntries().some((d) => d.event === 'needs-module')).toBe(true);
    await c.paging.pickModule('reviews');
    await waitFor('owner paged', () => rx.accepted().length === 2);
    expect(rx.accepted()[1]?.path).toBe('/pd/reviews-owner');
    await settled(c);
    expect(c.store.getState().paging?.needsModule).toBe(false);
  });

  it('SEV-3 opens a ticket through the ticket webhook and pages nobody', async () => {
    await cockpit();
    openWithTrigger(c, ['rank']);
    c.recorder.decideSeverity('SEV-3', 'rank lag, workaround in place');
    await waitFor('ticket', () => rx.accepted().length === 1);
    await settled(c);
    expect(rx.accepted().map((r) => r.path)).toEqual(['/ticket']);
    expect(rx.accepted()[0]?.body).toMatchObject({
      type: 'ticket',
      action: 'trigger',
      severity: 'SEV-3',
      dedup_key: `${c.incidentId()}:ticket`,
      routing_key: 'rk-ticket',
    });
    // A ticket is not re-paged.
    expect(c.store.getState().paging?.targets[0]?.nextRepageAt).toBeNull();
  });
});

describe('changing the severity', () => {
  it('SEV-3 → SEV-1 pages exactly the SEV-1 additions; lowering pages no one and is recorded', async () => {
    await cockpit();
    openWithTrigger(c, ['crawl']);
    c.recorder.decideSeverity('SEV-3', 'partial degradation');
    await waitFor('ticket', () => rx.accepted().length === 1);
    c.recorder.decideSeverity('SEV-1', 'it spread to every tenant');
    await waitFor('SEV-1 pages', () => rx.accepted().length === 3);
    await settled(c);
    expect(
      rx
        .accepted()
        .slice(1)
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/pd/on-call-engineer', '/pd/security-lead']);
    c.recorder.decideSeverity('SEV-3', 'contained to one tenant');
    await settled(c);
    expect(rx.requests).toHaveLength(3);
    const notPaged = c.pageEntries().filter((d) => d.event === 'not-paged');
    expect(notPaged).toHaveLength(1);
    expect(String(notPaged[0]?.reason)).toMatch(/Severity lowered SEV-1 → SEV-3: the matrix adds no one, nobody paged/);
    const entry = c.recorder.view()?.entries.find((e) => e.kind === 'page' && e.details.event === 'not-paged');
    expect(entry && describeEntry(entry)).toContain('nobody');
    // Raising again does not page twice the people already paged.
    c.recorder.decideSeverity('SEV-1', 'back to everyone');
    await settled(c);
    expect(rx.requests).toHaveLength(3);
  });
});

describe('acknowledgement', () => {
  it('by key in the cockpit (the ack-page binding): recorded, re-page stopped, PagerDuty told', async () => {
    await cockpit();
    openWithTrigger(c, ['crawl']);
    c.recorder.decideSeverity('SEV-1', 'outage');
    await waitFor('pages', () => rx.accepted().length === 2);
    await settled(c);
    const d = createDispatcher({ store: c.store, bindings: testRegistry({ paging: c.paging }) });
    c.store.getState().setIncident({ id: c.incidentId() } as never);
    // It lives on the escalation panel, where the pages are shown.
    expect(await d.attempt('ack-page')).toMatchObject({ status: 'disabled', reason: 'applies to the escalation panel' });
    c.store.getState().setUi({ focus: 'escalation' });
    // Enter with no text asks; the prompt's answer runs it.
    expect(await d.attempt('ack-page')).toEqual({ status: 'prompted' });
    expect(await d.attempt('ack-page', { args: { text: 'on-call-engineer by dana' } })).toEqual({ status: 'done' });
    await waitFor('acknowledge event', () => rx.acceptedFor(`${c.incidentId()}:on-call-engineer`, 'acknowledge').length === 1);
    await settled(c);
    const t = c.store.getState().paging?.targets.find((x) => x.target === 'on-call-engineer');
    expect(t?.ack).toMatchObject({ by: 'dana', via: 'cockpit' });
    expect(t?.nextRepageAt).toBeNull();
    expect(rx.acceptedFor(`${c.incidentId()}:on-call-engineer`, 'acknowledge')[0]?.body).toEqual({
      routing_key: 'rk-oncall',
      event_action: 'acknowledge',
      dedup_key: `${c.incidentId()}:on-call-engineer`,
    });
    // Acknowledging twice is refused, and says why.
    const again = await d.attempt('ack-page', { args: { text: 'on-call-engineer' } });
    expect(again).toMatchObject({ status: 'failed', error: expect.stringContaining('already acknowledged by dana') });
  });

  it('by callback on the local port: by dedup key, by incident; junk refused', async () => {
    const token = 'callback-token-for-the-paging-test';
    await cockpit({ callback: { host: '127.0.0.1', port: 0 }, callbackToken: token });
    openWithTrigger(c, ['crawl']);
    c.recorder.decideSeverity('SEV-2', 'crawl down');
    await waitFor('pages', () => rx.accepted().length === 2);
    const url = c.paging.callbackUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ack$/);
    // The page tells the receiver where to call back.
    expect((rx.accepted()[0]?.body.payload as { custom_details: { ack_callback: string } }).custom_details.ack_callback).toBe(url);
    const post = (b: unknown, type = 'application/json') =>
      fetch(url as string, {
        method: 'POST',
        headers: { 'content-type': type, authorization: `Bearer ${token}` },
        body: typeof b === 'string' ? b : JSON.stringify(b),
      });
    const id = c.incidentId();
    const ok = await post({ dedup_key: `${id}:crawl-owner`, by: 'carl' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ acknowledged: [`${id}:crawl-owner`] });
    expect((await post('not json')).status).toBe(400);
    expect((await post({ by: 'x' })).status).toBe(400);
    expect((await post({ dedup_key: `${id}:crawl-owner` })).status).toBe(400);
    expect((await post({ dedup_key: `${id}:crawl-owner`, by: 'x' }, 'text/plain')).status).toBe(415);
    expect((await post({ dedup_key: 'INC-00000000-0000:nobody', by: 'x' })).status).toBe(404);
    expect((await post({ incident: 'INC-00000000-0000', by: 'x' })).status).toBe(404);
    expect((await post('x'.repeat(20_000))).status).toBe(413);
    expect((await fetch(url as string)).status).toBe(405);
    const all = await post({ incident: id, by: 'priya' });
    expect(await all.json()).toEqual({ acknowledged: [`${id}:primary-on-call`] });
    const acks = c.store.getState().paging?.targets.map((t) => [t.target, t.ack?.by, t.ack?.via]);
    expect(acks).toEqual([
      ['primary-on-call', 'priya', 'callback'],
      ['crawl-owner', 'carl', 'callback'],
    ]);
    expect(c.pageEntries().filter((d) => d.event === 'acknowledged')).toHaveLength(2);
  });
});

describe('re-paging and resolution', () => {
  it('re-sends an unacknowledged page after the configured time, same dedup key, until acknowledged', async () => {
    await cockpit({ repageMs: { 'SEV-1': 60_000, 'SEV-2': 120_000 } });
    openWithTrigger(c, ['crawl']);
    c.recorder.decideSeverity('SEV-1', 'outage');
    await waitFor('pages', () => rx.accepted().length === 2);
    await settled(c);
    const id = c.incidentId();
    c.clock.advance(30_000);
    c.paging.sweep(); // what the sweep timer does next: nothing is due yet
    await settled(c);
    expect(rx.accepted()).toHaveLength(2);
    await c.paging.acknowledgePage('security-lead', 'sam');
    c.clock.advance(31_000);
    await waitFor('re-page', () => rx.acceptedFor(`${id}:on-call-engineer`).length === 2);
    await settled(c);
    // The acknowledged security lead is not re-paged.
    expect(rx.acceptedFor(`${id}:security-lead`)).toHaveLength(1);
    const second = rx.acceptedFor(`${id}:on-call-engineer`)[1]?.body;
    expect(second).toMatchObject({ event_action: 'trigger', dedup_key: `${id}:on-call-engineer` });
    expect(c.intents('on-call-engineer').map((d) => d.repage ?? false)).toEqual([false, true]);
    expect(c.store.getState().paging?.targets.find((t) => t.target === 'on-call-engineer')?.pages).toBe(2);
    // Next re-page another interval later.
    c.clock.advance(61_000);
    await waitFor('third page', () => rx.acceptedFor(`${id}:on-call-engineer`).length === 3);
  });

  it('resolving the incident resolves its pages and its ticket, and the PIR lists the escalation', async () => {
    await cockpit();
    openWithTrigger(c, ['crawl']);
    c.recorder.decideSeverity('SEV-3', 'degraded');
    await waitFor('ticket', () => rx.accepted().length === 1);
    c.recorder.decideSeverity('SEV-2', 'crawl down');
    await waitFor('pages', () => rx.accepted().length === 3);
    c.recorder.setState('resolved', 'workers back');
    await waitFor('resolves', () => rx.accepted().length === 6);
    await settled(c);
    const id = c.incidentId();
    for (const t of ['primary-on-call', 'crawl-owner']) {
      expect(rx.acceptedFor(`${id}:${t}`, 'resolve')[0]?.body).toEqual({
        routing_key: `rk-${t === 'crawl-owner' ? 'crawl' : 'primary'}`,
        event_action: 'resolve',
        dedup_key: `${id}:${t}`,
      });
    }
    expect(rx.acceptedFor(`${id}:ticket`, 'resolve')[0]?.body).toMatchObject({ type: 'ticket', action: 'resolve' });
    const targets = c.store.getState().paging?.targets ?? [];
    expect(
      targets.every((t) => t.resolvedAt !== null && t.nextRepageAt === null && t.lastAction === 'resolve' && t.delivery === 'delivered'),
    ).toBe(true);
    const pir = renderPir(foldIncident(c.recorder.view()?.entries ?? [], id));
    const section = pir.slice(pir.indexOf('## Escalations'), pir.indexOf('## What went well'));
    expect(section).toContain('crawl-owner (crawl owner) for SEV-2');
    expect(section).toContain('Severity SEV-3 → SEV-2');
  });
});

describe('record-only mode (simulation)', () => {
  it('journals and shows the pages, sends nothing', async () => {
    await cockpit({ mode: 'record-only' });
    openWithTrigger(c, ['crawl']);
    c.recorder.decideSeverity('SEV-1', 'outage');
    c.paging.sweep();
    await settled(c);
    expect(rx.requests).toHaveLength(0);
    expect(c.intents().map((d) => d.state)).toEqual(['recorded', 'recorded']);
    const p = c.store.getState().paging;
    expect(p?.mode).toBe('record-only');
    expect(p?.targets.map((t) => t.delivery)).toEqual(['recorded', 'recorded']);
  });
});

describe('the timeline says what a page entry is', () => {
  const texts = () => (c.recorder.view()?.entries ?? []).filter((e) => e.kind === 'page').map((e) => describeEntry(e));

  it('record-only: pages and resolve notices read as recorded, not sent', async () => {
    await cockpit({ mode: 'record-only' });
    openWithTrigger(c, ['crawl']);
    c.recorder.decideSeverity('SEV-2', 'crawl down');
    await settled(c);
    c.recorder.setState('resolved', 'workers back');
    await waitFor('resolve notices', () => c.intents(undefined, 'resolve').length === 2);
    const t = texts();
    expect(t).toContain(
      'Page recorded for primary-on-call (primary on-call), not sent (record-only): SEV-2: matrix pages the primary on-call — crawl down',
    );
    expect(t).toContain('Resolve notice recorded for crawl-owner (crawl owner), not sent (record-only): incident resolved');
    expect(t.filter((w) => /^Paged |sent to|delivered/.test(w))).toEqual([]);
  });

  it('live: a page is being sent, its delivery follows; a resolve notice reads as one, not as another page', async () => {
    await cockpit();
    openWithTrigger(c, ['crawl']);
    c.recorder.decideSeverity('SEV-2', 'crawl down');
    await settled(c);
    c.recorder.setState('resolved', 'workers back');
    await waitFor('resolves', () => rx.accepted().length === 4);
    await settled(c);
    const t = texts();
    expect(t).toContain('Sending page to crawl-owner (crawl owner) via pagerduty: SEV-2: matrix pages the crawl owner — crawl down');
    expect(t).toContain('Sending resolve notice to crawl-owner (crawl owner) via pagerduty: incident resolved');
    expect(t).toContain('Paging crawl-owner (crawl owner): resolve delivered: HTTP 202 (attempt 1)');
    expect(t.filter((w) => w.startsWith('Paged '))).toEqual([]);
  });
});
