// The shared incident on a real (private) Redis: three cockpits with state directories of their
// own during one outage; a Redis killed for 60 s while two cockpits keep adding notes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderPir } from '../../../src/core/pir.js';
import type { TimelineEntry } from '../../../src/core/timeline.js';
import { entryRef } from '../../../src/journal/shared/origin.js';
import { loadIncident } from '../../../src/journal/store.js';
import { PrivateRedis, TcpProxy, freePort, requireServer, run } from '../../celery/harness.js';
import { waitFor } from '../../support/waitFor.js';
import { queueLagTrigger } from '../../timeline/helpers.js';
import { cockpit, removeStateDirs, type TestCockpit } from '../harness.js';

const ok = await requireServer('redis-server binary', () => run('redis-server', ['--version']));

const OUTAGE_MS = Number(process.env.SHARED_OUTAGE_MS ?? 60_000);

const hashes = (c: TestCockpit) => (c.recorder.view()?.entries ?? []).map((e) => e.hash);
const notes = (c: TestCockpit) => (c.recorder.view()?.notes ?? []).map((n) => n.text);

/** ms until `cond` holds on every cockpit given (polled every 2 ms). */
async function fanout(cs: TestCockpit[], cond: (c: TestCockpit) => boolean, what: string): Promise<number> {
  const t0 = performance.now();
  await waitFor(() => cs.every(cond), { what, timeoutMs: 10_000, everyMs: 2 });
  return performance.now() - t0;
}

function exactlyOnce(entries: readonly TimelineEntry[]): boolean {
  const refs = entries.map(entryRef);
  return new Set(refs).size === refs.length;
}

