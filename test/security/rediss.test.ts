// rediss:// (Redis over TLS) is supported: a private redis-server listening with TLS only, a
// self-signed certificate made for the test, and the built CLI's `check`. With the certificate
// trusted (NODE_EXTRA_CA_CERTS) the source reads; untrusted, or a rediss:// URL at a plain Redis,
// the source is reported down with the reason and `check` exits 3 (could not run), never a stack
// trace and never 1 (which means "warn").
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../e2e/tmux.js';

let dir = '';
let port = 0;
let server: ChildProcess | null = null;

function haveRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const available = haveRedisServer();
if (!available && process.env.CI !== 'true') console.warn('\n*** SKIPPING rediss test: redis-server or openssl missing ***\n');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function check(url: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'node',
      [CLI, 'check', '--json', '--only', 'queue-lag', '--timeout', '3000'],
      {
        env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: join(dir, 'none'), REDIS_URL: url, ...env },
        encoding: 'utf8',
        timeout: 60_000,
      },
      (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? null) : 0, out, err }),
    );
  });
}

interface Report {
  exitCode: number;
  sources: { name: string; state: string; error: string | null }[];
  checks: { id: string; target: string; status: string }[];
}

describe.runIf(available || process.env.CI === 'true')('rediss:// (Redis over TLS)', () => {
  beforeAll(async () => {
    if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    dir = mkdtempSync(join(tmpdir(), 'lsos-rediss-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    port = await freePort();
    server = spawn(
      'redis-server',
      [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--tls-cert-file',
        join(dir, 'cert.pem'),
        '--tls-key-file',
        join(dir, 'key.pem'),
        '--tls-auth-clients',
        'no',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    // Ready when a TLS client gets PONG.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = new Redis({
        port,
        host: '127.0.0.1',
        tls: { ca: execFileSync('cat', [join(dir, 'cert.pem')]) },
        lazyConnect: true,
        retryStrategy: () => null,
      });
      r.on('error', () => undefined);
      try {
        await r.connect();
        if ((await r.ping()) === 'PONG') {
          await r.rpush('crawl', 'x'); // one (unreadable) message: the queue has a depth to report
          r.disconnect();
          break;
        }
      } catch {
        r.disconnect();
        if (Date.now() > deadline) throw new Error('the TLS redis-server did not start');
        await new Promise((res) => setTimeout(res, 100));
      }
    }
  });

  afterAll(() => {
    server?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the queues over TLS when the certificate is trusted (by name and by address)', async () => {
    for (const host of ['localhost', '127.0.0.1']) {
      const r = await check(`rediss://${host}:${port}/0`, { NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') });
      expect(r.err, host).not.toMatch(/\n\s+at /);
      const report = JSON.parse(r.out) as Report;
      expect(report.sources, host).toEqual([{ name: 'redis', area: 'broker', state: 'ok', error: null }]);
      expect(report.checks.find((c) => c.target === 'crawl')?.status, host).not.toBe('unknown');
      expect(r.code, host).not.toBe(3);
    }
  });

  it('an untrusted certificate: the source is down with the reason, exit 3, no stack trace', async () => {
    const r = await check(`rediss://localhost:${port}/0`);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.out) as Report;
    expect(report.sources[0]).toMatchObject({ name: 'redis', state: 'unreachable' });
    expect(report.sources[0]?.error).toMatch(/certificate/i);
  });

  it('rediss:// at a Redis without TLS: down, exit 3, no stack trace', async () => {
    const r = await check('rediss://127.0.0.1:6379/0');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(3);
    expect((JSON.parse(r.out) as Report).sources[0]).toMatchObject({ name: 'redis', state: 'unreachable' });
  });
});
