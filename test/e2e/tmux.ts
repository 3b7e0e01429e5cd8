// Drives the built CLI in a real terminal: tmux (Debian's package) on a private server socket,
// send-keys to type, capture-pane to read the screen, pane flags to check the terminal state.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/src/cli.cjs');

export function haveTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TmuxSession {
  readonly socket = `lsos-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly name = 'cockpit';
  readonly dir = mkdtempSync(join(tmpdir(), 'lsos-e2e-'));
  /** Written by the wrapper shell after the cockpit exits: `stty -a` of the terminal it left. */
  readonly sttyAfter = join(this.dir, 'stty-after.txt');
  readonly stateDir: string;

  /** `stateDir`: reuse another session's incident journals (a restart). */
  constructor(opts: { stateDir?: string } = {}) {
    this.stateDir = opts.stateDir ?? join(this.dir, 'state');
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /**
   * Starts the cockpit at cols x rows, inside a shell that records the terminal's state after it
   * exits. `wrapper`: a command the cockpit runs under (e.g. setpriv to run it as another user).
   */
  start(cols: number, rows: number, cliArgs: string[] = [], env: Record<string, string> = {}, wrapper: string[] = []): void {
    // CI=true as .ci/run exports it: the cockpit on a terminal must draw anyway (Ink alone would not).
    const envs = Object.entries({ LANG: 'C.UTF-8', TERM: 'xterm-256color', CI: 'true', ...env })
      .map(([k, v]) => `${k}=${shq(v)}`)
      .join(' ');
    const cmd = `${wrapper.map(shq).join(' ')} env ${envs} node ${shq(CLI)} --state-dir ${shq(this.stateDir)} ${cliArgs.map(shq).join(' ')}; stty -a > ${shq(this.sttyAfter)}; sleep 600`;
    this.tmux('new-session', '-d', '-s', this.name, '-x', String(cols), '-y', String(rows), 'bash', '--norc', '--noprofile', '-c', cmd);
    this.tmux('set-option', '-t', this.name, 'remain-on-exit', 'on');
  }

  capture(): string {
    return this.tmux('capture-pane', '-p', '-t', this.name);
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Sends literal text (no key-name lookup). */
  text(s: string): void {
    this.tmux('send-keys', '-l', '-t', this.name, s);
  }

  resize(cols: number, rows: number): void {
    this.tmux('resize-window', '-t', this.name, '-x', String(cols), '-y', String(rows));
  }

  flag(format: string): string {
    return this.tmux('display-message', '-p', '-t', this.name, format).trim();
  }

  /** The cockpit's own pid (found by its unique state dir), or null once it exited. */
  cockpitPid(): number | null {
    try {
      const out = execFileSync('pgrep', ['-f', `cli.cjs --state-dir ${this.stateDir}`], { encoding: 'utf8' }).trim();
      const pid = Number(out.split('\n')[0]);
      return Number.isFinite(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  /**
   * Polls the screen until `pred` holds. The ceiling is at least 60 s whatever `timeoutMs` says:
   * a busy machine draws late, not wrong.
   */
  async waitFor(pred: (screen: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + Math.max(timeoutMs, 60_000);
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.capture();
      if (pred(screen)) return screen;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}; screen was:\n${screen}`);
  }

  async waitForText(text: string | RegExp, timeoutMs?: number): Promise<string> {
    return this.waitFor((s) => (typeof text === 'string' ? s.includes(text) : text.test(s)), `${String(text)} on screen`, timeoutMs);
  }

  /** Waits for the cockpit to exit; returns `stty -a` as the terminal was left. */
  async waitForExit(timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (existsSync(this.sttyAfter)) {
        const s = readFileSync(this.sttyAfter, 'utf8');
        if (s.includes('speed')) return s;
      }
      await sleep(100);
    }
    throw new Error(`cockpit did not exit; screen:\n${this.capture()}`);
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      /* already gone */
    }
  }
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The terminal is back in cooked mode with echo (what a shell prompt needs). */
export function isCooked(stty: string): boolean {
  return /(^|\s)icanon(\s|$)/.test(stty) && /(^|\s)echo(\s|$)/.test(stty);
}
