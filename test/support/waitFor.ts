// Waiting for a condition, never for wall time: a test that sleeps "long enough" passes on an idle
// machine and fails on a busy CI runner. These helpers poll a condition until it holds, with a
// generous ceiling that only matters when something is really wrong (then the error names what
// was awaited and the last thing seen).

export interface WaitOptions {
  /** What is awaited, for the timeout error ("the worker ready", "3 pages delivered"). */
  what?: string;
  /** Ceiling (default 30 s): generous, so a loaded machine never trips it. */
  timeoutMs?: number;
  /** Poll interval (default 20 ms). */
  everyMs?: number;
}

export const DEFAULT_WAIT_MS = 30_000;

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function describeLast(v: unknown): string {
  if (v instanceof Error) return v.message.split('\n').slice(0, 6).join('\n');
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.slice(0, 300);
  } catch {
    return String(v);
  }
}

/**
 * Resolves with the first truthy value of `cond` (sync or async). A throw from `cond` counts as
 * "not yet". Past the ceiling it throws, naming `what` and the last value or error seen.
 */
export async function waitFor<T>(cond: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
  const everyMs = opts.everyMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const e = new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'} (last: ${describeLast(last)})`);
      if (last instanceof Error) e.cause = last;
      throw e;
    }
    await pause(everyMs);
  }
}

/**
 * Retries `assertion` (expect calls) until it passes; past the ceiling the last assertion error is
 * thrown as is, so the report shows the usual expected/received diff.
 */
export async function eventually<T>(assertion: () => T | Promise<T>, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
  const everyMs = opts.everyMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() >= deadline) {
        if (err instanceof Error && opts.what) err.message = `${opts.what} (still failing after ${timeoutMs} ms): ${err.message}`;
        throw err;
      }
    }
    await pause(everyMs);
  }
}

/**
 * Yields to the event loop until pending timers of 0 ms, I/O callbacks and microtasks queued so
 * far have run (a render commit, a stream's data event): one macrotask turn, not a duration.
 */
export function nextTurn(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
