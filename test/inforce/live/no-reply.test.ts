// A remote-control command without a reply, against a real Celery worker stopped with SIGSTOP:
// recorded as "no reply: may still apply" (never as failed), shown in force unconfirmed, and
// checked until the worker's later replies settle it. Celery carries out a pidbox command it
// reads late (it checks `expires` only on replies), and handles them in order per worker: once it
// answers stats/active_queues again, what it shows says whether the command applied.
// - SIGCONT: the worker reads the cancel_consumer and stops consuming: confirmed applied.
// - SIGKILL and a restart: the command died with the process; the worker consumes the queue
//   again: after the confirm window, confirmed not applied, and nothing is in force.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRemoteControl } from '../../../src/control/celery/redisControl.js';
import { MitigationController } from '../../../src/control/mitigations/controller.js';
import type { InForce, MitigationsState } from '../../../src/control/mitigations/inForce.js';
import { LiveBackend } from '../../../src/control/mitigations/liveBackend.js';
import { ProvenanceReader } from '../../../src/control/audit/provenance.js';
import { inForceTable, whyText } from '../../../panels/mitigations/columns.js';
import { cells } from '../../panels/fixtures.js';
import { IncidentRecorder } from '../../../src/journal/recorder.js';
import { CeleryWorker, PrivateRedis, celeryAvailable, freePort, requireServer, run, runId, until } from '../../celery/harness.js';

const ok = await requireServer('redis-server binary and Debian Celery', async () => {
  await celeryAvailable();
  await run('redis-server', ['--version']);
});

const PREFIX = `nr${runId()}_`;
const RANK = `${PREFIX}rank`;

