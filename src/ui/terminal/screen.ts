// The terminal must always be left as it was: cursor shown, cooked mode, main screen back,
// whatever way the cockpit exits (quit, uncaught error, SIGTERM, SIGHUP from a dropped SSH session).

export const ENTER_ALT_SCREEN = '\u001b[?1049h\u001b[H';
export const LEAVE_ALT_SCREEN = '\u001b[?1049l';
export const SHOW_CURSOR = '\u001b[?25h';
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

  /**
   * Installs restore on every exit path. `onSignal` decides what to do after restoring
   * (flush and exit); an error is printed after the terminal is back to normal.
   */
  install(onFatal: (reason: string, code: number) => void): void {
    const on = (ev: string, fn: (...a: any[]) => void) => {
      this.handlers.push([ev, fn]);
      this.proc.on(ev as 'exit', fn);
    };
    on('exit', () => this.restore());
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
