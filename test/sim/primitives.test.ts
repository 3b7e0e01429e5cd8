import { describe, expect, it } from 'vitest';
import { FAILURE_CLASSES } from '../../src/core/snapshot.js';
import { defaultTasks } from '../../src/sources/sim/catalog.js';
import { CohortQueue, MAX_COHORTS } from '../../src/sources/sim/cohort-queue.js';
import { formatDurationSpec, parseDurationMs } from '../../src/domain/duration.js';
import { DEFAULT_EXCEPTIONS } from '../../src/sources/sim/failure-classes.js';
import { classifyException } from '../../src/domain/failureClasses.js';
import { HEARTBEAT_FREQ_S, heartbeatExpiresAt, isOnline } from '../../src/sources/sim/heartbeat.js';
import { Prng, allocate } from '../../src/sources/sim/prng.js';
import { RollingCounter } from '../../src/sources/sim/rolling-counter.js';

describe('Prng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const sa = Array.from({ length: 50 }, () => a.next());
    const sb = Array.from({ length: 50 }, () => b.next());
    const sc = Array.from({ length: 50 }, () => c.next());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    for (const v of sa) expect(v >= 0 && v < 1).toBe(true);
  });

  it('draws Poisson and binomial counts with about the right mean', () => {
    const p = new Prng(7);
    const n = 4000;
    let pois = 0;
    let poisBig = 0;
    let bin = 0;
    for (let i = 0; i < n; i++) {
      pois += p.poisson(2.5);
      poisBig += p.poisson(120);
      bin += p.binomial(200, 0.3);
    }
    expect(pois / n).toBeGreaterThan(2.3);
    expect(pois / n).toBeLessThan(2.7);
    expect(poisBig / n).toBeGreaterThan(117);
    expect(poisBig / n).toBeLessThan(123);
    expect(bin / n).toBeGreaterThan(57);
    expect(bin / n).toBeLessThan(63);
    expect(p.binomial(10, 0)).toBe(0);
    expect(p.binomial(10, 1)).toBe(10);
    expect(p.poisson(0)).toBe(0);
  });

  it('allocate splits whole messages in proportion and never over-takes a bucket', () => {
    expect(allocate([10, 10, 0], 5).reduce((a, b) => a + b)).toBe(5);
    const parts = allocate([3, 1, 6], 7);
    expect(parts.reduce((a, b) => a + b)).toBe(7);
    parts.forEach((v, i) => expect(v).toBeLessThanOrEqual([3, 1, 6][i]!));
    expect(allocate([2, 3], 10)).toEqual([2, 3]);
    expect(allocate([0, 0], 3)).toEqual([0, 0]);
  });
});

describe('heartbeat expiry (Celery rule: offline when now >= last + freq * 200%)', () => {
  it('keeps a worker online for 2 x freq after its last heartbeat', () => {
    const last = 1_000_000;
    expect(HEARTBEAT_FREQ_S).toBe(2);
    expect(heartbeatExpiresAt(last)).toBe(last + 4000);
    expect(isOnline(last, last + 3999)).toBe(true);
    expect(isOnline(last, last + 4000)).toBe(false);
    expect(isOnline(last, last + 10_000)).toBe(false);
    expect(isOnline(null, last)).toBe(false);
    expect(isOnline(last, last + 9_000, 5)).toBe(true);
  });
});

describe('failure classes (contract section 4)', () => {
  it('classifies by name and by name pattern, first match wins', () => {
    expect(classifyException('TimeoutError')).toBe('transient');
    expect(classifyException('ReadTimeout')).toBe('transient');
    expect(classifyException('OperationalError')).toBe('transient');
    expect(classifyException('ValidationError')).toBe('validation');
    expect(classifyException('InvalidKpiPayload')).toBe('validation');
    expect(classifyException('ProxyBlocked')).toBe('provider');
    expect(classifyException('CaptchaDetected')).toBe('provider');
    expect(classifyException('ProviderQuotaExceeded')).toBe('provider');
    expect(classifyException('ParserError')).toBe('parser');
    expect(classifyException('SerpParseError')).toBe('parser');
    expect(classifyException('PdfRenderError')).toBe('unclassified');
    expect(classifyException('RuntimeError')).toBe('unclassified');
  });

  it('every exception the model raises by default lands in the class it is raised for', () => {
    for (const c of FAILURE_CLASSES) for (const name of DEFAULT_EXCEPTIONS[c]) expect(classifyException(name)).toBe(c);
    for (const t of defaultTasks()) {
      for (const c of FAILURE_CLASSES) for (const name of t.exceptions[c]) expect(classifyException(name), `${t.name} ${name}`).toBe(c);
    }
  });
});

