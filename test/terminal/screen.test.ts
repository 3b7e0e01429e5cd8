import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ENTER_ALT_SCREEN, LEAVE_ALT_SCREEN, SHOW_CURSOR, TerminalGuard } from '../../src/ui/terminal/screen.js';

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
