// Pure logic of the RabbitMQ source (no broker): reading task messages, x-death, lag arithmetic,
// dead-letter rates. The broker-facing behaviour is in amqp-source / amqp-celery.
import { describe, expect, it } from 'vitest';
import { DeadLetterRate, RecentDeadLetters, deadLetterDetail } from '../../src/sources/amqp/deadLetters.js';
import { drainRateLag } from '../../src/domain/duration.js';
import { LagBook } from '../../src/sources/amqp/lag.js';
import { parseSentAt, readTaskMessage, readXDeath, type RawAmqpMessage } from '../../src/sources/amqp/taskMessage.js';

const NOW = 1_795_900_000_000;

function msg(over: Partial<RawAmqpMessage['properties']> = {}, body: Buffer | string = '[[],{},{}]'): RawAmqpMessage {
  return {
    content: Buffer.isBuffer(body) ? body : Buffer.from(body),
    properties: {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers: { task: 'crawl.fetch_page', id: 't-1', lsos_sent_at: NOW / 1000 - 30 },
      ...over,
    },
  };
}

describe('readTaskMessage', () => {
  it('reads a well-formed Celery v2 message and its stamp', () => {
    const info = readTaskMessage(msg(), NOW);
    expect(info).toMatchObject({ unreadable: null, taskId: 't-1', task: 'crawl.fetch_page', key: 't-1' });
    expect(info.sentAt).toBeCloseTo(NOW / 1000 - 30, 6);
  });

  it.each([
    ['not JSON', msg({}, '{nope'), 'not-json'],
    ['wrong content type', msg({ contentType: 'text/plain' }), 'content-type'],
    ['wrong encoding', msg({ contentEncoding: 'latin-1' }), 'encoding'],
    ['invalid UTF-8', msg({}, Buffer.from([0x5b, 0xff, 0xfe, 0x5d])), 'not-json'],
    ['missing headers', msg({ headers: undefined }), 'headers'],
    ['headers without task', msg({ headers: { id: 'x' } }), 'headers'],
    ['a 2-element body', msg({}, '[[],{}]'), 'shape'],
    ['5 MB body', msg({}, Buffer.alloc(5 * 1024 * 1024, 0x20)), 'too-large'],
  ])('%s is unreadable (%s)', (_label, m, reason) => {
    expect(readTaskMessage(m, NOW).unreadable).toBe(reason);
  });

  it('keeps the stamp of an otherwise malformed message and keys unstamped ones by digest', () => {
    const a = readTaskMessage(msg({ headers: { lsos_sent_at: NOW / 1000 - 5 } }, 'x'), NOW);
    expect(a.unreadable).toBe('headers');
    expect(a.sentAt).toBeCloseTo(NOW / 1000 - 5, 6);
    expect(a.key).toMatch(/^sha1:/);
    expect(readTaskMessage(msg({ headers: {} }, 'x'), NOW).key).toBe(readTaskMessage(msg({ headers: {} }, 'x'), NOW).key);
  });

  it('rejects implausible stamps (ms instead of s, far future, garbage)', () => {
    expect(parseSentAt(NOW, NOW)).toBeNull();
    expect(parseSentAt(NOW / 1000 + 3600, NOW)).toBeNull();
    expect(parseSentAt('abc', NOW)).toBeNull();
    expect(parseSentAt(String(NOW / 1000 - 1), NOW)).toBeCloseTo(NOW / 1000 - 1, 3);
  });
});

describe('x-death and dead-letter details', () => {
  const xdeath = [
    {
      count: 3,
      reason: 'rejected',
      queue: 'crawl',
      time: { '!': 'timestamp', value: NOW / 1000 - 60 },
      exchange: '',
      'routing-keys': ['crawl'],
    },
  ];

  it('reads amqplib-decoded x-death entries', () => {
    expect(readXDeath({ 'x-death': xdeath })).toEqual([
      { count: 3, reason: 'rejected', queue: 'crawl', at: NOW - 60_000, exchange: '', routingKeys: ['crawl'] },
    ]);
    expect(readXDeath({ 'x-death': 'junk' })).toEqual([]);
    expect(readXDeath(null)).toEqual([]);
  });

  it('builds a detail with lsos headers and lists newest first without duplicates', () => {
    const m = msg({
      headers: { task: 'crawl.fetch_page', id: 'd-1', lsos_sent_at: NOW / 1000 - 90, lsos_replay_count: 2, 'x-death': xdeath },
    });
    const d = deadLetterDetail(m, 'crawl', 'live', NOW, 1024);
    expect(d).toMatchObject({
      taskId: 'd-1',
      reason: 'rejected',
      deathCount: 3,
      deadAt: NOW - 60_000,
      sentAt: NOW - 90_000,
      unreadable: null,
    });
    expect(d.lsosHeaders).toEqual({ lsos_sent_at: String(NOW / 1000 - 90), lsos_replay_count: '2' });
    const r = new RecentDeadLetters(2);
    r.add(d);
    r.add(d);
    expect(r.size).toBe(1);
    const listed = r.list((id) => (id === 'd-1' ? { type: 'ValueError', message: 'bad', at: NOW } : undefined));
    expect(listed[0]).toMatchObject({ exceptionType: 'ValueError', exceptionMessage: 'bad' });
  });

  it('computes growth per hour over the window and an observed baseline after 10 minutes', () => {
    const rate = new DeadLetterRate(NOW, 3_600_000);
    rate.record(NOW + 60_000, 6);
    // 6 in the first minute, scaled over at least 5 minutes: 72/h.
    expect(rate.growthPerHour(NOW + 60_000)).toBeCloseTo(72, 6);
    expect(rate.observedBaselinePerHour(NOW + 60_000)).toBeNull();
    expect(rate.observedBaselinePerHour(NOW + 1_800_000)).toBeCloseTo(12, 6);
    // Out of the window: gone from growth, kept in the baseline.
    expect(rate.growthPerHour(NOW + 2 * 3_600_000)).toBe(0);
  });
});

describe('LagBook', () => {
  it('stamped lag, first-seen lower bound, drain-rate estimate and trend', () => {
    const book = new LagBook(3);
    const stamped = readTaskMessage(msg(), NOW);
    expect(book.fromHead('q', stamped, NOW)).toEqual({ lagSeconds: 30, lagMethod: 'stamped' });
    const bare = readTaskMessage(msg({ headers: { task: 't', id: 'u-1' } }), NOW);
    expect(book.fromHead('q', bare, NOW)).toEqual({ lagSeconds: 0, lagMethod: 'first-seen' });
    expect(book.fromHead('q', bare, NOW + 7_000)).toEqual({ lagSeconds: 7, lagMethod: 'first-seen' });
    expect(drainRateLag(120, 60)).toEqual({ lagSeconds: 120, lagMethod: 'drain-rate' });
    expect(drainRateLag(5, 0)).toEqual({ lagSeconds: null, lagMethod: 'unknown' });
    for (const v of [1, 2, 3, 4]) book.trend('q', v);
    expect(book.trend('q', null)).toEqual([2, 3, 4]);
    book.countUnreadable('q', 'k', NOW);
    book.countUnreadable('q', 'k', NOW);
    expect(book.unreadable('q')).toBe(1);
  });
});
