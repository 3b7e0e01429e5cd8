// The incident timeline: entry kinds and their details, the hash chain that makes the journal
// tamper-evident, UTC timestamps, and a plain-text description of each entry for the timeline
// panel and the PIR. Pure: hashing, no file I/O.
import * as crypto from 'node:crypto';
import { DateTime } from './luxon.js';
import { formatDurationLong } from '../domain/duration.js';
import type { TriggerEntryIdentity } from '../domain/triggerId.js';
import type { EpochMs } from './snapshot.js';
import type { IncidentState, MilestoneName, PirField, Severity } from './incident.js';
import { PIR_FIELD_LABELS, isPirField } from './incident.js';

// ---- Entry kinds and details ------------------------------------------------------------------

/**
 * What a runbook trigger saw when it fired or cleared (the figure that crossed the line). It names
 * the trigger as journals always have: its kind as `triggerKey`, what it fired on (a queue, a
 * replica, a provider pool, "reporting") as `target` (src/domain/triggerId.ts).
 */
export type TriggerDetails = TriggerEntryIdentity & {
  title: string;
  /** Runbook section, e.g. "3". */
  section: string;
  value: number | null;
  threshold: number | null;
  unit: string;
  module?: string;
  queues?: string[];
  /** Campaign ids or names, when the trigger knows them. */
  campaigns?: string[];
  /** How many campaigns were affected, when only the count is known. */
  campaignsAffected?: number;
  replicas?: string[];
  providers?: string[];
  /** The trigger's own one-line account of what crossed the line. */
  detail?: string;
  /**
   * The earliest evidence of the problem in the data when it fired (ISO UTC): a queue's oldest
   * message's enqueue time, a dead pool's last heartbeat, the first minute above baseline.
   */
  evidenceAt?: string;
  /** What that evidence is, in words. */
  evidence?: string;
  /** Fired on the embedded simulation's data. */
  simulated?: boolean;
  /**
   * A signal's own account (src/core/signals.ts): its severity, what was seen, the evidence and
   * who raised it; enough to raise it again when the cockpit resumes the incident.
   */
  signal?: { severity: Severity; detail: string; evidence: string[]; raisedBy: string };
};

/** One queue in a `figures` sample. */
export type QueueFigures = {
  /** Queue lag, seconds; null when unknown. */
  lag: number | null;
  depth: number;
  /** Messages in `Q.dead`. */
  dead: number;
  /** Dead-letter growth per hour, and its baseline per hour (null: not known). */
  dlRate: number;
  dlBase: number | null;
  /** Failures in the last hour. */
  fail: number;
  /** Workers online consuming it. */
  workers?: number;
};

/**
 * A compact sample of the key figures (one a minute while an incident is active), kept for the
 * PIR's charts and each action's effect. Not part of the PIR's timeline table.
 */
export type FiguresDetails = {
  /** When the figures were read (ISO UTC): earlier than the entry itself for a backfilled sample. */
  t: string;
  queues: Record<string, QueueFigures>;
  /** Replica lag, seconds (null: unknown). */
  replicas: Record<string, number | null>;
  /** SERP failure ratio and campaigns with a failure, per provider pool. */
  providers?: Record<string, { failRate: number; campaigns: number }>;
  reports?: { runs: number; failures: number; failedCampaigns: string[] };
  simulated?: boolean;
  scenario?: string;
  [key: string]: unknown;
};

/** A mitigation action taken (later issues fill this in; extra keys are allowed). */
export type ActionDetails = {
  action: string;
  target?: string;
  reason?: string;
  outcome?: string;
  section?: string;
  [key: string]: unknown;
};

/** A page sent per the escalation matrix (later issues fill this in; extra keys are allowed). */
export type PageDetails = {
  target: string;
  role?: string;
  severity?: Severity;
  channel?: string;
  reason?: string;
  [key: string]: unknown;
};

