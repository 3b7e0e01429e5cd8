// Who wrote an entry of a shared incident: the OS user, the host and the cockpit instance (one per
// process run). Each origin keeps its own sequence and hash chain, so cockpits never need to agree
// on a next seq: they only merge.
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import type { EntryOrigin, TimelineEntry } from '../../core/timeline.js';
import { originProblem } from '../../core/timeline.js';

export type { EntryOrigin } from '../../core/timeline.js';

/** A fresh instance id: 10 lower-case base-36 characters (about 51 bits), new for every process run. */
export function newInstanceId(): string {
  const bytes = randomBytes(8);
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n.toString(36).padStart(10, '0').slice(-10);
}

/** The host name as the origin records it: the short name, printable, at most 64 characters. */
export function hostName(): string {
  let h = 'localhost';
  try {
    h = os.hostname() || 'localhost';
  } catch {
    // keep the default
  }
  // eslint-disable-next-line no-control-regex
  return h.replace(/[\u0000-\u001f\u007f\s]/g, '').slice(0, 64) || 'localhost';
}

/** This process's origin; `instance` defaults to a fresh id. */
export function makeOrigin(user: string, opts: { host?: string; instance?: string } = {}): EntryOrigin {
  // eslint-disable-next-line no-control-regex
  const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 64) || 'unknown';
  const origin = { user: clean(user), host: clean(opts.host ?? hostName()), instance: opts.instance ?? newInstanceId() };
  const problem = originProblem(origin);
  if (problem !== null) throw new Error(`not an origin: ${problem}`);
  return origin;
}

/** `user@host/instance`; '' for an entry written before origins existed (one chain per journal). */
export function originKey(o: EntryOrigin | undefined | null): string {
  return o ? `${o.user}@${o.host}/${o.instance}` : '';
}

/** How people read an origin: `user@host`. */
export function originLabel(o: EntryOrigin | undefined | null, fallback = 'cockpit'): string {
  return o ? `${o.user}@${o.host}` : fallback;
}

/**
 * One hash chain of a merged incident: an origin's entries for one incident id (a cockpit's own
 * local incident merged into a shared one keeps its own id, so the same origin can have two).
 */
export function chainKey(e: Pick<TimelineEntry, 'incidentId' | 'origin'>): string {
  return `${e.incidentId} ${originKey(e.origin)}`;
}

/** The stable reference of an entry: its chain and its seq in it (a merged view renumbers seq). */
export function entryRef(e: Pick<TimelineEntry, 'incidentId' | 'origin' | 'seq' | 'originSeq'>): string {
  return `${chainKey(e)}#${e.originSeq ?? e.seq}`;
}

/** The stored form of an entry of a merged view (its chain's seq back, the view-only field gone). */
export function storedForm(e: TimelineEntry): TimelineEntry {
  if (e.originSeq === undefined) return e;
  const { originSeq, ...rest } = e;
  return { ...rest, seq: originSeq };
}
