import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EventAggregator,
  WindowedCounter,
  decodeKombuJsonBody,
  heartbeatExpires,
  parseEventPayload,
  parseKwargsRepr,
  parsePyLiteral,
  type CeleryEvent,
} from '../../src/core/celeryEvents.js';
import { classifyException } from '../../src/domain/failureClasses.js';
import { PYTHON, celeryAvailable, requireServer, run } from '../celery/harness.js';

const CAPTURES = '/work/shared/docs/celery-wire/captures/redis';
const T0 = 1_800_000_000_000;

function ev(type: string, over: Partial<CeleryEvent> = {}): CeleryEvent {
  return { type, hostname: 'w1@vm', timestamp: T0 / 1000, utcoffset: 0, ...over };
}

function agg(over: ConstructorParameters<typeof EventAggregator>[0] = {}): EventAggregator {
  return new EventAggregator({ localUtcOffsetHours: 0, ...over });
}

describe('parseEventPayload', () => {
  it('accepts a task.multi array and a single object; skips invalid entries and counts them', () => {
    let invalid = 0;
    const events = parseEventPayload(
      [
        { type: 'task-failed', hostname: 'w1@vm', timestamp: 1, uuid: 'a', exception: "ValueError('x')" },
        { type: 'task-failed', hostname: 'w1@vm', timestamp: 1 }, // no uuid
        { type: 'task-started', hostname: 'w1@vm', uuid: 'b' }, // no timestamp
        'garbage',
        { type: 'worker-heartbeat', hostname: 'w1@vm', timestamp: 2, freq: '2.0' }, // freq of the wrong type is dropped, not fatal
      ],
      (n) => (invalid += n),
    );
    expect(events?.map((e) => e.type)).toEqual(['task-failed', 'worker-heartbeat']);
    expect(events?.[1]?.freq).toBeUndefined();
    expect(invalid).toBe(3);
    expect(parseEventPayload({ type: 'worker-online', hostname: 'w', timestamp: 3, freq: 2 })?.[0]?.freq).toBe(2);
  });

  it('rejects what is not an event payload', () => {
    expect(parseEventPayload(null)).toBeNull();
    expect(parseEventPayload('x')).toBeNull();
    expect(parseEventPayload({ type: 'nonsense', hostname: 'w', timestamp: 1 })).toBeNull();
    expect(parseEventPayload({ type: 'worker-online', timestamp: 1 })).toBeNull();
    expect(parseEventPayload([])).toEqual([]);
  });

  it('bounds long strings', () => {
    const e = parseEventPayload({ type: 'task-failed', hostname: 'w', timestamp: 1, uuid: 'u', exception: 'E'.repeat(100_000) });
    expect(e?.[0]?.exception?.length).toBe(1024);
  });
});

describe('decodeKombuJsonBody on captured Celery 5.2 pub/sub messages', () => {
  const lines = readFileSync(`${CAPTURES}/pubsub-all.jsonl`, 'utf8').trim().split('\n');
  const events = lines
    .map((l) => JSON.parse(l) as { channel: string; envelope: unknown; decoded_body: unknown })
    .filter((l) => l.channel.includes('celeryev'));

  it('decodes every captured event envelope to the body Celery sent', () => {
    expect(events.length).toBeGreaterThan(5);
    for (const e of events) {
      // The capture's decoded copies had local paths in tracebacks replaced; compare what the cockpit uses.
      const key = (body: unknown) =>
        parseEventPayload(body)?.map((x) => [x.type, x.hostname, x.uuid, x.timestamp, x.name, x.exception, x.freq]);
      const decoded = decodeKombuJsonBody(JSON.stringify(e.envelope));
      expect(key(decoded)).not.toBeNull();
      expect(key(decoded)).toEqual(key(e.decoded_body));
    }
  });

  it('returns null for malformed envelopes', () => {
    const good = events[0]?.envelope as Record<string, unknown>;
    expect(decodeKombuJsonBody('not json')).toBeNull();
    expect(decodeKombuJsonBody(JSON.stringify({ ...good, body: '***not base64***' }))).toBeNull();
    expect(decodeKombuJsonBody(JSON.stringify({ ...good, 'content-type': 'application/x-python-serialize' }))).toBeNull();
    const latin1 = Buffer.from([0xff, 0xfe, 0x7b]).toString('base64');
    expect(decodeKombuJsonBody(JSON.stringify({ ...good, body: latin1 }))).toBeNull();
    expect(decodeKombuJsonBody(JSON.stringify(good), 10)).toBeNull();
  });
});

