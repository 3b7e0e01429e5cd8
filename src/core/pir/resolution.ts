// What was still going on when the incident was marked resolved: triggers still firing,
// mitigations still in force (who set them, since when), the runbook steps of the sections that
// fired not done, and pages never acknowledged. Read from the journal up to the resolution (or to
// the end, for an incident not resolved yet). Pure.
import { foldInForce } from '../inForce.js';
import { foldIncident } from '../incidentView.js';
import type { IncidentView } from '../incidentView.js';
import type { PagingState } from '../paging.js';
import { RUNBOOK } from '../runbook.js';
import { stepsDoneOf } from '../procedureMap.js';
import type { TimelineEntry } from '../timeline.js';
import { parseUtc } from '../timeline.js';
import { isRegistryRefusal } from './actions.js';

export interface FiringAtResolution {
  title: string;
  target: string;
  section: string;
  firedAt: string;
  /** When it cleared after the resolution, if it did. */
  clearedLater: string | null;
}

/** A mitigation in force at resolution (src/core/inForce.ts folds the action entries). */
export interface InForceAtResolution {
  kind: string;
  target: string;
  action: string;
  by: string;
  since: string;
  reason: string;
  /** Time-boxed (a paused task): until when. */
  until: string | null;
  /** The action that takes it out again. */
  undo: string | null;
}

export interface StepNotDone {
  section: string;
  step: number;
  text: string;
}

export interface PageNotAcknowledged {
  target: string;
  role: string;
  contact: string;
  pagedAt: string;
  pages: number;
}

export interface StateAtResolution {
  /** ISO UTC of the resolution; null: not resolved, the state is as of the last entry. */
  resolvedAt: string | null;
  asOf: string | null;
  triggersFiring: FiringAtResolution[];
  inForce: InForceAtResolution[];
  stepsNotDone: StepNotDone[];
  pagesNotAcknowledged: PageNotAcknowledged[];
}

/**
 * The mitigations in force after `entries`, at `atMs` (the one fold, src/core/inForce.ts): an
 * action that put something in force and ran (or got no reply: it may still apply), until its
 * undo ran, it lapsed or was cleared; a time-boxed pause also ends at its `until`.
 */
export function mitigationsInForce(entries: readonly TimelineEntry[], atMs: number): InForceAtResolution[] {
  return foldInForce(entries, { atMs }).map((m) => ({
    kind: m.kind,
    target: m.target,
    action: m.action,
    by: m.by,
    since: m.since,
    reason: m.unconfirmed === null ? m.reason : `${m.reason} (unconfirmed: ${m.unconfirmed})`,
    until: m.until,
    undo: m.undo,
  }));
}

/**
 * What the resolve itself recorded as still in force (read from the system when the operator was
 * asked: set in another incident, by `act`, by hand), beside what this incident's own actions
 * left in force. Each recorded line reads `<kind> <target>[ by <who>][ (set in …)][; undo: <action>]`.
 */
function withRecordedAtResolve(own: InForceAtResolution[], entries: readonly TimelineEntry[]): InForceAtResolution[] {
  const resolve = [...entries].reverse().find((e) => e.kind === 'state-changed' && e.details.to === 'resolved');
  const lines = Array.isArray(resolve?.details.stillInForce)
    ? resolve.details.stillInForce.filter((l): l is string => typeof l === 'string')
    : [];
  const out = [...own];
  for (const line of lines) {
    const [kind = '', target = ''] = line.split(' ');
    if (out.some((m) => m.kind === kind && m.target === target)) continue;
    out.push({
      kind,
      target,
      action: 'in force on the system',
      by: /\bby (\S+)/.exec(line)?.[1] ?? '?',
      since: '',
      reason: `recorded with the resolution: ${line}`,
      until: null,
      undo: /; undo: (\S+)$/.exec(line)?.[1] ?? null,
    });
  }
  return out;
}

/** Sections whose steps a reviewer expects done: the ones whose triggers fired (3 to 6). */
function sectionsFired(view: IncidentView): string[] {
  const out: string[] = [];
  for (const t of view.triggers) if (t.section !== '' && !out.includes(t.section)) out.push(t.section);
  return out.sort();
}

function stepsNotDone(view: IncidentView, entries: readonly TimelineEntry[]): StepNotDone[] {
  const done = stepsDoneOf(
    view.procedureSteps.filter((s) => s.done).map((s) => `${s.section}.${s.step}`),
    entries,
  );
  const out: StepNotDone[] = [];
  for (const id of sectionsFired(view)) {
    const section = RUNBOOK.find((s) => String(s.id) === id);
    if (!section) continue;
    for (const step of section.steps) {
      const key = `${id}.${step.n}`;
      if (!done.has(key)) out.push({ section: id, step: step.n, text: step.text });
    }
  }
  return out;
}

export function stateAtResolution(view: IncidentView, paging: PagingState): StateAtResolution {
  // The last resolve of an incident resolved now (a reopened one counts from its last resolve; one
  // reopened and not resolved again is not resolved).
  const resolved =
    view.state === 'resolved' ? ([...view.milestoneHistory].reverse().find((m) => m.name === 'resolved' && !m.corrected) ?? null) : null;
  const upTo = resolved ? view.entries.filter((e) => e.seq <= resolved.seq) : view.entries;
  const last = upTo[upTo.length - 1];
  const asOfMs = resolved ? resolved.atMs : last ? (parseUtc(last.at) ?? 0) : 0;
  const then = foldIncident(upTo, view.id);
  const triggersFiring = then.activeTriggers.map((t) => {
    const now = view.triggers.find((x) => x.key === t.key);
    return { title: t.title, target: t.target, section: t.section, firedAt: t.firedAt, clearedLater: now?.clearedAt ?? null };
  });
  const pagesNotAcknowledged: PageNotAcknowledged[] = [];
  for (const t of paging.targets.values()) {
    if (t.channel === 'ticket' || t.ack) continue;
    pagesNotAcknowledged.push({
      target: t.target,
      role: t.role,
      contact: t.contact,
      pagedAt: new Date(t.firstPagedAt).toISOString(),
      pages: t.triggers,
    });
  }
  return {
    resolvedAt: resolved ? resolved.at : null,
    asOf: resolved ? resolved.at : (last?.at ?? null),
    triggersFiring,
    inForce: withRecordedAtResolve(mitigationsInForce(upTo, asOfMs), upTo),
    stepsNotDone: stepsNotDone(then, upTo),
    pagesNotAcknowledged,
  };
}
