// Paging can't be off by accident (the built CLI in tmux): live paging that was asked for and
// cannot work (an invalid roster, a callback port already taken) stops start-up with the reason;
// paging that was not asked for (no roster) is said as PAGING OFF on the escalation panel from the
// start, before any incident; on the simulation a callback port already taken leaves paging OFF
// with why for the whole session, and deciding a severity says nobody will be paged before it is
// confirmed.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, haveTmux, ROOT, TmuxSession } from './tmux.js';

const available = haveTmux();
if (!available) {
  if (process.env.CI === 'true') throw new Error('tmux is required for the end-to-end tests under CI');
  console.warn('\n*** SKIPPING paging-off end-to-end tests: tmux is not installed ***\n');
}
const suite = available ? describe : describe.skip;

/** A Redis db of this file's own on the shared server: the live source reads it, nothing is written. */
const REDIS_URL = 'redis://127.0.0.1:6379/12';
const TOKEN = 'paging-off-e2e-token-0123456789';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-paging-off-'));
  dirs.push(d);
  return d;
}

/** A TCP port held by this process, so the cockpit's callback listener cannot have it. */
async function takenPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function validRoster(dir: string): string {
  const file = path.join(dir, 'roster.yaml');
  fs.copyFileSync(path.join(ROOT, 'fixtures', 'roster.demo.yaml'), file);
  return file;
}

/** Runs the CLI in a pane; resolves with the pane's text once it has exited, and its exit code (printed by a wrapper). */
async function runToExit(t: TmuxSession, args: string[], env: Record<string, string>): Promise<{ screen: string; code: number }> {
  t.start(140, 40, args, env, ['bash', '-c', '"$@"; echo EXIT=$?', '--']);
  // The pane's shell writes stty -a once the cockpit has exited.
  await t.waitForExit(60_000);
  const screen = await t.waitForText(/EXIT=\d+/);
  expect(t.cockpitPid()).toBeNull();
  return { screen, code: Number(/EXIT=(\d+)/.exec(screen)?.[1] ?? NaN) };
}

suite('paging can not be off by accident (tmux)', () => {
  let t: TmuxSession | null = null;
  beforeAll(() => {
    if (!fs.existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  });
  afterEach(() => {
    t?.kill();
    t = null;
  });
  afterAll(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('live, an invalid roster that was asked for: start-up stops with every problem, exit 2, the screen never opens', async () => {
    const dir = tmp();
    const roster = path.join(dir, 'roster.yaml');
    fs.writeFileSync(roster, 'onCallEngineer: { name: Ana, webhook: "not a url" }\n');
    t = new TmuxSession({ stateDir: path.join(dir, 'state') });
    const { screen, code } = await runToExit(t, ['--roster', roster], { REDIS_URL });
    expect(code).toBe(2);
    expect(screen).toMatch(/paging refused, not starting: .*roster\.yaml:1:\d+: onCallEngineer\.webhook: not an http\(s\) URL/);
    expect(screen).toMatch(/securityLead: missing/);
    expect(screen).not.toMatch(/Queue lag/);
  });

  it('live, the callback port already taken: start-up stops with the reason, exit 2', async () => {
    const dir = tmp();
    const held = await takenPort();
    try {
      t = new TmuxSession({ stateDir: path.join(dir, 'state') });
      const { screen, code } = await runToExit(t, ['--roster', validRoster(dir), '--paging-callback-port', String(held.port)], {
        REDIS_URL,
        LSOS_PAGING_CALLBACK_TOKEN: TOKEN,
      });
      expect(code).toBe(2);
      expect(screen).toMatch(
        new RegExp(`paging refused, not starting: paging callback: cannot listen on 127\\.0\\.0\\.1:${held.port}: .*EADDRINUSE`),
      );
    } finally {
      await held.close();
    }
  });

  it('live, no roster asked for: PAGING OFF on the escalation panel from the start, before any incident', async () => {
    const dir = tmp();
    t = new TmuxSession({ stateDir: path.join(dir, 'state') });
    // No roster anywhere: XDG_CONFIG_HOME points at an empty directory.
    t.start(160, 45, [], { REDIS_URL, XDG_CONFIG_HOME: path.join(dir, 'config'), HOME: dir });
    const screen = await t.waitForText('paging OFF: no roster');
    expect(screen).toMatch(/no incident/);
    expect(t.cockpitPid()).not.toBeNull();
  });

  it('simulation, the callback port taken: PAGING OFF with why for the session; deciding a severity says nobody will be paged', async () => {
    const dir = tmp();
    const held = await takenPort();
    try {
      t = new TmuxSession({ stateDir: path.join(dir, 'state') });
      t.start(160, 45, ['--speed', '5', '--paging-callback-port', String(held.port)]);
      await t.waitForText(/paging OFF: could not start: paging callback: cannot listen/);
      // Still said once an incident is open.
      await t.waitFor((s) => /INC-\d{8}-\d{4}/.test(s) && s.includes('paging OFF: could not start'), 'the incident with paging OFF');
      t.keys('s');
      await t.waitForText('Set severity');
      t.keys('2');
      const dialog = await t.waitForText(/nobody will be paged/);
      expect(dialog).toMatch(/paging is not running in this session: nobody will be paged/);
      t.keys('Escape');
    } finally {
      await held.close();
    }
  });
});
