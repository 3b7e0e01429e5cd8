// Unit tests of the wire layer's pure parts against what real Celery 5.2 put on the wire
// (/work/shared/docs/celery-wire/captures): the messages we build have the captured structure
// field by field, and the validator rejects each message that crashed a real worker.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildTask,
  celeryIso,
  redisPriorityKey,
  toAmqpMessage,
  toRedisEnvelope,
  validateTaskMessage,
  InvalidTaskMessageError,
} from '../../src/control/celery/message.js';
import { pyRepr, pyReprArgs } from '../../src/control/celery/pyrepr.js';
import { validatePidboxEnvelope } from '../../src/control/celery/redisControl.js';
import { buildPidboxRequest, readReplyBody, validateControlArgs } from '../../src/control/celery/control.js';
import { deadLetterIdentity, replayHeaders } from '../../src/control/celery/replay.js';

const CAP = '/work/shared/docs/celery-wire/captures';
const load = (rel: string): any => JSON.parse(readFileSync(path.join(CAP, rel), 'utf8'));

/** Fields that differ per message or per process (ids, times, origin), and Celery's own `sent_at`. */
const VARYING_HEADERS = new Set(['id', 'root_id', 'origin', 'sent_at', 'lsos_sent_at']);
const VARYING_PROPS = new Set(['correlation_id', 'reply_to', 'delivery_tag']);

function strip(o: Record<string, unknown>, drop: Set<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !drop.has(k)));
}

const spec = { task: 'crawl.fetch_page', queue: 'crawl', args: ['https://example.com/a'], kwargs: { depth: 1 } };

describe('task messages as Celery 5.2 builds them', () => {
  it('Redis envelope equals the captured Celery envelope field by field', () => {
    const real = load('redis/sample-task-message-celery.json').parsed;
    const ours = toRedisEnvelope(buildTask(spec));
    expect(Object.keys(ours)).toEqual(Object.keys(real));
    expect(ours['content-type']).toBe(real['content-type']);
    expect(ours['content-encoding']).toBe(real['content-encoding']);
    // Same header keys in Celery's order (plus LSOS's stamp instead of the capture app's `sent_at`).
    expect(Object.keys(ours.headers).filter((k) => k !== 'lsos_sent_at')).toEqual(
      Object.keys(real.headers).filter((k: string) => k !== 'sent_at'),
    );
    expect(strip(ours.headers, VARYING_HEADERS)).toEqual(strip(real.headers, VARYING_HEADERS));
    expect(Object.keys(ours.properties)).toEqual(Object.keys(real.properties));
    expect(strip(ours.properties, VARYING_PROPS)).toEqual(strip(real.properties, VARYING_PROPS));
    // The body decodes to the same [args, kwargs, embed].
    expect(JSON.parse(Buffer.from(ours.body, 'base64').toString('utf8'))).toEqual(
      load('redis/sample-task-message-celery.json').body_base64_decoded,
    );
    // Ids: root_id = id, correlation_id = id, a uuid delivery_tag.
    expect(ours.headers['root_id']).toBe(ours.headers['id']);
    expect(ours.properties.correlation_id).toBe(ours.headers['id']);
    expect(ours.properties.delivery_tag).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof ours.headers['lsos_sent_at']).toBe('number');
    expect(validateTaskMessage(JSON.stringify(ours), 'redis')).toEqual([]);
    // The real message passes our validator too.
    expect(validateTaskMessage(load('redis/sample-task-message-celery.json').raw_json_string_as_stored, 'redis')).toEqual([]);
  });

  it('AMQP publish equals the captured Celery message field by field', () => {
    const real = load('amqp/sample-task-message-celery.json');
    const ours = toAmqpMessage(buildTask(spec));
    expect(ours.exchange).toBe(real.delivery_info.exchange);
    expect(ours.routingKey).toBe(real.delivery_info.routing_key);
    const rp = real.properties;
    expect(ours.options.contentType).toBe(rp.content_type);
    expect(ours.options.contentEncoding).toBe(rp.content_encoding);
    expect(ours.options.deliveryMode).toBe(rp.delivery_mode);
    expect(ours.options.priority).toBe(rp.priority);
    expect(ours.options.correlationId).toBe(ours.options.headers['id']);
    expect(typeof ours.options.replyTo).toBe('string');
    expect(Object.keys(ours.options.headers).filter((k) => k !== 'lsos_sent_at')).toEqual(
      Object.keys(rp.application_headers).filter((k: string) => k !== 'sent_at'),
    );
    expect(strip(ours.options.headers, VARYING_HEADERS)).toEqual(strip(rp.application_headers, VARYING_HEADERS));
    expect(JSON.parse(ours.content.toString('utf8'))).toEqual(real.body_json);
    expect(validateTaskMessage(ours, 'amqp')).toEqual([]);
  });

  it('countdown gives an ISO eta with offset, lineage and priority are carried', () => {
    const now = Date.UTC(2026, 10, 28, 23, 23, 39, 444);
    const t = buildTask(
      { ...spec, countdownSeconds: 60, rootId: 'root-1', parentId: 'parent-1', priority: 5, id: 'fixed-id' },
      { nowMs: now },
    );
    expect(t.headers['eta']).toBe('2026-11-28T23:24:39.444000+00:00');
    expect(celeryIso(now)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    expect(t.headers['root_id']).toBe('root-1');
    expect(t.headers['parent_id']).toBe('parent-1');
    expect(t.headers['lsos_sent_at']).toBe(now / 1000);
    const env = toRedisEnvelope(t);
    expect(env.properties.priority).toBe(5);
    expect(validateTaskMessage(env, 'redis')).toEqual([]);
    // The eta format matches the captured one.
    const real = load('redis/sample-task-message-celery-eta-expires.json');
    const realEta = (real.parsed ?? real).headers?.eta as string | undefined;
    if (realEta !== undefined) expect(String(t.headers['eta']).length).toBe(realEta.length);
  });

  it('Redis priority lists follow kombu steps 0/3/6/9', () => {
    expect([0, 1, 2, 3, 5, 6, 8, 9].map((p) => redisPriorityKey('q', p))).toEqual([
      'q',
      'q',
      'q',
      'q\x06\x163',
      'q\x06\x163',
      'q\x06\x166',
      'q\x06\x166',
      'q\x06\x169',
    ]);
  });

  it('argsrepr / kwargsrepr are Python reprs', () => {
    expect(pyReprArgs(['https://example.com/a'])).toBe("('https://example.com/a',)");
    expect(pyReprArgs([])).toBe('()');
    expect(pyRepr({ depth: 1, ok: true, none: null, s: "it's" })).toBe(`{'depth': 1, 'ok': True, 'none': None, 's': "it's"}`);
  });

  it('refuses specs that cannot make a valid message', () => {
    expect(() => buildTask({ task: '', queue: 'q' })).toThrow(InvalidTaskMessageError);
    expect(() => buildTask({ task: 't', queue: 'q', priority: 12 })).toThrow(/priority/);
    expect(() => buildTask({ task: 't', queue: 'q', headers: { id: 'x' } })).toThrow(/header id/);
  });
});

