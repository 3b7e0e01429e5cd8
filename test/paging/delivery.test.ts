// The receiver answering 500, hanging, being down, refusing for good: the page is retried,
// shown undelivered, and delivered exactly once when the receiver recovers — also when the
// cockpit was torn down and rebuilt from the journal in between.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { nextTurn } from '../support/waitFor.js';
import {
  Cockpit,
  Receiver,
  freePort,
  openWithTrigger,
  removeTempDirs,
  rosterFor,
  settled,
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

function view(ck: Cockpit, target: string) {
  return ck.store.getState().paging?.targets.find((t) => t.target === target);
}

async function sev1(base: string, partial: Parameters<typeof testConfig>[0] = {}): Promise<Cockpit> {
  c = await new Cockpit(tempDir(), rosterFor(base), testConfig(partial)).start();
  openWithTrigger(c, ['crawl']);
  c.recorder.decideSeverity('SEV-1', 'outage');
  return c;
}

const failedAttempts = (ck: Cockpit, target: string) => ck.pageEntries().filter((d) => d.event === 'attempt-failed' && d.target === target);

describe('an endpoint that does not accept', () => {
  it('500: retried with backoff, shown as retrying, delivered exactly once when it recovers', async () => {
    rx = await new Receiver().start();
    rx.mode = 'error';
    const ck = await sev1(rx.url(''));
    await waitFor('three failed attempts', () => failedAttempts(ck, 'on-call-engineer').length >= 3);
    const v = view(ck, 'on-call-engineer');
    expect(v?.delivery).toBe('retrying');
    expect(v?.attempts).toBeGreaterThanOrEqual(3);
    expect(v?.lastError).toMatch(/^HTTP 500/);
    const fails = failedAttempts(ck, 'on-call-engineer');
    expect(fails.map((d) => d.attempt)).toEqual(fails.map((_, i) => i + 1));
    expect(fails[0]).toMatchObject({ httpStatus: 500, state: 'retrying' });
    // Backoff: the gaps grow (30, 60, 120 ms, capped at 120).
    const next = fails.map((d) => Date.parse(String(d.nextAttemptAt)));
    expect(next.every((t) => Number.isFinite(t))).toBe(true);
    rx.mode = 'ok';
    const id = ck.incidentId();
    await waitFor(
      'delivered',
      () => view(ck, 'on-call-engineer')?.delivery === 'delivered' && view(ck, 'security-lead')?.delivery === 'delivered',
    );
    await settled(ck);
    expect(rx.acceptedFor(`${id}:on-call-engineer`)).toHaveLength(1);
    expect(rx.acceptedFor(`${id}:security-lead`)).toHaveLength(1);
    expect(ck.pageEntries().filter((d) => d.event === 'delivered' && d.target === 'on-call-engineer')).toHaveLength(1);
  });

  it('429 is retried too', async () => {
    rx = await new Receiver().start();
    rx.mode = 'too-many';
    const ck = await sev1(rx.url(''));
    await waitFor('a failed attempt', () => failedAttempts(ck, 'security-lead').length >= 1);
    expect(failedAttempts(ck, 'security-lead')[0]?.httpStatus).toBe(429);
    rx.mode = 'ok';
    await waitFor('delivered', () => view(ck, 'security-lead')?.delivery === 'delivered');
  });

  it('hanging: the request times out, is retried, and is delivered exactly once when the endpoint answers again', async () => {
    rx = await new Receiver().start();
    rx.mode = 'hang';
    const ck = await sev1(rx.url(''), { requestTimeoutMs: 100 });
    await waitFor('a timed-out attempt', () => failedAttempts(ck, 'on-call-engineer').length >= 2);
    expect(String(failedAttempts(ck, 'on-call-engineer')[0]?.error)).toMatch(/timed out after 100 ms/);
    expect(view(ck, 'on-call-engineer')?.delivery).toBe('retrying');
    rx.mode = 'ok';
    await waitFor(
      'delivered',
      () => view(ck, 'on-call-engineer')?.delivery === 'delivered' && view(ck, 'security-lead')?.delivery === 'delivered',
    );
    await settled(ck);
    expect(rx.acceptedFor(`${ck.incidentId()}:on-call-engineer`)).toHaveLength(1);
  });

  it('down: connection refused is retried; delivered exactly once when it comes up', async () => {
    const port = await freePort();
    const ck = await sev1(`http://127.0.0.1:${port}`);
    await waitFor('refused attempts', () => failedAttempts(ck, 'on-call-engineer').length >= 2);
    expect(failedAttempts(ck, 'on-call-engineer')[0]?.error).toBe('connection refused');
    expect(view(ck, 'on-call-engineer')?.delivery).toBe('retrying');
    rx = await new Receiver().start(port);
    await waitFor(
      'delivered',
      () => view(ck, 'on-call-engineer')?.delivery === 'delivered' && view(ck, 'security-lead')?.delivery === 'delivered',
    );
    await settled(ck);
    expect(rx.acceptedFor(`${ck.incidentId()}:on-call-engineer`)).toHaveLength(1);
    expect(rx.acceptedFor(`${ck.incidentId()}:security-lead`)).toHaveLength(1);
  });

  it('400: a permanent failure, shown clearly, not retried', async () => {
    rx = await new Receiver().start();
    rx.mode = 'bad-request';
    const ck = await sev1(rx.url(''));
    await waitFor('failed', () => view(ck, 'on-call-engineer')?.delivery === 'failed');
    await settled(ck);
    expect(rx.requests.filter((r) => r.path === '/pd/on-call-engineer')).toHaveLength(1);
    const f = ck.pageEntries().find((d) => d.event === 'failed' && d.target === 'on-call-engineer');
    expect(f).toMatchObject({ httpStatus: 400, state: 'failed' });
    expect(String(f?.reason)).toMatch(/refused for good: HTTP 400/);
  });

  it('no ticket webhook configured: the SEV-3 ticket is shown as failed, never silently dropped', async () => {
    rx = await new Receiver().start();
    c = await new Cockpit(tempDir(), rosterFor(rx.url('')), testConfig()).start();
    openWithTrigger(c, ['rank']);
    c.recorder.decideSeverity('SEV-3', 'lag');
    await waitFor('ticket failed', () => view(c as Cockpit, 'ticket')?.delivery === 'failed');
    expect(view(c, 'ticket')?.lastError).toMatch(/no ticket webhook configured/);
  });
});

describe('across a restart of the cockpit', () => {
  it('pages pending in the journal are resumed and delivered exactly once', async () => {
    const port = await freePort();
    const ck = await sev1(`http://127.0.0.1:${port}`);
    await waitFor(
      'failed attempts',
      () => failedAttempts(ck, 'on-call-engineer').length >= 2 && failedAttempts(ck, 'security-lead').length >= 2,
    );
    const attemptsBefore = failedAttempts(ck, 'on-call-engineer').length;
    await ck.paging.stop();
    ck.recorder.close();
    // The receiver comes back while the cockpit is down.
    rx = await new Receiver().start(port);
    ck.paging.sweep(); // what its timer would do: a stopped controller sends nothing
    await ck.paging.idle();
    expect(rx.requests).toHaveLength(0);
    await ck.restart();
    // Right after the start the view (rebuilt from the journal) shows what happened before.
    await waitFor(
      'delivered after restart',
      () => view(ck, 'on-call-engineer')?.delivery === 'delivered' && view(ck, 'security-lead')?.delivery === 'delivered',
    );
    await settled(ck);
    const id = ck.incidentId();
    expect(rx.acceptedFor(`${id}:on-call-engineer`)).toHaveLength(1);
    expect(rx.acceptedFor(`${id}:security-lead`)).toHaveLength(1);
    // One intent per target: the restart did not decide the pages again.
    expect(ck.intents('on-call-engineer')).toHaveLength(1);
    expect(ck.intents('security-lead')).toHaveLength(1);
    const delivered = ck.pageEntries().find((d) => d.event === 'delivered' && d.target === 'on-call-engineer');
    expect(delivered?.attempt).toBe(attemptsBefore + 1);
    // And the re-page clock runs from the journal too.
    expect(view(ck, 'on-call-engineer')?.nextRepageAt).not.toBeNull();
  });

  it('a decision recorded while paging was not running is paged on the next start', async () => {
    rx = await new Receiver().start();
    const dir = tempDir();
    c = new Cockpit(dir, rosterFor(rx.url('')), testConfig());
    openWithTrigger(c, ['crawl']);
    c.recorder.decideSeverity('SEV-2', 'crawl down'); // paging not started: as if it crashed right after
    await nextTurn();
    expect(rx.requests).toHaveLength(0);
    await c.restart();
    await waitFor('pages', () => rx?.accepted().length === 2);
    await settled(c);
    expect(
      rx
        .accepted()
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/pd/crawl-owner', '/pd/primary-on-call']);
    await c.restart();
    await settled(c);
    expect(rx.accepted()).toHaveLength(2);
  });
});
