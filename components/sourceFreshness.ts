// What a data source's freshness says, as text pieces and ages: `redis 2s ago`, `~ pg stale 45s
// ago`, `x rabbit unreachable since 14:02:11Z (3m10s), data 4m00s old`. The state word is always
// written out: colour only repeats it. Pure: the status bar draws the ages live (StatusBar.tsx).
import { sanitize } from '../src/core/sanitize.js';
import type { SourceStatus } from '../src/core/snapshot.js';
import type { Tone } from '../src/ui/state/theme.js';
import { formatDuration, utcClock } from './format.js';

/** Text, or the age of an instant (`none` when there is none; `suffix` after it otherwise). */
export type FreshnessPart = string | { since: number | null; suffix: string; none?: string };

export function sourceFreshness(source: SourceStatus): { parts: FreshnessPart[]; tone: Tone } {
  // Where a source that can move reads from: `redis (master 127.0.0.1:6380) 2s ago`.
  const where = source.endpoint ? ` (${sanitize(source.endpoint.role, 12)} ${sanitize(source.endpoint.address, 48)})` : '';
  const name = `${sanitize(source.name, 24)}${where}`;
  switch (source.state) {
    case 'unreachable': {
      const since = source.unreachableSince;
      const parts: FreshnessPart[] = [`x ${name} unreachable`];
      if (since !== null) parts.push(` since ${utcClock(since)}Z (`, { since, suffix: '' }, ')');
      if (source.lastGoodAt !== null) parts.push(', data ', { since: source.lastGoodAt, suffix: ' old' });
      return { parts, tone: 'breach' };
    }
    case 'stale':
      return { parts: [`~ ${name} stale `, { since: source.lastGoodAt, suffix: ' ago', none: 'no data' }], tone: 'warn' };
    case 'connecting':
      return { parts: [`… ${name} connecting`], tone: 'muted' };
    default:
      return { parts: [`${name} `, { since: source.lastGoodAt, suffix: ' ago', none: 'no data' }], tone: 'ok' };
  }
}

/** An age as the cockpit clock at `now` says it. */
export function ageText(part: Exclude<FreshnessPart, string>, now: number): string {
  return part.since === null ? (part.none ?? '—') : `${formatDuration((now - part.since) / 1000)}${part.suffix}`;
}

/** The freshness as text at `now`. */
export function freshnessText(source: SourceStatus, now: number): string {
  return sourceFreshness(source)
    .parts.map((p) => (typeof p === 'string' ? p : ageText(p, now)))
    .join('');
}

/** Two readings of a source that say the same on screen (the ages tick on their own). */
export function sameSource(a: SourceStatus | null, b: SourceStatus | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return (
    a.name === b.name &&
    a.state === b.state &&
    a.lastGoodAt === b.lastGoodAt &&
    a.unreachableSince === b.unreachableSince &&
    a.error === b.error &&
    a.endpoint?.role === b.endpoint?.role &&
    a.endpoint?.address === b.endpoint?.address
  );
}

export function sameSources(a: readonly SourceStatus[], b: readonly SourceStatus[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => sameSource(x, b[i] ?? null)));
}
