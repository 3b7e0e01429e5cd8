// One delivery attempt of one page to its webhook: POST JSON with a timeout, and what the
// answer means. 2xx: accepted (PagerDuty answers 202). 429 and 5xx: retry. Any other 4xx: the
// endpoint refuses this message for good (bad routing key, bad payload): a permanent failure.
// Refused connections, resets and timeouts: retry.

export type DeliveryResult =
  | { kind: 'accepted'; status: number }
  | { kind: 'retry'; status: number | null; error: string }
  | { kind: 'permanent'; status: number; error: string };

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface DeliverOptions {
  timeoutMs: number;
  /** Aborts the attempt when the controller stops. */
  signal?: AbortSignal;
  fetch?: FetchLike;
  headers?: Record<string, string>;
}

function errorText(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  if (e?.name === 'AbortError') return 'aborted';
  const code = e?.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ENOTFOUND') return 'host not found';
  if (code) return code;
  return (e?.cause?.message ?? e?.message ?? String(err)).slice(0, 200);
}

export async function deliver(url: string, body: unknown, opts: DeliverOptions): Promise<DeliveryResult> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const f: FetchLike = opts.fetch ?? (fetch as unknown as FetchLike);
  try {
    const res = await f(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...opts.headers },
      body: JSON.stringify(body),
      signal,
    });
    // Read the body (bounded by the same signal) so the connection is released.
    let text = '';
    try {
      text = (await res.text()).slice(0, 300);
    } catch {
      // The status is what counts.
    }
    const oneLine = text.replace(/\s+/g, ' ').trim().slice(0, 160);
    if (res.status >= 200 && res.status < 300) return { kind: 'accepted', status: res.status };
    if (res.status === 429 || res.status >= 500)
      return { kind: 'retry', status: res.status, error: `HTTP ${res.status}${oneLine ? ` ${oneLine}` : ''}` };
    return { kind: 'permanent', status: res.status, error: `HTTP ${res.status}${oneLine ? ` ${oneLine}` : ''}` };
  } catch (err) {
    if (timeout.aborted) return { kind: 'retry', status: null, error: `timed out after ${opts.timeoutMs} ms` };
    return { kind: 'retry', status: null, error: errorText(err) };
  }
}

/** Exponential backoff: initial × 2^(attempt−1), capped, with ±jitter (a fraction). */
export function backoffMs(
  attempt: number,
  retry: { initialMs: number; maxMs: number; jitter: number },
  random: () => number = Math.random,
): number {
  const base = Math.min(retry.maxMs, retry.initialMs * 2 ** Math.max(0, attempt - 1));
  const spread = base * retry.jitter;
  return Math.max(0, Math.round(base - spread + random() * 2 * spread));
}
