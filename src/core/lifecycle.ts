// The end of an incident's life, in the runbook's words. Pure: no I/O.
// - Resolving while triggers still fire, or with mitigations still in force, says so before it
//   asks, and what it said is recorded with the resolution.
// - A trigger firing again soon after a resolve is the same incident coming back: within the
//   reopen window the cockpit offers to reopen it (it never opens a new one silently); after the
//   window a trigger opens a new incident, as any first trigger does.
// - After a resolve, exporting the PIR without naming an incident means the one just resolved;
//   when a newer incident has opened since, the operator is asked which.

import type { IncidentView } from './incidentView.js';

export const DEFAULT_REOPEN_WINDOW_MS = 30 * 60_000;
/** The configurable range of the reopen window (config `reopenWindowMs`). */
export const REOPEN_WINDOW_RANGE_MS = { min: 0, max: 24 * 3600_000 } as const;

/** A trigger still firing, as the resolve question and record name it. */
export interface FiringNow {
  key: string;
  title: string;
  target: string;
}

/** A mitigation still in force, as the resolve question and record name it. */
export interface InForceNow {
  kind: string;
  target: string;
  by: string;
  /** The action that undoes it, where there is one. */
  undo: string | null;
  /** Set in another incident (or found on the system with no record): where. */
  setIn?: string | null;
  unconfirmed?: string | null;
}

/** What is recorded with a resolution made while something still fired or held. */
export interface ResolveNote {
  stillFiring: string[];
  stillInForce: string[];
}

export const firingText = (t: FiringNow): string => `${t.title} on ${t.target}`;

export function inForceText(m: InForceNow): string {
  const who = m.by && m.by !== '?' ? ` by ${m.by}` : '';
  const where = m.setIn ? ` (set in ${m.setIn})` : '';
  const doubt = m.unconfirmed ? ' (unconfirmed)' : '';
  return `${m.kind} ${m.target}${who}${where}${doubt}${m.undo ? `; undo: ${m.undo}` : ''}`;
}

/** What a resolution made now would leave behind; empty lists: nothing. */
export function resolveNote(firing: readonly FiringNow[], inForce: readonly InForceNow[]): ResolveNote {
  return { stillFiring: firing.map(firingText), stillInForce: inForce.map(inForceText) };
}

/**
 * The question asked before resolving: one line when nothing fires or holds; otherwise the
 * triggers still firing and the mitigations still in force, each listed, then the question.
 */
export function resolvePrompt(incidentId: string, note: ResolveNote, maxListed = 4): string {
  const lines: string[] = [];
  const list = (items: string[]) => {
    for (const i of items.slice(0, maxListed)) lines.push(`  - ${i}`);
    if (items.length > maxListed) lines.push(`  - … and ${items.length - maxListed} more`);
  };
  if (note.stillFiring.length) {
    lines.push(`${note.stillFiring.length} ${note.stillFiring.length === 1 ? 'trigger is' : 'triggers are'} STILL FIRING:`);
    list(note.stillFiring);
  }
  if (note.stillInForce.length) {
    lines.push(
      `${note.stillInForce.length} ${note.stillInForce.length === 1 ? 'mitigation is' : 'mitigations are'} STILL IN FORCE (undo them first, or leave them on purpose):`,
    );
    list(note.stillInForce);
  }
  const ask = `Mark incident ${incidentId} RESOLVED${lines.length ? ' anyway (recorded as such)' : ''}?`;
  return lines.length ? [...lines, ask].join('\n') : ask;
}

/** The reason recorded with the state change: what was still going on, in one line. */
export function resolveReason(note: ResolveNote): string {
  const parts: string[] = [];
  if (note.stillFiring.length) parts.push(`${note.stillFiring.length} trigger(s) still firing`);
  if (note.stillInForce.length) parts.push(`${note.stillInForce.length} mitigation(s) still in force`);
  return parts.length ? `marked resolved by the operator while ${parts.join(' and ')}` : 'marked resolved by the operator';
}

/** The incident as the reopen rule reads it: its state and when (wall clock) it was last resolved. */
export interface ResolvedIncident {
  id: string;
  state: string;
  /** ISO UTC (wall clock) of the last resolve; null when not resolved. */
  resolvedAt: string | null;
}

export interface ReopenOffer {
  incidentId: string;
  resolvedAt: string;
  /** ISO UTC: the offer stands until then. */
  until: string;
}

/** Within `windowMs` of its resolve, a resolved incident may be reopened; null otherwise. */
export function reopenOffer(incident: ResolvedIncident | null, nowMs: number, windowMs: number): ReopenOffer | null {
  if (!incident || incident.state !== 'resolved' || incident.resolvedAt === null || windowMs <= 0) return null;
  const at = Date.parse(incident.resolvedAt);
  if (!Number.isFinite(at) || nowMs >= at + windowMs) return null;
  return { incidentId: incident.id, resolvedAt: incident.resolvedAt, until: new Date(at + windowMs).toISOString() };
}

/** An incident as the export rule reads it. */
export interface ExportCandidate {
  id: string;
  state: string;
  /** ISO UTC: when it was opened; orders the incidents. */
  openedAt: string | null;
  /** ISO UTC (wall clock) of its last resolve; null when not resolved. */
  resolvedAt: string | null;
}

export type ExportChoice = { export: string } | { ask: string[]; why: string } | { none: string };

/**
 * Which incident a PIR export without an id means: the one resolved last. When an incident has
 * opened since that resolve (a newer one, open or resolved), the answer is a question: both are
 * named and the operator picks. With nothing resolved, the only incident, else a question.
 */
export function exportChoice(incidents: readonly ExportCandidate[]): ExportChoice {
  if (incidents.length === 0) return { none: 'no incidents' };
  const resolved = incidents
    .filter((i) => i.state === 'resolved' && i.resolvedAt !== null)
    .sort((a, b) => (a.resolvedAt! < b.resolvedAt! ? -1 : a.resolvedAt! > b.resolvedAt! ? 1 : 0));
  const last = resolved[resolved.length - 1];
  if (!last) {
    if (incidents.length === 1) return { export: incidents[0]!.id };
    return { ask: incidents.map((i) => i.id), why: 'no incident has been resolved yet' };
  }
  const newer = incidents.filter((i) => i.id !== last.id && (i.openedAt ?? '') > last.resolvedAt!);
  if (newer.length === 0) return { export: last.id };
  return {
    ask: [last.id, ...newer.map((i) => i.id)],
    why: `${newer.map((i) => `${i.id} (${i.state})`).join(', ')} opened after ${last.id} was resolved`,
  };
}

/** When (wall clock, ISO UTC) the incident was last resolved; null when it is not resolved now. */
export function lastResolvedAt(view: IncidentView | null): string | null {
  if (!view || view.state !== 'resolved') return null;
  for (let i = view.entries.length - 1; i >= 0; i--) {
    const e = view.entries[i]!;
    if (e.kind === 'state-changed' && e.details.to === 'resolved') return e.at;
  }
  return null;
}