describe.runIf(ok)('a command without a reply (real worker, SIGSTOP)', () => {
  let redis: PrivateRedis;
  let flags: Redis;
  let brokerUrl = '';
  let worker: CeleryWorker;
  let control: RedisRemoteControl;
  let dir = '';
  let recorder: IncidentRecorder;
  let published: MitigationsState | null = null;
  let c: MitigationController;

  const startWorker = () =>
    CeleryWorker.start({ brokerUrl, queuePrefix: PREFIX, name: `nr${runId()}`, queues: ['rank', 'crawl'], concurrency: 2 });

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    brokerUrl = `redis://127.0.0.1:${redis.port}/1`;
    flags = new Redis(`redis://127.0.0.1:${redis.port}/0`);
    worker = await startWorker();
    control = new RedisRemoteControl({ url: brokerUrl });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-no-reply-'));
    recorder = new IncidentRecorder({ stateDir: dir, operator: 'alice' });
    const provenance = new ProvenanceReader({ stateDir: dir, trail: null });
    c = new MitigationController({
      recorder,
      backend: new LiveBackend({ flags, control, queues: [RANK, `${PREFIX}crawl`], controlTimeoutMs: 1500, confirmTimeoutMs: 10_000 }),
      actor: { operator: 'alice', role: 'operator', roleSource: 'test', readonly: false, readonlyReason: null },
      isIdempotent: () => true,
      provenance: () => provenance.read(),
      confirmWindowMs: 4000,
      publish: (s) => {
        published = s;
      },
    });
  }, 240_000);

  afterAll(async () => {
    if (worker) process.kill(worker.pid, 'SIGCONT');
    await worker?.stop();
    await control?.close();
    recorder?.close();
    flags?.disconnect();
    await redis?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const rankRow = (list: readonly InForce[]) => list.find((m) => m.kind === 'cancelled-consumer' && m.target === RANK);
  const actions = () => recorder.view()?.entries.filter((e) => e.kind === 'action') ?? [];
  const consumesRank = async (w: CeleryWorker) => {
    const r = await control.call('active_queues', {}, { destination: [w.hostname], timeoutMs: 3000 });
    const q = r[0]?.raw;
    return Array.isArray(q) ? q.some((x) => (x as { name?: string }).name === RANK) : null;
  };
  // A worker just started may not answer its first broadcast within 3 s on a busy machine (an
  // under-load run saw null): asked again until it says it consumes the queue, or the ceiling.
  const untilConsumesRank = (w: CeleryWorker) => until(() => consumesRank(w), 60_000, 500);

  it('STOP, stop-consuming: "no reply: may still apply", in force unconfirmed; CONT: confirmed applied', async () => {
    expect(await untilConsumesRank(worker)).toBe(true);
    process.kill(worker.pid, 'SIGSTOP');
    const r = await c.execute({
      mitigationId: 'stop-consuming',
      params: { queue: RANK, workers: [worker.hostname] },
      reason: 'drain rank elsewhere',
    });
    expect(r.status).toBe('no-reply');
    if (r.status !== 'no-reply') return;
    expect(r.outcome.failures).toEqual([]);
    expect(r.outcome.unconfirmed?.map((u) => u.target)).toEqual([worker.hostname]);
    const result = actions().at(-1);
    expect(result?.details).toMatchObject({
      mitigation: 'stop-consuming',
      outcome: 'no reply: may still apply',
      audit: { result: 'no-reply', parameters: { noReply: [worker.hostname] } },
      unconfirmed: [{ target: worker.hostname }],
    });

    // In force, unconfirmed, for as long as the worker stays silent.
    for (let i = 0; i < 2; i++) {
      const row = rankRow(await c.checker.check());
      expect(row).toMatchObject({ setIn: recorder.view()?.id, unconfirmed: `${worker.hostname}: no reply: may still apply`, drift: null });
    }
    // On the panel: marked ?, the why column says so.
    const row = cells(inForceTable(published!.inForce, 120, Date.now()).columns, rankRow(published!.inForce)!);
    expect(row.mark).toEqual({ text: '?', tone: 'warn' });
    expect(row.why?.text).toMatch(/^UNCONFIRMED: /);
    expect(whyText(rankRow(published!.inForce)!)).toBe(`UNCONFIRMED: ${worker.hostname}: no reply: may still apply; drain rank elsewhere`);

    process.kill(worker.pid, 'SIGCONT');
    const settled = await until(
      async () => {
        const row = rankRow(await c.checker.check());
        return row && row.unconfirmed === null ? row : null;
      },
      60_000,
      300,
    );
    expect(settled).toMatchObject({ by: 'alice', reason: 'drain rank elsewhere', drift: null });
    // The worker carried it out, as Celery's own answer shows.
    expect(await consumesRank(worker)).toBe(false);
    expect(actions().at(-1)?.details).toMatchObject({
      action: 'stop-consuming',
      outcome: 'confirmed: applied',
      audit: { result: 'confirmed', parameters: { workers: [worker.hostname] } },
      record: { workers: [worker.hostname] },
    });
    // Undone, acknowledged this time.
    const back = await c.execute({
      mitigationId: 'resume-consuming',
      params: { queue: RANK, workers: [worker.hostname] },
      reason: 'rank fixed',
    });
    expect(back.status).toBe('done');
    expect(rankRow(await c.checker.check())).toBeUndefined();
  });

  it('STOP, stop-consuming, then the worker dies and comes back consuming the queue: confirmed not applied, nothing in force', async () => {
    process.kill(worker.pid, 'SIGSTOP');
    const r = await c.execute({
      mitigationId: 'stop-consuming',
      params: { queue: RANK, workers: [worker.hostname] },
      reason: 'second try',
    });
    expect(r.status).toBe('no-reply');
    expect(rankRow(await c.checker.check())?.unconfirmed).toMatch(/no reply: may still apply/);
    const name = worker.opts.name;
    await worker.kill9();
    worker = await CeleryWorker.start({ ...worker.opts, name });
    expect(await untilConsumesRank(worker)).toBe(true);
    const gone = await until(async () => (rankRow(await c.checker.check()) ? null : true), 60_000, 500);
    expect(gone).toBe(true);
    expect(actions().at(-1)?.details).toMatchObject({
      action: 'stop-consuming',
      outcome: 'not applied',
      audit: { result: 'not-applied' },
    });
  });
});