/** One integrity check's result (runbook 6 step 4): pass/fail with the figures it was judged on. */
export type IntegrityCheckDetails = {
  check: string;
  status: 'pass' | 'fail' | 'skipped' | 'error';
  /** The expectation in words, e.g. `= 0`. */
  expect: string;
  figures: Record<string, unknown>;
  detail: string;
  /** `host:port/db` it ran on. */
  server: string;
  /** Groups the results of one run. */
  runId?: string;
  durationMs?: number;
  [key: string]: unknown;
};

/**
 * Details per entry kind. Later issues add kinds here; an entry read from disk with a kind this
 * build does not know stays readable and is shown generically.
 */
export type EntryDetailsByKind = {
  'incident-opened': { reason: string; openedBy: 'operator' | 'trigger'; triggerKey?: string };
  /** A shared incident also records how the cockpit is in it, and where it runs (presence). */
  'responder-joined': { role: string; access?: 'operator' | 'viewer'; host?: string; instance?: string };
  resumed: { entriesRead: number; tornTail: boolean; brokenAtSeq: number | null; problems: string[] };
  'trigger-fired': TriggerDetails;
  'trigger-cleared': TriggerDetails;
  'severity-suggested': { severity: Severity; reason: string; basis?: string };
  'severity-decided': { severity: Severity; previous: Severity | null; reason: string };
  'source-lost': { source: string; error: string | null };
  'source-restored': { source: string; downForMs: number | null };
  /** The source reads from another server: `role` the address's part (`master`, `node`), `to` and `from` host:port. */
  'source-switched': { source: string; role: string; to: string; from: string };
  /**
   * `stillFiring` / `stillInForce`: resolved while those still fired or held (the operator was
   * asked and said yes); `reopened`: a resolved incident opened again (src/core/lifecycle.ts).
   */
  'state-changed': {
    from: IncidentState;
    to: IncidentState;
    reason: string;
    stillFiring?: string[];
    stillInForce?: string[];
    reopened?: boolean;
  };
  /** `source`: where the time came from (the evidence, the trigger, the operator). */
  milestone: { name: MilestoneName; at: string; source?: string };
  'milestone-corrected': {
    name: MilestoneName;
    at: string;
    previousAt: string | null;
    reason: string;
    supersedesSeq: number | null;
    source?: string;
  };
  note: { text: string };
  'procedure-step': { section: string; step: string; text: string; done: boolean };
  'pir-field': { field: PirField; value: unknown };
  action: ActionDetails;
  page: PageDetails;
  'integrity-check': IntegrityCheckDetails;
  figures: FiguresDetails;
  /**
   * Who is the incident commander from now on (src/journal/shared): the one who opened the
   * incident, or whoever takes command by key. `previous` is who held it (null: nobody).
   */
  commander: { user: string; host: string; instance: string; previous: string | null; how: 'opened' | 'took' };
  /** A cockpit left the incident (quit), or another saw its presence lapse (`lastSeen`). */
  'responder-left': { role: string; access: 'operator' | 'viewer'; host: string; instance: string; lastSeen: string; why: string };
  /**
   * Two incidents became one (src/journal/shared/merge rule): recorded in the incident kept
   * (`from` its absorbed id) and in the one absorbed (`into`).
   */
  'incident-merged': { from: string; into: string; rule: string; entries: number };
};

export type EntryKind = keyof EntryDetailsByKind;
export type EntryDetails<K extends EntryKind> = EntryDetailsByKind[K];

export const ENTRY_KINDS: readonly EntryKind[] = [
  'incident-opened',
  'responder-joined',
  'resumed',
  'trigger-fired',
  'trigger-cleared',
  'severity-suggested',
  'severity-decided',
  'source-lost',
  'source-restored',
  'source-switched',
  'state-changed',
  'milestone',
  'milestone-corrected',
  'note',
  'procedure-step',
  'pir-field',
  'action',
  'page',
  'integrity-check',
  'figures',
  'commander',
  'responder-left',
  'incident-merged',
];

export function isKnownKind(v: unknown): v is EntryKind {
  return typeof v === 'string' && (ENTRY_KINDS as readonly string[]).includes(v);
}