describe.runIf(ok)('a shared incident on a private Redis', () => {
  let redis: PrivateRedis;
  const cockpits: TestCockpit[] = [];

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
  });

  afterEach(async () => {
    for (const c of cockpits.splice(0)) await c.stop().catch(() => undefined);
  });

  afterAll(async () => {
    for (const c of cockpits.splice(0)) await c.stop().catch(() => undefined);
    await redis?.stop();
    removeStateDirs();
  });

  it('three cockpits during one outage: one incident id, notes and a severity everywhere within 1 s, one commander, everyone present', async () => {
    const a = await cockpit(redis.url, 'alice', { host: 'bastion-1' });
    const b = await cockpit(redis.url, 'bob', { host: 'bastion-1' });
    const c = await cockpit(redis.url, 'carol', { host: 'bastion-2' });
    cockpits.push(a, b, c);
    const all = [a, b, c];
    // One of them records what the sources show.
    const observer = await waitFor(() => all.find((x) => x.session.observerLease.held()), { what: 'an observer' });
    expect(all.filter((x) => x.session.observing())).toHaveLength(1);

    // The same trigger fires on all three (they read the same LSOS): one incident, opened once.
    for (const x of all) x.recorder.onTriggerFired(queueLagTrigger());
    const id = observer.recorder.view()!.id;
    await fanout(all, (x) => x.recorder.view()?.id === id, 'all three in one incident');
    for (const x of all) {
      expect(x.recorder.view()!.entries.filter((e) => e.kind === 'incident-opened')).toHaveLength(1);
      expect(x.recorder.view()!.entries.filter((e) => e.kind === 'trigger-fired')).toHaveLength(1);
    }

    // A note on any appears on the others' timelines within 1 s.
    for (const x of all) {
      const text = `note from ${x.name}`;
      x.recorder.note(text);
      const ms = await fanout(
        all.filter((y) => y !== x),
        (y) => notes(y).includes(text),
        text,
      );
      expect(ms).toBeLessThan(1000);
    }

    // A severity decided on one shows on the others within 1 s.
    b.recorder.decideSeverity('SEV-2', 'crawl backlog, customers see stale rankings');
    const sevMs = await fanout(
      [a, c],
      (y) => y.recorder.view()?.severity === 'SEV-2' && y.recorder.view()!.severityDecided,
      'SEV-2 everywhere',
    );
    expect(sevMs).toBeLessThan(1000);

    // Racing decisions: both recorded everywhere, the same one stands everywhere (the later in merged order).
    a.recorder.decideSeverity('SEV-1', 'racing: alice');
    c.recorder.decideSeverity('SEV-3', 'racing: carol');
    await fanout(all, (y) => y.recorder.view()!.severityHistory.filter((s) => s.kind === 'decided').length === 3, 'both racing decisions');
    const standing = all.map((y) => y.recorder.view()!.severity);
    expect(new Set(standing).size).toBe(1);
    const decided = a.recorder.view()!.severityHistory.filter((s) => s.kind === 'decided');
    expect(standing[0]).toBe(decided[decided.length - 1]!.severity);

    // Same timeline everywhere; presence lists all three; the opener commands, everywhere.
    await fanout(all, (y) => hashes(y).join() === hashes(a).join(), 'identical timelines');
    await fanout(all, (y) => y.session.view().presence.length === 3, 'presence of three');
    for (const y of all) {
      expect(
        y.session
          .view()
          .presence.map((p) => `${p.user}@${p.host}`)
          .sort(),
      ).toEqual(['alice@bastion-1', 'bob@bastion-1', 'carol@bastion-2']);
      expect(y.recorder.view()!.commander?.user).toBe(observer.name);
      expect(exactlyOnce(y.recorder.view()!.entries)).toBe(true);
    }

    // Command handed over by key on one: shown on every cockpit.
    const taker = all.find((x) => x !== observer)!;
    taker.recorder.takeCommand();
    await fanout(all, (y) => y.recorder.view()?.commander?.user === taker.name, 'the new commander everywhere');

    // Quitting is recorded: the others see who left.
    await b.stop();
    cockpits.splice(cockpits.indexOf(b), 1);
    await fanout([a, c], (y) => (y.recorder.view()!.sessions ?? []).some((s) => s.user === 'bob' && s.leftAt !== null), 'bob left');
    for (const x of [a, c]) await x.stop();
    cockpits.splice(0);
  });

  it('a burst of entries appended while a batch is on the wire all arrive, in order', async () => {
    await redis.kill();
    await redis.start(); // a fresh environment: no incident open
    const a = await cockpit(redis.url, 'alice');
    const b = await cockpit(redis.url, 'bob');
    cockpits.push(a, b);
    await waitFor(() => a.session.observerLease.held() || b.session.observerLease.held(), { what: 'an observer' });
    a.recorder.openIncident('burst');
    const id = a.recorder.view()!.id;
    await fanout([b], (y) => y.recorder.view()?.id === id, 'bob joined');
    // Settled (both heartbeating): no resync is under way to send what the outbox would miss.
    await fanout([a, b], (y) => y.session.view().presence.length === 2, 'both present');
    for (let i = 0; i < 300; i++) a.recorder.note(`burst ${i}`);
    await fanout([b], (y) => notes(y).length === 300, 'all 300 notes on bob');
    expect(notes(b)).toEqual(notes(a));
    expect(b.recorder.sharedLog()!.waiting()).toBe(0);
    for (const c of cockpits.splice(0)) await c.stop();
  });

  it('a cockpit back after the incident was resolved elsewhere takes the resolution, and reopens nothing', async () => {
    await redis.kill();
    await redis.start();
    const a = await cockpit(redis.url, 'alice');
    let b = await cockpit(redis.url, 'bob');
    cockpits.push(a, b);
    await waitFor(() => a.session.observerLease.held() || b.session.observerLease.held(), { what: 'an observer' });
    a.recorder.openIncident('crawl backlog');
    const id = a.recorder.view()!.id;
    await fanout([b], (y) => y.recorder.view()?.id === id, 'bob joined');
    await b.stop();
    cockpits.splice(cockpits.indexOf(b), 1);
    a.recorder.setState('resolved', 'drained');
    await waitFor(() => a.session.view().openIncident === null, { what: 'the open key cleared' });
    // bob starts again on his state directory: his copy says open; the environment says resolved.
    b = await cockpit(redis.url, 'bob', { dir: b.dir });
    cockpits.push(b);
    await waitFor(() => b.recorder.view()?.state === 'resolved', { what: "bob's copy resolved" });
    expect(b.session.view().openIncident).toBeNull();
    expect(a.session.view().openIncident).toBeNull();
    expect(a.recorder.view()!.entries.some((e) => e.kind === 'incident-merged')).toBe(false);
  });

  it('resolved by a cockpit cut off from Redis (Redis up for the others): once back, the others have it resolved and nothing is open', async () => {
    await redis.kill();
    await redis.start();
    const proxy = new TcpProxy(redis.port);
    await proxy.start();
    try {
      const a = await cockpit(`redis://127.0.0.1:${proxy.port}/0`, 'alice');
      const b = await cockpit(redis.url, 'bob');
      cockpits.push(a, b);
      await waitFor(() => a.session.observerLease.held() || b.session.observerLease.held(), { what: 'an observer' });
      a.recorder.openIncident('crawl backlog');
      const id = a.recorder.view()!.id;
      await fanout([b], (y) => y.recorder.view()?.id === id, 'bob joined');
      await proxy.cut();
      await waitFor(() => !a.session.connected(), { what: 'alice cut off' });
      a.recorder.setState('resolved', 'drained while cut off');
      expect(b.session.view().openIncident).toBe(id);
      await proxy.restore();
      await fanout([b], (y) => y.recorder.view()?.state === 'resolved', 'bob sees it resolved');
      await waitFor(() => a.session.view().openIncident === null && b.session.view().openIncident === null, {
        what: 'no incident open in the environment',
      });
    } finally {
      await proxy.close();
    }
  });

  it(
    `Redis killed for ${OUTAGE_MS / 1000} s while two cockpits add notes: both keep working, then hold every entry exactly once, chains verify, PIRs identical`,
    async () => {
      await redis.kill();
      await redis.start();
      const a = await cockpit(redis.url, 'alice', { host: 'bastion-1' });
      const b = await cockpit(redis.url, 'bob', { host: 'bastion-2' });
      cockpits.push(a, b);
      a.recorder.openIncident('crawl backlog');
      const id = a.recorder.view()!.id;
      await fanout([b], (y) => y.recorder.view()?.id === id, 'bob joined');

      await redis.kill();
      await waitFor(() => !a.session.connected() && !b.session.connected(), { what: 'both see Redis gone' });
      const t0 = Date.now();
      let n = 0;
      while (Date.now() - t0 < OUTAGE_MS) {
        // Both keep working: every note is on their own disk at once.
        a.recorder.note(`alice during outage ${n}`);
        b.recorder.note(`bob during outage ${n}`);
        n++;
        await new Promise((r) => setTimeout(r, Math.max(50, OUTAGE_MS / 30)));
      }
      expect(notes(a).filter((t) => t.startsWith('bob'))).toHaveLength(0); // nothing crossed meanwhile
      await redis.start(); // empty: a broker's Redis without persistence loses the streams

      const expected = 2 * n;
      await waitFor(() => notes(a).length === expected && notes(b).length === expected, {
        what: `both timelines with all ${expected} notes`,
        timeoutMs: 30_000,
      });
      await waitFor(() => hashes(a).join() === hashes(b).join(), { what: 'identical timelines', timeoutMs: 10_000 });
      for (const c of [a, b]) {
        expect(exactlyOnce(c.recorder.view()!.entries)).toBe(true);
        expect(c.recorder.view()!.id).toBe(id);
      }
      // Each cockpit's directory alone: every chain verifies, and the PIRs are the same document.
      const la = loadIncident(a.dir, id)!;
      const lb = loadIncident(b.dir, id)!;
      expect(la.report.ok).toBe(true);
      expect(lb.report.ok).toBe(true);
      expect(exactlyOnce(la.view.entries)).toBe(true);
      expect(la.view.entries.map((e) => e.hash)).toEqual(lb.view.entries.map((e) => e.hash));
      expect(renderPir(la.view, la.report)).toBe(renderPir(lb.view, lb.report));
      for (const c of cockpits.splice(0)) await c.stop();
    },
    OUTAGE_MS + 120_000,
  );
});
