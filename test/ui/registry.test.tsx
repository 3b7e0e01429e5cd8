// The binding registry, the dispatcher, the pure router and the reusable components, without the Cockpit.
import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { validateRegistry } from '../../src/ui/registry/build.js';
import { completeCommand, parseCommand } from '../../src/ui/registry/commandLine.js';
import { createDispatcher, disabledReason } from '../../src/ui/registry/dispatcher.js';
import { footerHints, helpLines, menuBindings } from '../../src/ui/registry/help.js';
import type { AttemptOutcome, Binding } from '../../src/ui/registry/types.js';
import { parseSeverity } from '../../src/ui/controllers/incident.js';
import { handleKey, keyName, routeKey, editText } from '../../src/ui/input/router.js';
import { OVERLAYS } from '../../panels/overlays/index.js';
import { DenseTable, layoutColumns, type Column } from '../../components/DenseTable.js';
import { sparkline } from '../../components/Sparkline.js';
import { bigText } from '../../components/BigText.js';
import { formatDuration, formatLag } from '../../components/format.js';
import { THEMES, nextTheme, resolveTheme, colourAllowed } from '../../src/ui/state/theme.js';
import { computeLayout } from '../../panels/layout.js';
import { cleanupAll, fixtureStore, openIncident, testRegistry } from './fixtures.js';

const REGISTRY = testRegistry();

afterEach(() => cleanupAll());

const KNOWN_KEYS = /^(?:.|enter|esc|tab|shift-tab|space|up|down|left|right|pgup|pgdn|home|end|backspace|ctrl-[a-z])$/u;

describe('the registry', () => {
  it('is consistent: unique names, no key bound twice in a scope, canonical key names', () => {
    expect(() => validateRegistry(REGISTRY)).not.toThrow();
    for (const a of REGISTRY) {
      expect(a.title).not.toBe('');
      expect(a.description).not.toBe('');
      for (const k of a.keys) expect(k).toMatch(KNOWN_KEYS);
    }
  });

  it('catches a key bound twice', () => {
    const dup: Binding = {
      id: 'dup',
      keys: ['q'],
      title: 'd',
      description: 'd',
      mutates: false,
      dangerous: false,
      group: 'view',
      run: () => {},
    };
    expect(() => validateRegistry([...REGISTRY, dup])).toThrow(/key "q"/);
  });

  it('marks the incident-changing bindings as mutating and the state changes as dangerous', () => {
    const byId = new Map(REGISTRY.map((a) => [a.id, a]));
    for (const id of ['note', 'severity', 'tick', 'incident', 'mitigated', 'resolved']) expect(byId.get(id)?.mutates).toBe(true);
    for (const id of ['mitigated', 'resolved']) expect(byId.get(id)?.dangerous).toBe(true);
    for (const id of ['quit', 'help', 'pir', 'down', 'present']) expect(byId.get(id)?.mutates).toBe(false);
  });

  it('adding a binding is one entry: key, `:` name, menu, help and footer all pick it up', async () => {
    const calls: string[] = [];
    const throttle: Binding = {
      id: 'throttle-queue',
      keys: ['C'],
      title: 'Throttle the queue',
      description: 'Runbook 3.3: reduce concurrency if external blocks detected.',
      panels: ['queues'],
      mutates: true,
      dangerous: true,
      group: 'mitigation',
      hint: 'throttle',
      run: () => void calls.push('ran'),
    };
    const bindings = [...REGISTRY, throttle];
    validateRegistry(bindings);
    const store = fixtureStore({ incident: openIncident() });
    const attempts: AttemptOutcome[] = [];
    const d = createDispatcher({ store, bindings, onAttempt: (_a, o) => attempts.push(o) });
    expect(helpLines(bindings).some((l) => l.kind === 'entry' && l.entry.name === ':throttle-queue')).toBe(true);
    expect(menuBindings(bindings, 'queues')).toContain(throttle);
    expect(menuBindings(bindings, 'replicas')).not.toContain(throttle);
    expect(footerHints(bindings, store.getState())).toContain('C throttle');
    handleKey(d, 'C', { shift: true }, OVERLAYS);
    expect(store.getState().ui.overlay).toMatchObject({ kind: 'confirm', actionId: 'throttle-queue' });
    handleKey(d, 'y', {}, OVERLAYS);
    await Promise.resolve();
    expect(calls).toEqual(['ran']);
    expect(attempts.map((a) => a.status)).toEqual(['confirm-requested', 'done']);
    // Elsewhere the key does nothing; by name it says where it applies.
    store.getState().setUi({ focus: 'replicas' });
    // The footer's hints (kept per bindings and focus) follow the focus.
    expect(footerHints(bindings, store.getState())).not.toContain('C throttle');
    expect(routeKey(store.getState(), 'C', { shift: true }, bindings, OVERLAYS)).toEqual({ kind: 'none' });
    expect(disabledReason(throttle, store.getState())).toBe('applies to the queue lag panel');
  });

  it('read-only refuses every mutating binding with the reason', () => {
    const s = fixtureStore({ incident: openIncident(), session: { readonly: true, readonlyReason: 'replica seat' } }).getState();
    for (const a of REGISTRY.filter((x) => x.mutates)) expect(disabledReason(a, s)).toBe('read-only session: replica seat');
    for (const a of REGISTRY.filter((x) => !x.mutates && !Array.isArray(x.panels) && !x.when)) expect(disabledReason(a, s)).toBeNull();
  });

  it('the dispatcher reports disabled attempts to the audit hook, and survives a failing hook', async () => {
    const store = fixtureStore();
    const seen: Array<[string, AttemptOutcome]> = [];
    const d = createDispatcher({ store, bindings: REGISTRY, onAttempt: (a, o) => seen.push([a.id, o]) });
    await d.attempt('note');
    expect(seen).toEqual([['note', { status: 'disabled', reason: 'no incident open (I opens one)' }]]);
    const loud = createDispatcher({
      store,
      bindings: REGISTRY,
      onAttempt: () => {
        throw new Error('journal closed');
      },
    });
    await loud.attempt('help');
    expect(store.getState().ui.flash?.text).toBe('audit hook failed: journal closed');
  });

  it('a binding whose service the session lacks is there, disabled, saying why', () => {
    const store = fixtureStore({ incident: openIncident() });
    store.getState().setUi({ focus: 'escalation' });
    const why = (id: string) => {
      const b = REGISTRY.find((x) => x.id === id);
      expect(b, id).toBeDefined();
      return b ? disabledReason(b, store.getState()) : null;
    };
    expect(why('quarantine-provider')).toBe('no mitigation backend in this session');
    expect(why('ack-page')).toBe('paging is not running');
    expect(why('page-module')).toBe('paging is not running');
    expect(why('completeness')).toBe('no PostgreSQL primary configured (DATABASE_URL)');
    expect(why('integrity-checks')).toBe('no PostgreSQL primary configured (DATABASE_URL)');
  });

  it("the footer lists the enabled hints in the help's group order, quit last, whichever controller they come from", () => {
    const s = fixtureStore({ incident: openIncident() }).getState();
    expect(footerHints(REGISTRY, s)).toBe('/ filter  : cmd  Enter actions  ? help  p present  z zoom  n note  s severity  P PIR  q quit');
  });
});