/**
 * The cockpit that wrote an entry (a shared incident has one hash chain per origin): the OS user,
 * the host and the cockpit instance (one per process run).
 */
export interface EntryOrigin {
  user: string;
  host: string;
  instance: string;
}

export interface TimelineEntry {
  /**
   * 1, 2, 3… without gaps within its origin's chain (a journal written by one cockpit has one).
   * In a merged view of a shared incident (src/journal/shared/merge.ts) it is the entry's place
   * in the merged timeline instead, and `originSeq` keeps its chain sequence.
   */
  seq: number;
  /** When it was recorded: ISO 8601 UTC with milliseconds and `Z`. */
  at: string;
  /** The OS user running the cockpit. */
  operator: string;
  kind: EntryKind;
  incidentId: string;
  details: Record<string, unknown>;
  /** Hash of the previous entry; GENESIS_HASH for seq 1. */
  prevHash: string;
  /** sha256 over the canonical JSON of every other field. */
  hash: string;
  /** Which cockpit wrote it; absent in journals written before incidents were shared (hashed when present). */
  origin?: EntryOrigin;
  /** Simulated time (ISO UTC) in a simulation; `at` is always wall-clock UTC (hashed when present). */
  simAt?: string;
  /** In a merged view only (never stored, never hashed): the entry's seq in its origin's chain. */
  originSeq?: number;
}

export const GENESIS_HASH = '0'.repeat(64);
/** A sha256 hex digest, lower case (/^[0-9a-f]{64}$/ without the regex: checked twice per entry read). */
function isHashHex(v: string): boolean {
  if (v.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

// ---- Time -------------------------------------------------------------------------------------

/** ISO 8601, UTC, milliseconds, `Z`: the one timestamp format of the timeline. */
export function formatUtc(ms: EpochMs): string {
  const iso = DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: false, includeOffset: true });
  if (iso === null) throw new RangeError(`not a time: ${ms}`);
  return iso;
}

/** The decimal number of `s` from `from` (inclusive) to `to` (exclusive); -1 unless all digits. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * True for exactly the format formatUtc writes (`YYYY-MM-DDTHH:MM:SS.mmmZ`), with a real date and
 * time. Read by hand, without a regex or an array: this runs once per journal line on every read.
 */
export function isUtcTimestamp(v: unknown): v is string {
  if (typeof v !== 'string' || v.length !== 24) return false;
  if (v[4] !== '-' || v[7] !== '-' || v[10] !== 'T' || v[13] !== ':' || v[16] !== ':' || v[19] !== '.' || v[23] !== 'Z') return false;
  const y = digits(v, 0, 4);
  const mo = digits(v, 5, 7);
  const d = digits(v, 8, 10);
  const h = digits(v, 11, 13);
  const mi = digits(v, 14, 16);
  const sec = digits(v, 17, 19);
  const ms = digits(v, 20, 23);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 || ms < 0) return false;
  // Checked by round trip rather than luxon.
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, sec, ms));
  return (
    t.getUTCFullYear() === y &&
    t.getUTCMonth() === mo - 1 &&
    t.getUTCDate() === d &&
    t.getUTCHours() === h &&
    t.getUTCMinutes() === mi &&
    t.getUTCSeconds() === sec
  );
}

/** Epoch ms of a timeline timestamp, null when it is not one. */
export function parseUtc(iso: string): EpochMs | null {
  const d = DateTime.fromISO(iso, { zone: 'utc' });
  return d.isValid ? d.toMillis() : null;
}

/**
 * A time the operator typed (e.g. the real start learned later). ISO 8601; without an offset it
 * is read as UTC, because every time in the cockpit is UTC. Returns the canonical form or null.
 */
export function parseOperatorTime(input: string): string | null {
  const d = DateTime.fromISO(input.trim(), { zone: 'utc' });
  return d.isValid ? formatUtc(d.toMillis()) : null;
}

/** `1h 02m 03s`, `4m 05s`, `12s`, `850ms`: the timeline's and the PIR's duration format. */
export { formatDurationLong as formatDuration } from '../domain/duration.js';

