// The clock moves with the updates that draw a frame anyway (issue 16: one frame a second on a
// steady screen, not a source frame and a clock frame half a second apart). Fake timers stand in
// for wall time: the test asserts when the clock's own tick may and may not fire.
import React from 'react';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Age, ClockProvider } from '../../components/clock.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A pulse source like the cockpit store's subscribe, fired by hand. */
function pulseSource() {
  const listeners = new Set<() => void>();
  return {
    subscribe: (l: () => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    fire: () => listeners.forEach((l) => l()),
    count: () => listeners.size,
  };
}

describe('the clock and the cockpit store', () => {
  it('moves the ages with each store update, without waiting for its own tick', async () => {
    vi.useFakeTimers();
    let now = 0;
    const pulse = pulseSource();
    const ui = render(
      <ClockProvider clock={{ now: () => now }} pulse={pulse.subscribe}>
        <Age at={0} />
      </ClockProvider>,
    );
    expect(ui.lastFrame()).toContain('0s ago');
    now = 42_000;
    pulse.fire();
    await vi.advanceTimersByTimeAsync(0);
    expect(ui.lastFrame()).toContain('42s ago');
    ui.unmount();
    expect(pulse.count()).toBe(0);
  });

  it('ticks on its own a full interval after the last update, not on a fixed beat', async () => {
    vi.useFakeTimers();
    let now = 0;
    const pulse = pulseSource();
    const ui = render(
      <ClockProvider clock={{ now: () => now }} pulse={pulse.subscribe} intervalMs={1000}>
        <Age at={0} />
      </ClockProvider>,
    );
    await vi.advanceTimersByTimeAsync(600);
    now = 5_000;
    pulse.fire(); // a source tick at 600 ms draws 5s
    await vi.advanceTimersByTimeAsync(0);
    expect(ui.lastFrame()).toContain('5s ago');
    now = 9_000;
    await vi.advanceTimersByTimeAsync(500); // 1,100 ms: the old fixed beat (1,000) has passed
    expect(ui.lastFrame()).toContain('5s ago');
    await vi.advanceTimersByTimeAsync(600); // 1,700 ms: a full interval after the update, within its grace
    expect(ui.lastFrame()).toContain('5s ago');
    await vi.advanceTimersByTimeAsync(200); // 1,900 ms: an interval and a quarter after it
    expect(ui.lastFrame()).toContain('9s ago');
    now = 10_000;
    await vi.advanceTimersByTimeAsync(1000); // on its own: every interval again
    expect(ui.lastFrame()).toContain('10s ago');
    ui.unmount();
  });

  it('draws no frame of its own between readings that come a little more than an interval apart', async () => {
    // A source polling every second whose reading lands 30 ms later each time (2,000 queues): the
    // ages move in the reading's frame only, one frame a reading.
    vi.useFakeTimers();
    let now = 0;
    let at = 0;
    const pulse = pulseSource();
    function Status({ lastGood }: { lastGood: number }) {
      return <Age at={lastGood} />;
    }
    const ui = render(
      <ClockProvider clock={{ now: () => now }} pulse={pulse.subscribe} intervalMs={1000}>
        <Status lastGood={at} />
      </ClockProvider>,
    );
    pulse.fire(); // the first reading
    const seen: string[] = [];
    for (let i = 1; i <= 20; i++) {
      for (let ms = 0; ms < 1030; ms += 10) {
        await vi.advanceTimersByTimeAsync(10);
        now += 10;
        seen.push(ui.lastFrame() ?? '');
      }
      at = now;
      ui.rerender(
        <ClockProvider clock={{ now: () => now }} pulse={pulse.subscribe} intervalMs={1000}>
          <Status lastGood={at} />
        </ClockProvider>,
      );
      pulse.fire();
      await vi.advanceTimersByTimeAsync(0);
    }
    // Every look between two readings said 0s: the clock never ticked on its own.
    expect(seen.filter((f) => !f.includes('0s ago'))).toEqual([]);
    ui.unmount();
  });

  it('still ticks every interval with no store updates at all', async () => {
    vi.useFakeTimers();
    let now = 0;
    const ui = render(
      <ClockProvider clock={{ now: () => now }} intervalMs={1000}>
        <Age at={0} />
      </ClockProvider>,
    );
    now = 3_000;
    await vi.advanceTimersByTimeAsync(1000);
    expect(ui.lastFrame()).toContain('3s ago');
    now = 7_000;
    await vi.advanceTimersByTimeAsync(1000);
    expect(ui.lastFrame()).toContain('7s ago');
    ui.unmount();
  });
});
