// Over SSH an arrow key's three bytes (ESC [ B) often arrive in two reads. Ink waits for the rest
// only until the next setImmediate, so the app would see a lone Escape and then the text "[B".
// This stream sits between the terminal and Ink and holds an incomplete escape sequence at the
// end of a read for a short while (as terminal programs do, 50-100 ms), passing it on whole.
// It also plays the line discipline's part for Ctrl-Z: in raw mode the terminal sends the byte
// 0x1a instead of raising SIGTSTP, so it is taken out here and handed to `onSuspendKey`.
import { Readable } from 'node:stream';

const ESC = '\u001b';
/** Ctrl-Z, the terminal's VSUSP character. */
export const CTRL_Z = '\u001a';

/**
 * Splits input into what can be passed on now and an incomplete escape sequence at its end
 * (a lone ESC, `ESC [` with parameters but no final byte, `ESC O` without its key).
 */
export function splitIncompleteEscape(s: string): [ready: string, held: string] {
  const i = s.lastIndexOf(ESC);
  if (i < 0) return [s, ''];
  const tail = s.slice(i);
  if (tail === ESC) return [s.slice(0, i), tail];
  if (tail === `${ESC}O`) return [s.slice(0, i), tail];
  if (tail.startsWith(`${ESC}[`)) {
    // CSI: parameter/intermediate bytes 0x20-0x3f, then a final byte 0x40-0x7e.
    const body = tail.slice(2);
    if (/^\[?[\x20-\x3f]*$/.test(body)) return [s.slice(0, i), tail];
  }
  return [s, ''];
}

export interface EscapeJoinerOptions {
  /** How long to wait for the rest of a split escape sequence. */
  holdMs?: number;
  /** Ctrl-Z was typed: suspend (the byte is not passed on). */
  onSuspendKey?: () => void;
}

type RawSource = NodeJS.ReadableStream & {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
  ref?: () => unknown;
  unref?: () => unknown;
};

/** A stdin for Ink that joins escape sequences split across reads. */
export class EscapeJoiningStdin extends Readable {
  readonly isTTY: boolean;
  private held = '';
  private timer: NodeJS.Timeout | null = null;
  private readonly holdMs: number;
  private readonly onSuspendKey: (() => void) | null;
  private readonly onData = (chunk: Buffer | string) => this.feed(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));

  constructor(
    private readonly source: RawSource,
    opts: EscapeJoinerOptions = {},
  ) {
    super({ encoding: 'utf8' });
    this.isTTY = Boolean(source.isTTY);
    this.holdMs = opts.holdMs ?? 80;
    this.onSuspendKey = opts.onSuspendKey ?? null;
    source.on('data', this.onData);
  }

  override _read(): void {
    // Data is pushed as the source delivers it.
  }

  setRawMode(mode: boolean): this {
    this.source.setRawMode?.(mode);
    return this;
  }

  ref(): this {
    this.source.ref?.();
    return this;
  }

  unref(): this {
    this.source.unref?.();
    return this;
  }

  /** Stops reading the terminal (so the process can exit). */
  detach(): void {
    this.source.removeListener('data', this.onData);
    this.source.pause?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private feed(input: string): void {
    const suspend = this.onSuspendKey !== null && input.includes(CTRL_Z);
    const chunk = suspend ? input.split(CTRL_Z).join('') : input;
    if (chunk) this.join(chunk);
    if (suspend) this.onSuspendKey?.();
  }

  private join(chunk: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const [ready, held] = splitIncompleteEscape(this.held + chunk);
    this.held = held;
    if (ready) this.push(ready);
    if (held) {
      this.timer = setTimeout(() => {
        this.timer = null;
        const lone = this.held;
        this.held = '';
        if (lone) this.push(lone);
      }, this.holdMs);
    }
  }
}
