// The built CLI in a real terminal (tmux): sizes, panels, help, quit, resize, and the terminal
// left as it was on every exit path (quit, SIGHUP, SIGTERM).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, haveTmux, isCooked, ROOT, TmuxSession } from './tmux.js';

const available = haveTmux();
if (!available) {
  if (process.env.CI === 'true') throw new Error('tmux is required for the end-to-end tests under CI (.ci/run installs it)');
  console.warn('\n*** SKIPPING end-to-end terminal tests: tmux is not installed (apt-get install tmux) ***\n');
}
const suite = available ? describe : describe.skip;

// Panel titles as drawn in their top borders (numbered: the number key focuses the panel).
const PANELS = ['1 Queue lag', '2 Failure classes', '3 Replica lag', '4 Escalation'];

suite('lsos-cockpit in a real terminal (tmux)', () => {
  let t: TmuxSession | null = null;

  beforeAll(() => {
    if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  });
  afterEach(() => {
    t?.kill();
    t = null;
  });

  async function open(cols: number, rows: number, args: string[] = ['--speed', '5']): Promise<{ session: TmuxSession; screen: string }> {
    const session = new TmuxSession();
    t = session;
    session.start(cols, rows, args);
    const screen = await session.waitFor((s) => PANELS.every((p) => s.includes(p)), 'the four panels');
    return { session, screen };
  }

  async function expectRestored(session: TmuxSession): Promise<void> {
    const stty = await session.waitForExit();
    expect(isCooked(stty), `terminal left in raw mode:\n${stty}`).toBe(true);
    expect(session.flag('#{alternate_on}')).toBe('0');
    expect(session.flag('#{cursor_flag}')).toBe('1');
  }

  it.each([
    [80, 24],
    [120, 40],
  ])(
    'opens at %ix%i with the four panels, help opens and closes, q quits (asking while an incident is open) and restores the terminal',
    async (cols, rows) => {
      const { session, screen } = await open(cols, rows);
      expect(session.flag('#{alternate_on}')).toBe('1');
      const lines = screen.split('\n');
      expect(lines.length).toBeLessThanOrEqual(rows + 1);
      await session.waitForText('SIMULATION: default');
      // The default scenario opens an incident within its first simulated minute (12 s at speed 5).
      await session.waitForText(/INC-\d{8}-\d{4}/, 20_000);

      session.text('?');
      await session.waitForText('Keys and commands');
      session.keys('Escape');
      await session.waitFor((s) => !s.includes('Keys and commands') && PANELS.every((p) => s.includes(p)), 'help closed');

      session.text('q');
      await session.waitForText('Quit?');
      session.text('n');
      await session.waitFor((s) => !s.includes('Quit?'), 'quit cancelled');
      session.text('q');
      await session.waitForText('Quit?');
      session.text('y');
      await expectRestored(session);
    },
  );

  it('keeps the frame intact while figures update (no stale or shifted lines)', async () => {
    const { session } = await open(120, 40, ['--speed', '20']);
    // A dozen incremental updates drawn (counted on screen, however slow the machine).
    let updates = 0;
    let previous = session.capture();
    await session.waitFor((s) => {
      if (s !== previous) updates++;
      previous = s;
      return updates >= 12;
    }, 'a dozen screen updates');
    session.keys('j', 'j', 'Tab');
    // Tab has moved the focus (the focused panel's border is the double one) to panel 2.
    const screen = await session.waitFor((s) => s.includes('╔═ 2 Failure classes'), 'the focus on panel 2');
    const lines = screen.split('\n');
    expect(lines[0]).toMatch(/^[╔╭].*1 Queue lag/);
    for (const p of PANELS) expect(screen.split(p).length - 1, `${p} drawn once`).toBe(1);
    expect(screen.split('SIMULATION:').length - 1).toBe(1);
    session.keys('C-l'); // repaint
    await session.waitFor((s) => /^[╔╭].*1 Queue lag/.test(s.split('\n')[0] ?? ''), 'the frame after the repaint');
  });

  it('follows resizes live and says how large the terminal must be below 80x24', async () => {
    const { session } = await open(120, 40);
    session.resize(70, 20);
    await session.waitForText('Terminal too small: 70x20');
    expect(session.capture()).toContain('80x24');
    session.resize(100, 30);
    await session.waitFor((s) => PANELS.every((p) => s.includes(p)) && !s.includes('too small'), 'panels back after growing');
  });

  it.each([['HUP'], ['TERM']])('killed with SIG%s, it leaves the terminal restored', async (sig) => {
    const { session } = await open(100, 30);
    const pid = session.cockpitPid();
    expect(pid).not.toBeNull();
    process.kill(pid as number, `SIG${sig}` as NodeJS.Signals);
    await expectRestored(session);
  });

  it('falls back to ASCII borders when the locale is not UTF-8, and honours NO_COLOR', async () => {
    const session = new TmuxSession();
    t = session;
    session.start(100, 30, ['--speed', '5'], { LANG: 'C', LC_ALL: 'C', NO_COLOR: '1' });
    const screen = await session.waitFor((s) => PANELS.every((p) => s.includes(p)), 'the four panels');
    expect(screen).not.toMatch(/[╭╮╰╯│─╔╗╚╝║═]/);
    expect(screen).toMatch(/\+-/);
    // NO_COLOR: no colour escapes in the pane (tmux reports them with -e).
    const withEscapes = execFileSync('tmux', ['-L', session.socket, 'capture-pane', '-e', '-p', '-t', session.name], { encoding: 'utf8' });
    expect(withEscapes).not.toMatch(/\u001b\[(?:3[0-7]|9[0-7]|38;)/);
  });
});