// ---- The hash chain ---------------------------------------------------------------------------

/** JSON with object keys sorted at every level, so the hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  // Built in one pass (no intermediate arrays): every entry is hashed on every read of a journal.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (i > 0) out += ',';
      out += v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v);
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined || typeof v === 'function') continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/** sha256 hex; the one-shot crypto.hash (Node 20.12+) is three times cheaper than a Hash object per entry. */
const sha256Hex: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (text) => (crypto as unknown as { hash(alg: string, data: string, enc: 'hex'): string }).hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

export type UnsealedEntry = Omit<TimelineEntry, 'hash' | 'originSeq'>;

/**
 * Plain JSON data whose object keys are in sorted order at every level: JSON.stringify writes it
 * exactly as canonicalJson would (no toJSON, no functions, no sorting needed).
 */
function inCanonicalOrder(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return typeof v !== 'function';
  if (Array.isArray(v)) {
    for (const x of v) if (!inCanonicalOrder(x)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  let prev = '';
  let first = true;
  for (const k in v) {
    if (!first && !(prev < k)) return false;
    if (!Object.prototype.hasOwnProperty.call(v, k) || !inCanonicalOrder((v as Record<string, unknown>)[k])) return false;
    prev = k;
    first = false;
  }
  return true;
}

const isStringOrAbsent = (v: unknown): boolean => v === undefined || typeof v === 'string';

/**
 * canonicalJson({ seq, at, operator, kind, incidentId, details, prevHash, origin, simAt }): the
 * same text. Every entry is hashed on every read of a journal and every merge (100,000 entries),
 * so the usual entry (string fields, details already in key order, an origin of three strings) is
 * written by one JSON.stringify of an object built in key order; anything else the general way.
 */
export function entryCanonicalJson(entry: UnsealedEntry | TimelineEntry): string {
  // A merged view's seq is not the chain's.
  const seq = (entry as Partial<TimelineEntry>).originSeq ?? entry.seq;
  const { at, operator, kind, incidentId, details, prevHash, origin, simAt } = entry;
  const o = origin as unknown as Record<string, unknown> | undefined;
  if (
    isStringOrAbsent(at) &&
    isStringOrAbsent(operator) &&
    isStringOrAbsent(kind) &&
    isStringOrAbsent(incidentId) &&
    isStringOrAbsent(prevHash) &&
    isStringOrAbsent(simAt) &&
    (seq === undefined || typeof seq === 'number') &&
    (o === undefined ||
      (typeof o === 'object' &&
        o !== null &&
        Object.getPrototypeOf(o) === Object.prototype &&
        typeof o.host === 'string' &&
        typeof o.instance === 'string' &&
        typeof o.user === 'string' &&
        Object.keys(o).length === 3)) &&
    inCanonicalOrder(details)
  ) {
    const sortedOrigin = o === undefined ? undefined : { host: o.host, instance: o.instance, user: o.user };
    return JSON.stringify({ at, details, incidentId, kind, operator, origin: sortedOrigin, prevHash, seq, simAt });
  }
  return canonicalJson({ seq, at, operator, kind, incidentId, details, prevHash, origin, simAt });
}

export function entryHash(entry: UnsealedEntry | TimelineEntry): string {
  // origin and simAt are left out when absent (canonicalJson drops undefined): an entry written
  // before they existed hashes as it always did.
  return sha256Hex(entryCanonicalJson(entry));
}

/**
 * The next entry after `prev` (null: the first). Details go through a JSON round trip so the
 * entry in memory is exactly what a reader will parse back (no undefined, no Date objects).
 */
export function sealEntry(
  prev: Pick<TimelineEntry, 'seq' | 'hash'> | null,
  fields: {
    at: string;
    operator: string;
    kind: EntryKind;
    incidentId: string;
    details: Record<string, unknown>;
    origin?: EntryOrigin;
    simAt?: string;
  },
): TimelineEntry {
  const details = JSON.parse(JSON.stringify(fields.details)) as Record<string, unknown>;
  const unsealed: UnsealedEntry = {
    seq: prev === null ? 1 : prev.seq + 1,
    at: fields.at,
    operator: fields.operator,
    kind: fields.kind,
    incidentId: fields.incidentId,
    details,
    prevHash: prev === null ? GENESIS_HASH : prev.hash,
  };
  if (fields.origin) unsealed.origin = { user: fields.origin.user, host: fields.origin.host, instance: fields.origin.instance };
  if (fields.simAt !== undefined) unsealed.simAt = fields.simAt;
  return { ...unsealed, hash: entryHash(unsealed) };
}

export interface ChainCheck {
  /** The first sequence number at which the chain can no longer be trusted; null when intact. */
  brokenAtSeq: number | null;
  problems: string[];
}

/**
 * Checks seq continuity, each entry's own hash and each link. Every problem is listed; the first
 * one fixes brokenAtSeq. Removing entries at the very end cannot be seen from the file alone:
 * compare the final hash with the one printed in the PIR footer.
 */
export function verifyChain(entries: readonly TimelineEntry[], incidentId?: string): ChainCheck {
  const problems: string[] = [];
  let brokenAtSeq: number | null = null;
  const mark = (seq: number, problem: string): void => {
    problems.push(problem);
    if (brokenAtSeq === null) brokenAtSeq = seq;
  };
  let prev: TimelineEntry | null = null;
  for (const e of entries) {
    const expectedSeq = prev === null ? 1 : prev.seq + 1;
    const expectedPrev = prev === null ? GENESIS_HASH : prev.hash;
    if (entryHash(e) !== e.hash) mark(e.seq, `seq ${e.seq}: content does not match its hash (entry altered)`);
    if (e.seq > expectedSeq) {
      const range = e.seq - 1 > expectedSeq ? `${expectedSeq}–${e.seq - 1}` : `${expectedSeq}`;
      mark(expectedSeq, `seq ${range}: missing (entry removed)`);
    } else if (e.seq < expectedSeq) {
      mark(e.seq, `seq ${e.seq}: out of order or duplicated (expected seq ${expectedSeq})`);
    } else if (e.prevHash !== expectedPrev) {
      mark(
        e.seq,
        prev === null
          ? `seq ${e.seq}: does not start from the genesis hash`
          : `seq ${e.seq}: does not chain to seq ${prev.seq} (one of them was altered)`,
      );
    }
    if (incidentId !== undefined && e.incidentId !== incidentId) {
      mark(e.seq, `seq ${e.seq}: belongs to ${e.incidentId}, not ${incidentId}`);
    }
    prev = e;
  }
  return { brokenAtSeq, problems };
}

/** Shape check for an entry read from disk; returns the reason it is not one, or null. */
export function entryShapeProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const e = v as Record<string, unknown>;
  if (typeof e.seq !== 'number' || !Number.isSafeInteger(e.seq) || e.seq < 1) return 'seq is not a positive integer';
  if (!isUtcTimestamp(e.at)) return 'at is not an ISO UTC timestamp with milliseconds';
  if (typeof e.operator !== 'string') return 'operator is not a string';
  if (typeof e.kind !== 'string' || e.kind === '') return 'kind is missing';
  if (typeof e.incidentId !== 'string') return 'incidentId is not a string';
  if (typeof e.details !== 'object' || e.details === null || Array.isArray(e.details)) return 'details is not an object';
  if (typeof e.prevHash !== 'string' || !isHashHex(e.prevHash)) return 'prevHash is not a sha256 hex digest';
  if (typeof e.hash !== 'string' || !isHashHex(e.hash)) return 'hash is not a sha256 hex digest';
  if (e.origin !== undefined && originProblem(e.origin) !== null) return `origin ${originProblem(e.origin) ?? ''}`;
  if (e.simAt !== undefined && !isUtcTimestamp(e.simAt)) return 'simAt is not an ISO UTC timestamp with milliseconds';
  if (e.originSeq !== undefined) return 'originSeq belongs to a merged view, not to a stored entry';
  return null;
}

/** Why `v` is not an entry origin (user, host, instance), or null. */
export function originProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'is not an object';
  const o = v as Record<string, unknown>;
  if (!isOriginPart(o.user)) return 'user is not a short printable string';
  if (!isOriginPart(o.host)) return 'host is not a short printable string';
  if (!isOriginPart(o.instance)) return 'instance is not a short printable string';
  if (!isInstanceId(o.instance as string)) return 'instance is not 4-32 lower-case letters and digits';
  return null;
}

