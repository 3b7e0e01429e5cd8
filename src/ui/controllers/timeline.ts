// Timeline bindings beyond notes and steps: correcting a milestone's time when the operator learns
// the real one (the incident started before it was detected). The correction is a new entry that
// supersedes the old time; the timeline never edits history.
import { MILESTONES } from '../../core/incident.js';
import type { Binding, CockpitServices } from '../registry/types.js';
import { needsIncident } from './common.js';

export const MILESTONE_FORMAT = 'milestone | time (ISO 8601, UTC if no offset) | reason';

/** `started | 2026-11-28T03:58:00Z | the deploy went out at 03:58` -> its three parts. */
export function parseMilestoneCorrection(text: string): { milestone: string; at: string; reason: string } | string {
  const parts = text.split('|').map((p) => p.trim());
  if (parts.length !== 3 || parts.some((p) => p === '')) return `expected: ${MILESTONE_FORMAT}`;
  const [milestone, at, reason] = parts as [string, string, string];
  if (!(MILESTONES as readonly string[]).includes(milestone)) return `not a milestone: ${milestone} (one of ${MILESTONES.join(', ')})`;
  return { milestone, at, reason };
}

export function bindings({ commands }: CockpitServices): Binding[] {
  return [
    {
      id: 'correct-milestone',
      keys: ['T'],
      title: 'Correct a milestone time',
      description: `When the real time of a milestone is learned later (the incident started earlier): ${MILESTONE_FORMAT}. Recorded as a new entry that supersedes the old time.`,
      aliases: ['milestone'],
      mutates: true,
      dangerous: false,
      group: 'incident',
      when: needsIncident,
      run: async ({ store, args }) => {
        const text = args?.text?.trim() ?? '';
        if (text === '') {
          store.getState().setUi({
            overlay: { kind: 'prompt', actionId: 'correct-milestone', label: `Correct milestone: ${MILESTONE_FORMAT}`, text: '' },
          });
          return { prompted: true };
        }
        const parsed = parseMilestoneCorrection(text);
        if (typeof parsed === 'string') throw new Error(parsed);
        await commands.correctMilestone(parsed.milestone, parsed.at, parsed.reason);
        store.getState().flash(`${parsed.milestone} corrected to ${parsed.at}`);
      },
    },
  ];
}
