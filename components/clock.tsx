// One shared ticking clock for every age on screen ("12s ago"). Ages subscribe with a selector
// that returns their formatted text, so a tick re-renders only the ages whose text changed,
// never a panel.
import React, { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { Text } from 'ink';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { systemClock, type Clock } from '../src/core/source.js';
import { formatDuration } from './format.js';
import type { ToneStyle } from '../src/ui/state/theme.js';

interface ClockState {
  /** The cockpit's clock (the simulation's in simulation mode). */
  now: number;
  /** Wall-clock time, for UI-only timers such as the flash message. */
  wall: number;
}

const ClockContext = createContext<StoreApi<ClockState> | null>(null);
const idleClock = createStore<ClockState>()(() => ({ now: Date.now(), wall: Date.now() }));

export function ClockProvider({
  clock = systemClock,
  intervalMs = 1000,
  pulse,
  graceMs = intervalMs / 4,
  children,
}: {
  clock?: Clock;
  intervalMs?: number;
  /**
   * Subscribes to the updates that draw a frame anyway (the cockpit store: a source tick, a key).
   * The clock moves with each of them and its own tick waits a full interval after the last one:
   * with a source polling every second, ages move in the source's frame instead of a frame of
   * their own half a second later (one frame a second on a steady screen, not two).
   */
  pulse?: (onPulse: () => void) => () => void;
  /**
   * After an update, the clock's own tick waits this much longer than an interval (default a
   * quarter of it). A source polling every second lands its reading a little more than a second
   * after the last one (the tick's round trip and work: 20-40 ms at 2,000 queues, more on a busy
   * machine), and a tick of the clock exactly a second after it drew `1s ago` just before each
   * reading: a second frame a second, the whole screen laid out and written for one digit.
   */
  graceMs?: number;
  children: ReactNode;
}) {
  const store = useMemo(() => createStore<ClockState>()(() => ({ now: clock.now(), wall: Date.now() })), [clock]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = (afterMs: number) => {
      store.setState({ now: clock.now(), wall: Date.now() });
      arm(afterMs);
    };
    const own = () => tick(intervalMs);
    const arm = (afterMs: number) => {
      clearTimeout(timer);
      timer = setTimeout(own, afterMs);
      timer.unref?.();
    };
    arm(intervalMs);
    const unsubscribe = pulse?.(() => tick(intervalMs + graceMs));
    return () => {
      unsubscribe?.();
      clearTimeout(timer);
    };
  }, [store, clock, intervalMs, pulse, graceMs]);
  return <ClockContext.Provider value={store}>{children}</ClockContext.Provider>;
}

function useClockStore(): StoreApi<ClockState> {
  return useContext(ClockContext) ?? idleClock;
}

/** "12s" since `at` by the cockpit clock; `none` when there is no time. */
export function useAgo(at: number | null, none = '—'): string {
  return useStore(useClockStore(), (s) => (at === null ? none : formatDuration((s.now - at) / 1000)));
}

/** True while less than `ms` of wall time has passed since `at`. */
export function useWallWithin(at: number | null, ms: number): boolean {
  return useStore(useClockStore(), (s) => at !== null && s.wall - at < ms);
}

/** A leaf that re-renders on its own as time passes. */
export function Age({ at, suffix = ' ago', none, style }: { at: number | null; suffix?: string; none?: string; style?: ToneStyle }) {
  const text = useAgo(at, none);
  return (
    <Text {...style}>
      {text}
      {at === null ? '' : suffix}
    </Text>
  );
}

/** "4m10s" until `at` by the cockpit clock (0s once passed); `none` when there is no time. */
export function useUntil(at: number | null, none = '—'): string {
  return useStore(useClockStore(), (s) => (at === null ? none : formatDuration((at - s.now) / 1000)));
}

/** A leaf counting down to `at`, re-rendering on its own. */
export function Until({ at, prefix = '', none, style }: { at: number | null; prefix?: string; none?: string; style?: ToneStyle }) {
  const text = useUntil(at, none);
  return (
    <Text {...style}>
      {at === null ? '' : prefix}
      {text}
    </Text>
  );
}
