// ASCII mode in a real terminal: the built CLI under LANG=C (a locale that is not UTF-8) in tmux,
// its raw output recorded byte for byte by script(1) (not capture-pane, which would re-encode what
// tmux drew), walked through every panel, help, the : line, an entry's detail and presentation
// mode. Every byte it wrote must be below 0x80.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, haveTmux } from './tmux.js';

const available = haveTmux() && existsSync('/usr/bin/script');
if (!available && process.env.CI !== 'true') console.warn('\n*** SKIPPING ascii e2e: tmux or script(1) is not installed ***\n');
const suite = available || process.env.CI === 'true' ? describe : describe.skip;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

class RawPane {
  readonly socket = `lsos-ascii-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'lsos-ascii-'));
  readonly raw = join(this.dir, 'raw.out');

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  start(cols: number, rows: number): void {
    const cockpit = `node ${shq(CLI)} --state-dir ${shq(join(this.dir, 'state'))} --scenario default --speed 5`;
    const cmd = `env -u CI LANG=C LC_ALL=C TERM=xterm-256color script -qfec ${shq(cockpit)} ${shq(this.raw)}; sleep 600`;
    this.tmux('new-session', '-d', '-s', 'a', '-x', String(cols), '-y', String(rows), 'bash', '--norc', '--noprofile', '-c', cmd);
    this.tmux('set-option', '-t', 'a', 'remain-on-exit', 'on');
  }

  keys(...k: string[]): void {
    this.tmux('send-keys', '-t', 'a', ...k);
  }

  capture(): string {
    return this.tmux('capture-pane', '-p', '-t', 'a');
  }

  async waitFor(pred: (s: string) => boolean, what: string): Promise<string> {
    const deadline = Date.now() + 60_000;
    let s = '';
    while (Date.now() < deadline) {
      s = this.capture();
      if (pred(s)) return s;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
  }

  /** Presses a key and waits for the screen to show `text`. */
  async press(key: string, until: string | ((screen: string) => boolean)): Promise<void> {
    this.keys(key);
    await this.waitFor(typeof until === 'string' ? (s) => s.includes(until) : until, `${String(until)} after ${key}`);
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      /* gone already */
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const panes: RawPane[] = [];
afterAll(() => panes.forEach((p) => p.close()));

suite('ASCII under LANG=C (raw output)', () => {
  for (const [cols, rows] of [
    [80, 24],
    [200, 60],
  ] as const) {
    it(`writes only bytes below 0x80 at ${cols}x${rows}`, async () => {
      const p = new RawPane();
      panes.push(p);
      p.start(cols, rows);
      await p.waitFor((s) => s.includes('Queue lag'), 'the cockpit');
      // The incident opens itself in the default scenario; its timeline, runbook and escalation fill.
      await p.waitFor((s) => /INC-\d{8}-\d{4}/.test(s), 'the incident');
      for (const n of ['2', '3', '4', '5', '6', '7', '1']) p.keys(n);
      await p.press('6', 'Timeline');
      await p.press('Enter', 'Timeline entry #');
      await p.press('Escape', (s) => !s.includes('Timeline entry #'));
      await p.press('?', 'Keys and commands');
      await p.press('Escape', (s) => !s.includes('Keys and commands'));
      p.keys(':');
      p.keys('-l', 're');
      await p.waitFor((s) => s.includes(':re'), 'the : line echo');
      await p.press('Escape', (s) => !s.includes(':re'));
      await p.press('p', (s) => !s.includes('2 Failure classes'));
      await p.press('p', 'Queue lag');
      p.keys('q');
      await sleep(300);
      p.keys('y');
      const bytes = readFileSync(p.raw);
      expect(bytes.length).toBeGreaterThan(2000);
      const high = [...bytes.entries()].filter(([, b]) => b >= 0x80);
      const where = high.slice(0, 5).map(([i]) => JSON.stringify(bytes.subarray(Math.max(0, i - 30), i + 10).toString('latin1')));
      expect(where, `bytes >= 0x80 at ${high.length} places`).toEqual([]);
    }, 180_000);
  }
});