describe('durations', () => {
  it('parses unit strings and refuses the rest', () => {
    expect(parseDurationMs('30s')).toBe(30_000);
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('14m30s')).toBe(870_000);
    expect(parseDurationMs('2d')).toBe(172_800_000);
    expect(parseDurationMs('1.5s')).toBe(1500);
    for (const bad of ['', '30', 's', '30 seconds', '-5s', '5x', '1h 30m']) expect(parseDurationMs(bad), bad).toBeNull();
    expect(formatDurationSpec(90_000)).toBe('1m30s');
    expect(formatDurationSpec(3_600_000)).toBe('1h');
  });
});

describe('RollingCounter', () => {
  it('sums only what falls inside the window', () => {
    const c = new RollingCounter(60_000, 1000);
    c.add(0, 5);
    c.add(30_000, 2);
    expect(c.sum(30_000)).toBe(7);
    expect(c.sum(60_500)).toBe(2);
    expect(c.sum(200_000)).toBe(0);
    c.add(200_000, 1);
    expect(c.sum(200_000)).toBe(1);
  });
});

describe('CohortQueue', () => {
  it('is FIFO by cohort, merges close publishes, and takes across lanes', () => {
    const q = new CohortQueue();
    q.push(1000, true, 0, 5);
    q.push(1500, true, 1, 5); // within 1 s: same cohort
    q.push(5000, false, 0, 3);
    expect(q.depth).toBe(13);
    expect(q.peek()?.sentAt).toBe(1000);
    const taken = q.take(10, 2);
    expect(taken.reduce((a, b) => a + b)).toBe(10);
    expect(taken[1]).toBe(5);
    expect(q.depth).toBe(3);
    expect(q.peek()?.stamped).toBe(false);
    q.pushFront(900, true, [2]);
    expect(q.peek()?.sentAt).toBe(900);
    expect(q.depth).toBe(5);
    q.take(100, 2);
    expect(q.depth).toBe(0);
    expect(q.peek()).toBeNull();
  });

  it('keeps at most MAX_COHORTS cohorts for a backlog that grows for hours, losing no message', () => {
    // Speed 60 with a dead worker pool: a step of 15 simulated seconds, stamped and unstamped
    // messages each step, for ten simulated hours (the soak's ten minutes).
    const q = new CohortQueue();
    let pushed = 0;
    const perLane = [0, 0, 0];
    for (let t = 0, i = 0; t < 10 * 3_600_000; t += 15_000, i++) {
      const lane = i % 3;
      q.push(t, true, lane, 7);
      q.push(t, false, lane, 3);
      pushed += 10;
      perLane[lane]! += 10;
      expect(q.cohortCount).toBeLessThanOrEqual(MAX_COHORTS + 1);
    }
    expect(q.depth).toBe(pushed);
    // The head is still the oldest message, exactly; FIFO holds through the merged part.
    expect(q.peek()).toMatchObject({ sentAt: 0, stamped: true });
    const taken = [0, 0, 0];
    let lastSentAt = -1;
    while (q.depth > 0) {
      const head = q.peek()!;
      expect(head.sentAt).toBeGreaterThanOrEqual(lastSentAt);
      lastSentAt = head.sentAt;
      q.take(997, 3).forEach((v, i) => (taken[i]! += v));
    }
    expect(taken).toEqual(perLane);
  });

  it('holds a huge backlog in few cohorts', () => {
    const q = new CohortQueue();
    for (let t = 0; t < 600_000; t += 250) q.push(t, true, 0, 1000);
    expect(q.depth).toBe(2_400_000);
    const taken = q.take(1_000_000, 1);
    expect(taken[0]).toBe(1_000_000);
    expect(q.peek()!.sentAt).toBeGreaterThan(200_000);
  });
});