describe('Python literal reprs', () => {
  it('parses what Celery puts in kwargs', () => {
    expect(parsePyLiteral("{'campaign_id': 12, 'provider': 'brightpool', 'keyword': 'x'}")).toEqual({
      campaign_id: 12,
      provider: 'brightpool',
      keyword: 'x',
    });
    expect(
      parsePyLiteral(
        `{'a': "it's", 'b': 'say \\'hi\\'', 'c': None, 'd': True, 'e': -1.5e3, 'f': (1,), 'g': [1, 'two'], 'h': {'n': 1_000}}`,
      ),
    ).toEqual({
      a: "it's",
      b: "say 'hi'",
      c: null,
      d: true,
      e: -1500,
      f: [1],
      g: [1, 'two'],
      h: { n: 1000 },
    });
    expect(parsePyLiteral("'caf\\xe9 \\u2603'")).toBe('café ☃');
    expect(parsePyLiteral("b'raw'")).toBe('raw');
    expect(parsePyLiteral("{'a': 1} trailing")).toBeUndefined();
    expect(parsePyLiteral('[[[[[[[[[[[1]]]]]]]]]]]')).toBeUndefined();
  });

  it('keeps the leading entries of a truncated or non-literal kwargs repr', () => {
    expect(parseKwargsRepr("{'campaign_id': 7, 'month': '2024-05', 'when': datetime.date(2024, 5, 1), 'x': 1}")).toEqual({
      campaign_id: 7,
      month: '2024-05',
    });
    expect(parseKwargsRepr("{'campaign_id': 9, 'provider': 'serpfast', 'keyword': 'aaaa...")).toEqual({
      campaign_id: 9,
      provider: 'serpfast',
    });
    expect(parseKwargsRepr('')).toEqual({});
    expect(parseKwargsRepr('()')).toEqual({});
  });
});

describe('worker liveness by Celery rule', () => {
  it('heartbeatExpires is timestamp + freq * 2 (expire_window 200)', () => {
    expect(heartbeatExpires(100, 2)).toBe(104);
    expect(heartbeatExpires(100)).toBe(220);
  });

  it('online until last heartbeat + 2 x freq, offline at once on worker-offline', () => {
    const a = agg();
    a.ingest(ev('worker-online', { freq: 2 }), T0);
    a.ingest(ev('worker-heartbeat', { freq: 2, active: 3, timestamp: T0 / 1000 + 2 }), T0 + 2000);
    const at = (now: number) => a.patch(now).workers[0];
    expect(at(T0 + 5999)).toMatchObject({ online: true, active: 3, lastHeartbeatAt: T0 + 2000, offlineSince: null });
    expect(at(T0 + 6000)).toMatchObject({ online: false, active: 0, offlineSince: T0 + 6000 });
    a.ingest(ev('worker-heartbeat', { freq: 2, timestamp: T0 / 1000 + 7 }), T0 + 7000);
    expect(at(T0 + 7000)?.online).toBe(true);
    a.ingest(ev('worker-offline', { freq: 2, timestamp: T0 / 1000 + 8 }), T0 + 8000);
    expect(at(T0 + 8001)).toMatchObject({ online: false, offlineSince: T0 + 8000, lastHeartbeatAt: T0 + 7000 });
  });

  it('forgets an offline worker after the retention', () => {
    const a = agg({ workerRetentionMs: 60_000 });
    a.ingest(ev('worker-offline'), T0);
    expect(a.patch(T0 + 59_000).workers).toHaveLength(1);
    expect(a.patch(T0 + 61_000).workers).toHaveLength(0);
  });
});

