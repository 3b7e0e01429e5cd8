// `act --simulation --scenario NAME` acts on that scenario's simulation; --scenario alone, or a
// scenario that does not exist, is a usage error naming the flag (never silently ignored, never a
// stack trace); with no live system configured the refusal says how to act on the simulation. The
// README's act examples, with --simulation, run as written. No server needed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAct } from '../../src/cli/act.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-act-scenario-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function act(args: string[]) {
  let out = '';
  let err = '';
  const env = { HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'xdg'), XDG_STATE_HOME: path.join(dir, 'xdg-state') };
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env, cwd: dir };
  const code = await runAct([...args, '--state-dir', path.join(dir, 'state')], io);
  return { code, out, err };
}

describe('act and --scenario', () => {
  it('--scenario without --simulation is a usage error naming both flags', async () => {
    const r = await act(['pause-task', '--scenario', 'queue-triage', '--task', 'crawl.fetch_page', '--until', '30m', '--reason', 'loop']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--scenario needs --simulation/);
  });

  it('an unknown scenario is a usage error naming the flag and the known scenarios, not a stack trace', async () => {
    const r = await act([
      '--simulation',
      '--scenario',
      'no-such',
      'pause-task',
      '--task',
      'crawl.fetch_page',
      '--until',
      '30m',
      '--reason',
      'x',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--scenario: .*no-such.*known scenarios: .*queue-triage/s);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('the scenario named is the one loaded: a scenario file with a mistake is refused with its file and line', async () => {
    const file = path.join(dir, 'broken.yaml');
    fs.writeFileSync(file, 'name: broken\nseed: not-a-number\n');
    const r = await act([
      '--simulation',
      '--scenario',
      file,
      'pause-task',
      '--task',
      'crawl.fetch_page',
      '--until',
      '30m',
      '--reason',
      'x',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(file);
  });

  it('with no live system configured the refusal points at --simulation', async () => {
    const r = await act(['pause-task', '--task', 'crawl.fetch_page', '--until', '30m', '--reason', 'failure loop after deploy 812']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/need a broker.*--simulation \[--scenario NAME\]/);
  });

  it("the README's examples run as written with --simulation --scenario", async () => {
    const pause = await act([
      '--simulation',
      '--scenario',
      'queue-triage',
      'pause-task',
      '--task',
      'crawl.fetch_page',
      '--until',
      '30m',
      '--reason',
      'failure loop after deploy 812',
    ]);
    expect(pause.err).not.toMatch(/\n\s+at /);
    expect(pause.code, pause.err).toBe(0);
    expect(pause.out).toMatch(/SIMULATED/);
  });
});
