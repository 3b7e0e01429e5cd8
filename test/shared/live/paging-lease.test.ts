// Acceptance (issue 13): the cockpit holding the paging sender's lease is killed with SIGKILL while
// a page is being retried; another cockpit takes the lease over and the receiver accepts that page
// exactly once. Two headless cockpit processes on a private Redis, a real local receiver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateRedis, freePort, requireServer, run } from '../../celery/harness.js';
import { Receiver } from '../../paging/helpers.js';
import { waitFor } from '../../support/waitFor.js';
import { Headless, ownedStateDir, removeBundles } from '../e2e/procs.js';

const ok = await requireServer('redis-server binary', () => run('redis-server', ['--version']));

type Page = { id: string; state: string; attempts: number };

describe.runIf(ok)('the paging sender lease', () => {
  let redis: PrivateRedis;
  let receiver: Receiver;
  const procs: Headless[] = [];

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    receiver = await new Receiver().start();
  });

  afterAll(async () => {
    for (const p of procs.splice(0)) await p.stop();
    await receiver?.stop();
    await redis?.stop();
    removeBundles();
  });

  it('a SIGKILLed sender is taken over and the retried page is accepted exactly once', async () => {
    const base = { url: redis.url, receiver: receiver.url(''), env: { LEASE_TTL_MS: '3000', RETRY_MS: '300', STALE_MS: '3000' } };
    const a = await new Headless('alice', ownedStateDir(null), base).start();
    const b = await new Headless('bob', ownedStateDir(null), base).start();
    procs.push(a, b);
    const sender = await waitFor(
      async () => {
        const [sa, sb] = await Promise.all([a.status(), b.status()]);
        return sa.sending ? a : sb.sending ? b : null;
      },
      { what: 'one cockpit holding the sender lease', everyMs: 100 },
    );
    const other = sender === a ? b : a;
    expect((await other.status()).sending).toBe(false);

    // The outage, decided SEV-2 on the cockpit that does not send: the sender pages; the endpoint fails.
    receiver.mode = 'error';
    for (const p of [a, b]) p.send('trigger');
    const id = await waitFor(
      async () => {
        const [sa, sb] = await Promise.all([a.status(), b.status()]);
        return sa.incident !== null && sa.incident === sb.incident ? (sa.incident as string) : null;
      },
      { what: 'one incident', everyMs: 100 },
    );
    other.send('severity SEV-2 crawl backlog');
    const primary = `${id}:primary-on-call`;
    await waitFor(
      async () =>
        ((await sender.status()).pages as Page[]).some((m) => m.id === `${primary}#1` && m.state === 'retrying' && m.attempts >= 2),
      { what: 'the sender retrying the page to the primary on-call', everyMs: 50 },
    );
    expect(receiver.accepted()).toHaveLength(0);
    // One sender while both live: every page intent and attempt in the incident is the sender's.
    const pageBy = (p: Headless) =>
      p.events.filter((e) => e.ev === 'entry' && e.kind === 'page' && e.event !== 'acknowledged').map((e) => e.by);
    expect(pageBy(other).length).toBeGreaterThan(0);
    expect(new Set([...pageBy(other), ...pageBy(sender)])).toEqual(new Set([sender.name]));
    const triedBefore = receiver.requests.filter((r) => r.body.dedup_key === primary).length;
    expect(triedBefore).toBeGreaterThanOrEqual(2);

    // SIGKILL the sender mid-retry.
    sender.kill9();
    // The survivor takes the lease over (within its ttl) and retries the same message, still failing.
    await waitFor(async () => (await other.status()).sending === true, { what: 'the survivor holding the sender lease', everyMs: 100 });
    await waitFor(async () => ((await other.status()).pages as Page[]).some((m) => m.id === `${primary}#1` && m.attempts > 2), {
      what: 'the survivor retrying the same message',
      everyMs: 50,
    });
    // The endpoint recovers: the survivor's next retry is accepted.
    receiver.mode = 'ok';
    await waitFor(() => receiver.acceptedFor(primary).length >= 1 && receiver.acceptedFor(`${id}:crawl-owner`).length >= 1, {
      what: 'both pages accepted',
    });
    await waitFor(
      async () => ((await other.status()).pages as Page[]).filter((m) => m.id.endsWith('#1')).every((m) => m.state === 'delivered'),
      { what: 'the survivor recording the deliveries', everyMs: 50 },
    );
    // Exactly once: one accepted trigger per target, and it is the message the killed sender was retrying.
    const accepted = receiver.accepted().filter((r) => r.body.event_action === 'trigger');
    expect(accepted.map((r) => String(r.body.dedup_key)).sort()).toEqual([`${id}:crawl-owner`, primary]);
    expect(accepted.find((r) => r.body.dedup_key === primary)?.headers['x-lsos-message-id']).toBe(`${primary}#1`);
    // Presence: the killed cockpit's heartbeat lapsed; the survivor records it left, with when it was last seen.
    await other.until(
      (e) => e.ev === 'entry' && e.kind === 'responder-left' && e.by === sender.name,
      'the killed cockpit recorded as gone',
    );
  });
});
