// Acceptance (issue 13): three cockpits during one outage, as processes of two OS users plus a
// third state directory (standing for another bastion), on a private Redis, paging a real local
// PagerDuty-shaped receiver; and the war-room screen (the built CLI in tmux, --presentation
// --readonly) following the incident as a viewer with nobody at its keyboard.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateRedis, freePort, requireServer, run } from '../../celery/harness.js';
import { CLI, ROOT, TmuxSession, haveTmux } from '../../e2e/tmux.js';
import { Receiver } from '../../paging/helpers.js';
import { waitFor } from '../../support/waitFor.js';
import { Headless, haveUser, ownedStateDir, removeBundles, type Event } from './procs.js';

const ok =
  (await requireServer('redis-server binary', () => run('redis-server', ['--version']))) &&
  (await requireServer('tmux, runuser and the OS users cloudsdk and nobody', async () => {
    if (!haveTmux()) throw new Error('no tmux');
    execFileSync('runuser', ['--help'], { stdio: 'ignore' });
    if (!haveUser('cloudsdk') || !haveUser('nobody')) throw new Error('users missing');
    if (process.getuid?.() !== 0) throw new Error('runuser needs root');
  }));

/** ms from the event that sent something to the first event on `on` that shows it. */
function latency(sent: Event, on: Headless, shows: (e: Event) => boolean): number | null {
  const seen = on.events.find((e) => e.ev === 'entry' && shows(e));
  return seen ? seen.at - sent.at : null;
}

