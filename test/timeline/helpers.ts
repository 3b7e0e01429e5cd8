// Shared fixtures for the timeline tests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Clock } from '../../src/core/source.js';
import type { TriggerDetails } from '../../src/core/timeline.js';

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
