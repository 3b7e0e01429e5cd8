// Paging bindings on the escalation panel:
//   a   acknowledge a page (the person answered the phone, Slack, ...): `:ack-page crawl-owner by dana`
//   m   pick the affected module when the matrix needs a module owner: `:page-module crawl`
// They reach the paging controller through `services.paging`; without it (paging could not
// start) they are disabled and say so.
import { sanitize } from '../../core/sanitize.js';
import { LSOS_MODULES } from '../../core/paging.js';
import type { PagingCommands } from '../../control/paging/controller.js';
import type { Binding, CockpitServices } from '../registry/types.js';
import type { CockpitState } from '../state/store.js';
import { flash } from './common.js';

/** Why paging bindings cannot run now (null: they can). */
function pagingReady(paging: PagingCommands | undefined, s: CockpitState): string | null {
  const p = s.paging;
  if (!paging || !p) return 'paging is not running';
  if (p.disabled) return p.disabled;
  if (!s.incident) return 'no incident';
  return null;
}

/** `TARGET [by NAME]` or `TARGET NAME`: the target (or `all`) and who acknowledged. */
export function parseAckLine(text: string, operator: string): { target: string; by: string } {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  const target = words.shift() ?? 'all';
  if (words[0] === 'by') words.shift();
  const by = words.join(' ').trim();
  return { target, by: by === '' ? operator : by };
}

export function bindings({ paging }: CockpitServices): Binding[] {
  const ready = (s: CockpitState) => pagingReady(paging, s);
  // The `when` guard already refused without paging; this keeps the type honest.
  const controller = (): PagingCommands => {
    if (!paging) throw new Error('paging is not running');
    return paging;
  };
  return [
    {
      id: 'ack-page',
      keys: ['a'],
      panels: ['escalation'],
      title: 'Acknowledge page',
      description:
        'Record that a paged person acknowledged: `<target|all> [by NAME]` (e.g. `crawl-owner by dana`). Stops the re-page; PagerDuty is told.',
      aliases: ['ack'],
      mutates: true,
      dangerous: false,
      group: 'incident',
      hint: 'ack page',
      when: (s) => {
        const why = ready(s);
        if (why) return why;
        const open = (s.paging?.targets ?? []).filter((t) => t.channel !== 'ticket' && !t.ack && t.resolvedAt === null);
        return open.length === 0 ? 'no unacknowledged page' : null;
      },
      run: async ({ store, args }) => {
        const text = args?.text?.trim() ?? '';
        if (text === '') {
          const open = (store.getState().paging?.targets ?? []).filter((t) => t.channel !== 'ticket' && !t.ack && t.resolvedAt === null);
          const first = open.length === 1 ? (open[0]?.target ?? 'all') : 'all';
          store.getState().setUi({
            overlay: {
              kind: 'prompt',
              actionId: 'ack-page',
              label: `Acknowledged (${open.map((t) => t.target).join(', ') || 'nothing'}): TARGET|all [by NAME]`,
              text: `${first} by `,
            },
          });
          return { prompted: true };
        }
        const { target, by } = parseAckLine(text, store.getState().session.operator);
        const ids = await controller().acknowledgePage(target, by);
        flash(store, `acknowledged by ${sanitize(by, 40)}: ${ids.join(', ')}`);
      },
    },
    {
      id: 'page-module',
      keys: ['m'],
      panels: ['escalation'],
      title: 'Pick the affected module',
      description: `The module whose owner the matrix pages at SEV-2 (${LSOS_MODULES.join(', ')}), when the triggers do not say.`,
      aliases: ['module'],
      mutates: true,
      dangerous: false,
      group: 'incident',
      when: ready,
      run: async ({ store, args }) => {
        const text = args?.text?.trim() ?? '';
        if (text === '') {
          store.getState().setUi({
            overlay: { kind: 'prompt', actionId: 'page-module', label: `Affected module (${LSOS_MODULES.join(', ')})`, text: '' },
          });
          return { prompted: true };
        }
        await controller().pickModule(text);
        flash(store, `affected module: ${sanitize(text, 40)}`);
      },
    },
  ];
}
