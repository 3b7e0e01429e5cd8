// Resolves owed by an incident that is no longer the recorder's current one: resolved just before
// the cockpit exited (the recorder resumes only open incidents), or left behind when the recorder
// moved to a new incident. They are delivered exactly once, recorded in that incident's journal,
// whose hash chain stays intact.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { IncidentJournal } from '../../src/journal/journal.js';
import { loadIncident } from '../../src/journal/store.js';
import type { PagingConfig } from '../../src/control/paging/config.js';
import { nextTurn } from '../support/waitFor.js';
import {
  Cockpit,
  Receiver,
  freePort,
  openWithTrigger,
  removeTempDirs,
  rosterFor,
  settled,
  swapReceiver,
  tempDir,
  testConfig,
  waitFor,
} from './helpers.js';

let rx: Receiver | null = null;
let c: Cockpit | null = null;

afterEach(async () => {
  await c?.stop();
  await rx?.stop();
  c = null;
  rx = null;
});
afterAll(() => removeTempDirs());

function config(port: number): PagingConfig {
  return testConfig({ ticket: { webhook: `http://127.0.0.1:${port}/ticket`, routingKey: 'rk-ticket', format: 'generic' } });
}

/** The page entries of an incident, read back from its journal file. */
function journalPages(dir: string, id: string): Record<string, unknown>[] {
  return (loadIncident(dir, id)?.report.entries ?? []).filter((e) => e.kind === 'page').map((e) => e.details);
}

function verified(dir: string, id: string): { ok: boolean; problems: string[] } {
  const r = IncidentJournal.open(dir, id).verify();
  return { ok: r.ok, problems: r.problems };
}

const TARGETS = ['primary-on-call', 'crawl-owner', 'ticket'] as const;

/** SEV-3 (ticket) then SEV-2 (primary on-call + crawl owner), all delivered. */
async function pagedIncident(ck: Cockpit, r: Receiver): Promise<string> {
  openWithTrigger(ck, ['crawl']);
  ck.recorder.decideSeverity('SEV-3', 'degraded');
  await waitFor('ticket', () => r.accepted().length === 1);
  ck.recorder.decideSeverity('SEV-2', 'crawl down');
  await waitFor('pages', () => r.accepted().length === 3);
  return ck.incidentId();
}

function expectResolvedOnce(r: Receiver, dir: string, id: string): void {
  for (const t of TARGETS) expect(r.acceptedFor(`${id}:${t}`, 'resolve'), t).toHaveLength(1);
  const pages = journalPages(dir, id);
  const resolves = pages.filter((d) => d.event === 'intent' && (d.message as { action: string }).action === 'resolve');
  expect(resolves.map((d) => d.target).sort()).toEqual([...TARGETS].sort());
  for (const intent of resolves) {
    const delivered = pages.filter((d) => d.event === 'delivered' && d.messageId === intent.messageId);
    expect(delivered, String(intent.target)).toHaveLength(1);
    expect(delivered[0]?.httpStatus).toBe(202);
  }
  expect(verified(dir, id)).toEqual({ ok: true, problems: [] });
}

