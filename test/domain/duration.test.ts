// Durations: one parser, one family of formats (each keeping the text its readers know), Celery's
// heartbeat expiry, and queue lag arithmetic (contract section 2).
import { describe, expect, it } from 'vitest';
import {
  HEARTBEAT_EXPIRE_WINDOW,
  drainRateLag,
  formatDurationColumn,
  formatDurationDetail,
  formatDurationLong,
  formatDurationSpec,
  headLag,
  heartbeatLifetimeSeconds,
  oldestLag,
  parseDurationMs,
  secondsSince,
} from '../../src/domain/duration.js';

describe('parseDurationMs', () => {
  it.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1.5s', 1500],
    [' 5m ', 300_000],
  ])('%s is %d ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each([[''], ['30'], ['s'], ['30 seconds'], ['-5s'], ['5x'], ['1h 30m']])('%j is not a duration', (text) =>
    expect(parseDurationMs(text)).toBeNull(),
  );
});

describe('the format family', () => {
  it('column: at most 6 characters, coarser as it grows', () => {
    const cases: [number, string][] = [
      [0, '0s'],
      [45, '45s'],
      [190, '3m10s'],
      [23 * 60 + 5, '23m'],
      [2 * 3600 + 5 * 60, '2h05m'],
      [3 * 86400 + 4 * 3600 + 59, '3d04h'],
      [-5, '0s'],
      [Number.POSITIVE_INFINITY, '∞'],
    ];
    for (const [s, text] of cases) {
      expect(formatDurationColumn(s), String(s)).toBe(text);
      expect(text.length).toBeLessThanOrEqual(6);
    }
  });

  it('detail: minutes with seconds under an hour, hours with minutes above', () => {
    expect(formatDurationDetail(59.6)).toBe('1m00s');
    expect(formatDurationDetail(900)).toBe('15m00s');
    expect(formatDurationDetail(1260.4)).toBe('21m00s');
    expect(formatDurationDetail(26 * 3600)).toBe('26h00m');
    expect(formatDurationDetail(-3)).toBe('0s');
  });

  it('long: the timeline and the PIR, with a sign for negative spans', () => {
    expect(formatDurationLong(850)).toBe('850ms');
    expect(formatDurationLong(12_000)).toBe('12s');
    expect(formatDurationLong(245_000)).toBe('4m 05s');
    expect(formatDurationLong(3_723_000)).toBe('1h 02m 03s');
    expect(formatDurationLong(90_061_000)).toBe('1d 01h 01m 01s');
    expect(formatDurationLong(-245_000)).toBe('-4m 05s');
  });

  it('spec: as files write it, and parseDurationMs reads it back', () => {
    expect(formatDurationSpec(250)).toBe('250ms');
    expect(formatDurationSpec(90_000)).toBe('1m30s');
    expect(formatDurationSpec(3_600_000)).toBe('1h');
    expect(formatDurationSpec(3_605_000)).toBe('1h5s');
    expect(formatDurationSpec(0)).toBe('0ms');
    for (const ms of [1000, 59_000, 61_000, 3_599_000, 3_600_000, 93_784_000, 999]) {
      expect(parseDurationMs(formatDurationSpec(ms)), String(ms)).toBe(ms);
    }
  });
});

describe("Celery's heartbeat expiry", () => {
  it('a heartbeat lasts twice its frequency (expire window 200%)', () => {
    expect(HEARTBEAT_EXPIRE_WINDOW).toBe(200);
    expect(heartbeatLifetimeSeconds(2)).toBe(4);
    expect(heartbeatLifetimeSeconds(60)).toBe(120);
    expect(heartbeatLifetimeSeconds(2, 150)).toBe(3);
  });
});

describe('queue lag (contract section 2)', () => {
  const NOW = 1_700_000_000_000;

  it('stamped: now - lsos_sent_at (float epoch seconds), exact', () => {
    expect(headLag(NOW, NOW / 1000 - 90.5, NOW)).toEqual({ lagSeconds: 90.5, lagMethod: 'stamped' });
    // A producer clock ahead of ours is not negative lag.
    expect(headLag(NOW, NOW / 1000 + 3, NOW)).toEqual({ lagSeconds: 0, lagMethod: 'stamped' });
  });

  it('unstamped: since the head was first seen, a lower bound and labelled so', () => {
    expect(headLag(NOW, null, NOW - 7000)).toEqual({ lagSeconds: 7, lagMethod: 'first-seen' });
    expect(headLag(NOW, null, NOW)).toEqual({ lagSeconds: 0, lagMethod: 'first-seen' });
    expect(secondsSince(NOW, NOW + 500)).toBe(0);
  });

  it('over priority lists: the oldest head; exact only when every head was stamped; empty when none', () => {
    const stamped = headLag(NOW, NOW / 1000 - 30, NOW);
    const bare = headLag(NOW, null, NOW - 60_000);
    expect(oldestLag([])).toEqual({ lagSeconds: 0, lagMethod: 'empty' });
    expect(oldestLag([stamped])).toEqual({ lagSeconds: 30, lagMethod: 'stamped' });
    expect(oldestLag([stamped, bare])).toEqual({ lagSeconds: 60, lagMethod: 'first-seen' });
    expect(oldestLag([bare, headLag(NOW, NOW / 1000 - 120, NOW)])).toEqual({ lagSeconds: 120, lagMethod: 'first-seen' });
  });

  it('no head to read: backlog over drain rate, an estimate; nothing to go on without a drain', () => {
    expect(drainRateLag(0, 0)).toEqual({ lagSeconds: 0, lagMethod: 'empty' });
    expect(drainRateLag(120, 60)).toEqual({ lagSeconds: 120, lagMethod: 'drain-rate' });
    expect(drainRateLag(5, 0)).toEqual({ lagSeconds: null, lagMethod: 'unknown' });
  });
});
