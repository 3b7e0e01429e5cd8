// TLS and passwords as production runs them, against private servers started by the test with a
// CA and certificates made here with openssl: Redis (rediss://, a client certificate required),
// PostgreSQL (sslmode=verify-full with sslrootcert, a client certificate required by pg_hba) and
// RabbitMQ (amqps:// on a private node). Each source connects and reads; a wrong password, an
// untrusted certificate (the client trusts another CA) and a host name mismatch (the server also
// answers on 127.0.0.2, which its certificate does not name) each give one line naming the
// source, no stack trace, no password.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RabbitMqSource, type RabbitQueueSnapshot } from '../../../src/sources/amqp/index.js';
import { PostgresSource } from '../../../src/sources/postgres/source.js';
import { RedisCelerySource } from '../../../src/sources/redis/redisSource.js';
import { freePort, requirePg, startPgServer, type PgServer } from '../../support/pgReplica.js';
import { rabbitServerAvailable, startPrivateRabbit, type PrivateRabbit } from '../../support/privateRabbit.js';
import { makeTestCerts, oneLineProblems, type TestCerts } from '../../support/tlsCerts.js';
import { waitFor } from '../../support/waitFor.js';

let certs: TestCerts;

beforeAll(async () => {
  certs = await makeTestCerts();
}, 60_000);
afterAll(async () => {
  await certs?.cleanup();
});

/** What differs from the right settings in each failure case. */
interface Wrong {
  host?: string;
  ca?: 'other';
  password?: string;
}
const WRONG_PASSWORD = 'Not-the-password';
const FAILURES: { what: string; wrong: Wrong; expected: RegExp }[] = [
  { what: 'a wrong password', wrong: { password: WRONG_PASSWORD }, expected: /wrong user name or password/ },
  { what: 'an untrusted certificate', wrong: { ca: 'other' }, expected: /untrusted certificate: / },
  { what: 'a host name mismatch', wrong: { host: '127.0.0.2' }, expected: /host name mismatch: .*127\.0\.0\.2/ },
];

function checkLine(message: string, source: RegExp, password: string): void {
  expect(oneLineProblems(message, { source, password })).toEqual([]);
  expect(message).not.toContain(WRONG_PASSWORD);
}

describe('Redis over TLS (rediss://, CA file, client certificate, password)', () => {
  const PASSWORD = `Redis-tls-pw-${process.pid}`;
  const Q = `s17-tls-${process.pid}`;
  let port: number;
  let proc: ChildProcess;

  const url = (o: Wrong = {}): string => {
    const q = new URLSearchParams({
      ssl_cert_reqs: 'required',
      ssl_ca_certs: o.ca === 'other' ? certs.otherCaCert : certs.caCert,
      ssl_certfile: certs.clientCert,
      ssl_keyfile: certs.clientKey,
    });
    return `rediss://:${encodeURIComponent(o.password ?? PASSWORD)}@${o.host ?? '127.0.0.1'}:${port}/0?${q.toString()}`;
  };

  beforeAll(async () => {
    port = await freePort(47000 + Math.floor(Math.random() * 2000));
    proc = spawn(
      'redis-server',
      [
        ...['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '127.0.0.2'],
        ...['--tls-cert-file', certs.serverCert, '--tls-key-file', certs.serverKey, '--tls-ca-cert-file', certs.caCert],
        ...['--tls-auth-clients', 'yes', '--requirepass', PASSWORD, '--save', '', '--appendonly', 'no'],
      ],
      { stdio: 'ignore' },
    );
    proc.on('error', () => undefined);
    const direct = new Redis({
      host: '127.0.0.1',
      port,
      password: PASSWORD,
      tls: { ca: readFileSync(certs.caCert), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) },
      retryStrategy: () => 100,
    });
    direct.on('error', () => undefined);
    try {
      await waitFor(async () => (await direct.ping()) === 'PONG', { what: `redis TLS on ${port}`, timeoutMs: 20_000 });
      await direct.del(Q);
      await direct.rpush(Q, 'a', 'b');
    } finally {
      direct.disconnect();
    }
  }, 60_000);
  afterAll(() => {
    proc?.kill('SIGKILL');
  });

  it('the source connects and reads through rediss://', async () => {
    const s = new RedisCelerySource({ url: url(), queues: [Q], discover: false, events: false });
    try {
      await waitFor(async () => (await s.read(new AbortController().signal)).queues?.find((q) => q.name === Q)?.depth === 2, {
        what: 'depth 2 over TLS',
        timeoutMs: 20_000,
      });
    } finally {
      await s.close();
    }
  });

  for (const f of FAILURES) {
    it(`${f.what}: one line naming the source`, async () => {
      const s = new RedisCelerySource({ url: url(f.wrong), queues: [Q], discover: false, events: false });
      try {
        const message = await waitFor(
          async () => {
            const m = await s.read(new AbortController().signal).then(
              () => 'read succeeded',
              (e: Error) => e.message,
            );
            return f.expected.test(m) ? m : null;
          },
          { what: `the error for ${f.what}`, timeoutMs: 20_000 },
        );
        const host = (f.wrong.host ?? '127.0.0.1').replace(/\./g, '\\.');
        expect(message).toMatch(new RegExp(`^redis rediss://${host}:${port}/0 unreachable: `));
        checkLine(message, /^redis /, PASSWORD);
      } finally {
        await s.close();
      }
    });
  }
});

