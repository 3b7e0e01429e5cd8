// The built CLI in live mode (tmux): configured sources replace the simulation, each shown with
// the age of its data; with no roles file the session is read-only and says why.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, requireServer } from '../celery/harness.js';
import { CLI, haveTmux, isCooked, ROOT, TmuxSession } from './tmux.js';

const ok =
  (haveTmux() || process.env.CI === 'true') &&
  (await requireServer('Redis on 127.0.0.1:6379', () => redisAvailable('redis://127.0.0.1:6379/0'))) &&
  (await requireServer('PostgreSQL on 127.0.0.1:5432', async () => {
    const pg = await import('pg');
    const c = new pg.default.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await c.connect();
    await c.end();
  }));
if (!haveTmux() && process.env.CI !== 'true') console.warn('\n*** SKIPPING live end-to-end test: tmux is not installed ***\n');

describe.runIf(ok)('lsos-cockpit on live sources, in a real terminal', () => {
  let t: TmuxSession | null = null;
  beforeAll(() => {
    if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  });
  afterEach(() => {
    t?.kill();
    t = null;
  });

  it('shows the live sources instead of the simulation, read-only without a roles file, and quits cleanly', async () => {
    // Roles come from /etc/lsos-cockpit/roles.yaml only; this machine has none, so the session must say so.
    expect(existsSync('/etc/lsos-cockpit/roles.yaml')).toBe(false);
    const s = new TmuxSession();
    t = s;
    s.start(120, 40, [], {
      REDIS_URL: 'redis://127.0.0.1:6379/14',
      DATABASE_URL: 'postgres://postgres:not-shown@127.0.0.1:5432/test',
      XDG_CONFIG_HOME: s.dir,
    });
    const screen = await s.waitFor(
      (x) => /redis \d+s ago/.test(x) && /postgres \d+s ago/.test(x),
      'both live sources with the age of their data',
      20_000,
    );
    expect(screen).not.toContain('SIMULATION');
    expect(screen).toMatch(/READ-ONLY: [^\n]*roles/i);
    expect(screen).not.toContain('not-shown');
    s.text('q');
    const stty = await s.waitForExit();
    expect(isCooked(stty)).toBe(true);
  });
});