describe('resolves not delivered when the cockpit exits', () => {
  it('endpoint answering 500 at the resolution: the next start delivers each resolve once, into the resolved incident’s journal', async () => {
    rx = await new Receiver().start();
    const dir = tempDir();
    const ck = (c = await new Cockpit(dir, rosterFor(rx.url('')), config(rx.port)).start());
    const id = await pagedIncident(ck, rx);
    rx.mode = 'error';
    ck.recorder.setState('resolved', 'workers back');
    await waitFor('failed resolves', () => journalPages(dir, id).filter((d) => d.event === 'attempt-failed').length >= 3 * TARGETS.length);
    const failedBefore = journalPages(dir, id).filter((d) => d.event === 'attempt-failed' && d.target === 'ticket').length;
    await ck.paging.stop();
    ck.recorder.close();
    // stop() aborted the attempts on the wire, but bytes already written still reach the
    // receiver after it returns: a fresh receiver on the same port sees only what comes later.
    rx = await swapReceiver(rx);
    ck.paging.sweep(); // what its timer would do: a stopped controller sends nothing
    await ck.paging.idle();
    expect(rx.requests).toHaveLength(0);

    await ck.restart();
    // The recorder did not resume it (it is resolved): the controller found it on its own.
    expect(ck.recorder.view()).toBeNull();
    await waitFor('resolves delivered', () => TARGETS.every((t) => rx?.acceptedFor(`${id}:${t}`, 'resolve').length === 1));
    await waitFor('side sender done', () => ck.paging.backgroundIncidents().length === 0);
    await settled(ck);
    expectResolvedOnce(rx, dir, id);
    // The attempts count on from before the restart; the same dedup key as the trigger.
    const ticket = journalPages(dir, id).find(
      (d) => d.event === 'delivered' && d.target === 'ticket' && String(d.messageId).endsWith('#2'),
    );
    expect(ticket?.attempt).toBe(failedBefore + 1);
    expect(rx.acceptedFor(`${id}:crawl-owner`, 'resolve')[0]?.body).toEqual({
      routing_key: 'rk-crawl',
      event_action: 'resolve',
      dedup_key: `${id}:crawl-owner`,
    });

    // Nothing is sent again by a further start.
    const accepted = rx.accepted().length;
    await ck.restart();
    await settled(ck);
    expect(ck.paging.backgroundIncidents()).toEqual([]);
    expect(rx.accepted().length).toBe(accepted);
    expect(verified(dir, id).ok).toBe(true);
  });

  it('endpoint down at the resolution, up after the restart', async () => {
    const port = await freePort();
    rx = await new Receiver().start(port);
    const dir = tempDir();
    const ck = (c = await new Cockpit(dir, rosterFor(rx.url('')), config(port)).start());
    const id = await pagedIncident(ck, rx);
    await rx.stop();
    const first = rx;
    ck.recorder.setState('resolved', 'workers back');
    await waitFor(
      'refused resolves',
      () => journalPages(dir, id).filter((d) => d.event === 'attempt-failed' && d.error === 'connection refused').length >= TARGETS.length,
    );
    await ck.paging.stop();
    ck.recorder.close();
    rx = await new Receiver().start(port);
    await ck.restart();
    await waitFor('resolves delivered', () => TARGETS.every((t) => rx?.acceptedFor(`${id}:${t}`, 'resolve').length === 1));
    await waitFor('side sender done', () => ck.paging.backgroundIncidents().length === 0);
    await settled(ck);
    expect(first.accepted().length).toBe(3);
    expectResolvedOnce(rx, dir, id);
  });

  it('resolved while paging was not running (crash before the resolves were decided): the next start decides and delivers them', async () => {
    rx = await new Receiver().start();
    const dir = tempDir();
    const ck = (c = await new Cockpit(dir, rosterFor(rx.url('')), config(rx.port)).start());
    const id = await pagedIncident(ck, rx);
    await ck.paging.stop(); // as if it died right after the state change was written
    ck.recorder.setState('resolved', 'workers back');
    await nextTurn();
    expect(journalPages(dir, id).some((d) => d.event === 'intent' && (d.message as { action: string }).action === 'resolve')).toBe(false);
    ck.recorder.close();
    await ck.restart();
    await waitFor('resolves delivered', () => TARGETS.every((t) => rx?.acceptedFor(`${id}:${t}`, 'resolve').length === 1));
    await waitFor('side sender done', () => ck.paging.backgroundIncidents().length === 0);
    await settled(ck);
    expectResolvedOnce(rx, dir, id);
  });

  it('an incident beyond the scan bound (window, most recent N) is left alone', async () => {
    rx = await new Receiver().start();
    const dir = tempDir();
    const ck = (c = await new Cockpit(dir, rosterFor(rx.url('')), config(rx.port)).start());
    const id = await pagedIncident(ck, rx);
    rx.mode = 'error';
    ck.recorder.setState('resolved', 'workers back');
    await waitFor('failed resolves', () => journalPages(dir, id).filter((d) => d.event === 'attempt-failed').length >= TARGETS.length);
    await ck.stop();
    // Attempts stop() aborted may still land on the old receiver (their bytes were on the wire):
    // the new controller's sends, if any, land on a fresh one.
    rx = await swapReceiver(rx);
    const { PagingController } = await import('../../src/control/paging/controller.js');
    const { IncidentRecorder } = await import('../../src/journal/recorder.js');
    const recorder = new IncidentRecorder({ stateDir: dir, operator: 'alice' });
    const paging = new PagingController(recorder, null, ck.roster, ck.config, undefined, { resumeScan: { windowMs: 60_000, limit: 0 } });
    await paging.start();
    // start() adopts other incidents and launches their sends at once; idle() waits for those.
    expect(paging.backgroundIncidents()).toEqual([]);
    paging.sweep();
    await paging.idle();
    expect(rx.requests).toHaveLength(0);
    await paging.stop();
    recorder.close();
  });
});