describe.runIf(ok)('three cockpits of two OS users and a war-room screen share one incident', () => {
  let redis: PrivateRedis;
  let receiver: Receiver;
  const procs: Headless[] = [];
  let wall: TmuxSession | null = null;

  beforeAll(async () => {
    // The war-room runs the built CLI: bundle what is there now (no-op when current).
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/bundle.mjs'), '--if-stale'], { cwd: ROOT, stdio: 'ignore' });
    redis = new PrivateRedis(await freePort());
    await redis.start();
    receiver = await new Receiver().start();
  });

  afterAll(async () => {
    wall?.keys('q');
    await new Promise((r) => setTimeout(r, 300));
    wall?.kill();
    for (const p of procs.splice(0)) await p.stop();
    await receiver?.stop();
    await redis?.stop();
    removeBundles();
  });

  it('one incident id; notes and a severity everywhere within 1 s; one trigger per page target; the viewer present and following', async () => {
    const base = { url: redis.url, receiver: receiver.url('') };
    const a = await new Headless('cloudsdk', ownedStateDir('cloudsdk'), { ...base, user: 'cloudsdk' }).start();
    const b = await new Headless('nobody', ownedStateDir('nobody'), { ...base, user: 'nobody' }).start();
    const c = await new Headless('root-bastion-2', ownedStateDir(null), { ...base, user: null }).start();
    procs.push(a, b, c);
    const all = [a, b, c];

    // The war-room screen: the real cockpit, read-only, presentation mode, its own state directory.
    wall = new TmuxSession();
    wall.start(160, 48, ['--presentation', '--readonly'], { REDIS_URL: redis.url, XDG_CONFIG_HOME: wall.dir });
    expect(CLI).toMatch(/cli\.cjs$/);

    // The outage: every cockpit sees the trigger fire. One incident, opened once, one id everywhere.
    for (const p of all) p.send('trigger');
    await waitFor(
      async () => {
        const ids = await Promise.all(all.map(async (p) => (await p.status()).incident));
        return ids[0] !== null && ids.every((x) => x === ids[0]) ? ids[0] : null;
      },
      { what: 'one incident id on all three', everyMs: 100 },
    );
    const id = (await a.status()).incident as string;
    expect(id).toMatch(/^INC-\d{8}-\d{4}(-\d+)?$/);
    for (const p of all) {
      const st = await p.status();
      expect(st.incident).toBe(id);
    }

    // The war-room screen joins it and shows it; it is present as a viewer on every cockpit.
    await wall.waitForText(id, 60_000);
    await waitFor(
      async () => {
        const lists = await Promise.all(all.map(async (p) => (await p.status()).presence as Array<{ user: string; access: string }>));
        return lists.every((l) => l.length === 4 && l.filter((x) => x.access === 'viewer').length === 1);
      },
      { what: 'presence: three operators and one viewer on every cockpit', everyMs: 200 },
    );

    // A note made on any appears on the others' timelines within 1 s.
    const noteMs: number[] = [];
    for (const p of all) {
      const text = `note from ${p.name} ${Date.now()}`;
      const n = p.events.length;
      p.send(`note ${text}`);
      const sent = await p.until((e, i = p.events.indexOf(e)) => i >= n && e.ev === 'sent' && e.text === text, 'note sent');
      for (const o of all.filter((x) => x !== p)) {
        await o.until((e) => e.ev === 'entry' && e.text === text, `${text} on ${o.name}`, 10_000);
        const ms = latency(sent, o, (e) => e.text === text)!;
        noteMs.push(ms);
        expect(ms).toBeLessThan(1000);
      }
    }
    // ...and on the war-room screen, with nobody at its keyboard.
    await wall.waitForText(/note from nobody/, 60_000);

    // A severity decided on one shows on the others within 1 s.
    const n = b.events.length;
    b.send('severity SEV-2 crawl backlog over 15 minutes');
    const sent = await b.until((e, i = b.events.indexOf(e)) => i >= n && e.ev === 'sent' && e.severity === 'SEV-2', 'severity sent');
    for (const o of [a, c]) {
      await o.until((e) => e.ev === 'entry' && e.kind === 'severity-decided' && e.severity === 'SEV-2', `SEV-2 on ${o.name}`, 10_000);
      expect(latency(sent, o, (e) => e.kind === 'severity-decided' && e.severity === 'SEV-2')).toBeLessThan(1000);
      expect((await o.status()).severity).toBe('SEV-2');
    }

    // The PagerDuty receiver accepts exactly one trigger per target, whatever the number of cockpits.
    const dedup = (t: string) => `${id}:${t}`;
    await waitFor(
      () => receiver.acceptedFor(dedup('primary-on-call')).length >= 1 && receiver.acceptedFor(dedup('crawl-owner')).length >= 1,
      {
        what: 'pages to the primary on-call and the crawl owner',
      },
    );
    // Let every cockpit's sweep run a few more times: nobody sends a second one.
    await new Promise((r) => setTimeout(r, 1500));
    const triggers = receiver.accepted().filter((r) => r.body.event_action === 'trigger');
    const perTarget = new Map<string, number>();
    for (const r of triggers) perTarget.set(String(r.body.dedup_key), (perTarget.get(String(r.body.dedup_key)) ?? 0) + 1);
    expect([...perTarget.entries()].sort()).toEqual([
      [dedup('crawl-owner'), 1],
      [dedup('primary-on-call'), 1],
    ]);
    // Everyone shows the same timeline.
    let seen = '';
    await waitFor(
      async () => {
        const sts = await Promise.all(all.map((p) => p.status()));
        const hs = sts.map((st) => (st.hashes as string[]).join());
        seen = sts.map((st) => `${String(st.entries)} entries`).join(' / ');
        return hs.every((h) => h === hs[0]);
      },
      { what: `identical timelines (${seen})`, everyMs: 100 },
    ).catch(async (err: unknown) => {
      const kinds = all.map((p) => p.events.filter((e) => e.ev === 'entry').map((e) => `${String(e.kind)}:${String(e.by)}`));
      throw new Error(`${String(err)}\n${seen}\n${kinds.map((k) => k.join(' ')).join('\n\n')}`);
    });
    console.log(`note fan-out between processes (ms): ${noteMs.map((x) => x.toFixed(0)).join(', ')}`);
  });
});
