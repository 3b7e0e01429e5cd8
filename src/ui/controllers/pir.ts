// Post-incident review bindings: open the PIR editor (P), export the markdown (E), and, inside
// the editor, edit the highlighted field (Enter), add a corrective action (a) and delete one (d).
// The editor's rows come from pirEditor.ts; the recorder validates what is written (a due date
// must be a real date) and a refused answer reopens its prompt with what was typed.
import { sanitize } from '../../core/sanitize.js';
import type { CockpitCommands } from '../registry/commands.js';
import type { Binding, BindingArgs, BindingContext, BindingResult, CockpitServices } from '../registry/types.js';
import type { CockpitState, CockpitStore, Overlay } from '../state/store.js';
import { flash, needsIncident, setUi } from './common.js';
import {
  ADD_ACTION_ROW,
  blastRadiusWith,
  clampPirIndex,
  findPirRow,
  parseCorrectiveActionLine,
  pirRows,
  type PirRow,
} from './pirEditor.js';

function needsPir(s: CockpitState): string | null {
  return needsIncident(s);
}

/** The editor overlay as it is now, or a fresh one highlighting `row`. */
function pirOverlayAt(s: CockpitState, rowKey?: string): Extract<Overlay, { kind: 'pir' }> {
  const rows = pirRows(s.incident);
  const at = rowKey === undefined ? -1 : rows.findIndex((r) => r.key === rowKey);
  if (at >= 0) return { kind: 'pir', index: at };
  if (s.ui.overlay?.kind === 'pir') return s.ui.overlay;
  return { kind: 'pir', index: 0 };
}

/** The row an editor binding is about: its `row` argument, else the highlighted one. */
function pirTarget(s: CockpitState, args?: BindingArgs): PirRow | undefined {
  if (args?.row !== undefined) return findPirRow(s.incident, args.row);
  if (s.ui.overlay?.kind !== 'pir') return undefined;
  const rows = pirRows(s.incident);
  return rows[clampPirIndex(s.ui.overlay.index, rows)];
}

/** What to show after a prompt is answered: the editor, on the row just edited. */
function pirPrompt(
  store: CockpitStore,
  opts: { bindingId: string; label: string; text: string; args?: BindingArgs; allowEmpty?: boolean; backRow?: string; error?: string },
): void {
  const s = store.getState();
  const back = pirOverlayAt(s, opts.backRow);
  setUi(store, {
    overlay: {
      kind: 'prompt',
      actionId: opts.bindingId,
      label: opts.label,
      text: opts.text,
      back,
      ...(opts.args ? { args: opts.args } : {}),
      ...(opts.allowEmpty ? { allowEmpty: true } : {}),
      ...(opts.error ? { error: sanitize(opts.error, 300) } : {}),
    },
  });
}

const CORRECTIVE_ACTION_FORMAT = 'action | owner | YYYY-MM-DD';

/**
 * Runs a PIR write; when the recorder refuses it (a bad due date), the prompt comes back with
 * what was typed so it can be fixed, and the refusal goes on to the dispatcher, which shows it.
 */
async function pirWrite(write: () => Promise<void>, reopen: (error: string) => void): Promise<void> {
  try {
    await write();
  } catch (e) {
    reopen(e instanceof Error ? e.message : String(e));
    throw e;
  }
}

function selectPirRow(store: CockpitStore, key: string): void {
  const s = store.getState();
  if (s.ui.overlay?.kind !== 'pir') return;
  const at = pirRows(s.incident).findIndex((r) => r.key === key);
  if (at >= 0) setUi(store, { overlay: { kind: 'pir', index: at } });
}

async function addCorrectiveAction(commands: CockpitCommands, { store, args }: BindingContext): Promise<BindingResult> {
  const text = args?.text?.trim() ?? '';
  const ask = (value: string, error?: string) =>
    pirPrompt(store, {
      bindingId: 'pir-action',
      label: `Add corrective action: ${CORRECTIVE_ACTION_FORMAT}`,
      text: value,
      backRow: ADD_ACTION_ROW,
      ...(error ? { error } : {}),
    });
  if (text === '') {
    ask('');
    return { prompted: true };
  }
  await pirWrite(
    () => commands.addCorrectiveAction(parseCorrectiveActionLine(text)),
    (error) => ask(text, error),
  );
  const n = store.getState().incident?.pir?.values.correctiveActions.length ?? 0;
  selectPirRow(store, ADD_ACTION_ROW);
  flash(store, `corrective action ${n} added`);
}