describe('the router', () => {
  it('names keys canonically', () => {
    expect(keyName('', { tab: true, shift: true })).toBe('shift-tab');
    expect(keyName('l', { ctrl: true })).toBe('ctrl-l');
    expect(keyName(' ', {})).toBe('space');
    expect(keyName('G', { shift: true })).toBe('G');
    expect(keyName('', { escape: true, meta: true })).toBe('esc');
    expect(keyName('x', { meta: true })).toBeNull(); // Alt+x
    expect(keyName('[B', {})).toBeNull(); // the tail of a split arrow key
  });

  it('sends keys to the overlay first, then the focused panel, then global keys', () => {
    const store = fixtureStore({ incident: openIncident() });
    const s = () => store.getState();
    expect(routeKey(s(), 'q', {}, REGISTRY, OVERLAYS)).toEqual({ kind: 'action', id: 'quit' });
    expect(routeKey(s(), 'x', {}, REGISTRY, OVERLAYS)).toEqual({ kind: 'none' });
    store.getState().setUi({ focus: 'runbook' });
    expect(routeKey(s(), 'x', {}, REGISTRY, OVERLAYS)).toEqual({ kind: 'action', id: 'tick' });
    store.getState().setUi({ overlay: { kind: 'help', scroll: 0 } });
    // In the help, q closes the help: it does not quit.
    expect(routeKey(s(), 'q', {}, REGISTRY, OVERLAYS)).toEqual({ kind: 'ui', ui: { overlay: null } });
    store.getState().setUi({ overlay: { kind: 'note', text: 'abc' } });
    expect(routeKey(s(), 'q', {}, REGISTRY, OVERLAYS)).toEqual({ kind: 'ui', ui: { overlay: { kind: 'note', text: 'abcq' } } });
  });

  it('edits text without control characters', () => {
    expect(editText('ab', '', { backspace: true })).toBe('a');
    expect(editText('ab', '', { delete: true })).toBe('a');
    expect(editText('ab cd', 'w', { ctrl: true })).toBe('ab ');
    expect(editText('ab', 'c\x1b[2Jd\x07', {})).toBe('abcd');
    expect(editText('ab', '', { upArrow: true })).toBeNull();
  });

  it('parses commands and severities', () => {
    expect(parseCommand(':note  disk is full ')).toEqual({ name: 'note', text: 'disk is full' });
    expect(parseSeverity('sev2')).toBe('SEV-2');
    expect(parseSeverity('SEV-1')).toBe('SEV-1');
    expect(parseSeverity('4')).toBeNull();
    expect(completeCommand(REGISTRY, 'que').completed).toBe('queues ');
    expect(completeCommand(REGISTRY, 're').matches.map((a) => a.id)).toEqual(expect.arrayContaining(['replicas', 'repaint', 'resolved']));
  });
});