describe.skipIf(!requirePg('PostgreSQL over TLS'))(
  'PostgreSQL over TLS (sslmode=verify-full, sslrootcert, client certificate, password)',
  () => {
    const PASSWORD = `Pg-tls-pw-${process.pid}`;
    let server: PgServer;
    let cleanup: () => Promise<void>;

    const url = (o: Wrong = {}): string => {
      const q = new URLSearchParams({
        sslmode: 'verify-full',
        sslrootcert: o.ca === 'other' ? certs.otherCaCert : certs.caCert,
        sslcert: certs.clientCert,
        sslkey: certs.clientKey,
      });
      return `postgres://cockpit:${encodeURIComponent(o.password ?? PASSWORD)}@${o.host ?? '127.0.0.1'}:${server.port}/postgres?${q.toString()}`;
    };

    beforeAll(async () => {
      const started = await startPgServer({
        conf: [
          "listen_addresses = '127.0.0.1,127.0.0.2'",
          'ssl = on',
          "ssl_cert_file = 'server.crt'",
          "ssl_key_file = 'server.key'",
          "ssl_ca_file = 'ca.crt'",
        ],
        // The cockpit's role logs in over TLS only, with a password and a client certificate signed by the CA.
        hba: ['hostssl all cockpit 127.0.0.0/8 scram-sha-256 clientcert=verify-ca', 'host all cockpit 127.0.0.0/8 reject'],
        files: { 'server.crt': certs.serverCert, 'server.key': certs.serverKey, 'ca.crt': certs.caCert },
      });
      server = started.server;
      cleanup = started.cleanup;
      await server.query(`create role cockpit login password '${PASSWORD}' in role pg_monitor`);
    }, 120_000);
    afterAll(async () => {
      await cleanup?.();
    });

    it('the source connects with verify-full and reads the primary', async () => {
      const s = new PostgresSource({ primaryUrl: url(), statementTimeoutMs: 5000 });
      try {
        const patch = await s.read(new AbortController().signal);
        expect(s.unreachableIn(patch)).toBeNull();
        expect(patch.database?.primaryReachable).toBe(true);
        expect(patch.database?.maxConnections).toBeGreaterThan(0);
        // The session is TLS: the server says so for the cockpit's own connection.
        const rows = await server.query<{ ssl: boolean }>(
          "select bool_and(s.ssl) as ssl from pg_stat_ssl s join pg_stat_activity a using (pid) where a.usename = 'cockpit'",
        );
        expect(rows[0]?.ssl).toBe(true);
      } finally {
        await s.close();
      }
    });

    for (const f of FAILURES) {
      it(`${f.what}: one line naming the source`, async () => {
        const s = new PostgresSource({ primaryUrl: url(f.wrong), statementTimeoutMs: 5000 });
        try {
          const patch = await s.read(new AbortController().signal);
          const problem = s.unreachableIn(patch) ?? '';
          expect(problem).toMatch(f.expected);
          const degraded = patch.database?.primaryDegraded ?? '';
          expect(degraded).toMatch(
            new RegExp(`^primary ${(f.wrong.host ?? '127.0.0.1').replace(/\./g, '\\.')}:${server.port} unreachable: `),
          );
          checkLine(degraded, /^primary /, PASSWORD);
          checkLine(problem, /./, PASSWORD);
        } finally {
          await s.close();
        }
      });
    }
  },
);