/** Which corrective action `pir-delete` means: `row` (from the editor), `:pir-delete 2`, or the highlighted row. */
function correctiveActionIndex(s: CockpitState, args?: BindingArgs): number | null {
  const count = s.incident?.pir?.values.correctiveActions.length ?? 0;
  let i: number | null = null;
  if (args?.text !== undefined && /^\d+$/.test(args.text.trim())) i = Number(args.text.trim()) - 1;
  else {
    const row = pirTarget(s, args);
    if (row?.kind === 'action') i = row.index;
  }
  return i !== null && i >= 0 && i < count ? i : null;
}

/** `:pir-edit rootCause the deploy` -> { row: 'rootCause', text: 'the deploy' }. */
function splitRowArg(text: string): { row: string; text: string } {
  const t = text.trim();
  const i = t.search(/\s/);
  return i < 0 ? { row: t, text: '' } : { row: t.slice(0, i), text: t.slice(i + 1).trim() };
}

export function bindings({ commands }: CockpitServices): Binding[] {
  return [
    {
      id: 'pir-editor',
      keys: ['P'],
      title: 'PIR editor',
      description:
        'Write the post-incident review: root cause, blast radius (prefilled from the triggers), corrective actions, monitoring gaps, runbook improvements and the rest; ! marks what --strict still needs.',
      aliases: ['review', 'postmortem'],
      // Opening it only reads; each edit is a recording binding of its own.
      mutates: false,
      dangerous: false,
      group: 'incident',
      hint: 'PIR',
      when: needsPir,
      run: ({ store }) => {
        setUi(store, { overlay: pirOverlayAt(store.getState()) });
        return { prompted: true };
      },
    },
    {
      id: 'pir',
      keys: ['E'],
      title: 'Export PIR',
      description:
        'Write the post-incident review markdown and show where. After a resolve it is the incident just resolved; when another has opened since, it asks which (:export <incident-id> names one).',
      aliases: ['export'],
      // Reads the record, writes a local file: allowed in a read-only session.
      mutates: false,
      dangerous: false,
      group: 'incident',
      when: (s) => (s.incident === null ? 'no incident to export' : null),
      run: async ({ store, args }) => {
        let id = args?.text?.trim() || undefined;
        if (id === undefined) {
          // After a resolve: the incident just resolved, or the question when another opened since.
          const choice = commands.pirExportChoice?.();
          if (choice && 'ask' in choice) {
            setUi(store, {
              overlay: {
                kind: 'prompt',
                actionId: 'pir',
                label: sanitize(`Export which PIR? ${choice.ask.join(' or ')} (${choice.why}). Incident id`, 200),
                text: choice.ask[0] ?? '',
              },
            });
            return { prompted: true };
          }
          if (choice && 'export' in choice) id = choice.export;
        }
        const path = await commands.exportPir(id);
        if (id !== undefined && id !== store.getState().incident?.id) {
          flash(store, `PIR of ${sanitize(id, 60)} written to ${sanitize(path, 200)}`, 'info');
          return;
        }
        const problems = store.getState().incident?.pir?.strictProblems ?? [];
        const strict =
          problems.length === 0
            ? 'complete: passes --strict'
            : `--strict: ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'} (${sanitize(problems[0] ?? '', 80)}${problems.length > 1 ? ', …' : ''})`;
        flash(store, `PIR written to ${sanitize(path, 200)}; ${strict}`, problems.length === 0 ? 'info' : 'warn');
      },
    },
    // review: keys inside the PIR editor (P)
    {
      id: 'pir-edit',
      keys: ['enter'],
      overlay: 'pir',
      title: 'Edit PIR field',
      description: `Edit the highlighted field in a prompt prefilled with its value (lists: comma-separated; a corrective action: ${CORRECTIVE_ACTION_FORMAT}). :pir-edit <row> <text> sets one by name.`,
      aliases: ['pir-set'],
      mutates: true,
      dangerous: false,
      group: 'review',
      when: needsPir,
      run: async (ctx) => {
        const { store } = ctx;
        const s = store.getState();
        let args = ctx.args;
        // From the command line: `:pir-edit <row> [text]`.
        if (args?.row === undefined && args?.text !== undefined) {
          const split = splitRowArg(args.text);
          args = split.text === '' ? { row: split.row } : split;
        }
        const row = pirTarget(s, args);
        if (!row) {
          if (args?.row !== undefined) throw new Error(`no PIR field "${sanitize(args.row, 40)}" (P lists them)`);
          setUi(store, { overlay: pirOverlayAt(s) });
          return { prompted: true };
        }
        if (row.kind === 'add-action') return addCorrectiveAction(commands, ctx);
        const text = args?.text;
        const hint =
          row.kind === 'action'
            ? ` (${CORRECTIVE_ACTION_FORMAT})`
            : row.kind === 'blast' && row.part !== 'notes'
              ? ' (comma-separated)'
              : '';
        const ask = (value: string, error?: string) =>
          pirPrompt(store, {
            bindingId: 'pir-edit',
            label: `PIR ${row.label}${hint}`,
            text: value,
            args: { row: row.key },
            allowEmpty: row.kind !== 'action',
            backRow: row.key,
            ...(error ? { error } : {}),
          });
        if (text === undefined) {
          ask(row.value);
          return { prompted: true };
        }
        const pir = s.incident?.pir;
        if (!pir) throw new Error('no review to edit');
        await pirWrite(
          async () => {
            switch (row.kind) {
              case 'text':
                return commands.setPirField(row.field, text.trim());
              case 'blast':
                return commands.setPirField('blastRadius', blastRadiusWith(pir.values.blastRadius, row.part, text));
              case 'action': {
                const rows = pir.values.correctiveActions.map((a, i) => (i === row.index ? parseCorrectiveActionLine(text) : a));
                return commands.setPirField('correctiveActions', rows);
              }
            }
          },
          (error) => ask(text, error),
        );
        flash(store, `PIR ${row.label} saved`);
      },
    },
    {
      id: 'pir-action',
      keys: ['a'],
      overlay: 'pir',
      title: 'Add corrective action',
      description: `Add a corrective action row: ${CORRECTIVE_ACTION_FORMAT} (the due date must be a real date).`,
      aliases: ['corrective-action'],
      mutates: true,
      dangerous: false,
      group: 'review',
      when: needsPir,
      run: (ctx) => addCorrectiveAction(commands, ctx),
    },
    {
      id: 'pir-delete',
      keys: ['d'],
      overlay: 'pir',
      title: 'Delete corrective action',
      description: 'Delete the highlighted corrective action row (asks to confirm). :pir-delete <n> deletes row n.',
      mutates: true,
      dangerous: true,
      group: 'review',
      when: (s) => {
        const why = needsPir(s);
        if (why) return why;
        if ((s.incident?.pir?.values.correctiveActions.length ?? 0) === 0) return 'no corrective action recorded';
        // In the editor, d is about the highlighted row.
        if (s.ui.overlay?.kind === 'pir' && pirTarget(s)?.kind !== 'action') return 'highlight a corrective action row first';
        return null;
      },
      confirmPrompt: (s, args) => {
        const i = correctiveActionIndex(s, args);
        const row = i === null ? undefined : s.incident?.pir?.values.correctiveActions[i];
        return row && i !== null
          ? `Delete corrective action ${i + 1} (${sanitize(row.action, 60)}, ${sanitize(row.owner, 30)}, ${sanitize(row.due, 12)})?`
          : 'Delete the corrective action?';
      },
      run: async ({ store, args }) => {
        const i = correctiveActionIndex(store.getState(), args);
        if (i === null) throw new Error('select a corrective action row first (j/k in the PIR editor)');
        await commands.removeCorrectiveAction(i);
        flash(store, `corrective action ${i + 1} deleted`);
      },
    },
  ];
}
