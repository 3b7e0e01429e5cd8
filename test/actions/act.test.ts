// `lsos-cockpit act` end to end against real servers: a private redis-server (flags on its db 0,
// the Celery broker on db 1), a private database on the shared PostgreSQL for ops_audit_log, and
// a root-owned roles file (the identities are test users). Same checks and records as the TUI.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAct } from '../../src/cli/act.js';
import { readJournalFile } from '../../src/journal/journal.js';
import { incidentIds, journalPath } from '../../src/journal/store.js';
import type { Identity } from '../../src/control/roles/roles.js';
import { PrivateRedis, freePort, publishTasks, requireServer, run, celeryAvailable } from '../celery/harness.js';

const ADMIN = 'postgres://postgres@127.0.0.1:5432/test';
const DB = `lsos_audit_test_${Math.random().toString(36).slice(2, 8)}`;
const isRoot = process.getuid?.() === 0;
const ok =
  isRoot &&
  (await requireServer('PostgreSQL, redis-server and Debian Celery', async () => {
    const c = new pg.Client(ADMIN);
    await c.connect();
    await c.end();
    await run('redis-server', ['--version']);
    await celeryAvailable();
  }));
if (!isRoot) console.warn('\n*** SKIPPING act CLI suite: it needs root to give the roles file to another owner ***\n');

const user = (username: string, uid: number): Identity => ({ username, uid, gid: uid, groups: [uid] });
const ALICE = user('alice', 43_001); // viewer
const BOB = user('bob', 43_002); // operator
const CAROL = user('carol', 43_003); // privileged

