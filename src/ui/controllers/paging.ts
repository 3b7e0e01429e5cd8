// Paging actions for the registry (merged into ACTIONS by src/runtime/main.ts / actions.ts):
//   a   acknowledge a page by key (the person answered the phone, Slack, ...): `:ack-page crawl-owner dana`
//   m   pick the affected module when the matrix needs a module owner: `:page-module crawl`
// Both live on the escalation panel. They reach the paging controller through CockpitCommands
// when the runtime implements PagingCommands, else through bindPagingCommands().
import { sanitize } from '../../core/sanitize.js';
import { LSOS_MODULES } from '../../core/paging.js';
import type { Action, ActionContext } from '../registry/registry.js';
import type { CockpitState, CockpitStore } from '../state/store.js';

/** The subset of the paging controller the actions use (PagingController implements it). */
export interface PagingCommands {
  acknowledgePage(target: string, by: string): Promise<string[]>;
  pickModule(module: string): Promise<void>;
  unacknowledgedTargets(): string[];
}

let bound: PagingCommands | null = null;

/** Main binds the running PagingController here (null unbinds). */
export function bindPagingCommands(commands: PagingCommands | null): void {
  bound = commands;
}

function isPagingCommands(v: unknown): v is PagingCommands {
  const o = v as Partial<PagingCommands> | null;
  return typeof o?.acknowledgePage === 'function' && typeof o.pickModule === 'function' && typeof o.unacknowledgedTargets === 'function';
}

function pagingOf(ctx: ActionContext): PagingCommands {
  if (isPagingCommands(ctx.commands)) return ctx.commands;
  if (bound) return bound;
  throw new Error('paging is not running');
}

function flash(store: CockpitStore, text: string, level: 'info' | 'warn' | 'error' = 'info'): void {
  store.getState().flash(text, level);
}

function pagingReady(s: CockpitState): string | null {
  const p = s.paging;
  if (!p) return 'paging is not running';
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

export const PAGING_ACTIONS: Action[] = [
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
      const why = pagingReady(s);
      if (why) return why;
      const open = (s.paging?.targets ?? []).filter((t) => t.channel !== 'ticket' && !t.ack && t.resolvedAt === null);
      return open.length === 0 ? 'no unacknowledged page' : null;
    },
    run: async (ctx) => {
      const { store, args } = ctx;
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
      const ids = await pagingOf(ctx).acknowledgePage(target, by);
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
    when: pagingReady,
    run: async (ctx) => {
      const { store, args } = ctx;
      const text = args?.text?.trim() ?? '';
      if (text === '') {
        store.getState().setUi({
          overlay: { kind: 'prompt', actionId: 'page-module', label: `Affected module (${LSOS_MODULES.join(', ')})`, text: '' },
        });
        return { prompted: true };
      }
      await pagingOf(ctx).pickModule(text);
      flash(store, `affected module: ${sanitize(text, 40)}`);
    },
  },
];