describe('worker liveness matches celery.events.state.State on the same events', async () => {
  const ok = await requireServer('celery (Debian python3-celery)', celeryAvailable);
  // (received at, event) — includes a late task event, a heartbeat out of order, freq changes, offline and back.
  const base = 1_800_000_000;
  const seq: [number, CeleryEvent][] = [
    [base + 0.2, ev('worker-online', { freq: 2, timestamp: base })],
    [base + 2.1, ev('worker-heartbeat', { freq: 2, timestamp: base + 2 })],
    [base + 9.0, ev('task-received', { uuid: 'u1', name: 'crawl.fetch_page', timestamp: base + 3.5 })],
    [base + 9.5, ev('worker-heartbeat', { freq: 5, timestamp: base + 9.4 })],
    [base + 9.1, ev('worker-heartbeat', { freq: 5, timestamp: base + 9.0 })],
    [base + 30, ev('worker-offline', { freq: 5, timestamp: base + 30 })],
    [base + 31, ev('worker-heartbeat', { freq: 2, timestamp: base + 31 })],
    [base + 40, ev('task-started', { hostname: 'w2@vm', uuid: 'u2', timestamp: base + 39 })],
  ];

  it.runIf(ok)('expiry instants agree after every event', async () => {
    const script = `
import json, sys
from celery.events.state import State
state = State()
out = []
for recv, e in json.load(sys.stdin):
    e = dict(e); e['local_received'] = recv; e.setdefault('clock', 1)
    state.event(e)
    row = {}
    for h in ('w1@vm', 'w2@vm'):
        w = state.workers.get(h)
        row[h] = (w.heartbeat_expires if w is not None and w.heartbeats else None)
    out.append(row)
print(json.dumps(out))`;
    const { stdout } = await run(PYTHON, ['-c', script], { input: JSON.stringify(seq.map(([r, e]) => [r, e])) });
    const expected = JSON.parse(stdout) as Record<string, number | null>[];
    const a = agg();
    seq.forEach(([recv, e], i) => {
      a.ingest(e, recv * 1000);
      for (const host of ['w1@vm', 'w2@vm']) {
        const exp = expected[i]?.[host];
        const w = (now: number) => a.patch(now).workers.find((x) => x.hostname === host);
        if (exp === null || exp === undefined) {
          expect(w(recv * 1000)?.online ?? false, `${host} after event ${i}`).toBe(false);
        } else {
          expect(w(exp * 1000 - 1)?.online, `${host} just before expiry after event ${i}`).toBe(true);
          expect(w(exp * 1000 + 1)?.online, `${host} just after expiry after event ${i}`).toBe(false);
        }
      }
    });
  });
});