describe('validator rejects the messages that crashed real workers', () => {
  it('Redis: 2-element body (restored at the head, crash loop)', () => {
    const p = validateTaskMessage(load('redis/raw-publish-crawl-no_embed.json').lpushed, 'redis');
    expect(p.join()).toMatch(/3-element/);
  });
  it('Redis: missing content-type', () => {
    const p = validateTaskMessage(load('redis/raw-publish-crawl-no_ctype.json').lpushed, 'redis');
    expect(p.join()).toMatch(/content-type/);
  });
  it('Redis: missing delivery_info (message lost)', () => {
    const p = validateTaskMessage(load('redis/raw-publish-crawl-no_dinfo.json').lpushed, 'redis');
    expect(p.join()).toMatch(/delivery_info/);
  });
  it('Redis: missing delivery_tag, not JSON, named exchange, missing task header, 5 MB', () => {
    const env = structuredClone(load('redis/sample-task-message-celery.json').parsed);
    delete env.properties.delivery_tag;
    expect(validateTaskMessage(env, 'redis').join()).toMatch(/delivery_tag/);
    expect(validateTaskMessage('{not json', 'redis')).toEqual(['envelope is not JSON']);
    const named = structuredClone(load('redis/sample-task-message-celery.json').parsed);
    named.properties.delivery_info.exchange = 'crawl';
    expect(validateTaskMessage(named, 'redis').join()).toMatch(/default exchange/);
    const noTask = structuredClone(load('redis/sample-task-message-celery.json').parsed);
    delete noTask.headers.task;
    expect(validateTaskMessage(noTask, 'redis').join()).toMatch(/headers.task/);
    expect(validateTaskMessage('x'.repeat(5 * 1024 * 1024), 'redis').join()).toMatch(/larger/);
  });
  it('Redis: the accepted minimal and plain variants pass', () => {
    expect(validateTaskMessage(load('redis/raw-publish-crawl-minimal.json').lpushed, 'redis')).toEqual([]);
    expect(validateTaskMessage(load('redis/raw-publish-crawl-plain.json').lpushed, 'redis')).toEqual([]);
    expect(validateTaskMessage(load('redis/raw-publish-crawl-no_cenc.json').lpushed, 'redis')).toEqual([]);
  });
  it('AMQP: 2-element body, missing content type', () => {
    const c = load('amqp/raw-publish-crawl-no_embed.json');
    const msg = {
      exchange: c.exchange,
      routingKey: c.routing_key,
      content: Buffer.from(c.body),
      options: {
        contentType: c.properties.content_type,
        contentEncoding: c.properties.content_encoding,
        headers: c.properties.application_headers,
      },
    };
    expect(validateTaskMessage(msg, 'amqp').join()).toMatch(/3-element/);
    const noCt = toAmqpMessage(buildTask(spec)) as any;
    delete noCt.options.contentType;
    expect(validateTaskMessage(noCt, 'amqp').join()).toMatch(/contentType/);
  });
  it('pidbox envelope without delivery_tag (KeyError crash) is refused', () => {
    const env = structuredClone(load('redis/control-stats-before.json').published_envelope);
    expect(validatePidboxEnvelope(env)).toEqual([]);
    delete env.properties.delivery_tag;
    expect(validatePidboxEnvelope(env).join()).toMatch(/delivery_tag/);
  });
});