describe.runIf(ok)('lsos-cockpit act', () => {
  let redis: PrivateRedis;
  let flags: Redis;
  let broker: Redis;
  let admin: pg.Client;
  let db: pg.Client;
  let dir: string;
  let rolesFile: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    flags = new Redis(`redis://127.0.0.1:${redis.port}/0`);
    broker = new Redis(`redis://127.0.0.1:${redis.port}/1`);
    admin = new pg.Client(ADMIN);
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DB}`);
    db = new pg.Client(`postgres://postgres@127.0.0.1:5432/${DB}`);
    await db.connect();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-act-cli-'));
    fs.chmodSync(dir, 0o755);
    rolesFile = path.join(dir, 'roles.yaml');
    fs.writeFileSync(rolesFile, 'users:\n  alice: viewer\n  bob: operator\n  carol: privileged\n');
    fs.chmodSync(rolesFile, 0o644);
    fs.mkdirSync(path.join(dir, 'xdg', 'lsos-cockpit'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'xdg', 'lsos-cockpit', 'config.yaml'), 'tasks:\n  crawl.fetch_page: { idempotent: true }\n');
    env = {
      REDIS_URL: `redis://127.0.0.1:${redis.port}/1`,
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${DB}`,
      XDG_CONFIG_HOME: path.join(dir, 'xdg'),
      HOME: dir,
    };
  });

  afterAll(async () => {
    flags?.disconnect();
    broker?.disconnect();
    await redis?.stop();
    await db?.end().catch(() => undefined);
    await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined);
    await admin?.end().catch(() => undefined);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function act(identity: Identity, args: string[], roles = rolesFile) {
    let out = '';
    let err = '';
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env, cwd: dir };
    const code = await runAct([...args, '--state-dir', path.join(dir, 'state')], io, { session: { identity, rolesFile: roles } });
    return { code, out, err };
  }

  const auditRows = async () =>
    (
      await db.query<{
        operator: string;
        role: string;
        action: string;
        result: string;
        parameters: Record<string, unknown>;
        task_ids: string[];
      }>('SELECT operator, role, action, result, parameters, task_ids FROM ops_audit_log ORDER BY id')
    ).rows;

  function journalActions() {
    const state = path.join(dir, 'state');
    return incidentIds(state).flatMap((id) => readJournalFile(journalPath(state, id), id).entries.filter((e) => e.kind === 'action'));
  }

  it('--dry-run prints the preview and records nothing', async () => {
    const r = await act(BOB, ['pause-task', '--task', 'crawl.fetch_page', '--until', '10m', '--reason', 'failure loop', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^Pause crawl\.fetch_page: emitted -> paused until \S+\n {2}flag {4}SET lsos:pause:crawl\.fetch_page \{"by":"bob","reason":"failure loop",.*\} PX (\d+) \(db 0\)\n/,
    );
    const px = Number(/PX (\d+)/.exec(r.out)?.[1]);
    expect(px).toBeGreaterThan(595_000);
    expect(px).toBeLessThanOrEqual(600_000);
    expect(r.out).toMatch(/dry run: nothing was done or recorded/);
    expect(await flags.exists('lsos:pause:crawl.fetch_page')).toBe(0);
    expect(journalActions()).toEqual([]);
  });

  it('runs with the same records: journal entry and ops_audit_log rows', async () => {
    const r = await act(BOB, ['pause-task', '--task', 'crawl.fetch_page', '--until', '10m', '--reason', 'failure loop']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/DONE\n {2}ok {6}lsos:pause:crawl\.fetch_page set until/);
    const flag = JSON.parse((await flags.get('lsos:pause:crawl.fetch_page')) ?? '{}') as Record<string, string>;
    expect(flag).toMatchObject({ by: 'bob', reason: 'failure loop' });
    expect((await auditRows()).map((x) => [x.operator, x.role, x.action, x.result])).toEqual([
      ['bob', 'operator', 'pause-task', 'attempted'],
      ['bob', 'operator', 'pause-task', 'done'],
    ]);
  });

  it('an LSOS on RabbitMQ keeps its control flags on a Redis of its own (LSOS_FLAGS_REDIS_URL)', async () => {
    const amqpEnv = { ...env, AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', LSOS_FLAGS_REDIS_URL: `redis://127.0.0.1:${redis.port}/0` };
    delete (amqpEnv as Record<string, string | undefined>).REDIS_URL;
    let out = '';
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, env: amqpEnv, cwd: dir };
    const code = await runAct(['pacing-conservative', '--reason', 'provider blocks', '--state-dir', path.join(dir, 'state')], io, {
      session: { identity: BOB, rolesFile },
    });
    expect(code, out).toBe(0);
    expect(await flags.get('lsos:pacing:profile')).toBe('conservative');
    await flags.del('lsos:pacing:profile');
  });

  it("refuses a viewer's and an operator's replay (exit 4) and records both", async () => {
    for (const who of [ALICE, BOB]) {
      const r = await act(who, ['replay-dead-letters', '--queue', 'crawl', '--reason-code', 'fix-deployed', '--reason', 'fix out']);
      expect(r.code).toBe(4);
      expect(r.out).toMatch(new RegExp(`REFUSED: Replay dead letters needs role privileged; ${who.username} is (viewer|operator)`));
    }
    const rows = (await auditRows()).slice(-2);
    expect(rows.map((x) => [x.operator, x.action, x.result])).toEqual([
      ['alice', 'replay-dead-letters', 'refused'],
      ['bob', 'replay-dead-letters', 'refused'],
    ]);
  });

  it('refuses a non-idempotent task without the override; replays it with the typed override, keeping ids', async () => {
    // Real Celery envelopes, dead-lettered as LSOS does (LPUSH to Q.dead with the lsos_ headers).
    const published = await publishTasks({ brokerUrl: env.REDIS_URL ?? '', queuePrefix: '' }, [
      { name: 'reviews.sync_reviews', kwargs: { campaign_id: 7 }, count: 3 },
    ]);
    for (;;) {
      const raw = await broker.rpop('reviews');
      if (raw === null) break;
      const e = JSON.parse(raw) as { headers: Record<string, unknown> };
      Object.assign(e.headers, {
        lsos_exc_type: 'ReviewParseError',
        lsos_exc_message: 'bad page',
        lsos_failed_at: Date.now() / 1000,
        lsos_dead_reason: 'max_retries',
      });
      await broker.lpush('reviews.dead', JSON.stringify(e));
    }
    expect(await broker.llen('reviews.dead')).toBe(3);

    const refused = await act(CAROL, [
      'replay-dead-letters',
      '--queue',
      'reviews',
      '--reason-code',
      'fix-deployed',
      '--reason',
      'parser fixed',
    ]);
    expect(refused.code).toBe(4);
    expect(refused.out).toMatch(/REFUSED: no dead letter in reviews\.dead is of an idempotent task \(reviews\.sync_reviews\)/);
    expect(await broker.llen('reviews.dead')).toBe(3);

    const wrongName = await act(CAROL, [
      'replay-dead-letters',
      '--queue',
      'reviews',
      '--task',
      'reviews.sync_reviews',
      '--reason-code',
      'fix-deployed',
      '--reason',
      'parser fixed',
    ]);
    expect(wrongName.code).toBe(4);

    // `act` sees no task events: no evidence of a fix can be shown, so a live replay is refused…
    const unproven = await act(CAROL, [
      'replay-dead-letters',
      '--queue',
      'reviews',
      '--reason-code',
      'fix-deployed',
      '--override-task',
      'reviews.sync_reviews',
      '--reason',
      'parser fixed',
    ]);
    expect(unproven.code).toBe(4);
    expect(unproven.out).toMatch(/REFUSED: no evidence of a fix \(runbook 3\.4: replay after the fix\): no task events in this session/);
    expect(await broker.llen('reviews.dead')).toBe(3);
    // …unless the operator overrides the fix check too (recorded).
    const done = await act(CAROL, [
      'replay-dead-letters',
      '--queue',
      'reviews',
      '--reason-code',
      'fix-deployed',
      '--override-task',
      'reviews.sync_reviews',
      '--fix-check',
      'override',
      '--reason',
      'parser fixed',
    ]);
    expect(done.code).toBe(0);
    expect(await broker.llen('reviews.dead')).toBe(0);
    const back = (await broker.lrange('reviews', 0, -1)).map((m) => JSON.parse(m) as { headers: Record<string, unknown> });
    expect(back.map((m) => m.headers.id).sort()).toEqual(published.map((p) => p.id).sort());
    for (const m of back) expect(m.headers).toMatchObject({ lsos_replay_reason: 'fix-deployed', lsos_replayed_by: 'carol' });
    const last = (await auditRows()).at(-1);
    expect(last).toMatchObject({ operator: 'carol', role: 'privileged', result: 'done' });
    expect(last?.parameters).toMatchObject({
      override: true,
      overrideTask: 'reviews.sync_reviews',
      reasonCode: 'fix-deployed',
      fixCheck: 'override',
      fixCheckOverride: true,
    });
    expect([...(last?.task_ids ?? [])].sort()).toEqual(published.map((p) => p.id).sort());
  });

  it('a roles file its user could edit is refused: read-only, and the refusal is recorded', async () => {
    const own = path.join(dir, 'alice-owned.yaml');
    fs.writeFileSync(own, 'users:\n  alice: privileged\n');
    fs.chownSync(own, ALICE.uid, ALICE.gid);
    fs.chmodSync(own, 0o400);
    const r = await act(ALICE, ['pacing-conservative', '--reason', 'x'], own);
    expect(r.code).toBe(4);
    expect(r.out).toMatch(/REFUSED: read-only session: roles file refused \(as sshd refuses loose key permissions\): .*owned by alice/);
    expect(await flags.get('lsos:pacing:profile')).toBeNull();
    const none = await act(ALICE, ['pacing-conservative', '--reason', 'x'], path.join(dir, 'nope.yaml'));
    expect(none.code).toBe(4);
    expect(none.out).toMatch(/read-only session: no roles file at/);
    expect((await auditRows()).slice(-2).map((x) => [x.role, x.result])).toEqual([
      ['viewer', 'refused'],
      ['viewer', 'refused'],
    ]);
  });

  it('usage errors exit 2 and record nothing', async () => {
    const before = journalActions().length;
    expect((await act(BOB, ['no-such-action', '--reason', 'x'])).code).toBe(2);
    expect((await act(BOB, ['pause-task', '--concurrency', 'lots', '--reason', 'x'])).code).toBe(2);
    expect(journalActions().length).toBe(before);
  });

  it('--simulation acts on a fresh embedded simulation with the demo roles file, marked SIMULATED, never in ops_audit_log', async () => {
    const rowsBefore = (await auditRows()).length;
    const r = await act(ALICE, ['--simulation', 'reduce-concurrency', '--queue', 'rank', '--concurrency', '1', '--reason', 'demo']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^SIMULATED Reduce rank worker pools 8 -> 1 processes\n/);
    expect(r.out).toMatch(/SIMULATED DONE\n {2}ok {6}celery@rank-1 acknowledged pool 1: SIMULATED: celery@rank-1: pool \d+ -> 1 processes/);
    expect(await flags.get('lsos:pacing:profile')).toBeNull();
    expect((await auditRows()).length).toBe(rowsBefore);
    // Practice apart from reality: recorded in the simulation's own store, nothing in the live one.
    const liveBefore = journalActions().length;
    const practice = path.join(dir, 'state', 'simulation');
    const last = incidentIds(practice)
      .flatMap((id) => readJournalFile(journalPath(practice, id), id).entries.filter((e) => e.kind === 'action'))
      .at(-1);
    expect(last?.details).toMatchObject({ action: 'reduce-concurrency', outcome: 'done, SIMULATED', role: 'privileged' });
    expect(journalActions().length).toBe(liveBefore);
    expect(journalActions().some((e) => String(e.details.outcome).includes('SIMULATED'))).toBe(false);
  });
});