describe('components', () => {
  interface Row {
    name: string;
    n: number;
  }
  const cols: Column<Row>[] = [
    { key: 'name', header: 'name', grow: 1, minWidth: 4, text: (r) => r.name },
    { key: 'n', header: 'n', width: 4, align: 'right', text: (r) => String(r.n) },
    { key: 'extra', header: 'extra', width: 10, hideBelow: 40, text: () => 'wide only' },
  ];

  it('lays columns out to the exact width and drops optional ones when narrow', () => {
    const narrow = layoutColumns(cols, 30);
    expect(narrow.map((c) => c.column.key)).toEqual(['name', 'n']);
    expect(narrow.reduce((n, c) => n + c.width, 0) + narrow.length - 1).toBe(30);
    const wide = layoutColumns(cols, 50);
    expect(wide.map((c) => c.column.key)).toEqual(['name', 'n', 'extra']);
    expect(wide.reduce((n, c) => n + c.width, 0) + wide.length - 1).toBe(50);
  });

  it('renders only the visible rows and keeps the selection in view, truncating with an ellipsis', () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ name: `row-${i}-${'x'.repeat(40)}`, n: i }));
    const { lastFrame } = render(
      <DenseTable columns={cols} rows={rows} rowKey={(r) => r.name} width={30} height={6} selected={30} focused theme={THEMES.mono} />,
    );
    const lines = (lastFrame() ?? '').split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^name\s+n$/);
    expect(lines.at(-1)).toMatch(/^row-30-x+…\s+30$/);
    expect(lastFrame()).not.toContain('row-0-');
  });

  it('draws sparklines, with an ASCII fallback', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8)).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([0, 2, 4], 3, true)).toBe('_-^');
    expect(sparkline([1, 2], 4, true)).toBe('  _^');
    expect(sparkline([900, 907, 914], 3, true)).toBe('_-^'); // the shape, not the magnitude
    expect(sparkline([], 3)).toBe('   ');
  });

  it('formats durations and lag methods', () => {
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(190)).toBe('3m10s');
    expect(formatDuration(23 * 60 + 5)).toBe('23m');
    expect(formatDuration(2 * 3600 + 5 * 60)).toBe('2h05m');
    expect(formatLag(40, 'drain-rate')).toBe('~40s');
    expect(formatLag(95, 'first-seen')).toBe('>1m35s');
    expect(formatLag(null, 'unknown')).toBe('?');
    expect(formatLag(0, 'empty')).toBe('-');
  });

  it('writes block letters', () => {
    const rows = bigText('SEV-1', true);
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => /^[# ]+$/.test(r))).toBe(true);
  });
});

describe('themes and layout', () => {
  it('NO_COLOR forces mono', () => {
    expect(colourAllowed({ NO_COLOR: '1' })).toBe(false);
    expect(colourAllowed({ NO_COLOR: '' })).toBe(true);
    expect(resolveTheme('dark', false).name).toBe('mono');
    expect(nextTheme('dark', true)).toBe('light');
    expect(nextTheme('light', false)).toBe('mono');
    for (const t of Object.values(THEMES.mono.tones)) expect(t.color).toBeUndefined();
    for (const t of Object.values(THEMES.light.tones)) expect(t.color ?? '').not.toMatch(/yellow|white/i);
  });

  it('fills the frame exactly, one row short of the terminal', () => {
    for (const [columns, rows] of [
      [80, 24],
      [120, 40],
      [240, 70],
    ] as const) {
      const l = computeLayout({ columns, rows }, 'queues');
      expect(l.height).toBe(rows - 1);
      expect(l.grid.reduce((n, row) => n + (row[0]?.height ?? 0), 0)).toBe(rows - 1 - 2);
      for (const row of l.grid) expect(row.reduce((n, b) => n + b.width, 0)).toBe(columns);
    }
    expect(computeLayout({ columns: 80, rows: 24 }, 'queues').kind).toBe('compact');
    expect(computeLayout({ columns: 120, rows: 40 }, 'queues').kind).toBe('large');
    expect(computeLayout({ columns: 79, rows: 24 }, 'queues').kind).toBe('too-small');
  });
});
