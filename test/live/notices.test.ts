// Owner notices (runbook 4 step 5) end to end: completeness read from a real PostgreSQL primary,
// `email.notify_owner` published as real Celery protocol-v2 messages through the mitigation
// executor, executed by a real Celery 5.2 worker (a private redis-server as broker and flags db 0),
// once per owner and campaign; a second notice for the same owner, month and incident is refused
// without renotify=true (known from the journal), and sent again with it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeMitigation, type Actor } from '../../src/control/mitigations/execute.js';
import { LiveBackend } from '../../src/control/mitigations/liveBackend.js';
import { NOTIFY_OWNERS_ID } from '../../src/control/mitigations/ownerNotices.js';
import { attachStepServices } from '../../src/control/mitigations/stepServices.js';
import { readCompleteness } from '../../src/sources/postgres/completeness.js';
import { createReadOnlyPool } from '../../src/sources/postgres/pool.js';
import { RedisTaskPublisher } from '../../src/control/celery/redisPublisher.js';
import { monthWindow } from '../../src/core/completeness.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { celeryAvailable, CeleryWorker, freePort, PrivateRedis, requireServer, runId, sleep, until } from '../celery/harness.js';
import { requirePg, startReplicaPair, type PgReplicaPair } from '../support/pgReplica.js';
import { createLsosTables, DB, fillMonth, truthMissing } from '../runbook/lsosTables.js';

const MONTH = '2026-10';
const NOW = Date.parse('2026-11-20T12:00:00Z');
const PREFIX = `no${runId()}_`;
const ok =
  requirePg('owner notices (PostgreSQL)') && (await requireServer('celery (Debian python3-celery)', () => celeryAvailable(), 25_000));

/** email.notify_owner executions in the worker's own log: task id -> its result (kwargs echoed). */
function executed(worker: CeleryWorker): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of worker.log().matchAll(/Task email\.notify_owner\[([0-9a-f-]{36})\] succeeded in [0-9.e+-]+s: (.*)$/gm))
    out.set(m[1] as string, m[2] as string);
  return out;
}

