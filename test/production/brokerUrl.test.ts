// Celery's broker URL syntax as LSOS writes it, taken as is: the parse, the mapping into the
// cockpit's configuration, and passwords masked in every form.
import { describe, expect, it } from 'vitest';
import { loadConfig, maskUrl, redactSecrets } from '../../src/config/index.js';
import { parseAmqpBroker, parseRedisBroker, parseTransportOptions } from '../../src/config/brokerUrl.js';

const load = (env: Record<string, string>, argv: string[] = []) =>
  loadConfig({ env: { HOME: '/nonexistent-home', ...env }, argv, cwd: '/' });

const problemOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a problem');
};

describe('Celery broker URLs', () => {
  it('redis:// and rediss:// with ssl_cert_reqs and files', () => {
    expect(parseRedisBroker('redis://:pw@cache:6380/3')).toEqual({
      kind: 'redis',
      host: 'cache',
      port: 6380,
      db: 3,
      password: 'pw',
      tls: null,
    });
    expect(parseRedisBroker('rediss://u:p%23w@r.example:6379/0?ssl_cert_reqs=CERT_REQUIRED&ssl_ca_certs=/etc/ca.pem')).toEqual({
      kind: 'redis',
      host: 'r.example',
      port: 6379,
      db: 0,
      username: 'u',
      password: 'p#w',
      tls: { certReqs: 'required', caFile: '/etc/ca.pem' },
    });
    expect(parseRedisBroker('rediss://r/0?ssl_cert_reqs=none')).toMatchObject({ tls: { certReqs: 'none' } });
    expect(parseRedisBroker('rediss://r/0?ssl_cert_reqs=maybe')).toMatchObject({ problem: expect.stringContaining('ssl_cert_reqs') });
    expect(parseRedisBroker('redis://r/0?ssl_cert_reqs=required')).toMatchObject({ problem: expect.stringContaining('need a TLS scheme') });
    expect(parseRedisBroker('rediss://r/0?ssl_certfile=/c.pem')).toMatchObject({ problem: expect.stringContaining('ssl_keyfile') });
    expect(parseRedisBroker('redis://r/0?socket_timeout=3')).toMatchObject({
      problem: expect.stringContaining('unknown parameter "socket_timeout"'),
    });
    expect(parseRedisBroker('redis://a;redis://b')).toMatchObject({ problem: expect.stringContaining('Sentinel list only') });
  });

  it('a sentinel:// list with the master name from the transport options or the URL', () => {
    const raw = 'sentinel://:s3cret@h1:26379/2;sentinel://:s3cret@h2:26380/2; sentinel://h3';
    expect(parseRedisBroker(raw)).toMatchObject({ problem: expect.stringContaining('master name') });
    expect(parseRedisBroker(raw, { masterName: 'lsos' })).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 'h1', port: 26379 },
        { host: 'h2', port: 26380 },
        { host: 'h3', port: 26379 },
      ],
      masterName: 'lsos',
      db: 2,
      password: 's3cret',
      tls: null,
    });
    expect(parseRedisBroker('sentinel://h1?master_name=m1;sentinel://h2')).toMatchObject({ kind: 'sentinel', masterName: 'm1' });
    expect(parseRedisBroker('sentinel://h1;redis://h2', { masterName: 'm' })).toMatchObject({
      problem: expect.stringContaining('sentinel://'),
    });
    expect(parseTransportOptions('{"master_name": "lsos", "sentinel_kwargs": {"password": "sp"}}')).toEqual({
      masterName: 'lsos',
      sentinelPassword: 'sp',
    });
    expect(parseTransportOptions('{"master_name": 3}')).toMatchObject({ problem: expect.any(String) });
  });

  it('amqp:// and amqps:// failover lists, pyamqp:// too', () => {
    const nodes = parseAmqpBroker('amqp://u:pw@r1:5672/lsos;amqps://u:pw@r2/lsos?ssl_ca_certs=/ca.pem;pyamqp://u:pw@r3//');
    expect(nodes).toEqual([
      { url: 'amqp://u:pw@r1:5672/lsos', label: 'r1:5672/lsos', tls: null },
      { url: 'amqps://u:pw@r2/lsos', label: 'amqps://r2:5671/lsos', tls: { certReqs: 'required', caFile: '/ca.pem' } },
      { url: 'amqp://u:pw@r3//', label: 'r3:5672', tls: null },
    ]);
    expect(parseAmqpBroker('amqp://r1;http://r2')).toMatchObject({ problem: expect.stringContaining('";" list') });
  });

  it('maps CELERY_BROKER_URL and the transport options onto the cockpit config', () => {
    const redis = load({
      CELERY_BROKER_URL: 'sentinel://:pw1@10.0.0.1:26379/0;sentinel://:pw1@10.0.0.2:26379/0',
      CELERY_BROKER_TRANSPORT_OPTIONS: '{"master_name": "lsos-broker"}',
    });
    expect(redis.config.sources.redis).toEqual({
      url: 'sentinel://:pw1@10.0.0.1:26379/0?master_name=lsos-broker;sentinel://:pw1@10.0.0.2:26379/0',
      db: 0,
    });
    expect(redis.provenance['sources.redis.url']).toEqual({ kind: 'env', name: 'CELERY_BROKER_URL' });
    expect(redis.config.sources.amqp).toBeNull();
    const amqp = load({ CELERY_BROKER_URL: 'amqp://u:pw@r1//;amqp://u:pw@r2//' });
    expect(amqp.config.sources.amqp?.url).toBe('amqp://u:pw@r1//;amqp://u:pw@r2//');
    // REDIS_URL beats CELERY_BROKER_URL; the flag beats the environment's master name.
    const both = load({ CELERY_BROKER_URL: 'redis://celery/1', REDIS_URL: 'sentinel://s1;sentinel://s2', REDIS_MASTER_NAME: 'env-name' }, [
      '--redis-master-name',
      'flag-name',
    ]);
    expect(both.config.sources.redis?.url).toBe('sentinel://s1?master_name=flag-name;sentinel://s2');
    expect(both.provenance['sources.redis.masterName']).toEqual({ kind: 'flag', flag: '--redis-master-name' });
    // The flags Redis follows the same syntax.
    expect(
      load({ AMQP_URL: 'amqp://r//', LSOS_FLAGS_REDIS_URL: 'sentinel://s1', REDIS_MASTER_NAME: 'f' }).config.sources.controlFlags?.url,
    ).toBe('sentinel://s1?master_name=f');
  });

  it('refuses what it cannot use, named with where it came from and the password masked', () => {
    expect(problemOf(() => load({ CELERY_BROKER_URL: 'sqs://key:SECRETKEY@' }))).toMatch(
      /environment variable CELERY_BROKER_URL: CELERY_BROKER_URL: expected a redis:\/\/.*"sqs:\/\/key:\*\*\*@"/,
    );
    const m = problemOf(() => load({ REDIS_URL: 'sentinel://:topsecret@s1;sentinel://:topsecret@s2' }));
    expect(m).toContain('environment variable REDIS_URL');
    expect(m).toContain('master name');
    expect(m).not.toContain('topsecret');
    expect(problemOf(() => load({ CELERY_BROKER_TRANSPORT_OPTIONS: '{nope' }))).toContain('CELERY_BROKER_TRANSPORT_OPTIONS: not JSON');
  });

  it('masks every item of a failover list', () => {
    const list = 'amqp://u:pw-one@r1:5672/v;amqp://u:pw-two@r2:5672/v';
    expect(maskUrl(list)).toBe('amqp://u:***@r1:5672/v;amqp://u:***@r2:5672/v');
    expect(redactSecrets(`failed: ${list} and pw-two again`, [list])).toBe(
      'failed: amqp://u:***@r1:5672/v;amqp://u:***@r2:5672/v and *** again',
    );
    expect(maskUrl('sentinel://:a;b@s1?sentinel_password=xyz;sentinel://:c@s2')).not.toMatch(/xyz|:c@/);
  });
});
