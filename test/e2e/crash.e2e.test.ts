// SIGKILL in the middle of an incident: every timeline entry the screen showed is on disk, the
// incident is still open, and the cockpit resumes it on the next start.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, haveTmux, ROOT, TmuxSession } from './tmux.js';

const available = haveTmux();
if (!available && process.env.CI !== 'true') console.warn('\n*** SKIPPING crash test: tmux is not installed ***\n');
const suite = available || process.env.CI === 'true' ? describe : describe.skip;

/** "6 Timeline ... 12/12": the timeline panel's title says how many entries it holds. */
function shownEntries(screen: string): number | null {
  const m = /6 Timeline[^\n]*?(\d+)\/(\d+)/.exec(screen);
  return m ? Number(m[2]) : null;
}

function incidents(stateDir: string): Array<{ id: string; state: string; entries: number }> {
  const out = execFileSync('node', [CLI, 'incidents', '--json', '--state-dir', stateDir], { encoding: 'utf8' });
  return JSON.parse(out) as Array<{ id: string; state: string; entries: number }>;
}

suite('a cockpit killed with SIGKILL mid-incident', () => {
  let t: TmuxSession | null = null;
  beforeAll(() => {
    if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  });
  afterEach(() => {
    t?.kill();
    t = null;
  });

  it('loses no shown entry and resumes the open incident', async () => {
    const first = new TmuxSession();
    t = first;
    first.start(120, 40, ['--speed', '10']);
    const screen = await first.waitFor(
      (s) => (shownEntries(s) ?? 0) >= 6 && /INC-\d{8}-\d{4}/.test(s),
      'timeline entries on screen',
      30_000,
    );
    // Add a note by key, wait until the screen shows it, then kill at once.
    first.text('n');
    await first.waitForText('Add a note');
    first.text('crawl pool gone; paging reviews owner');
    first.keys('Enter');
    const withNote = await first.waitForText('crawl pool gone');
    const shown = Math.max(shownEntries(withNote) ?? 0, shownEntries(screen) ?? 0);
    const id = /INC-\d{8}-\d{4}/.exec(withNote)?.[0];
    const pid = first.cockpitPid();
    expect(pid).not.toBeNull();
    process.kill(pid as number, 'SIGKILL');
    await first.waitForExit();

    const after = incidents(first.stateDir);
    const inc = after.find((i) => i.id === id);
    expect(inc, `incident ${id} in ${JSON.stringify(after)}`).toBeDefined();
    expect(inc?.state).toBe('open');
    expect(inc?.entries).toBeGreaterThanOrEqual(shown);
    const journal = execFileSync('cat', [`${first.stateDir}/simulation/${id}.jsonl`], { encoding: 'utf8' }); // a practice incident: its own store
    expect(journal).toContain('crawl pool gone; paging reviews owner');

    // Start again on the same state dir: the same incident, still open, every entry kept.
    const stateDir = first.stateDir;
    first.kill();
    const second = new TmuxSession({ stateDir });
    t = second;
    second.start(120, 40, ['--speed', '10']);
    const resumed = await second.waitFor((s) => s.includes(id as string) && (shownEntries(s) ?? 0) > shown, 'the resumed incident', 20_000);
    expect(resumed).toContain(`${id} open`);
    expect(incidents(stateDir).filter((i) => i.state === 'open')).toHaveLength(1);
  });
});