describe('remote control and replay helpers', () => {
  it('builds the request body Celery sends and reads replies', () => {
    const real = load('redis/control-stats-before.json').published_body;
    const ours = buildPidboxRequest('stats', {}, ['w1@vm'], 't', 'oid');
    expect(Object.keys(ours)).toEqual(Object.keys(real));
    expect(validateControlArgs('pool_shrink', { n: -1 }).length).toBe(1);
    expect(validateControlArgs('cancel_consumer', {}).join()).toMatch(/queue/);
    const replies = readReplyBody({ 'w1@vm': { ok: 'pool will shrink' }, 'w2@vm': { error: "KeyError('x')" } });
    expect(replies).toEqual([
      { worker: 'w1@vm', ok: true, detail: 'pool will shrink', raw: { ok: 'pool will shrink' } },
      { worker: 'w2@vm', ok: false, detail: "KeyError('x')", raw: { error: "KeyError('x')" } },
    ]);
  });

  it('rewrites dead-letter headers per contract section 5', () => {
    const dl = load('amqp/dead-lettered-messages.json')['rank.dead'][0].properties.application_headers;
    const h = replayHeaders(
      { ...dl, lsos_sent_at: 100.5 },
      { deadQueue: 'rank.dead', operator: 'ana', reasonCode: 'fix-deployed', nowMs: 200_000 },
    );
    expect(h['id']).toBe(dl.id);
    expect(h['root_id']).toBe(dl.root_id);
    expect(h['parent_id']).toBe(dl.parent_id);
    expect(h['lsos_replay_of']).toBe('rank.dead');
    expect(h['lsos_replay_count']).toBe(1);
    expect(h['lsos_replayed_by']).toBe('ana');
    expect(h['lsos_replay_reason']).toBe('fix-deployed');
    expect(h['lsos_replayed_at']).toBe(200);
    expect(h['lsos_sent_at']).toBe(200);
    expect(h['lsos_original_sent_at']).toBe(100.5);
    expect(h['lsos_last_dead_reason']).toBe('rejected');
    expect(Object.keys(h).some((k) => k.startsWith('x-'))).toBe(false);
    const again = replayHeaders(
      { ...h, lsos_exc_type: 'ValueError' },
      { deadQueue: 'rank.dead', operator: 'bo', reasonCode: 'data-corrected', nowMs: 300_000 },
    );
    expect(again['lsos_replay_count']).toBe(2);
    expect(again['lsos_last_exc_type']).toBe('ValueError');
    expect(again['lsos_exc_type']).toBeUndefined();
    expect(again['lsos_original_sent_at']).toBe(100.5);
    expect(deadLetterIdentity(h)).not.toBe(deadLetterIdentity(dl));
  });
});
