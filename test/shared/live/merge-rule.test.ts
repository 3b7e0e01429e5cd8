// The merge rule (docs/shared-incident.md): with the shared Redis unreachable at opening time each
// cockpit opens a local incident; when Redis returns, the first to claim becomes the environment's
// incident and the other is merged into it, and both timelines record it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findOpenIncident, listIncidents, loadIncident } from '../../../src/journal/store.js';
import { PrivateRedis, freePort, requireServer, run } from '../../celery/harness.js';
import { waitFor } from '../../support/waitFor.js';
import { cockpit, removeStateDirs, type TestCockpit } from '../harness.js';

const ok = await requireServer('redis-server binary', () => run('redis-server', ['--version']));

describe.runIf(ok)('incidents opened while the shared Redis is unreachable', () => {
  let redis: PrivateRedis;
  const cockpits: TestCockpit[] = [];

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
  });

  afterEach(async () => {
    for (const c of cockpits.splice(0)) await c.stop().catch(() => undefined);
    await redis.kill();
  });

  afterAll(async () => {
    await redis?.stop();
    removeStateDirs();
  });

  it('two local incidents become one when Redis returns; the merge is recorded on both sides', async () => {
    // Redis is not running: both cockpits start without it.
    const a = await cockpit(redis.url, 'alice', { host: 'bastion-1' });
    const b = await cockpit(redis.url, 'bob', { host: 'bastion-2' });
    cockpits.push(a, b);
    expect(a.session.connected()).toBe(false);
    expect(a.session.observing()).toBe(true); // without Redis every cockpit records for itself
    a.recorder.openIncident('crawl backlog, seen from bastion-1');
    b.recorder.openIncident('crawl backlog, seen from bastion-2');
    const la = a.recorder.view()!.id;
    const lb = b.recorder.view()!.id;
    expect(la).toMatch(/^INC-\d{8}-\d{4}-l[0-9a-z]{5}$/); // unique without asking anyone
    expect(lb).toMatch(/^INC-\d{8}-\d{4}-l[0-9a-z]{5}$/);
    expect(la).not.toBe(lb);
    a.recorder.note('alice while Redis was away');
    b.recorder.note('bob while Redis was away');

    await redis.start();
    const id = await waitFor(
      () => {
        const x = a.recorder.view()?.id;
        return x && x === b.recorder.view()?.id ? x : null;
      },
      { what: 'both cockpits in one incident' },
    );
    expect([la, lb]).toContain(id);
    const lost = id === la ? lb : la;
    const [winner, loser] = id === la ? [a, b] : [b, a];

    // The loser's entries reach the winner's stream in one pipeline, its merge entry last: a read
    // can return the notes before it (CI failed once on `absorbed` seen between the two reads).
    const merges = (c: TestCockpit) =>
      c.recorder
        .view()!
        .entries.filter((e) => e.kind === 'incident-merged')
        .map((e) => `${String(e.details.from)}>${String(e.details.into)}`);
    await waitFor(
      () =>
        [a, b].every(
          (c) =>
            c.recorder.view()!.notes.length === 2 &&
            (c.recorder.view()!.absorbed ?? []).includes(lost) &&
            merges(c).includes(`${lost}>${id}`) &&
            merges(c).includes(`${id}>${id}`),
        ),
      { what: 'both notes, and the merge, on both' },
    );
    for (const c of [a, b]) {
      // Once, not twice; and the timeline says what happened, by which rule: the kept one was
      // published, the other merged into it.
      expect(c.recorder.view()!.absorbed).toEqual([lost]);
      expect(merges(c)).toContain(`${lost}>${id}`);
      expect(merges(c)).toContain(`${id}>${id}`);
    }
    // Each state directory alone: the incident reads whole and verifies (the absorbed chain is accounted for).
    for (const c of [a, b]) {
      const l = loadIncident(c.dir, id)!;
      expect(l.report.problems).toEqual([]);
      expect(l.report.ok).toBe(true);
      expect(l.view.notes.map((n) => n.text).sort()).toEqual(['alice while Redis was away', 'bob while Redis was away']);
    }
    // The merged-away incident is marked and never resumed.
    const mine = listIncidents(loser.dir).find((i) => i.id === lost)!;
    expect(mine.mergedInto).toBe(id);
    expect(findOpenIncident(loser.dir)?.id).toBe(id);
    expect(findOpenIncident(winner.dir)?.id).toBe(id);
  });
});