describe.runIf(ok)('owner notices through a real Celery worker', () => {
  let pair: PgReplicaPair;
  let redis: PrivateRedis;
  let flags: Redis;
  let worker: CeleryWorker;
  let publisher: RedisTaskPublisher;
  let pool: pg.Pool;
  let stateDir: string;
  let recorder: IncidentRecorder;
  let backend: LiveBackend;
  const actor: Actor = { operator: 'tester', role: 'operator', roleSource: 'test', readonly: false, readonlyReason: null };
  const run = (params: Record<string, unknown>, dryRun = false) =>
    executeMitigation(
      {
        mitigationId: NOTIFY_OWNERS_ID,
        params: { month: MONTH, queue: `${PREFIX}email`, ...params },
        reason: 'October reports incomplete',
        dryRun,
      },
      { recorder, backend, actor, isIdempotent: () => false },
    );

  beforeAll(async () => {
    pair = await startReplicaPair();
    await createLsosTables(pair.primary);
    await pair.primary.query(
      `insert into campaigns (id, name, owner_email) values (1, 'alpha', 'ann@x.test'), (2, 'beta', 'bob@x.test'), (3, 'gamma', 'ann@x.test'), (4, 'delta', 'cy@x.test'), (5, 'eps', 'dee@x.test')`,
      [],
      DB,
    );
    await fillMonth(pair.primary, 1, MONTH, { skipRank: ['2026-10-03', '2026-10-04'] });
    await fillMonth(pair.primary, 2, MONTH, { skipCrawl: ['2026-10-10', '2026-10-28'] });
    await fillMonth(pair.primary, 3, MONTH, { skipRank: ['2026-10-21'] });
    // Only a recoverable gap (inside the 30-day history): no notice.
    await fillMonth(pair.primary, 4, MONTH, { skipRank: ['2026-10-27'] });
    await fillMonth(pair.primary, 5, MONTH);
    pool = createReadOnlyPool(pair.primary.url(DB), { statementTimeoutMs: 3000 });

    redis = new PrivateRedis(await freePort());
    await redis.start();
    flags = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    worker = await CeleryWorker.start({
      brokerUrl: redis.url,
      queuePrefix: PREFIX,
      name: `notice${runId()}`,
      queues: ['email'],
      concurrency: 2,
    });
    publisher = new RedisTaskPublisher({ url: redis.url });
    stateDir = mkdtempSync(join(tmpdir(), 'lsos-notices-'));
    recorder = new IncidentRecorder({ stateDir, operator: 'tester' });
    recorder.openIncident('monthly report failures > 5%');
    backend = new LiveBackend({ flags, publisher, queues: [`${PREFIX}email`] });
    attachStepServices(backend, {
      completeness: (q) => readCompleteness(pool, { ...q, now: NOW }),
      journal: () => recorder.view()?.entries ?? [],
    });
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await publisher?.close();
    flags?.disconnect();
    await redis?.stop();
    recorder?.close();
    await pool?.end();
    await pair?.cleanup();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('previews owners and campaigns, then the worker executes one notice per owner and campaign with its irrecoverable days', async () => {
    // The truth: campaigns with a missing day before the history cutoff, asked of the server day by day.
    const w = monthWindow(MONTH, NOW);
    const expected = new Map<string, string[]>();
    for (const id of [1, 2, 3, 4, 5]) {
      const t = await truthMissing(pair.primary, id, w.days);
      const lost = [...new Set([...t.rank, ...t.crawl])].filter((d) => d < w.historyCutoff).sort();
      if (lost.length) expected.set(String(id), lost);
    }
    expect([...expected.keys()].sort()).toEqual(['1', '2', '3']);

    const dry = await run({}, true);
    expect(dry.status).toBe('dry-run');
    const text = dry.status === 'dry-run' ? dry.preview.lines.map((l) => l.text).join('\n') : '';
    expect(dry.status === 'dry-run' && dry.preview.title).toBe('Notify 2 owners (3 campaigns, 2026-10)');
    expect(text).toContain('ann@x.test: 1 alpha missing 2026-10-03..04');
    expect(text).toContain('ann@x.test: 3 gamma missing 2026-10-21');
    expect(text).toContain('bob@x.test: 2 beta missing 2026-10-10');
    expect(text).not.toMatch(/delta|eps/);

    const r = await run({});
    expect(r.status).toBe('done');
    const ids = r.status === 'done' ? (r.outcome.taskIds ?? []) : [];
    expect(ids).toHaveLength(3);
    const seen = await until(() => (executed(worker).size >= 3 ? executed(worker) : null), 20_000);
    expect(seen, worker.log().slice(-2000)).not.toBeNull();
    const byCampaign = new Map<string, number>();
    for (const id of ids) {
      const result = seen?.get(id) ?? '';
      const campaign = /'campaign_id': '(\d+)'/.exec(result)?.[1] ?? '';
      byCampaign.set(campaign, (byCampaign.get(campaign) ?? 0) + 1);
      expect(result).toContain(`'month': '${MONTH}'`);
      expect(result).toContain(`'missing_days': [${(expected.get(campaign) ?? ['?']).map((d) => `'${d}'`).join(', ')}]`);
    }
    expect(Object.fromEntries(byCampaign)).toEqual({ '1': 1, '2': 1, '3': 1 });
    // Recorded like every action: attempted then done, with the audit row and the task ids.
    const entries = recorder.view()!.entries.filter((e) => e.kind === 'action' && e.details.mitigation === NOTIFY_OWNERS_ID);
    expect(entries.map((e) => (e.details.audit as { result: string }).result)).toEqual(['attempted', 'done']);
    expect((entries[1]?.details.audit as { taskIds: string[] }).taskIds.sort()).toEqual([...ids].sort());
  });

  it('refuses a second notice to the same owners for the same month and incident without renotify', async () => {
    const before = executed(worker).size;
    const again = await run({});
    expect(again.status).toBe('refused');
    expect(again.status === 'refused' && again.refusal).toMatch(
      /already notified in this incident: ann@x\.test about 1 2026-10 \(seq \d+\).*renotify=true/,
    );
    await sleep(1500);
    expect(executed(worker).size).toBe(before);
    expect(await flags.llen(`${PREFIX}email`)).toBe(0);
    const last = recorder
      .view()!
      .entries.filter((e) => e.kind === 'action')
      .at(-1);
    expect((last?.details.audit as { result: string }).result).toBe('refused');

    const confirmed = await run({ renotify: true });
    expect(confirmed.status).toBe('done');
    const ids = confirmed.status === 'done' ? (confirmed.outcome.taskIds ?? []) : [];
    expect(ids).toHaveLength(3);
    expect(await until(() => ids.every((id) => executed(worker).has(id)), 20_000)).toBe(true);
    expect(executed(worker).size).toBe(before + 3);
  });
});
