// Secrets never printed: passwords with an unencoded "#", "/", "?", "@" or "%" go through every
// source's environment variable, flag and config-file key, into the built CLI (`check`, `check
// --json`, `audit`, `act`, and the cockpit itself in a terminal), against the real servers; every
// byte of output (stdout, stderr, the screen) is searched for any piece of the password.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, TmuxSession, haveTmux } from '../e2e/tmux.js';

const PASSWORDS = ['Pg#S3cretPW', 'Sl/sh3dPW', 'Qu?st1onPW', 'Att@ch3dPW', 'Pct50%offPW', 'M1x#/@%k3yPW'];
type Origin = 'env' | 'flag' | 'file';
const ORIGINS: Origin[] = ['env', 'flag', 'file'];

/** Every piece of the password a partial leak could show (split at the characters a parser cuts at). */
function pieces(pw: string): string[] {
  const parts = pw.split(/[#/?@%]/).filter((p) => p.length >= 4);
  return [...new Set([pw, encodeURIComponent(pw), ...parts])];
}

let dir = '';
let closedPort = 0;

/** A port nothing listens on (bound, then released). */
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

/** The six URL sources, each with the password, pointing at the real servers (the API at a closed port). */
function urls(pw: string): Record<string, string> {
  return {
    redis: `redis://cockpit:${pw}@127.0.0.1:6379/15`,
    amqp: `amqp://cockpit:${pw}@127.0.0.1:5672/`,
    database: `postgres://cockpit:${pw}@127.0.0.1:5432/test`,
    replica: `postgres://cockpit:${pw}@127.0.0.1:5432/test`,
    api: `http://cockpit:${pw}@127.0.0.1:${closedPort}/`,
    flags: `redis://cockpit:${pw}@127.0.0.1:6379/0`,
  };
}

function setup(pw: string, origin: Origin, n: number): { env: Record<string, string>; args: string[] } {
  const u = urls(pw);
  if (origin === 'env')
    return {
      env: {
        REDIS_URL: u.redis as string,
        AMQP_URL: u.amqp as string,
        DATABASE_URL: u.database as string,
        LSOS_REPLICA_URLS: `r1=${u.replica}`,
        LSOS_API_URL: u.api as string,
        LSOS_FLAGS_REDIS_URL: u.flags as string,
      },
      args: [],
    };
  if (origin === 'flag')
    return {
      env: {},
      args: [
        '--redis-url',
        u.redis as string,
        '--amqp-url',
        u.amqp as string,
        '--database-url',
        u.database as string,
        '--replica-url',
        `r1=${u.replica}`,
        '--api-url',
        u.api as string,
        '--flags-redis-url',
        u.flags as string,
      ],
    };
  // The config file: plain YAML scalars, as an operator writes them ("#" after a non-blank is no comment).
  const file = join(dir, `config-${n}.yaml`);
  writeFileSync(
    file,
    [
      'sources:',
      '  redis:',
      `    url: ${u.redis}`,
      '  amqp:',
      `    url: ${u.amqp}`,
      '  database:',
      `    url: ${u.database}`,
      '  replicas:',
      '    - name: r1',
      `      url: ${u.replica}`,
      '  api:',
      `    url: ${u.api}`,
      '  controlFlags:',
      `    url: ${u.flags}`,
      '',
    ].join('\n'),
  );
  return { env: {}, args: ['--config', file] };
}

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function run(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'node',
      [CLI, ...args],
      {
        env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg'), XDG_STATE_HOME: join(dir, 'state'), ...env },
        timeout: 60_000,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number | string }).code as number | null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, out: stdout, err: stderr });
      },
    );
  });
}

function expectNoSecret(pw: string, text: string, what: string): void {
  for (const p of pieces(pw)) expect(text.includes(p), `${what} shows ${JSON.stringify(p)}:\n${text.slice(0, 4000)}`).toBe(false);
}

beforeAll(async () => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  dir = mkdtempSync(join(tmpdir(), 'lsos-secrets-'));
  mkdirSync(join(dir, 'xdg'));
  closedPort = await freePort();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('passwords never printed', () => {
  let n = 0;
  for (const pw of PASSWORDS) {
    it(`${JSON.stringify(pw)} through every source's variable, flag and file key: check, check --json, audit, act`, async () => {
      const jobs: Promise<void>[] = [];
      for (const origin of ORIGINS) {
        const { env, args } = setup(pw, origin, n++);
        for (const cmd of [
          ['check', '--json', '--timeout', '2000'],
          ['check', '--timeout', '2000'],
          ['audit', 'verify'],
          ['act', 'pause-task', '--task', 'crawl.fetch_page', '--until', '5m', '--reason', 'secrets test', '--dry-run'],
        ]) {
          jobs.push(
            run([...cmd, ...args], env).then((r) => {
              const what = `${cmd.join(' ')} (${origin})`;
              expectNoSecret(pw, r.out, `${what} stdout`);
              expectNoSecret(pw, r.err, `${what} stderr`);
              // Refused or not, never a stack trace, never exit 1 from a crash.
              expect(r.err, `${what} stderr`).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
              if (cmd[0] === 'check') expect(r.code, `${what}: ${r.err}`).not.toBe(1);
              if (cmd[1] === '--json' && r.out.trim().startsWith('{')) expect(() => JSON.parse(r.out) as unknown).not.toThrow();
            }),
          );
        }
      }
      await Promise.all(jobs);
    }, 120_000);
  }
});

const tmux = haveTmux();
if (!tmux && process.env.CI !== 'true') console.warn('\n*** SKIPPING the on-screen part of the secrets test: tmux is not installed ***\n');

describe.runIf(tmux || process.env.CI === 'true')('passwords never on the cockpit screen', () => {
  for (const pw of PASSWORDS) {
    it(`${JSON.stringify(pw)} from the environment: not on screen, not on stderr`, async () => {
      const t = new TmuxSession();
      try {
        const { env } = setup(pw, 'env', 0);
        t.start(160, 45, [], env);
        // Refused (shell prints the reason) or running (the status line lists the live sources).
        const screen = await t.waitFor((s) => /configuration refused|redis|postgres/i.test(s), 'the cockpit or its refusal', 20_000);
        expectNoSecret(pw, screen, 'screen');
        if (!/configuration refused/.test(screen)) {
          // Let every source fail at least once (the error texts reach the screen), then look again.
          await new Promise((r) => setTimeout(r, 4000));
          expectNoSecret(pw, t.capture(), 'screen after the sources failed');
          t.text('q');
          await new Promise((r) => setTimeout(r, 300));
          t.text('y');
        }
        await t.waitForExit(15_000).catch(() => undefined);
        expectNoSecret(pw, t.capture(), 'screen after exit');
      } finally {
        t.kill();
      }
    }, 60_000);
  }
});
