// The terminal must always be left as it was: cursor shown, cooked mode, main screen back,
// whatever way the cockpit exits (quit, uncaught error, SIGTERM, SIGHUP from a dropped SSH session),
// and while it is suspended (Ctrl-Z, SIGTSTP): the shell gets its prompt on the main screen in
// cooked mode; `fg` (SIGCONT) takes the terminal back (raw mode, alternate screen) and redraws.

export const ENTER_ALT_SCREEN = '\u001b[?1049h\u001b[H';
export const LEAVE_ALT_SCREEN = '\u001b[?1049l';
export const SHOW_CURSOR = '\u001b[?25h';
export const HIDE_CURSOR = '\u001b[?25l';
/** Clear + home: Ink replays its last frame after this (see ink-6-notes), so it repaints. */
export const REPAINT = '\u001b[2J\u001b[H';

interface TerminalOut {
  write(s: string): unknown;
  isTTY?: boolean;
}
interface TerminalIn {
  isTTY?: boolean;
  setRawMode?: (m: boolean) => unknown;
}

export class TerminalGuard {
  private active = false;
  /** Stopped by Ctrl-Z or SIGTSTP: the terminal is the shell's until SIGCONT. */
  private suspended = false;
  private onResume: (() => void) | null = null;
  private readonly handlers: Array<[string, (...a: any[]) => void]> = [];

  constructor(
    private readonly out: TerminalOut,
    private readonly input: TerminalIn,
    private readonly proc: NodeJS.Process = process,
  ) {}

  enter(): void {
    if (this.active) return;
    this.active = true;
    this.out.write(ENTER_ALT_SCREEN);
  }

  /** Idempotent: safe to call from every exit path. Never throws (stdout may be gone). */
  restore(): void {
    if (!this.active) return;
    this.active = false;
    try {
      if (this.input.isTTY) this.input.setRawMode?.(false);
    } catch {
      /* the tty may be gone already */
    }
    try {
      this.out.write(`${SHOW_CURSOR}${LEAVE_ALT_SCREEN}`);
    } catch {
      /* EIO/EPIPE after an SSH drop: nothing left to restore */
    }
  }

  /** True between a suspend and the SIGCONT that resumes it. */
  isSuspended(): boolean {
    return this.suspended;
  }

  /**
   * Ctrl-Z (the byte 0x1a: in raw mode the terminal sends it instead of a signal) or SIGTSTP:
   * hands the terminal back as the shell expects it (cursor shown, main screen, cooked mode),
   * then stops the process with SIGSTOP. The shell prints its prompt; `fg` sends SIGCONT.
   */
  suspend(): void {
    if (this.active && !this.suspended) {
      this.suspended = true;
      try {
        this.out.write(`${SHOW_CURSOR}${LEAVE_ALT_SCREEN}`);
      } catch {
        /* the terminal may be gone */
      }
      try {
        if (this.input.isTTY) this.input.setRawMode?.(false);
      } catch {
        /* the tty may be gone */
      }
    }
    // Writes to a tty are synchronous on Linux: the terminal is back before the process stops.
    this.proc.kill(this.proc.pid, 'SIGSTOP');
  }

  /** SIGCONT (`fg`, `bg`, `kill -CONT`): takes the terminal back (raw mode, alternate screen, cursor hidden) and has the screen redrawn. */
  resume(): void {
    if (!this.active) return; // already restored for good (quitting)
    this.suspended = false;
    try {
      if (this.input.isTTY) this.input.setRawMode?.(true);
    } catch {
      /* the tty may be gone */
    }
    try {
      this.out.write(`${ENTER_ALT_SCREEN}${HIDE_CURSOR}`);
    } catch {
      /* EIO after an SSH drop: the error handler ends the cockpit */
    }
    this.onResume?.();
  }

  /**
   * Installs restore on every exit path. `onFatal` decides what to do after restoring
   * (flush and exit); an error is printed after the terminal is back to normal. `onResume`
   * redraws the screen after a suspend (Ctrl-Z / SIGTSTP, then SIGCONT).
   */
  install(onFatal: (reason: string, code: number) => void, onResume?: () => void): void {
    const on = (ev: string, fn: (...a: any[]) => void) => {
      this.handlers.push([ev, fn]);
      this.proc.on(ev as 'exit', fn);
    };
    this.onResume = onResume ?? null;
    on('exit', () => this.restore());
    on('SIGTSTP', () => this.suspend());
    on('SIGCONT', () => this.resume());
    for (const [sig, code] of [
      ['SIGTERM', 143],
      ['SIGHUP', 129],
      ['SIGINT', 130],
    ] as const) {
      on(sig, () => {
        this.restore();
        onFatal(`received ${sig}`, code);
      });
    }
    on('uncaughtException', (err: unknown) => {
      this.restore();
      onFatal(`uncaught error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, 1);
    });
    on('unhandledRejection', (err: unknown) => {
      this.restore();
      onFatal(`unhandled rejection: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, 1);
    });
    // The SSH session dropped: writes fail with EIO/EPIPE. Stop, don't crash in a loop.
    const out = this.out as unknown as NodeJS.WriteStream;
    if (typeof out.on === 'function') {
      out.on('error', (err: NodeJS.ErrnoException) => {
        this.active = false;
        onFatal(`terminal gone (${err.code ?? err.message})`, 129);
      });
    }
  }

  uninstall(): void {
    for (const [ev, fn] of this.handlers) this.proc.removeListener(ev as 'exit', fn);
    this.handlers.length = 0;
  }
}
