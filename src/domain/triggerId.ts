// One identity for a runbook trigger firing: which trigger (its kind) and on what (its target),
// and one id format for it, `kind:target` (`queue-lag:crawl`, `replica-lag:replica-2`). The live
// evaluation, the journal's entries, the incident view and the paging fold all key triggers by it.
//
// Journals on disk keep the form they have always had: a trigger entry's details name the kind
// `triggerKey` beside `target` (no id string is stored). triggerIdentityOf() reads that form, and
// also an entry that carries the kind as `kind`, so a reader never depends on which was written.

/** Which trigger fired, and on what: a queue, a provider pool, a replica, `primary`, `reporting`. */
export interface TriggerIdentity {
  kind: string;
  target: string;
}

/** The one id of a trigger on a target: `kind:target`. Kinds never contain a colon; targets may. */
export function triggerId(kind: string, target: string): string {
  return `${kind}:${target}`;
}

/** The identity in an id, or null when it is not one (the kind is everything before the first colon). */
export function parseTriggerId(id: string): TriggerIdentity | null {
  const at = id.indexOf(':');
  if (at <= 0) return null;
  return { kind: id.slice(0, at), target: id.slice(at + 1) };
}

/**
 * How a journal entry names its trigger (`trigger-fired`, `trigger-cleared`). A type, not an
 * interface: entry details are records of plain data and must stay assignable to one.
 */
export type TriggerEntryIdentity = {
  /** The trigger's kind, under the name journals have always used. */
  triggerKey: string;
  target: string;
};

/** The journal form of an identity. */
export function entryIdentity(t: TriggerIdentity): TriggerEntryIdentity {
  return { triggerKey: t.kind, target: t.target };
}

/** A name as a journal reader takes it: a string, or a finite number written without quotes. */
function name(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}

/**
 * The identity named in a trigger entry's details as read from disk, or null when it names no
 * trigger kind. A missing target reads as the empty string (entries have always had one).
 */
export function triggerIdentityOf(details: Readonly<Record<string, unknown>>): TriggerIdentity | null {
  const kind = name(details.triggerKey) || name(details.kind);
  if (kind === '') return null;
  return { kind, target: name(details.target) };
}

/** The id of the trigger a journal entry names, or null. */
export function triggerIdOfEntry(details: Readonly<Record<string, unknown>>): string | null {
  const t = triggerIdentityOf(details);
  return t === null ? null : triggerId(t.kind, t.target);
}
