// The built CLI runs React's production build (issue 12, item 2): React 19's development build
// records a `performance.measure()` entry per render, which Node keeps forever (the leak that grew
// the heap 18–25 MB/min). The cockpit is started in tmux with a probe preloaded
// (bench/probe.mjs, through NODE_OPTIONS, as an operator's environment could): after frames were
// drawn and keys pressed, the probe reports no measure entries and NODE_ENV=production, although
// the environment given to the cockpit sets NODE_ENV=development.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, haveTmux, ROOT, TmuxSession } from './tmux.js';
import { waitFor } from '../support/waitFor.js';

const available = haveTmux();
if (!available && process.env.CI === 'true') throw new Error('tmux is required for the end-to-end tests under CI');
const suite = available ? describe : describe.skip;
const PROBE = join(ROOT, 'bench', 'probe.mjs');

interface ProbeLine {
  measures: number;
  nodeEnv: string | null;
  heapUsedAfterGc: number;
}

suite('production React in the built CLI (tmux)', () => {
  let t: TmuxSession | null = null;
  beforeAll(() => {
    if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  });
  afterEach(() => {
    t?.kill();
    t = null;
  });

  it('no performance.measure entries accumulate and NODE_ENV is production, even when the environment says development', async () => {
    const session = new TmuxSession();
    t = session;
    const out = join(session.dir, 'probe.jsonl');
    session.start(120, 40, ['--speed', '10'], { NODE_OPTIONS: `--import=${PROBE}`, LSOS_PROBE_OUT: out, NODE_ENV: 'development' });
    await session.waitForText('SIMULATION: default');
    // Many renders: simulation ticks, and keys that move the selection and switch panels.
    for (let i = 0; i < 6; i++) session.keys('j', 'Tab');
    await session.waitForText(/INC-\d{8}-\d{4}/, 20_000);
    const pid = session.cockpitPid();
    expect(pid).not.toBeNull();
    process.kill(pid as number, 'SIGUSR2');
    // The probe appends its line after a full collection: the file can exist, still empty, before
    // the line is in it. Read once a whole line is there.
    const line = await waitFor(
      () => {
        const text = existsSync(out) ? readFileSync(out, 'utf8') : '';
        return text.includes('\n') ? (JSON.parse(text.split('\n')[0] as string) as ProbeLine) : null;
      },
      { what: `the probe's line in ${out}` },
    );
    expect(line.nodeEnv).toBe('production');
    expect(line.measures).toBe(0);
  });
});
