// Stop / resume consuming is done only once the workers show it: Celery answers add_consumer and
// cancel_consumer before it acts, so the live backend asks each worker's active_queues until the
// change shows, within a ceiling. A scripted remote control stands in for the workers here (the
// same against a real worker: test/actions/live.test.ts, "stops and resumes consuming").
import { describe, expect, it } from 'vitest';
import type { ControlCommand, ControlReply, RemoteControl } from '../../src/control/celery/types.js';
import { LiveBackend } from '../../src/control/mitigations/liveBackend.js';

/**
 * Workers that reply at once but apply a consumer change only after `lagCalls` further
 * active_queues calls (never, with Infinity), as a busy Celery worker does.
 */
class LaggingWorkers implements RemoteControl {
  readonly calls: ControlCommand[] = [];
  private readonly queues = new Map<string, Set<string>>();
  private readonly due: { worker: string; queue: string; consume: boolean; after: number }[] = [];

  constructor(
    workers: Record<string, string[]>,
    private readonly lagCalls: number,
  ) {
    for (const [w, qs] of Object.entries(workers)) this.queues.set(w, new Set(qs));
  }

  async call(command: ControlCommand, args: Record<string, unknown> = {}, opts: { destination?: string[] } = {}): Promise<ControlReply[]> {
    this.calls.push(command);
    const to = opts.destination ?? [...this.queues.keys()];
    if (command === 'add_consumer' || command === 'cancel_consumer') {
      const queue = String(args.queue);
      for (const worker of to) this.due.push({ worker, queue, consume: command === 'add_consumer', after: this.lagCalls });
      return to.map((worker) => ({
        worker,
        ok: true,
        detail: command === 'add_consumer' ? `add consumer ${queue}` : `no longer consuming from ${queue}`,
        raw: {},
      }));
    }
    if (command === 'active_queues') {
      for (const d of this.due) {
        if (d.after-- > 0) continue;
        if (d.consume) this.queues.get(d.worker)?.add(d.queue);
        else this.queues.get(d.worker)?.delete(d.queue);
      }
      return to.map((worker) => ({
        worker,
        ok: true,
        detail: 'ok',
        raw: [...(this.queues.get(worker) ?? [])].map((name) => ({ name })),
      }));
    }
    return [];
  }

  async close(): Promise<void> {}

  consumes(worker: string, queue: string): boolean {
    return this.queues.get(worker)?.has(queue) ?? false;
  }
}

const backend = (control: RemoteControl, confirmTimeoutMs = 30_000) =>
  new LiveBackend({ flags: null, control, queues: ['rank', 'crawl'], confirmTimeoutMs });

describe('stop / resume consuming waits for the workers to show it', () => {
  it('cancel_consumer: the reply comes first, the result only once active_queues no longer lists the queue', async () => {
    const control = new LaggingWorkers({ 'w1@h': ['rank', 'crawl'], 'w2@h': ['rank'] }, 3);
    const replies = await backend(control).setConsuming(['w1@h', 'w2@h'], 'rank', false);
    expect(replies.map((r) => [r.worker, r.ok, r.detail])).toEqual([
      ['w1@h', true, 'no longer consuming from rank'],
      ['w2@h', true, 'no longer consuming from rank'],
    ]);
    expect(control.consumes('w1@h', 'rank')).toBe(false);
    expect(control.consumes('w2@h', 'rank')).toBe(false);
    expect(control.calls.filter((c) => c === 'active_queues').length).toBeGreaterThan(3);
  });

  it('add_consumer: done once active_queues lists the queue again', async () => {
    const control = new LaggingWorkers({ 'w1@h': ['crawl'] }, 2);
    const replies = await backend(control).setConsuming(['w1@h'], 'rank', true);
    expect(replies.map((r) => r.ok)).toEqual([true]);
    expect(control.consumes('w1@h', 'rank')).toBe(true);
  });

  it('a worker that replied but never shows the change is not done, and says so', async () => {
    const control = new LaggingWorkers({ 'w1@h': ['rank'] }, Infinity);
    const [reply] = await backend(control, 500).setConsuming(['w1@h'], 'rank', false);
    expect(reply?.ok).toBe(false);
    expect(reply?.detail).toBe('no longer consuming from rank, but still consumes rank 0.5 s later (active_queues)');
  });
});
