// The bench's terminal: a tmux server of its own (`tmux -L bench<pid>`), one session per program
// under measurement. Launch is timed by polling capture-pane until the program's first full frame;
// key latency through a control-mode client (`tmux -C`), which reports every byte the program
// writes as `%output` the moment tmux reads it: a key goes in with send-keys, and the time until
// the first output that changes the screen is the key-to-frame latency. CPU and RSS come from
// /proc/<pid> of the program itself (the pane runs it with exec).
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = 100;

export function haveTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** CPU seconds (user + system) and RSS of a process, from /proc. */
export function procStat(pid: number): { cpuSeconds: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at state, field 3.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  return { cpuSeconds: (utime + stime) / CLK_TCK, rssBytes: rss };
}

/** Decodes tmux control-mode escaping (octal \ooo for control bytes and backslash). */
export function decodeOutput(s: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 3 < s.length + 1 && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(...Buffer.from(s[i] as string, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

export class BenchTmux {
  readonly socket = `bench${process.pid}-${Math.random().toString(36).slice(2, 6)}`;

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** Starts `command` (exec'd, so the pane's pid is the program's) in a new session of cols x rows. */
  launch(name: string, cols: number, rows: number, command: string): number {
    const t0 = performance.now();
    this.tmux('new-session', '-d', '-s', name, '-x', String(cols), '-y', String(rows), `exec ${command}`);
    this.tmux('set-option', '-t', name, 'remain-on-exit', 'on');
    return t0;
  }

  pid(name: string): number {
    return Number(this.tmux('display-message', '-p', '-t', name, '#{pane_pid}').trim());
  }

  capture(name: string, escapes = false): string {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', name);
  }

  /** Polls the screen until `full` holds; returns ms since t0 (tight polling: a few ms resolution). */
  async waitForFrame(name: string, t0: number, full: (screen: string) => boolean, timeoutMs = 20_000): Promise<number> {
    while (performance.now() - t0 < timeoutMs) {
      if (full(this.capture(name))) return performance.now() - t0;
      await sleep(2);
    }
    throw new Error(`${name}: no full frame within ${timeoutMs} ms; screen:\n${this.capture(name)}`);
  }

  kill(name: string): void {
    try {
      this.tmux('kill-session', '-t', name);
    } catch {
      /* gone */
    }
  }

  killServer(): void {
    try {
      this.tmux('kill-server');
    } catch {
      /* gone */
    }
  }
}

/**
 * A control-mode client attached to one session: counts the bytes the program writes and times
 * keys to the first output that changes the screen.
 */
export class ControlClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private buf = '';
  bytes = 0;
  private lastOutputAt = 0;
  private waiters: ((at: number) => void)[] = [];

  constructor(
    private readonly t: BenchTmux,
    private readonly session: string,
  ) {
    this.child = spawn('tmux', ['-L', t.socket, '-C', 'attach-session', '-t', session]);
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.onData(chunk));
    this.child.on('error', () => undefined);
  }

  private onData(chunk: string): void {
    const at = performance.now();
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (!line.startsWith('%output ')) continue;
      const sp = line.indexOf(' ', 8);
      this.bytes += decodeOutput(line.slice(sp + 1)).length;
      this.lastOutputAt = at;
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f(at);
    }
  }

  private nextOutput(timeoutMs: number): Promise<number | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((f) => f !== done);
        resolve(null);
      }, timeoutMs);
      const done = (at: number) => {
        clearTimeout(timer);
        resolve(at);
      };
      this.waiters.push(done);
    });
  }

  /** Waits until the program has written nothing for quietMs (bounded by maxMs). */
  async settle(quietMs = 150, maxMs = 3000): Promise<void> {
    const start = performance.now();
    while (performance.now() - start < maxMs) {
      if (performance.now() - this.lastOutputAt >= quietMs) return;
      await sleep(10);
    }
  }

  /**
   * Sends one key and returns ms until the first output after which the screen differs from
   * before in a way `changed` accepts (null after timeoutMs).
   */
  async keyLatency(key: string, changed: (before: string, after: string) => boolean, timeoutMs = 3000): Promise<number | null> {
    const before = this.t.capture(this.session, true);
    const t0 = performance.now();
    this.t.tmux('send-keys', '-t', this.session, key);
    while (performance.now() - t0 < timeoutMs) {
      const at = await this.nextOutput(Math.max(1, timeoutMs - (performance.now() - t0)));
      if (at === null) return null;
      if (changed(before, this.t.capture(this.session, true))) return at - t0;
    }
    return null;
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}

/** Screen text with digits removed outside escape sequences: what changes with the clock alone. */
export function withoutDigits(screen: string): string {
  return screen.replace(/(\x1b\[[0-9;?]*[A-Za-z])|[0-9]/g, (m, esc: string | undefined) => esc ?? '');
}

export function median(xs: number[]): number {
  return percentile(xs, 50);
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((s.length * p) / 100) - 1)] as number;
}
