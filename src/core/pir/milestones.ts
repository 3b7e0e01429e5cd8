// The incident's milestones as the review states them, each with where it came from: started
// (the earliest evidence the triggers recorded), detected (the first trigger or the operator's
// declaration), the severity decision (its own milestone), acknowledged (the first page
// acknowledgement), mitigated and resolved. An operator's correction wins and the superseded
// times stay listed. Pure.
import type { IncidentView, MilestoneStamp } from '../incidentView.js';
import type { MilestoneName } from '../incident.js';
import type { PagingState } from '../paging.js';
import { formatUtc } from '../timeline.js';

export type PirMilestoneName = 'started' | 'detected' | 'severity decided' | 'acknowledged' | 'mitigated' | 'resolved';

export const PIR_MILESTONES: readonly PirMilestoneName[] = [
  'started',
  'detected',
  'severity decided',
  'acknowledged',
  'mitigated',
  'resolved',
];

export interface MilestoneHistoryItem {
  at: string;
  seq: number;
  operator: string;
  /** `stamped`, or `corrected: <reason>`. */
  how: string;
  supersededBySeq: number | null;
}

export interface PirMilestone {
  name: PirMilestoneName;
  /** ISO UTC; null when it did not happen (or was not recorded). */
  at: string | null;
  atMs: number | null;
  /** Where the time comes from, in words. */
  source: string;
  /** The entry that holds it. */
  seq: number | null;
  corrected: boolean;
  /** Every stamp and correction of it, oldest first (empty for derived milestones). */
  history: MilestoneHistoryItem[];
  /** Set when the milestone never happened for a reason worth saying in place of a time. */
  didNotHappen?: string;
}

/** What the review says of an incident resolved straight from open: it had no time to mitigate. */
export const NOT_MITIGATED = 'not mitigated before resolution';
const STRAIGHT_FROM_OPEN = ' (resolved straight from open)';

export interface PirDurations {
  timeToDetectMs: number | null;
  timeToDecideMs: number | null;
  timeToAcknowledgeMs: number | null;
  timeToMitigateMs: number | null;
  timeToResolveMs: number | null;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function sourceOf(view: IncidentView, stamp: MilestoneStamp): string {
  const e = view.entries.find((x) => x.seq === stamp.seq);
  const recorded = str(e?.details.source);
  if (stamp.corrected) return recorded !== '' ? recorded : `corrected by ${stamp.operator}: ${stamp.reason ?? ''}`;
  if (recorded !== '') return recorded;
  // Journals from before milestones carried their source: the state change just before says why.
  const change = [...view.entries].reverse().find((x) => x.seq < stamp.seq && x.kind === 'state-changed' && x.details.to === stamp.name);
  if (change)
    return `marked ${stamp.name} by ${change.operator}${str(change.details.reason) === '' ? '' : `: ${str(change.details.reason)}`}`;
  return `stamped by the cockpit at seq ${stamp.seq} (no source recorded)`;
}

function historyOf(view: IncidentView, name: MilestoneName): MilestoneHistoryItem[] {
  return view.milestoneHistory
    .filter((s) => s.name === name)
    .map((s) => ({
      at: s.at,
      seq: s.seq,
      operator: s.operator,
      how: s.corrected ? `corrected: ${s.reason ?? ''}` : 'stamped',
      supersededBySeq: s.supersededBySeq,
    }));
}

function recorded(view: IncidentView, name: MilestoneName, as: PirMilestoneName = name as PirMilestoneName): PirMilestone {
  const s = view.milestones[name];
  if (!s) return { name: as, at: null, atMs: null, source: 'not recorded', seq: null, corrected: false, history: [] };
  return {
    name: as,
    at: s.at,
    atMs: s.atMs,
    source: sourceOf(view, s),
    seq: s.seq,
    corrected: s.corrected,
    history: historyOf(view, name),
  };
}

/** The first page acknowledgement in the paging fold, if any. */
function firstAck(paging: PagingState): { at: number; target: string; by: string; via: string } | null {
  let best: { at: number; target: string; by: string; via: string } | null = null;
  for (const t of paging.targets.values()) {
    if (t.ack && (best === null || t.ack.at < best.at)) best = { at: t.ack.at, target: t.target, by: t.ack.by, via: t.ack.via };
  }
  return best;
}

export function pirMilestones(view: IncidentView, paging: PagingState): PirMilestone[] {
  const started = recorded(view, 'started');
  const detected = recorded(view, 'detected');
  const decision = view.severityHistory.find((s) => s.kind === 'decided');
  const decided: PirMilestone = decision
    ? {
        name: 'severity decided',
        at: decision.at,
        atMs: Date.parse(decision.at),
        source: `${decision.severity} decided by ${decision.operator}: ${decision.reason}`,
        seq: decision.seq,
        corrected: false,
        history: [],
      }
    : {
        name: 'severity decided',
        at: null,
        atMs: null,
        source: 'no severity was decided (only suggested)',
        seq: null,
        corrected: false,
        history: [],
      };
  // Acknowledged is the first page acknowledgement; an operator's correction still wins.
  let acknowledged = recorded(view, 'acknowledged');
  const ack = firstAck(paging);
  if (!acknowledged.corrected) {
    if (ack) {
      const byRecorder = acknowledged.at !== null && acknowledged.source.startsWith('first page acknowledgement');
      acknowledged = {
        ...acknowledged,
        at: byRecorder ? acknowledged.at : formatUtc(ack.at),
        atMs: byRecorder ? acknowledged.atMs : ack.at,
        source: `first page acknowledgement: ${ack.target} acknowledged by ${ack.by} (${ack.via === 'callback' ? 'the paging callback' : 'key in the cockpit'})`,
      };
    } else {
      acknowledged = {
        ...acknowledged,
        at: null,
        atMs: null,
        source:
          acknowledged.at === null
            ? 'no page was acknowledged'
            : `no page was acknowledged (the cockpit stamped one at seq ${acknowledged.seq}, at an operator decision: not an acknowledgement)`,
      };
    }
  }
  // Resolving straight from open stamps mitigated with the resolution (the recorder's marker):
  // the incident was never mitigated, so there is no mitigated time to report.
  let mitigated = recorded(view, 'mitigated');
  if (!mitigated.corrected && mitigated.source.endsWith(STRAIGHT_FROM_OPEN)) {
    mitigated = {
      ...mitigated,
      at: null,
      atMs: null,
      source: `${NOT_MITIGATED}: ${mitigated.source.slice(0, -STRAIGHT_FROM_OPEN.length)}, straight from open`,
      didNotHappen: NOT_MITIGATED,
    };
  }
  return [started, detected, decided, acknowledged, mitigated, recorded(view, 'resolved')];
}

export function pirDurations(ms: readonly PirMilestone[]): PirDurations {
  const at = (n: PirMilestoneName): number | null => ms.find((m) => m.name === n)?.atMs ?? null;
  const diff = (a: PirMilestoneName, b: PirMilestoneName): number | null => {
    const x = at(a);
    const y = at(b);
    return x === null || y === null ? null : x - y;
  };
  return {
    timeToDetectMs: diff('detected', 'started'),
    timeToDecideMs: diff('severity decided', 'detected'),
    timeToAcknowledgeMs: diff('acknowledged', 'detected'),
    timeToMitigateMs: diff('mitigated', 'started'),
    timeToResolveMs: diff('resolved', 'started'),
  };
}