/**
 * Printable, at most 200 characters, no control characters (an origin's parts name files and keys):
 * 1-200 UTF-16 units, none of U+0000-U+001F or U+007F. A loop, not a regex: checked for every entry read.
 */
function isOriginPart(v: unknown): boolean {
  if (typeof v !== 'string' || v.length < 1 || v.length > 200) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 0x1f || c === 0x7f) return false;
  }
  return true;
}

/** /^[a-z0-9]{4,32}$/ without the regex. */
function isInstanceId(v: string): boolean {
  if (v.length < 4 || v.length > 32) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

// ---- Text -------------------------------------------------------------------------------------

// ANSI CSI and OSC sequences, other two-byte escapes, then any remaining control character.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-_]?/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/**
 * Text as it may be shown on a terminal or in a document: ANSI escape sequences, control
 * characters and bidi overrides removed, tabs to spaces, every line break normalised to `\n`.
 */
export function sanitizeText(s: string): string {
  return s
    .replace(/\r\n?|\u2028|\u2029|\u0085/g, '\n')
    .replace(ANSI, '')
    .replace(/\t/g, ' ')
    .replace(CONTROL, '');
}

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : fallback;
}

/**
 * A trigger figure with its unit: `1260 s (21m 00s)`, `7.5%` for ratios, `3.2x`, plain counts.
 */
