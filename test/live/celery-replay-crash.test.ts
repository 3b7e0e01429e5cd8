// Replay of 1,000 dead letters, interrupted, then resumed: exactly 1,000 reach the queue, none
// twice, none lost (counted by task id, straight from the broker). Interruptions: the replaying
// process SIGKILLed part way (it runs as a child on the compiled wire layer), and the broker
// connection cut part way (a TCP proxy in front of the shared server) — on Redis and RabbitMQ.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, requireServer, runId, TcpProxy } from '../celery/harness.js';
import { buildTask, toAmqpMessage, toRedisEnvelope } from '../../src/control/celery/message.js';
import { AmqpDeadLetterReplayer } from '../../src/control/celery/amqpReplay.js';
import { RedisDeadLetterReplayer } from '../../src/control/celery/redisReplay.js';
import type { DeadLetterReplayer, ReplayResult } from '../../src/control/celery/types.js';
import { amqpUrl, createVhost, deleteVhost, rabbitReady, RABBIT_PORT } from './amqp-support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const script = path.join(repo, 'test', 'celery', 'replay-crash.mjs');
const N = 1000;
const REDIS_PORT = 6379;
// A db of its own (celery-replay uses 8): Celery's broadcast control and its unacked hash are per
// db, so files that share the server run side by side without meeting.
const REDIS_DB = 7;
const redisUrl = (port = REDIS_PORT) => `redis://127.0.0.1:${port}/${REDIS_DB}`;

const redisOk = await requireServer('redis', () => redisAvailable(redisUrl()));
const rabbitOk = await rabbitReady('celery replay crash tests (RabbitMQ)');

let compiled = '';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-replay-crash-'));