describe('failures, reports and SERP providers', () => {
  function task(
    a: EventAggregator,
    uuid: string,
    name: string,
    kwargs: string,
    outcome: 'ok' | string,
    at: number,
    opts: { retries?: string[]; queue?: string } = {},
  ): void {
    a.ingest(
      ev(opts.queue ? 'task-sent' : 'task-received', {
        uuid,
        name,
        kwargs,
        ...(opts.queue ? { queue: opts.queue, hostname: 'gen1@vm' } : {}),
      }),
      at,
    );
    for (const exc of opts.retries ?? []) {
      a.ingest(ev('task-retried', { uuid, exception: exc }), at);
      a.ingest(ev('task-received', { uuid, name, kwargs }), at);
    }
    if (outcome === 'ok') a.ingest(ev('task-succeeded', { uuid }), at);
    else if (outcome === 'reject') a.ingest(ev('task-rejected', { uuid, requeue: false }), at);
    else {
      // acks_late + acks_on_failure_or_timeout=False (LSOS): Celery rejects, then sends task-failed.
      a.ingest(ev('task-rejected', { uuid, requeue: false }), at);
      a.ingest(ev('task-failed', { uuid, exception: outcome }), at);
    }
  }

  it('drain rate and the failure window cover the time really observed: a 5 s look, and a steady hour', () => {
    // 20 tasks per second on crawl, each with its own received/succeeded pair.
    const feed = (a: EventAggregator, from: number, seconds: number, failEvery = 0) => {
      let n = 0;
      for (let ms = 0; ms < seconds * 1000; ms += 50) {
        const at = from + ms;
        const id = `t${from}-${ms}`;
        a.ingest(ev('task-received', { uuid: id, name: 'crawl.fetch_page', args: '()', kwargs: '{}', timestamp: at / 1000 }), at);
        n += 1;
        const failed = failEvery > 0 && n % failEvery === 0;
        a.ingest(
          ev(failed ? 'task-failed' : 'task-succeeded', {
            uuid: id,
            timestamp: at / 1000,
            ...(failed ? { exception: 'ParserError()' } : {}),
          }),
          at,
        );
      }
    };
    const short = agg();
    feed(short, T0, 5, 10);
    const s = short.patch(T0 + 5000).queues.find((q) => q.name === 'crawl');
    // 100 tasks in 5 s = 1,200 per minute (the old 10 s floor said 600).
    expect(s?.drainPerMinute).toBeGreaterThan(1100);
    expect(s?.drainPerMinute).toBeLessThan(1300);
    expect(s?.windowSeconds).toBe(5);
    expect(s?.finished).toBe(100);
    const long = agg();
    feed(long, T0, 3600);
    const l = long.patch(T0 + 3600_000).queues.find((q) => q.name === 'crawl');
    expect(l?.drainPerMinute).toBeGreaterThan(1150);
    expect(l?.drainPerMinute).toBeLessThan(1250);
  });

  it('counts failures per queue and class, top failing tasks, retries and drain', () => {
    const a = agg();
    task(a, '1', 'rank.check_serp', "{'campaign_id': 1, 'provider': 'bp', 'keyword': 'k'}", "ProxyBlocked('403')", T0, {
      retries: ['ProxyBlocked()', 'ProxyBlocked()'],
    });
    task(a, '2', 'rank.check_serp', "{'campaign_id': 2, 'provider': 'bp', 'keyword': 'k'}", "ProxyBlocked('403')", T0);
    task(a, '3', 'rank.check_serp', "{'campaign_id': 2, 'provider': 'bp', 'keyword': 'k'}", 'ok', T0);
    task(a, '4', 'rank.check_serp', "{'campaign_id': 3, 'provider': 'fast', 'keyword': 'k'}", 'ok', T0);
    task(a, '5', 'crawl.fetch_page', '{}', "TimeoutError('slow')", T0);
    task(a, '6', 'crawl.fetch_page', '{}', 'reject', T0, { retries: ["ParserError('bad html')"] });
    task(a, '7', 'crawl.fetch_page', '{}', "LsosMysteryError('?')", T0, { queue: 'crawl.special' });
    a.ingest(ev('task-failed', { uuid: 'never-seen', exception: 'ValueError()' }), T0);
    const p = a.patch(T0 + 60_000);
    const q = (name: string) => p.queues.find((x) => x.name === name);
    expect(q('rank')?.failuresByClass).toEqual({ transient: 0, validation: 0, provider: 2, parser: 0, unclassified: 0 });
    expect(q('rank')?.topFailingTasks).toEqual([{ task: 'rank.check_serp', count: 2, failureClass: 'provider' }]);
    expect(q('rank')?.retried).toBe(2);
    expect(q('rank')?.finished).toBe(4);
    expect(q('crawl')?.failuresByClass).toMatchObject({ transient: 1, parser: 1 });
    expect(q('crawl.special')?.failuresByClass.unclassified).toBe(1);
    expect(q('(unknown)')?.failuresByClass.validation).toBe(1);
    // 4 finished in the first minute of observation -> 4 per minute.
    expect(q('rank')?.drainPerMinute).toBeCloseTo(4, 5);
    // SERP: every attempt is a request; retried attempts are failures.
    expect(p.providers.find((x) => x.name === 'bp')).toMatchObject({ requests: 5, failures: 4, campaignsAffected: 2, campaignsTotal: 2 });
    expect(p.providers.find((x) => x.name === 'fast')).toMatchObject({ requests: 1, failures: 0, campaignsAffected: 0, campaignsTotal: 1 });
    expect(a.stats().unattributed).toBe(1);
    expect(a.stats().tasksRemembered).toBe(0);
  });

  it("counts a retry or failure that arrives before its task-received (another process's task.multi batch) on the task's queue", () => {
    const a = agg();
    // The pool process flushed its batch first: both retries and the failure, then the main
    // process's task-received naming the task.
    a.ingest(ev('task-retried', { uuid: 'early', exception: "TimeoutError('slow')" }), T0);
    a.ingest(ev('task-retried', { uuid: 'early', exception: "TimeoutError('slow')" }), T0 + 100);
    a.ingest(ev('task-rejected', { uuid: 'early', requeue: false }), T0 + 200);
    a.ingest(ev('task-failed', { uuid: 'early', exception: "TimeoutError('slow')" }), T0 + 200);
    a.ingest(ev('task-succeeded', { uuid: 'fine' }), T0 + 300);
    expect(a.stats().tasksAwaitingName).toBe(2);
    a.ingest(ev('task-received', { uuid: 'early', name: 'crawl.fetch_page', kwargs: '{}' }), T0 + 400);
    a.ingest(ev('task-received', { uuid: 'fine', name: 'reviews.sync_reviews', kwargs: '{}' }), T0 + 500);
    const p = a.patch(T0 + 60_000);
    const q = (name: string) => p.queues.find((x) => x.name === name);
    expect(q('crawl')?.retried).toBe(2);
    expect(q('crawl')?.failuresByClass.transient).toBe(1);
    expect(q('crawl')?.topFailingTasks).toEqual([{ task: 'crawl.fetch_page', count: 1, failureClass: 'transient' }]);
    expect(q('crawl')?.finished).toBe(1);
    expect(q('reviews')?.finished).toBe(1);
    expect(q('(unknown)')).toBeUndefined();
    expect(a.stats()).toMatchObject({ unattributed: 0, tasksAwaitingName: 0, tasksRemembered: 0 });
  });

  it('counts an event whose task is never named as unattributed once the grace is over, not before', () => {
    const a = agg({ unnamedGraceMs: 5000 });
    a.ingest(ev('task-retried', { uuid: 'lost', exception: "ProviderError('x')" }), T0);
    a.ingest(ev('task-failed', { uuid: 'lost', exception: "ProviderError('x')" }), T0 + 10);
    expect(a.patch(T0 + 4000).queues.find((x) => x.name === '(unknown)')).toBeUndefined();
    expect(a.stats()).toMatchObject({ unattributed: 0, tasksAwaitingName: 1 });
    const p = a.patch(T0 + 5000);
    expect(p.queues.find((x) => x.name === '(unknown)')?.failuresByClass.provider).toBe(1);
    // The retry and the failure: neither could be put on a queue.
    expect(a.stats()).toMatchObject({ unattributed: 2, tasksAwaitingName: 0 });
    // A task-received after the grace starts a new task; nothing is counted twice.
    a.ingest(ev('task-received', { uuid: 'lost', name: 'rank.check_serp', kwargs: '{}' }), T0 + 6000);
    expect(a.patch(T0 + 7000).queues.find((x) => x.name === 'rank')?.retried ?? 0).toBe(0);
  });

  it("counts a retry that arrives after its task's outcome (the next attempt ran in another pool process, whose batch came first), for lateRetryMs", () => {
    const a = agg({ lateRetryMs: 30_000 });
    // Attempt 0 ran in pool process A, attempt 1 in process B; B flushed its batch (the final
    // failure) before A flushed the retry of attempt 0.
    a.ingest(ev('task-received', { uuid: 'r', name: 'crawl.fetch_page', kwargs: '{}' }), T0);
    a.ingest(ev('task-received', { uuid: 'r', name: 'crawl.fetch_page', kwargs: '{}' }), T0 + 100);
    a.ingest(ev('task-rejected', { uuid: 'r', requeue: false }), T0 + 200);
    a.ingest(ev('task-failed', { uuid: 'r', exception: "TimeoutError('slow')" }), T0 + 200);
    a.ingest(ev('task-retried', { uuid: 'r', exception: "TimeoutError('slow')" }), T0 + 1500);
    const crawl = (now: number) => a.patch(now).queues.find((x) => x.name === 'crawl');
    expect(crawl(T0 + 2000)).toMatchObject({ retried: 1, finished: 1 });
    expect(a.stats()).toMatchObject({ unattributed: 0, tasksAwaitingName: 0, tasksRemembered: 0 });
    // Past lateRetryMs the task is forgotten: a retry of it then waits for a name, and is counted
    // unattributed once the grace is over.
    a.ingest(ev('task-retried', { uuid: 'r', exception: "TimeoutError('slow')" }), T0 + 40_000);
    expect(crawl(T0 + 50_000)?.retried).toBe(1);
    expect(a.stats()).toMatchObject({ unattributed: 1, tasksAwaitingName: 0 });
  });

  it('holds at most maxTasks unnamed tasks: the oldest is counted unattributed to make room', () => {
    const a = agg({ maxTasks: 3 });
    for (let i = 0; i < 5; i++) a.ingest(ev('task-failed', { uuid: `x${i}`, exception: 'ValueError()' }), T0 + i);
    expect(a.stats()).toMatchObject({ tasksAwaitingName: 3, unattributed: 2 });
  });

  it('keeps the failure, task and outcome objects of a queue while nothing changed them (structural sharing), new ones where something did', () => {
    const a = agg();
    task(a, '1', 'rank.check_serp', "{'campaign_id': 1, 'provider': 'bp', 'keyword': 'k'}", "ProxyBlocked('403')", T0);
    task(a, '2', 'crawl.fetch_page', '{}', "TimeoutError('slow')", T0);
    const p1 = a.patch(T0 + 1000);
    const p2 = a.patch(T0 + 2000);
    const q = (p: ReturnType<EventAggregator['patch']>, name: string) => p.queues.find((x) => x.name === name);
    for (const name of ['rank', 'crawl']) {
      expect(q(p2, name)?.failuresByClass, name).toBe(q(p1, name)?.failuresByClass);
      expect(q(p2, name)?.topFailingTasks, name).toBe(q(p1, name)?.topFailingTasks);
      expect(q(p2, name)?.taskOutcomes, name).toBe(q(p1, name)?.taskOutcomes);
    }
    // A crawl task succeeds: crawl's outcomes change, its failures do not; rank keeps everything.
    task(a, '3', 'crawl.fetch_page', '{}', 'ok', T0 + 2500);
    const p3 = a.patch(T0 + 3000);
    expect(q(p3, 'crawl')?.taskOutcomes).not.toBe(q(p2, 'crawl')?.taskOutcomes);
    expect(q(p3, 'crawl')?.taskOutcomes[0]?.lastSuccessAt).toBe(T0 + 2500);
    expect(q(p3, 'crawl')?.failuresByClass).toBe(q(p2, 'crawl')?.failuresByClass);
    expect(q(p3, 'rank')?.taskOutcomes).toBe(q(p2, 'rank')?.taskOutcomes);
    // Another crawl failure: new failure and task objects with the new counts.
    task(a, '4', 'crawl.fetch_page', '{}', "TimeoutError('slow')", T0 + 3500);
    const p4 = a.patch(T0 + 4000);
    expect(q(p4, 'crawl')?.failuresByClass).not.toBe(q(p3, 'crawl')?.failuresByClass);
    expect(q(p4, 'crawl')?.failuresByClass.transient).toBe(2);
    expect(q(p4, 'crawl')?.topFailingTasks).toEqual([{ task: 'crawl.fetch_page', count: 2, failureClass: 'transient' }]);
    expect(q(p4, 'rank')?.failuresByClass).toBe(q(p1, 'rank')?.failuresByClass);
    // The hour passes: the failures leave the window, and the figures say so.
    const p5 = a.patch(T0 + 3_700_000);
    expect(q(p5, 'crawl')?.failuresByClass.transient ?? 0).toBe(0);
    expect(q(p5, 'crawl')?.topFailingTasks ?? []).toEqual([]);
  });

  it('a rejected task waits for its task-failed; a bare Reject settles after the grace period', () => {
    const a = agg({ rejectGraceMs: 5000 });
    a.ingest(ev('task-received', { uuid: 'r', name: 'crawl.fetch_page' }), T0);
    a.ingest(ev('task-rejected', { uuid: 'r', requeue: false }), T0);
    a.ingest(ev('task-rejected', { uuid: 'r', requeue: false }), T0); // duplicate: still one
    expect(a.patch(T0 + 4999).queues.find((q) => q.name === 'crawl')?.finished ?? 0).toBe(0);
    const q = a.patch(T0 + 5000).queues.find((x) => x.name === 'crawl');
    expect(q?.finished).toBe(1);
    expect(q?.failuresByClass.unclassified).toBe(1);
    // requeue=true is no outcome at all.
    a.ingest(ev('task-received', { uuid: 's', name: 'crawl.fetch_page' }), T0 + 6000);
    a.ingest(ev('task-rejected', { uuid: 's', requeue: true }), T0 + 6000);
    expect(a.patch(T0 + 20_000).queues.find((x) => x.name === 'crawl')?.finished).toBe(1);
    expect(a.stats().tasksRemembered).toBe(1);
  });

  it('monthly report failure ratio over a sliding hour', () => {
    const a = agg();
    for (let i = 0; i < 18; i++) task(a, `ok${i}`, 'reporting.render_pdf', `{'campaign_id': ${i}, 'month': '2024-05'}`, 'ok', T0);
    task(a, 'f1', 'reporting.aggregate_kpis', "{'campaign_id': 100, 'month': '2024-05'}", 'OperationalError()', T0 + 30 * 60_000);
    task(a, 'f2', 'reporting.render_html', "{'campaign_id': 101, 'month': '2024-05'}", 'ParserError()', T0 + 30 * 60_000);
    expect(a.patch(T0 + 31 * 60_000).reporting).toEqual({ runs: 20, failures: 2, windowMinutes: 60, failedCampaigns: ['100', '101'] });
    // An hour after the first batch, only the two failures remain in the window.
    expect(a.patch(T0 + 61 * 60_000).reporting).toMatchObject({ runs: 2, failures: 2 });
    expect(a.patch(T0 + 92 * 60_000).reporting).toEqual({ runs: 0, failures: 0, windowMinutes: 60, failedCampaigns: [] });
  });

  it('reports the previous 24 hours only once it has watched that long', () => {
    const a = agg();
    task(a, 'a', 'crawl.fetch_page', '{}', 'ok', T0);
    expect(a.patch(T0 + 3_600_000).queues[0]?.last24h).toBeNull();
    for (let h = 1; h <= 25; h++) task(a, `h${h}`, 'crawl.fetch_page', '{}', h % 5 === 0 ? 'ProxyBlocked()' : 'ok', T0 + h * 3_600_000);
    // Hour buckets 2..25 are within the last 24 h at T0 + 25 h: h = 5, 10, 15, 20, 25 failed.
    expect(a.patch(T0 + 25 * 3_600_000).queues[0]?.last24h).toEqual({ failures: 5, succeeded: 19 });
  });

  it('provider flags set state and the active pool', () => {
    const a = agg();
    const p = a.patch(T0, { active: 'fast', states: { bp: 'quarantined' } }).providers;
    expect(p).toEqual([
      { name: 'bp', state: 'quarantined', active: false, requests: 0, failures: 0, campaignsAffected: 0, campaignsTotal: 0 },
      { name: 'fast', state: 'healthy', active: true, requests: 0, failures: 0, campaignsAffected: 0, campaignsTotal: 0 },
    ]);
  });

  it('uses the configured classifier', () => {
    const a = agg({ classify: (e) => (String(e).startsWith('Boom') ? 'provider' : classifyException(e)) });
    task(a, '1', 'crawl.fetch_page', '{}', 'BoomError()', T0);
    expect(a.patch(T0).queues[0]?.failuresByClass.provider).toBe(1);
  });
});

