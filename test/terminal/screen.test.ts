import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ENTER_ALT_SCREEN, HIDE_CURSOR, LEAVE_ALT_SCREEN, SHOW_CURSOR, TerminalGuard } from '../../src/ui/terminal/screen.js';
import { CTRL_Z, EscapeJoiningStdin } from '../../src/ui/terminal/escapeJoiner.js';

/** A terminal and a process as plain event emitters: what the guard writes is what a tty would get. */
function setup() {
  const written: string[] = [];
  const out = Object.assign(new EventEmitter(), {
    isTTY: true,
    write: (s: string) => {
      written.push(s);
      return true;
    },
  });
  const input = {
    isTTY: true,
    raw: true,
    setRawMode(m: boolean) {
      this.raw = m;
    },
  };
  const proc = new EventEmitter() as unknown as NodeJS.Process;
  const fatal: Array<[string, number]> = [];
  const guard = new TerminalGuard(out, input, proc);
  guard.install((reason, code) => fatal.push([reason, code]));
  guard.enter();
  return { written, out, input, proc, fatal, guard };
}

describe('the terminal is restored on every exit path', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGINT', 130],
  ])('on %s: cooked mode, cursor shown, main screen back, exit code %i', (sig, code) => {
    const t = setup();
    expect(t.written).toEqual([ENTER_ALT_SCREEN]);
    (t.proc as unknown as EventEmitter).emit(sig);
    expect(t.input.raw).toBe(false);
    expect(t.written.at(-1)).toBe(`${SHOW_CURSOR}${LEAVE_ALT_SCREEN}`);
    expect(t.fatal).toEqual([[`received ${sig}`, code]]);
  });

  it('on an uncaught error (e.g. thrown in an input handler), restoring before the error is reported', () => {
    const t = setup();
    (t.proc as unknown as EventEmitter).emit('uncaughtException', new Error('boom in a key handler'));
    expect(t.written.at(-1)).toContain(LEAVE_ALT_SCREEN);
    expect(t.fatal[0]?.[0]).toContain('boom in a key handler');
    expect(t.fatal[0]?.[1]).toBe(1);
  });

  it('on an unhandled rejection and on exit; restoring twice writes once', () => {
    const t = setup();
    (t.proc as unknown as EventEmitter).emit('unhandledRejection', new Error('lost promise'));
    (t.proc as unknown as EventEmitter).emit('exit', 1);
    t.guard.restore();
    expect(t.written.filter((w) => w.includes(LEAVE_ALT_SCREEN))).toHaveLength(1);
  });

  it('an SSH drop (EIO on stdout) ends the session without writing to the dead terminal', () => {
    const t = setup();
    const err = Object.assign(new Error('write EIO'), { code: 'EIO' });
    t.out.emit('error', err);
    expect(t.fatal).toEqual([['terminal gone (EIO)', 129]]);
    t.guard.restore();
    expect(t.written).toEqual([ENTER_ALT_SCREEN]);
  });

  it('a restore that throws (terminal already gone) does not throw', () => {
    const out = {
      isTTY: true,
      write: () => {
        throw new Error('EPIPE');
      },
    };
    const g = new TerminalGuard(
      out,
      {
        isTTY: true,
        setRawMode: () => {
          throw new Error('EBADF');
        },
      },
      new EventEmitter() as unknown as NodeJS.Process,
    );
    expect(() => g.enter()).toThrow();
    expect(() => g.restore()).not.toThrow();
  });
});

describe('suspend (Ctrl-Z, SIGTSTP) and resume (SIGCONT)', () => {
  /** The guard with a process whose kill() is recorded (SIGSTOP would stop the test runner). */
  function suspendable() {
    const written: string[] = [];
    const out = Object.assign(new EventEmitter(), { isTTY: true, write: (s: string) => written.push(s) > 0 });
    const input = {
      isTTY: true,
      raw: true,
      setRawMode(m: boolean) {
        this.raw = m;
      },
    };
    const killed: Array<[number, string]> = [];
    const proc = Object.assign(new EventEmitter(), {
      pid: 4242,
      kill: (pid: number, sig: string) => {
        // What the shell sees when the process stops: the terminal as the guard left it.
        killed.push([pid, sig]);
        snapshots.push({ raw: input.raw, last: written.at(-1) });
        return true;
      },
    }) as unknown as NodeJS.Process;
    const snapshots: Array<{ raw: boolean; last: string | undefined }> = [];
    let redraws = 0;
    const guard = new TerminalGuard(out, input, proc);
    guard.install(
      () => undefined,
      () => redraws++,
    );
    guard.enter();
    return { written, input, proc, killed, snapshots, guard, redraws: () => redraws };
  }

  it('SIGTSTP: main screen, cursor shown, cooked mode, then SIGSTOP; SIGCONT: raw, alternate screen, cursor hidden, redrawn', () => {
    const t = suspendable();
    (t.proc as unknown as EventEmitter).emit('SIGTSTP');
    expect(t.killed).toEqual([[4242, 'SIGSTOP']]);
    expect(t.snapshots).toEqual([{ raw: false, last: `${SHOW_CURSOR}${LEAVE_ALT_SCREEN}` }]);
    expect(t.guard.isSuspended()).toBe(true);
    (t.proc as unknown as EventEmitter).emit('SIGCONT');
    expect(t.input.raw).toBe(true);
    expect(t.written.at(-1)).toBe(`${ENTER_ALT_SCREEN}${HIDE_CURSOR}`);
    expect(t.redraws()).toBe(1);
    expect(t.guard.isSuspended()).toBe(false);
  });

  it('after quitting (restored for good) a SIGCONT takes nothing back', () => {
    const t = suspendable();
    t.guard.restore();
    const n = t.written.length;
    (t.proc as unknown as EventEmitter).emit('SIGCONT');
    expect(t.written).toHaveLength(n);
    expect(t.input.raw).toBe(false);
    expect(t.redraws()).toBe(0);
  });

  it('Ctrl-Z typed (the byte 0x1a in raw mode) reaches the suspend hook, not the app', async () => {
    const source = Object.assign(new EventEmitter(), { isTTY: true, setRawMode: () => undefined, pause: () => undefined });
    let suspends = 0;
    const stdin = new EscapeJoiningStdin(source as unknown as NodeJS.ReadableStream, { onSuspendKey: () => suspends++ });
    const got: string[] = [];
    stdin.on('data', (d: string) => got.push(d));
    source.emit('data', Buffer.from(`j${CTRL_Z}`));
    source.emit('data', Buffer.from(CTRL_Z));
    source.emit('data', Buffer.from('k'));
    await new Promise((r) => setImmediate(r));
    expect(suspends).toBe(2);
    expect(got.join('')).toBe('jk');
    stdin.detach();
  });
});
