// Live start-up (issue 16): a cockpit's shared session reads the environment's open incident as
// soon as its Redis connection is ready, not when its read loop next looks for Redis (it slept
// 100 ms a look, and the first frame waited for that sync).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateRedis, freePort, requireServer, run } from '../../celery/harness.js';
import { waitFor } from '../../support/waitFor.js';
import { queueLagTrigger } from '../../timeline/helpers.js';
import { cockpit, removeStateDirs, type TestCockpit } from '../harness.js';

const ok = await requireServer('redis-server binary', () => run('redis-server', ['--version']));

describe.runIf(ok)('a shared session starting', () => {
  let redis: PrivateRedis;
  const cockpits: TestCockpit[] = [];

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
  });

  afterAll(async () => {
    for (const c of cockpits.splice(0)) await c.stop();
    await redis?.stop();
    removeStateDirs();
  });

  it('has the open incident when start() returns, whatever its read loop waits between looks', async () => {
    const alice = await cockpit(redis.url, 'alice');
    cockpits.push(alice);
    await waitFor(() => alice.session.observerLease.held(), { what: 'alice observing' });
    alice.recorder.onTriggerFired(queueLagTrigger());
    const id = alice.recorder.view()!.id;
    await waitFor(() => alice.session.view().openIncident === id, { what: 'the incident open in the environment' });

    // Its read loop would look for Redis again only in ten minutes: start() (1.5 s at most) returns
    // with the first sync done only because the connection being ready woke it.
    const bob = await cockpit(redis.url, 'bob', { downPollMs: 600_000 });
    cockpits.push(bob);
    expect(bob.session.view().redis).toBe('connected');
    expect(bob.session.view().openIncident).toBe(id);
    expect(bob.recorder.view()?.id).toBe(id);
  });
});
