// Shared fixtures for the timeline tests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Clock } from '../../src/core/source.js';
import type { FiguresDetails, TriggerDetails } from '../../src/core/timeline.js';

export class ManualClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export const T0 = Date.UTC(2026, 10, 28, 4, 12, 0, 0); // 2026-11-28T04:12:00.000Z

const created: string[] = [];

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-timeline-test-'));
  created.push(dir);
  return dir;
}

/** Removes every directory tempDir() made; test files call it in afterAll. */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function queueLagTrigger(overrides: Partial<TriggerDetails> = {}): TriggerDetails {
  return {
    triggerKey: 'queue-lag',
    title: 'Queue lag > 15 min',
    section: '3',
    target: 'rank',
    value: 1260,
    threshold: 900,
    unit: 's',
    module: 'rank freshness',
    queues: ['rank'],
    campaigns: ['c-17', 'c-42'],
    ...overrides,
  };
}

export function replicaLagTrigger(overrides: Partial<TriggerDetails> = {}): TriggerDetails {
  return {
    triggerKey: 'replica-lag',
    title: 'Replica lag breach',
    section: '6',
    target: 'replica-2',
    value: 45.5,
    threshold: 30,
    unit: 's',
    replicas: ['replica-2'],
    ...overrides,
  };
}

/** The journal file's lines (without the trailing empty string). */
export function fileLines(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A sample of `n` queues as sampleFigures takes it (keys sorted), with varied values, nulls and a name needing escapes. */
export function figuresOf(n: number, t: number, seed = 1): FiguresDetails {
  const queues: FiguresDetails['queues'] = {};
  const names = Array.from({ length: n }, (_, i) => `tenant${String(i).padStart(5, '0')}`);
  names.push('crawl\\u202e', '__proto__');
  for (const [i, name] of names.sort().entries()) {
    const v = (i * 7919 + seed * 104_729) % 1000;
    queues[name] = {
      dead: v,
      depth: v * 3,
      dlBase: i % 5 === 0 ? null : v / 4,
      dlRate: Math.round(v * 1.7) / 10,
      fail: i % 3,
      lag: i % 7 === 0 ? null : v / 10,
      ...(i % 11 === 0 ? {} : { workers: i % 4 }),
    };
  }
  return {
    providers: { brightpool: { campaigns: 3, failRate: 0.125 } },
    queues,
    replicas: { 'replica-1': 0.4, 'replica-2': null },
    reports: { failedCampaigns: ['c-1'], failures: 1, runs: 3 },
    t: new Date(t).toISOString(),
  };
}