export function formatFigure(value: unknown, unit: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'unknown';
  const n = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, ''));
  const u = str(unit);
  switch (u) {
    case '':
    case 'count':
      return n(value);
    case 'ratio':
      return `${n(value * 100)}%`;
    case 'x':
      return `${n(value)}x`;
    case 'flag':
      return value !== 0 ? 'yes' : 'no';
    case 's':
      return Math.abs(value) >= 60 ? `${n(value)} s (${formatDurationLong(value * 1000)})` : `${n(value)} s`;
    default:
      return `${n(value)} ${u}`;
  }
}

/** A blast radius value in words, part by part (never its JSON): `modules rank; queues rank, crawl; notes "…"`. */
function blastRadiusWords(v: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const part of ['modules', 'queues', 'campaigns', 'replicas'] as const) {
    const items = Array.isArray(v[part]) ? (v[part] as unknown[]).map((x) => str(x)).filter((x) => x !== '') : [];
    if (items.length > 0) parts.push(`${part} ${preview(items.join(', '), 60)}`);
  }
  if (str(v.notes).trim() !== '') parts.push(`notes "${preview(str(v.notes), 60)}"`);
  return parts.length === 0 ? 'cleared' : parts.join('; ');
}

function preview(v: unknown, max = 120): string {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * One line (notes may keep their line breaks) describing an entry, already sanitised for a
 * terminal. Markdown escaping is the PIR's job.
 */
export function describeEntry(entry: TimelineEntry): string {
  const d = entry.details;
  const reason = (v: unknown): string => (str(v) === '' ? '' : `: ${str(v)}`);
  let text: string;
  switch (entry.kind) {
    case 'incident-opened':
      text =
        d.openedBy === 'trigger'
          ? `Incident opened by trigger ${str(d.triggerKey, '?')}${reason(d.reason)}`
          : `Incident opened by the operator${reason(d.reason)}`;
      break;
    case 'responder-joined':
      text = `${entry.operator} joined as ${str(d.role, 'responder')}`;
      break;
    case 'resumed': {
      const chain = typeof d.brokenAtSeq === 'number' ? `chain broken at seq ${d.brokenAtSeq}` : 'chain intact';
      const torn = d.tornTail === true ? ', torn last line ignored' : '';
      text = `Cockpit restarted and resumed the incident (${str(d.entriesRead, '?')} entries read, ${chain}${torn})`;
      break;
    }
    case 'trigger-fired':
    case 'trigger-cleared': {
      const verb = entry.kind === 'trigger-fired' ? 'fired' : 'cleared';
      const section = str(d.section) === '' ? '' : ` (runbook §${str(d.section)})`;
      const detail = str(d.detail) === '' ? '' : ` — ${str(d.detail)}`;
      const title = str(d.title, str(d.triggerKey, 'trigger'));
      if (d.unit === 'flag') {
        // A flag or signal has no figure against a threshold: it is raised, with its evidence.
        const signal = typeof d.signal === 'object' && d.signal !== null ? (d.signal as Record<string, unknown>) : {};
        const evidence = Array.isArray(signal.evidence) ? signal.evidence.map((x) => str(x)).filter((x) => x !== '') : [];
        const why = str(d.detail) || evidence.join('; ') || str(signal.detail);
        text =
          entry.kind === 'trigger-fired'
            ? `${title} raised on ${str(d.target, '?')}${section}: ${why === '' ? 'no evidence recorded' : why}`
            : `${title} cleared on ${str(d.target, '?')}${section}${detail}`;
        break;
      }
      text = `${title} ${verb} on ${str(d.target, '?')}: ${formatFigure(d.value, d.unit)}, threshold ${formatFigure(d.threshold, d.unit)}${section}${detail}`;
      break;
    }
    case 'severity-suggested':
      text = `Severity ${str(d.severity, '?')} suggested${reason(d.reason)}`;
      break;
    case 'severity-decided':
      text = `Severity ${str(d.previous, 'none')} → ${str(d.severity, '?')}${reason(d.reason)}`;
      break;
    case 'source-lost':
      text = `Data source ${str(d.source, '?')} lost${reason(d.error)}`;
      break;
    case 'source-restored':
      text =
        typeof d.downForMs === 'number'
          ? `Data source ${str(d.source, '?')} restored after ${formatDurationLong(d.downForMs)}`
          : `Data source ${str(d.source, '?')} restored`;
      break;
    case 'source-switched':
      text = `Data source ${str(d.source, '?')}: ${brokerWord(str(d.source))}${str(d.role, 'server')} changed to ${str(d.to, '?')} (was ${str(d.from, '?')})`;
      break;
    case 'state-changed':
      text = `State ${str(d.from, '?')} → ${str(d.to, '?')}${reason(d.reason)}`;
      break;
    case 'milestone':
      text = `Milestone ${str(d.name, '?')} at ${str(d.at, '?')}`;
      break;
    case 'milestone-corrected':
      text = `Milestone ${str(d.name, '?')} corrected to ${str(d.at, '?')} (was ${str(d.previousAt, 'unset')})${reason(d.reason)}`;
      break;
    case 'note':
      text = `Note: ${str(d.text)}`;
      break;
    case 'procedure-step':
      text = `Runbook §${str(d.section, '?')} step ${str(d.step, '?')} ${d.done === false ? 'un-ticked' : 'done'}${reason(d.text)}`;
      break;
    case 'pir-field': {
      const label = isPirField(d.field) ? PIR_FIELD_LABELS[d.field] : str(d.field, '?');
      text =
        d.field === 'correctiveActions' && Array.isArray(d.value)
          ? `PIR ${label} updated (${d.value.length} ${d.value.length === 1 ? 'row' : 'rows'})`
          : d.field === 'blastRadius' && typeof d.value === 'object' && d.value !== null && !Array.isArray(d.value)
            ? `PIR ${label}: ${blastRadiusWords(d.value as Record<string, unknown>)}`
            : `PIR ${label} updated: ${preview(d.value)}`;
      break;
    }
    case 'action': {
      const target = str(d.target) === '' ? '' : ` on ${str(d.target)}`;
      const outcome = str(d.outcome) === '' ? '' : ` (${str(d.outcome)})`;
      text = `Action ${str(d.action, '?')}${target}${outcome}${reason(d.reason)}`;
      break;
    }
    case 'page':
      text = describePage(d, reason);
      break;
    case 'integrity-check': {
      const server = str(d.server) === '' ? '' : ` on ${str(d.server)}`;
      text = `Integrity check ${str(d.check, '?')}${server}: ${str(d.status, '?').toUpperCase()} (expected ${str(d.expect, '?')}) — ${str(d.detail)}`;
      break;
    }
    case 'figures':
      text = `Key figures at ${str(d.t, '?')} (kept for the PIR's charts and action effects)`;
      break;
    case 'commander':
      text =
        d.how === 'opened'
          ? `${str(d.user, '?')}@${str(d.host, '?')} is incident commander (opened the incident)`
          : `${str(d.user, '?')}@${str(d.host, '?')} took command${str(d.previous) === '' ? '' : ` from ${str(d.previous)}`}`;
      break;
    case 'responder-left':
      text = `${entry.operator}@${str(d.host, '?')} (${str(d.access, 'operator')}) left, last seen ${str(d.lastSeen, '?')}${reason(d.why)}`;
      break;
    case 'incident-merged':
      text =
        str(d.from) !== '' && d.from === d.into
          ? `Incident ${str(d.from)} opened without the shared Redis became the environment's shared incident${reason(d.rule)}`
          : `Incident ${str(d.from, '?')} merged into ${str(d.into, '?')} (${str(d.entries, '?')} entries)${reason(d.rule)}`;
      break;
    default:
      text = `${String(entry.kind)}: ${preview(d)}`;
  }
  return sanitizeText(text);
}

/**
 * A page entry (src/core/paging.ts PageEntryDetails) as the timeline says it: what the message is
 * (a page, a re-page, a resolve notice, an acknowledgement, a ticket) and whether it was sent or
 * only recorded (record-only paging sends nothing). Entries written before paging had events read
 * as they always did.
 */
function describePage(d: Record<string, unknown>, reason: (v: unknown) => string): string {
  const role = str(d.role) === '' || str(d.role) === str(d.target) ? '' : ` (${str(d.role)})`;
  const who = `${str(d.target, '?')}${role}`;
  const via = str(d.channel) === '' || str(d.channel) === 'none' ? '' : ` via ${str(d.channel)}`;
  const message = (typeof d.message === 'object' && d.message !== null ? d.message : {}) as Record<string, unknown>;
  const what =
    message.action === 'resolve'
      ? 'Resolve notice'
      : message.action === 'acknowledge'
        ? 'Acknowledgement'
        : str(d.channel) === 'ticket'
          ? 'Ticket'
          : d.repage === true
            ? 'Re-page'
            : 'Page';
  switch (d.event) {
    case undefined:
      return `Paged ${who}${via}${reason(d.reason)}`;
    case 'intent':
      if (what === 'Ticket')
        return d.state === 'recorded'
          ? `Ticket recorded, not opened (record-only)${reason(d.reason)}`
          : `Opening a ticket${reason(d.reason)}`;
      return d.state === 'recorded'
        ? `${what} recorded for ${who}, not sent (record-only)${reason(d.reason)}`
        : `Sending ${what.toLowerCase()} to ${who}${via}${reason(d.reason)}`;
    case 'delivered':
    case 'attempt-failed':
    case 'failed':
    case 'cancelled':
      // Their reason names the message (`resolve delivered: HTTP 202 (attempt 1)`).
      return `Paging ${who}${reason(d.reason)}`;
    case 'acknowledged':
      return `Page to ${who} acknowledged by ${str(d.by, '?')} (${str(d.via, '?')})`;
    default:
      return str(d.reason, `Paging ${str(d.event, '?')}: ${who}`);
  }
}

/** `broker ` for the broker sources (redis, rabbitmq, amqp), so the line reads "broker master changed to …". */
function brokerWord(source: string): string {
  return /^(redis|rabbitmq|amqp)\b/.test(source) ? 'broker ' : '';
}