describe('memory stays bounded', () => {
  it('WindowedCounter keeps running totals and drops expired buckets', () => {
    const c = new WindowedCounter(1000, 3, 2);
    c.add('a', 0);
    c.add('b', 1500);
    c.add('c', 1600); // third key folds into (other)
    expect([...c.entries()]).toEqual([
      ['a', 1],
      ['b', 1],
      ['(other)', 1],
    ]);
    c.advance(3999);
    expect(c.get('a')).toBe(0);
    expect(c.sum()).toBe(2);
    c.advance(10_000);
    expect(c.sum()).toBe(0);
    expect(c.bucketCount).toBe(0);
  });

  it('WindowedCounter (a ring of rows, one column per key) counts as a list of per-bucket maps did', () => {
    // The reference: the former implementation, one Map per bucket, kept here to compare against.
    class Reference {
      private readonly buckets: { index: number; counts: Map<string, number> }[] = [];
      readonly totals = new Map<string, number>();
      constructor(
        readonly bucketMs: number,
        readonly n: number,
        readonly maxKeys: number,
      ) {}
      add(key: string, at: number, k: number): void {
        this.advance(at);
        const index = Math.floor(at / this.bucketMs);
        let b = this.buckets[this.buckets.length - 1];
        if (!b || b.index < index) {
          b = { index, counts: new Map() };
          this.buckets.push(b);
        }
        const key2 = this.totals.has(key) || this.totals.size < this.maxKeys ? key : '(other)';
        b.counts.set(key2, (b.counts.get(key2) ?? 0) + k);
        this.totals.set(key2, (this.totals.get(key2) ?? 0) + k);
      }
      advance(now: number): void {
        const min = Math.floor(now / this.bucketMs) - this.n + 1;
        while (this.buckets.length > 0 && (this.buckets[0] as { index: number }).index < min) {
          for (const [k, v] of (this.buckets.shift() as { counts: Map<string, number> }).counts) {
            const left = (this.totals.get(k) ?? 0) - v;
            if (left > 0) this.totals.set(k, left);
            else this.totals.delete(k);
          }
        }
      }
      get bucketCount(): number {
        return this.buckets.length;
      }
    }
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (const [bucketMs, n, maxKeys] of [
      [1000, 3, 2],
      [60_000, 60, 5],
      [10_000, 30, 1],
      [3_600_000, 24, 2],
    ] as const) {
      const c = new WindowedCounter(bucketMs, n, maxKeys);
      const ref = new Reference(bucketMs, n, maxKeys);
      let t = T0;
      for (let i = 0; i < 8000; i++) {
        const r = rnd();
        // Mostly forward in small steps; sometimes a long gap, sometimes a clock step backwards.
        t += r < 0.01 ? bucketMs * n * 2 : r < 0.03 ? -bucketMs * 1.5 : Math.floor(rnd() * bucketMs * 0.3);
        const key = `k${Math.floor(rnd() * rnd() * 8)}`;
        const k = 1 + Math.floor(rnd() * 3);
        c.add(key, t, k);
        ref.add(key, t, k);
        if (i % 7 === 0) {
          c.advance(t + bucketMs);
          ref.advance(t + bucketMs);
        }
        expect([...c.entries()]).toEqual([...ref.totals.entries()]);
        expect(c.bucketCount).toBe(ref.bucketCount);
        expect(c.size).toBe(ref.totals.size);
        // sum() is a running total now (kept as counts come and go): it must stay the totals' sum.
        expect(c.sum()).toBe([...ref.totals.values()].reduce((a, b) => a + b, 0));
      }
    }
  });

  it('caps remembered tasks, queues, task keys, providers and campaigns', () => {
    const a = agg({ maxTasks: 1000, maxQueues: 10, maxTaskKeysPerQueue: 5, maxProviders: 3, maxCampaignsPerProvider: 50 });
    for (let i = 0; i < 50_000; i++) {
      const at = T0 + i;
      a.ingest(
        ev('task-sent', {
          hostname: 'gen@x',
          uuid: `u${i}`,
          name: `rank.t${i % 40}`,
          queue: `q${i % 30}`,
          kwargs: `{'campaign_id': ${i}, 'provider': 'p${i % 7}'}`,
        }),
        at,
      );
      // Half never finish (lost events): the LRU must still cap them.
      if (i % 2 === 0) a.ingest(ev('task-failed', { uuid: `u${i}`, exception: 'ProxyBlocked()' }), at);
    }
    const s = a.stats();
    expect(s.tasksRemembered).toBeLessThanOrEqual(1000);
    expect(s.queues).toBeLessThanOrEqual(10);
    const p = a.patch(T0 + 50_000);
    for (const q of p.queues) expect(q.topFailingTasks.length).toBeLessThanOrEqual(5);
    expect(p.providers.length).toBe(0); // not rank.check_serp
  });
});