const rabbitOk = ((): boolean => {
  const a = rabbitServerAvailable();
  if (a.ok) return true;
  if (process.env.CI === 'true') throw new Error(`AMQPS: cannot run in CI: ${a.reason}`);
  console.warn(`\n*** SKIPPING AMQPS: ${a.reason} ***\n`);
  return false;
})();

describe.skipIf(!rabbitOk)('RabbitMQ over TLS (amqps:// on a private node, CA file, client certificate)', () => {
  let rabbit: PrivateRabbit;

  const url = (o: Wrong = {}): string => {
    const q = new URLSearchParams({
      ssl_ca_certs: o.ca === 'other' ? certs.otherCaCert : certs.caCert,
      ssl_certfile: certs.clientCert,
      ssl_keyfile: certs.clientKey,
    });
    return `amqps://${rabbit.user}:${encodeURIComponent(o.password ?? rabbit.password)}@${o.host ?? '127.0.0.1'}:${rabbit.tlsPort}/?${q.toString()}`;
  };

  beforeAll(async () => {
    rabbit = await startPrivateRabbit({ certs, name: 'lsos-tls' });
    const c = await connect(rabbit.url());
    const ch = await c.createChannel();
    await ch.assertQueue('crawl', { durable: true });
    for (const id of ['m1', 'm2']) ch.sendToQueue('crawl', Buffer.from('{}'), { headers: { task: 'crawl.fetch_page', id } });
    await ch.close();
    await c.close();
  }, 120_000);
  afterAll(async () => {
    await rabbit?.stop();
  });

  it('the source connects and reads through amqps://', async () => {
    const s = new RabbitMqSource({ url: url(), queues: ['crawl'], tapRetryMs: 0 });
    try {
      await waitFor(
        async () => {
          const patch = await s.read(new AbortController().signal);
          return (patch.queues as RabbitQueueSnapshot[] | undefined)?.find((q) => q.name === 'crawl')?.depth === 2;
        },
        { what: 'depth 2 over AMQPS', timeoutMs: 30_000 },
      );
    } finally {
      await s.close();
    }
  });

  for (const f of FAILURES) {
    it(`${f.what}: one line naming the source`, async () => {
      const s = new RabbitMqSource({ url: url(f.wrong), queues: ['crawl'], tapRetryMs: 0 });
      try {
        const message = await s.read(new AbortController().signal).then(
          () => 'read succeeded',
          (e: Error) => e.message,
        );
        expect(message).toMatch(f.expected);
        // Where, masked once (the password), without the CA and key file query; then the problem.
        expect(message).toMatch(new RegExp(`^RabbitMQ unreachable at amqps://cockpit:\\*\\*\\*@127\\.0\\.0\\.[12]:${rabbit.tlsPort}/: `));
        expect(message.match(/\*\*\*/g)).toHaveLength(1);
        checkLine(message, /^RabbitMQ /, rabbit.password);
      } finally {
        await s.close();
      }
    });
  }
});
