// Hostile names from the systems the cockpit watches: a real Celery worker whose node name carries
// a right-to-left override, a right-to-left mark and the 8-bit CSI introducer, and a queue named
// with such characters, on a private Redis. `check --json` (what a monitoring system prints) holds
// none of them raw; the journal keeps the names escaped (`\u202E`), never as raw bytes.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripControls } from '../../src/core/sanitize.js';
import { evaluateTriggers } from '../../src/core/triggers.js';
import { IncidentRecorder, triggerDetailsOf } from '../../src/journal/recorder.js';
import { CeleryWorker, PrivateRedis, celeryAvailable, freePort, requireServer } from '../celery/harness.js';
import { queue, snap } from '../core/helpers.js';
import { CLI, ROOT } from '../e2e/tmux.js';

/** Raw C0/C1 controls, bidi controls and default-ignorable characters: none may reach the output. */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\p{Bidi_Control}\p{Default_Ignorable_Code_Point}]/u;
const HOSTILE = '\u202e\u200f\u009b';

const haveCelery = await requireServer('celery (Debian python3-celery)', celeryAvailable);

describe('hostile names in the journal', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lsos-hostile-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a queue named with bidi, zero-width and C1 characters fires a trigger: the journal has it escaped, never raw', () => {
    const name = `crawl${HOSTILE}\u200b\u061c`;
    const s = snap({ queues: [queue(name, { depth: 5000, lagSeconds: 1900, lagMethod: 'stamped' })] });
    const { changes } = evaluateTriggers([], s);
    expect(changes.length).toBeGreaterThan(0);
    const recorder = new IncidentRecorder({ stateDir: dir, operator: 'alice' });
    for (const c of changes) recorder.onTriggerFired(triggerDetailsOf(c.trigger));
    recorder.onSourceLost('redis', `bad reply from ${name}\u001b[2J`);
    const id = recorder.view()?.id as string;
    recorder.close();
    const bytes = readFileSync(join(dir, `${id}.jsonl`), 'utf8');
    expect(bytes).not.toMatch(RAW);
    // JSON-escaped controls (\u001b written by JSON.stringify) would be raw again once parsed: not those either.
    for (const line of bytes.trim().split('\n')) expect(JSON.stringify(JSON.parse(line))).not.toMatch(RAW);
    expect(bytes).toContain('crawl\\\\u202E\\\\u200F\\\\u009B\\\\u200B\\\\u061C');
    expect(bytes).toContain('\\\\u001B[2J');
  });
});

describe.runIf(haveCelery)('hostile worker and queue names through check --json', () => {
  let redis: PrivateRedis | null = null;
  let worker: CeleryWorker | null = null;
  let dir = '';
  const node = `evil${HOSTILE}`;
  const queueName = `crawl${HOSTILE}`;

  beforeAll(async () => {
    if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    dir = mkdtempSync(join(tmpdir(), 'lsos-hostile-check-'));
    redis = new PrivateRedis(await freePort());
    await redis.start();
    // A message waiting in the hostile queue, so it has a figure to report.
    const r = new Redis(redis.url);
    await r.rpush(queueName, 'not a celery message');
    r.disconnect();
    worker = await CeleryWorker.start({ brokerUrl: redis.url, name: node, queues: ['celery'], concurrency: 1 });
  }, 180_000);

  afterAll(async () => {
    await worker?.kill9();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('no raw control, bidi or invisible character in any string of check --json; the names still recognisable', async () => {
    const config = join(dir, 'config.yaml');
    // YAML double-quoted escapes: the file itself stays plain ASCII.
    writeFileSync(config, `queues: ["celery", "crawl\\u202E\\u200F\\x9B"]\n`);
    const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      execFile(
        'node',
        [CLI, 'check', '--json', '--only', 'worker-heartbeat,queue-lag', '--config', config],
        { env: { PATH: process.env.PATH ?? '', HOME: dir, REDIS_URL: redis?.url ?? '' }, encoding: 'utf8', timeout: 90_000 },
        (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? null) : 0, out, err }),
      );
    });
    expect(r.err).toBe('');
    const report = JSON.parse(r.out) as { checks: { id: string; target: string; detail: string }[] };
    const strings: string[] = [];
    JSON.parse(r.out, (_k, v: unknown) => {
      if (typeof v === 'string') strings.push(v);
      return v;
    });
    for (const s of strings) expect(s, JSON.stringify(s)).not.toMatch(RAW);
    // The worker and the queue are there, under their names stripped as the screen shows them.
    const targets = report.checks.map((c) => c.target);
    expect(targets).toContain(stripControls(worker?.hostname));
    expect(stripControls(worker?.hostname)).toMatch(/^evil/);
    expect(targets).toContain('crawl');
  }, 120_000);
});