// The child runs plain Node: compile the wire layer into a private directory inside the repo
// (so ioredis and amqplib resolve from node_modules), independent of dist/.
beforeAll(() => {
  const cache = path.join(repo, 'node_modules', '.cache');
  fs.mkdirSync(cache, { recursive: true });
  compiled = fs.mkdtempSync(path.join(cache, 'lsos-celery-crash-'));
  const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [
    tsc,
    '--outDir',
    compiled,
    '--rootDir',
    repo,
    '--module',
    'NodeNext',
    '--moduleResolution',
    'NodeNext',
    '--target',
    'ES2022',
    '--strict',
    '--skipLibCheck',
    '--esModuleInterop',
    '--types',
    'node',
    path.join(repo, 'src', 'control', 'celery', 'redisReplay.ts'),
    path.join(repo, 'src', 'control', 'celery', 'amqpReplay.ts'),
  ];
  const r = spawnSync(process.execPath, args, { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed:\n${r.stdout}\n${r.stderr}`);
});

afterAll(() => {
  if (compiled !== '') fs.rmSync(compiled, { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface ChildRun {
  /** The replayed counts the child printed (one per batch). */
  progress: number[];
  killed: boolean;
  final: (ReplayResult & { ids: number }) | null;
}

/**
 * Runs the replay child; SIGKILLs it at a random moment (0-50 ms) after it printed a replayed
 * count >= killAt, so the kill lands anywhere in a batch (null: let it finish).
 */
function runChild(
  kind: 'redis' | 'amqp',
  url: string,
  queue: string,
  stateDir: string,
  killAt: number | null,
  rate = 1000,
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, compiled, kind, url, queue, stateDir, String(rate)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (killAt !== null && !killed) {
        const last = Number(out.trim().split('\n').pop());
        if (Number.isFinite(last) && last >= killAt) {
          killed = true;
          setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 50));
        }
      }
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const lines = out.split('\n').filter((l) => l.trim() !== '');
      const final =
        lines.length > 0 && lines[lines.length - 1]?.startsWith('{') ? (JSON.parse(lines.pop() as string) as ChildRun['final']) : null;
      if (killAt !== null && signal !== 'SIGKILL' && code !== 0)
        return reject(new Error(`child failed (code ${code}): ${err}\n${out.slice(-500)}`));
      if (killAt === null && code !== 0) return reject(new Error(`child failed (code ${code}): ${err}`));
      resolve({ progress: lines.map(Number), killed: signal === 'SIGKILL', final });
    });
  });
}

/** Task ids found in a list of envelopes, with how often each occurs. */
function countIds(ids: string[]): { distinct: number; dupes: number } {
  const seen = new Map<string, number>();
  for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  return { distinct: seen.size, dupes: [...seen.values()].filter((n) => n > 1).length };
}

const REPLAY = { operator: 'crash-test', reasonCode: 'transient-cleared' as const, allowedTasks: () => true };

// ---------------------------------------------------------------------------------------------

describe.runIf(redisOk)('replay crash safety on Redis', () => {
  const redis = new Redis(redisUrl());
  const prefix = `rc${runId()}_`;

  /** Q.dead with N dead letters as LSOS writes them (the envelope plus lsos_exc_* headers). */
  async function fill(queue: string): Promise<string[]> {
    const ids: string[] = [];
    const pipe = redis.pipeline();
    for (let i = 0; i < N; i++) {
      const env = toRedisEnvelope(buildTask({ task: 'crawl.fetch_page', queue, kwargs: { url: `https://example.com/${i}` } }));
      Object.assign(env.headers, {
        lsos_exc_type: 'TimeoutError',
        lsos_exc_message: 'timed out',
        lsos_failed_at: Date.now() / 1000,
        lsos_dead_reason: 'max_retries',
      });
      ids.push(env.headers['id'] as string);
      pipe.lpush(`${queue}.dead`, JSON.stringify(env));
    }
    await pipe.exec();
    return ids;
  }

  async function idsIn(key: string): Promise<string[]> {
    return (await redis.lrange(key, 0, -1)).map((s) => (JSON.parse(s) as { headers: { id: string } }).headers.id);
  }

  afterAll(async () => {
    const keys = await redis.keys(`*${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('SIGKILL part way, twice, then resume: exactly 1,000 in the queue, none twice, none lost', async () => {
    const queue = `${prefix}crawl`;
    const sent = await fill(queue);
    const first = await runChild('redis', redisUrl(), queue, tmp, 300);
    expect(first.killed).toBe(true);
    const printed1 = first.progress.at(-1) ?? 0;
    // Mid-way, every dead letter is in exactly one place.
    const inQ = await idsIn(queue);
    const inDead = await idsIn(`${queue}.dead`);
    expect(inQ.length).toBeGreaterThanOrEqual(300);
    expect(inQ.length).toBeLessThan(N);
    expect(countIds([...inQ, ...inDead])).toEqual({ distinct: N, dupes: 0 });
    // Unpaced this time (100 per EVAL back to back).
    const second = await runChild('redis', redisUrl(), queue, tmp, 100, 0);
    const inQ2 = await idsIn(queue);
    expect(countIds([...inQ2, ...(await idsIn(`${queue}.dead`))])).toEqual({ distinct: N, dupes: 0 });
    const done = await runChild('redis', redisUrl(), queue, tmp, null);
    const finalQ = await idsIn(queue);
    console.info(
      `redis SIGKILL: 1st kill with ${inQ.length} in the queue (last reported ${printed1}), 2nd ${second.killed ? 'kill' : 'run (finished before the kill)'} with ${inQ2.length} (last reported ${inQ.length + (second.progress.at(-1) ?? 0)}); resumed run replayed ${done.final?.replayed}`,
    );
    expect(done.final?.error).toBeNull();
    expect(finalQ.length).toBe(N);
    expect(countIds(finalQ)).toEqual({ distinct: N, dupes: 0 });
    expect(new Set(finalQ)).toEqual(new Set(sent));
    expect(await redis.llen(`${queue}.dead`)).toBe(0);
    // Oldest dead letter first: the queue's tail (consumed next) is the first one dead-lettered.
    expect(finalQ[finalQ.length - 1]).toBe(sent[0]);
    // Every replayed message carries the replay headers.
    const one = JSON.parse((await redis.lindex(queue, 0)) as string) as { headers: Record<string, unknown> };
    expect(one.headers).toMatchObject({ lsos_replay_of: `${queue}.dead`, lsos_replay_count: 1, lsos_replay_reason: 'transient-cleared' });
    expect(await redis.hlen(`lsos:replay:ledger:${queue}`)).toBe(N);
  });

  it('broker connection cut part way, then resume: exactly 1,000, none twice, none lost', async () => {
    const queue = `${prefix}rank`;
    const sent = await fill(queue);
    const proxy = new TcpProxy(REDIS_PORT);
    const port = await proxy.start();
    let replayer: DeadLetterReplayer = new RedisDeadLetterReplayer({ url: redisUrl(port) });
    let cutAt = -1;
    const res = await replayer.replay({
      ...REPLAY,
      queue,
      ratePerSecond: 400,
      onProgress: (p) => {
        if (cutAt < 0 && p.replayed >= 300) {
          cutAt = p.replayed;
          void proxy.cut();
        }
      },
    });
    await replayer.close();
    expect(res.error).not.toBeNull();
    const inQ = await idsIn(queue);
    const inDead = await idsIn(`${queue}.dead`);
    expect(countIds([...inQ, ...inDead])).toEqual({ distinct: N, dupes: 0 });
    await proxy.restore();
    replayer = new RedisDeadLetterReplayer({ url: redisUrl(port) });
    const again = await replayer.replay({ ...REPLAY, queue, ratePerSecond: 0 });
    await replayer.close();
    await proxy.close();
    console.info(
      `redis cut: cut after ${cutAt} (${inQ.length} in the queue), error "${res.error}"; resumed run replayed ${again.replayed}`,
    );
    expect(again.error).toBeNull();
    expect(res.replayed + again.replayed + again.alreadyDone).toBeGreaterThanOrEqual(N - 1);
    const finalQ = await idsIn(queue);
    expect(finalQ.length).toBe(N);
    expect(countIds(finalQ)).toEqual({ distinct: N, dupes: 0 });
    expect(new Set(finalQ)).toEqual(new Set(sent));
    expect(await redis.llen(`${queue}.dead`)).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------

describe.runIf(rabbitOk)('replay crash safety on RabbitMQ', () => {
  const vhost = `lsos_rc_${runId()}`;
  const url = amqpUrl(vhost);
  const stateDir = path.join(tmp, 'amqp-state');
  let conn: amqp.ChannelModel;

  beforeAll(async () => {
    await createVhost(vhost);
    conn = await amqp.connect(url);
  });

  afterAll(async () => {
    await conn?.close().catch(() => undefined);
    await deleteVhost(vhost);
  });

  /** Q declared as LSOS declares it (DLX lsos.dlx), Q.dead holding N dead letters. */
  async function fill(queue: string): Promise<string[]> {
    const ch = await conn.createConfirmChannel();
    await ch.assertExchange('lsos.dlx', 'direct', { durable: true });
    await ch.assertQueue(queue, { durable: true, arguments: { 'x-dead-letter-exchange': 'lsos.dlx', 'x-dead-letter-routing-key': queue } });
    await ch.assertQueue(`${queue}.dead`, { durable: true });
    await ch.bindQueue(`${queue}.dead`, 'lsos.dlx', queue);
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const m = toAmqpMessage(buildTask({ task: 'crawl.fetch_page', queue, kwargs: { url: `https://example.com/${i}` } }));
      Object.assign(m.options.headers, { 'x-first-death-reason': 'rejected', 'x-first-death-queue': queue, 'x-first-death-exchange': '' });
      ids.push(m.options.headers['id'] as string);
      ch.publish('', `${queue}.dead`, m.content, m.options);
    }
    await ch.waitForConfirms();
    await ch.close();
    return ids;
  }

  /** Drains a queue (test-only) and returns the task ids in it. */
  async function drain(queue: string): Promise<string[]> {
    const ch = await conn.createChannel();
    const ids: string[] = [];
    for (;;) {
      const m = await ch.get(queue, { noAck: true });
      if (!m) break;
      ids.push(String(m.properties.headers?.['id']));
    }
    await ch.close();
    return ids;
  }

  async function count(queue: string): Promise<number> {
    const ch = await conn.createChannel();
    const n = (await ch.checkQueue(queue)).messageCount;
    await ch.close();
    return n;
  }

  /** After a crash the broker requeues the unacked dead letters: wait until nothing is in flight. */
  async function settled(queue: string): Promise<{ q: number; dead: number }> {
    const deadline = Date.now() + 30_000; // a ceiling: a busy broker requeues late, not wrong
    while (Date.now() < deadline) {
      const q = await count(queue);
      const dead = await count(`${queue}.dead`);
      if (q + dead === N) return { q, dead };
      await new Promise((r) => setTimeout(r, 100));
    }
    return { q: await count(queue), dead: await count(`${queue}.dead`) };
  }

  it('SIGKILL part way, twice, then resume: exactly 1,000 in the queue, none twice, none lost', async () => {
    const queue = `rc${runId()}_crawl`;
    const sent = await fill(queue);
    const first = await runChild('amqp', url, queue, stateDir, 300);
    expect(first.killed).toBe(true);
    const mid = await settled(queue);
    expect(mid.q + mid.dead).toBe(N);
    expect(mid.q).toBeGreaterThanOrEqual(300);
    // Unpaced this time (about 100 per transaction back to back): the kill lands inside a transaction.
    const second = await runChild('amqp', url, queue, stateDir, 100, 0);
    const mid2 = await settled(queue);
    expect(mid2.q + mid2.dead).toBe(N);
    const done = await runChild('amqp', url, queue, stateDir, null);
    console.info(
      `amqp SIGKILL: 1st kill with ${mid.q} in the queue (last reported ${first.progress.at(-1)}), 2nd ${second.killed ? 'kill' : 'run (finished before the kill)'} with ${mid2.q} (last reported ${mid.q + (second.progress.at(-1) ?? 0)}); resumed run replayed ${done.final?.replayed}, alreadyDone ${done.final?.alreadyDone}`,
    );
    expect(done.final?.error).toBeNull();
    expect(await count(`${queue}.dead`)).toBe(0);
    const finalQ = await drain(queue);
    expect(finalQ.length).toBe(N);
    expect(countIds(finalQ)).toEqual({ distinct: N, dupes: 0 });
    expect(new Set(finalQ)).toEqual(new Set(sent));
  });

  it('broker connection cut part way, then resume: exactly 1,000, none twice, none lost', async () => {
    const queue = `rc${runId()}_rank`;
    const sent = await fill(queue);
    const proxy = new TcpProxy(RABBIT_PORT);
    const port = await proxy.start();
    let replayer: DeadLetterReplayer = new AmqpDeadLetterReplayer({ url: amqpUrl(vhost, port), stateDir });
    let cutAt = -1;
    const res = await replayer.replay({
      ...REPLAY,
      queue,
      ratePerSecond: 400,
      onProgress: (p) => {
        if (cutAt < 0 && p.replayed >= 300) {
          cutAt = p.replayed;
          void proxy.cut();
        }
      },
    });
    await replayer.close();
    expect(res.error).not.toBeNull();
    const mid = await settled(queue);
    expect(mid.q + mid.dead).toBe(N);
    await proxy.restore();
    replayer = new AmqpDeadLetterReplayer({ url: amqpUrl(vhost, port), stateDir });
    const again = await replayer.replay({ ...REPLAY, queue, ratePerSecond: 0 });
    await replayer.close();
    await proxy.close();
    console.info(`amqp cut: cut after ${cutAt} (${mid.q} in the queue), error "${res.error}"; resumed run replayed ${again.replayed}`);
    expect(again.error).toBeNull();
    expect(await count(`${queue}.dead`)).toBe(0);
    const finalQ = await drain(queue);
    expect(finalQ.length).toBe(N);
    expect(countIds(finalQ)).toEqual({ distinct: N, dupes: 0 });
    expect(new Set(finalQ)).toEqual(new Set(sent));
  });
});
