// Suspend and resume, in a real terminal with a real job-control shell: tmux on a server of its
// own, an interactive bash in the pane, the built CLI started from it. Ctrl-Z hands the terminal
// back (the prompt on the main screen, cursor shown, cooked mode as `stty -a` typed at the prompt
// shows); `fg` takes it back (alternate screen, the frame redrawn, raw mode as `stty -a -F` of the
// pane's tty shows, `?` acts without Enter). `kill -TSTP` does the same as Ctrl-Z.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, haveTmux, isCooked } from './tmux.js';

const available = haveTmux();
if (!available && process.env.CI !== 'true') console.warn('\n*** SKIPPING suspend test: tmux is not installed ***\n');
const suite = available || process.env.CI === 'true' ? describe : describe.skip;

const PROMPT = 'SHELL-PROMPT$ ';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A tmux server of its own with an interactive bash (job control on) in one pane. */
class ShellPane {
  readonly socket = `lsos-suspend-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'lsos-suspend-'));
  readonly stateDir = join(this.dir, 'state');

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  start(): void {
    this.tmux(
      'new-session',
      '-d',
      '-s',
      'sh',
      '-x',
      '120',
      '-y',
      '40',
      'env',
      '-u',
      'CI',
      'LANG=C.UTF-8',
      'TERM=xterm-256color',
      `PS1=${PROMPT}`,
      'bash',
      '--norc',
      '--noprofile',
      '-i',
    );
  }

  capture(): string {
    return this.tmux('capture-pane', '-p', '-t', 'sh');
  }

  /** Types a line at the shell and presses Enter. */
  line(s: string): void {
    this.tmux('send-keys', '-l', '-t', 'sh', s);
    this.tmux('send-keys', '-t', 'sh', 'Enter');
  }

  keys(...k: string[]): void {
    this.tmux('send-keys', '-t', 'sh', ...k);
  }

  flag(format: string): string {
    return this.tmux('display-message', '-p', '-t', 'sh', format).trim();
  }

  /** The pane's terminal as the kernel has it now (read from outside, whoever is in the foreground). */
  sttyOutside(): string {
    return execFileSync('stty', ['-a', '-F', this.flag('#{pane_tty}')], { encoding: 'utf8' });
  }

  /** `stty -a` typed at the shell prompt: the modes the shell was handed. */
  async sttyAtPrompt(name: string): Promise<string> {
    const file = join(this.dir, `${name}.txt`);
    this.line(`stty -a > ${file}`);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (existsSync(file) && readFileSync(file, 'utf8').includes('speed')) return readFileSync(file, 'utf8');
      await sleep(50);
    }
    throw new Error(`stty -a at the prompt wrote nothing; screen:\n${this.capture()}`);
  }

  async waitFor(pred: (screen: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.capture();
      if (pred(screen)) return screen;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}; screen was:\n${screen}`);
  }

  cockpitPid(): number {
    const out = execFileSync('pgrep', ['-f', `cli.cjs --state-dir ${this.stateDir}`], { encoding: 'utf8' }).trim();
    return Number(out.split('\n')[0]);
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      /* gone */
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The terminal in raw mode: no canonical line editing, no echo. */
function isRaw(stty: string): boolean {
  return /(^|\s)-icanon(\s|$)/.test(stty) && /(^|\s)-echo(\s|$)/.test(stty);
}

const frameShown = (s: string) => s.includes('Queue lag') && s.includes('Escalation');

suite('Ctrl-Z, kill -TSTP and fg', () => {
  let p: ShellPane | null = null;
  beforeAll(() => {
    if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  });
  afterAll(() => p?.kill());

  it('suspends to the shell with the terminal restored, and resumes raw and redrawn', async () => {
    p = new ShellPane();
    p.start();
    await p.waitFor((s) => s.includes(PROMPT.trimEnd()), 'the shell prompt');
    p.line(`node ${CLI} --state-dir ${p.stateDir} --scenario healthy`);
    await p.waitFor(frameShown, 'the cockpit frame');
    expect(p.flag('#{alternate_on}')).toBe('1');
    expect(isRaw(p.sttyOutside())).toBe(true);

    for (const how of ['Ctrl-Z', 'kill -TSTP'] as const) {
      if (how === 'Ctrl-Z') p.keys('C-z');
      else process.kill(p.cockpitPid(), 'SIGTSTP');
      // The shell has the terminal: its job report and prompt on the main screen, cursor shown.
      const suspended = await p.waitFor((s) => /Stopped/.test(s) && s.trimEnd().endsWith(PROMPT.trimEnd()), `the prompt after ${how}`);
      expect(suspended, how).not.toContain('Queue lag');
      expect(p.flag('#{alternate_on}'), how).toBe('0');
      expect(p.flag('#{cursor_flag}'), how).toBe('1');
      // The cockpit is stopped, not gone.
      expect(execFileSync('ps', ['-o', 'stat=', '-p', String(p.cockpitPid())], { encoding: 'utf8' }).trim(), how).toMatch(/^T/);
      const atPrompt = await p.sttyAtPrompt(`stty-${how === 'Ctrl-Z' ? 'ctrlz' : 'tstp'}`);
      expect(isCooked(atPrompt), `${how}: ${atPrompt}`).toBe(true);

      // fg: the frame comes back on the alternate screen, raw mode, keys act at once.
      p.line('fg');
      await p.waitFor(frameShown, `the frame redrawn after fg (${how})`);
      await p.waitFor(() => p?.flag('#{alternate_on}') === '1', 'the alternate screen');
      const outside = p.sttyOutside();
      expect(isRaw(outside), `${how}: ${outside}`).toBe(true);
      expect(p.flag('#{cursor_flag}'), how).toBe('0');
      p.keys('?');
      await p.waitFor((s) => s.includes('Keys and commands'), `help opened by ? without Enter (${how})`);
      p.keys('Escape');
      await p.waitFor((s) => !s.includes('Keys and commands') && frameShown(s), 'help closed');
    }

    // Quit: the terminal is the shell's again, cooked.
    p.keys('q');
    await p.waitFor((s) => s.trimEnd().endsWith(PROMPT.trimEnd()) && !s.includes('Queue lag'), 'the prompt after quitting', 15_000);
    expect(isCooked(await p.sttyAtPrompt('stty-quit'))).toBe(true);
  });
});