describe('the recorder switches incidents while sends are unfinished', () => {
  it('resolves retrying when a new incident opens are delivered into the old incident’s journal', async () => {
    rx = await new Receiver().start();
    const dir = tempDir();
    const ck = (c = await new Cockpit(dir, rosterFor(rx.url('')), config(rx.port)).start());
    const a = await pagedIncident(ck, rx);
    rx.mode = 'error';
    ck.recorder.setState('resolved', 'workers back');
    await waitFor('failed resolves', () => journalPages(dir, a).filter((d) => d.event === 'attempt-failed').length >= TARGETS.length);
    // A new trigger opens incident B: the recorder moves on.
    openWithTrigger(ck, ['rank']);
    const b = ck.incidentId();
    expect(b).not.toBe(a);
    expect(ck.paging.backgroundIncidents()).toEqual([a]);
    // The side sender keeps retrying A's resolves while B is the current incident.
    const failed = journalPages(dir, a).filter((d) => d.event === 'attempt-failed').length;
    await waitFor('a retry by the side sender', () => journalPages(dir, a).filter((d) => d.event === 'attempt-failed').length > failed);
    rx.mode = 'ok';
    ck.recorder.decideSeverity('SEV-1', 'rank down');
    await waitFor('resolves of A delivered', () => TARGETS.every((t) => rx?.acceptedFor(`${a}:${t}`, 'resolve').length === 1));
    await waitFor(
      'B paged',
      () => rx?.acceptedFor(`${b}:on-call-engineer`).length === 1 && rx?.acceptedFor(`${b}:security-lead`).length === 1,
    );
    await waitFor('side sender done', () => ck.paging.backgroundIncidents().length === 0);
    await settled(ck);
    expectResolvedOnce(rx, dir, a);
    // B's journal has only B's pages; A's none of B's.
    expect(ck.pageEntries().every((d) => String(d.dedupKey ?? `${b}:`).startsWith(`${b}:`))).toBe(true);
    expect(journalPages(dir, a).every((d) => d.dedupKey === undefined || String(d.dedupKey).startsWith(`${a}:`))).toBe(true);
    expect(verified(dir, b).ok).toBe(true);
    expect(ck.store.getState().paging?.incidentId).toBe(b);
  });

  it('a new incident opened in the same tick as the resolution: the old one still gets its resolves', async () => {
    rx = await new Receiver().start();
    const dir = tempDir();
    const ck = (c = await new Cockpit(dir, rosterFor(rx.url('')), config(rx.port)).start());
    const a = await pagedIncident(ck, rx);
    ck.recorder.setState('resolved', 'workers back');
    openWithTrigger(ck, ['rank']); // before the controller's reaction to the resolution ran
    const b = ck.incidentId();
    expect(b).not.toBe(a);
    await waitFor('resolves of A delivered', () => TARGETS.every((t) => rx?.acceptedFor(`${a}:${t}`, 'resolve').length === 1));
    await waitFor('side sender done', () => ck.paging.backgroundIncidents().length === 0);
    await settled(ck);
    expectResolvedOnce(rx, dir, a);
    expect(ck.pageEntries()).toEqual([]);
  });

  it('an attempt on the wire when the recorder moves on is recorded in the old incident’s journal, not sent twice', async () => {
    rx = await new Receiver().start();
    const dir = tempDir();
    const ck = (c = await new Cockpit(dir, rosterFor(rx.url('')), { ...config(rx.port), requestTimeoutMs: 400 }).start());
    const a = await pagedIncident(ck, rx);
    rx.mode = 'hang';
    ck.recorder.setState('resolved', 'workers back');
    await waitFor(
      'resolves on the wire',
      () => rx?.requests.filter((r) => (r.body.event_action ?? r.body.action) === 'resolve').length === TARGETS.length,
    );
    openWithTrigger(ck, ['rank']);
    expect(ck.paging.backgroundIncidents()).toEqual([a]);
    rx.mode = 'ok';
    await waitFor('resolves of A delivered', () => TARGETS.every((t) => rx?.acceptedFor(`${a}:${t}`, 'resolve').length === 1));
    await waitFor('side sender done', () => ck.paging.backgroundIncidents().length === 0);
    await settled(ck);
    const timedOut = journalPages(dir, a).filter((d) => d.event === 'attempt-failed' && /timed out/.test(String(d.error)));
    expect(timedOut.length).toBe(TARGETS.length);
    expectResolvedOnce(rx, dir, a);
  });

  it('resuming the old incident hands its journal back to the recorder (one writer per file)', async () => {
    rx = await new Receiver().start();
    const dir = tempDir();
    const ck = (c = await new Cockpit(dir, rosterFor(rx.url('')), config(rx.port)).start());
    const a = await pagedIncident(ck, rx);
    rx.mode = 'error';
    ck.recorder.setState('resolved', 'workers back');
    openWithTrigger(ck, ['rank']);
    await waitFor('failed resolves', () => journalPages(dir, a).filter((d) => d.event === 'attempt-failed').length >= TARGETS.length);
    expect(ck.paging.backgroundIncidents()).toEqual([a]);
    ck.recorder.resume(a);
    expect(ck.paging.backgroundIncidents()).toEqual([]);
    rx.mode = 'ok';
    await waitFor('resolves of A delivered', () => TARGETS.every((t) => rx?.acceptedFor(`${a}:${t}`, 'resolve').length === 1));
    await settled(ck);
    expectResolvedOnce(rx, dir, a);
    expect(ck.store.getState().paging?.targets.every((t) => t.delivery === 'delivered' && t.lastAction === 'resolve')).toBe(true);
  });
});
