// Presentation mode, themes, ASCII borders, the small-terminal message, and outside text that
// tries to drive the terminal.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import chalk from 'chalk';
import { incidentSnapshot, queue, cleanupAll, fixtureStore, openIncident, renderCockpit } from './fixtures.js';
import { countPanelRenders } from '../../bench/panelRenders.js';
import React from 'react';
import { render } from 'ink-testing-library';
import { DenseTable, type Column } from '../../components/DenseTable.js';
import { FrameTitle } from '../../components/PanelFrame.js';
import * as format from '../../components/format.js';
import { THEMES } from '../../src/ui/state/theme.js';

afterEach(() => cleanupAll());

// Under vitest stdout is not a TTY and chalk draws no colour at all; force it on so the theme
// tests see what a terminal would get.
let level: typeof chalk.level;
beforeAll(() => {
  level = chalk.level;
  chalk.level = 3;
});
afterAll(() => {
  chalk.level = level;
});

// SGR foreground/background colours: 30-37, 38;…, 39, 40-47, 48;…, 49, 90-97, 100-107.
const COLOUR = /\x1b\[(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m/;
const YELLOW_OR_WHITE_TEXT = /\x1b\[(?:33|37|93|97)m|\x1b\[38;5;(?:3|7|11|15)m/;

describe('presentation mode', () => {
  it('shows a tall severity band, the section of the most serious trigger and the figures that matter', async () => {
    const decided = { severity: 'SEV-1' as const, reason: 'crawl down', by: 'alice', at: Date.UTC(2024, 5, 1, 13, 59, 0) };
    const store = fixtureStore({ incident: openIncident({ decided }) });
    const r = renderCockpit({ store, size: { columns: 120, rows: 40 } });
    await r.press('p');
    const f = r.frame();
    expect(f).toContain('SEV-2 SUGGESTED · SEV-1 DECIDED BY ALICE');
    expect(f).toContain('§3 QUEUE TRIAGE RUNBOOK · crawl DL spike SEV-2');
    expect(f).toContain('█████'); // block letters
    expect(f).toContain('FIGURES THAT MATTER');
    expect(f).toMatch(/SEV-2 +crawl DL spike +7\.5x baseline +line 3x/);
    expect(f).toMatch(/SEV-3 +replica-b lag +1m35s +line 1m/);
    expect(f).toContain('LAST 3 TIMELINE ENTRIES');
    // The panels are gone, the status bar stays.
    expect(f).not.toContain('Failure classes');
    expect(f).toContain('SIMULATION');
    // The band is high contrast: inverse, full width.
    const bandLines = f.split('\n').filter((l) => l.includes('\x1b[7m'));
    expect(bandLines.length).toBeGreaterThanOrEqual(7);
  });

  it('says so when nothing fires', async () => {
    const snapshot = incidentSnapshot({
      queues: [queue('crawl')],
      database: { ...incidentSnapshot().database, replicas: [], blocking: [] },
    });
    const r = renderCockpit({ store: fixtureStore({ snapshot }) });
    await r.press('p');
    expect(r.frame()).toContain('NO SEVERITY SUGGESTED · NOT DECIDED YET');
    expect(r.frame()).toContain('no runbook trigger firing');
  });
});

describe('themes', () => {
  it('dark uses colour', () => {
    const { frame } = renderCockpit();
    expect(frame()).toMatch(COLOUR);
  });

  it('mono (session.color false, i.e. NO_COLOR) draws no colour at all, only weight and inverse', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident(), session: { color: false } }) });
    expect(r.frame()).not.toMatch(COLOUR);
    expect(r.frame()).toContain('\x1b[7m'); // the focused title / selection bar
    await r.press('p');
    expect(r.frame()).not.toMatch(COLOUR);
    await r.press('p', 't'); // t cannot bring colour back
    expect(r.frame()).not.toMatch(COLOUR);
    expect(r.frame()).toContain('mono only');
  });

  it('light draws no yellow or white text', async () => {
    const store = fixtureStore({ incident: openIncident(), session: { readonly: true, readonlyReason: 'observer' } });
    store.getState().setUi({ theme: 'light' });
    const r = renderCockpit({ store, size: { columns: 120, rows: 40 } });
    expect(r.frame()).toMatch(COLOUR);
    expect(r.frame()).not.toMatch(YELLOW_OR_WHITE_TEXT);
    await r.press('p');
    expect(r.frame()).not.toMatch(YELLOW_OR_WHITE_TEXT);
  });
});

describe('ASCII borders', () => {
  it('session.ascii draws + - | only', () => {
    const { frame } = renderCockpit({ store: fixtureStore({ session: { ascii: true, color: false } }), size: { columns: 120, rows: 40 } });
    const f = frame().replace(/\x1b\[[0-9;]*m/g, '');
    expect(f).toMatch(/^\+= 1 Queue lag =+/);
    expect(f).toContain('+- 2 Failure classes');
    expect(f).not.toMatch(/[╭╮╰╯│─╔╗╚╝║═]/);
    expect(f).not.toMatch(/[▁▂▃▄▅▆▇█]/); // the sparkline falls back too
    expect(f).toMatch(/[_.\-~^]{5,}/);
  });
});

describe('small terminals', () => {
  it('below 80x24 says how large the terminal must be', () => {
    const { frame } = renderCockpit({ size: { columns: 79, rows: 30 } });
    expect(frame()).toContain('Terminal too small: 79x30');
    expect(frame()).toContain('at least 80x24');
    expect(frame()).not.toContain('Queue lag');
  });

  it('too few rows too', () => {
    const { frame } = renderCockpit({ size: { columns: 120, rows: 23 } });
    expect(frame()).toContain('Terminal too small: 120x23');
  });

  it('uses 100x30 when stdout has no size', () => {
    // ink-testing-library: 100 columns, no rows.
    const { frame } = renderCockpit();
    expect(frame().split('\n').length).toBe(29);
  });
});

describe('outside text', () => {
  it('cannot retitle the window, move the cursor or clear the screen', async () => {
    const evil = 'crawl.fetch\x1b]0;pwned\x07\x1b[2J\x1b[H\x1b[31m_page\x9b2J';
    const snapshot = incidentSnapshot({
      queues: [
        queue('crawl\x1b[1A\x1b[2K', {
          depth: 10,
          failuresByClass: { transient: 5, validation: 0, provider: 0, parser: 0, unclassified: 0 },
          topFailingTasks: [{ task: evil, count: 5, failureClass: 'transient' }],
        }),
      ],
      database: {
        ...incidentSnapshot().database,
        blocking: [{ blockedPid: 1, blockingPid: 2, waitingSeconds: 3, query: 'SELECT 1;\x1b]8;;http://evil\x07click\x1b]8;;\x07' }],
      },
    });
    const incident = openIncident({
      entries: [{ seq: 1, at: '2024-06-01T13:58:00.000Z', operator: 'mallory\x1b[6n', kind: 'note', text: 'hi\x1b[?1049l\x1bcthere' }],
    });
    const r = renderCockpit({ store: fixtureStore({ snapshot, incident, session: { color: false } }), size: { columns: 160, rows: 40 } });
    const f = r.frame();
    expect(f).toContain('crawl.fetch_page');
    expect(f).toContain('hithere');
    expect(f).toContain('SELECT 1;click');
    expect(f).not.toContain('\x1b]');
    expect(f).not.toContain('\x9b');
    expect(f).not.toContain('pwned');
    // Only SGR (styling) sequences may remain: no cursor moves, clears, queries or screen switches.
    const nonSgr = f.match(/\x1b(?!\[[0-9;]*m)/g) ?? [];
    expect(nonSgr).toEqual([]);
    // Typed text is cleaned too.
    await r.press('n');
    r.stdin.write('ok\x1b[2Jfine');
    await r.press();
    expect(r.frame()).not.toMatch(/\x1b(?!\[[0-9;]*m)/);
  });
});

describe('rendering economy', () => {
  it('a store change nothing displays draws no frame; one that shows draws one', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }) });
    await r.press();
    const before = r.frames.length;
    // Nothing on screen reads these: no React commit, so Ink does not draw.
    r.store.setState({}); // a new state object, every field as it was
    r.store.getState().setUi((ui) => ({ selected: { ...ui.selected, timeline: 0 } })); // timeline not on screen at 100x30
    r.store.getState().setUi({ runbookTrigger: 'queue-lag:crawl' }); // the runbook pane is not on screen either
    await r.press();
    expect(r.frames.length).toBe(before);
    r.store.getState().flash('hello');
    await r.press();
    expect(r.frames.length).toBe(before + 1);
  });
});

describe('rendering only what changed', () => {
  // The panels' memo() functions are wrapped before the first render: every render React does not skip counts.
  const renders = countPanelRenders();
  const settle = () => new Promise((res) => setTimeout(res, 20));
  const rendered = (counts: Record<string, number>) =>
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([k]) => k)
      .sort();

  it('a source update renders only the panels it feeds (and the status line for a source new to it)', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: { columns: 120, rows: 40 } });
    const s = r.store.getState();
    s.declareSource('redis', ['queues']);
    s.declareSource('postgres', ['database']);
    await settle();
    renders.take();
    const snap = incidentSnapshot();
    r.store.getState().ingest('postgres', { database: { ...snap.database, connections: 91 } }, snap.at + 1000);
    await settle();
    expect(r.frame().replace(/\x1b\[[0-9;]*m/g, '')).toContain('connections 91/100');
    expect(rendered(renders.take())).toEqual(['replicas', 'status']);
    // One queue's reserved count: the queue panel only (the failure classes it feeds show nothing new).
    r.store.getState().ingest('redis', { queues: snap.queues.map((q) => (q.name === 'rank' ? { ...q, reserved: 9 } : q)) }, snap.at + 1000);
    await settle();
    expect(rendered(renders.take())).toEqual(['queues', 'status']);
  });

  it('a reading that changes nothing on screen renders no panel and draws no frame', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: { columns: 120, rows: 40 } });
    const snap = incidentSnapshot();
    r.store.getState().declareSource('redis', ['queues', 'database']);
    r.store.getState().ingest('redis', { queues: snap.queues, database: snap.database }, snap.at);
    await settle();
    renders.take();
    const frames = r.frames.length;
    // The same figures again, as new objects: the triggers are evaluated again to the same result.
    r.store.getState().ingest('redis', { queues: snap.queues.map((q) => ({ ...q })), database: { ...snap.database } }, snap.at);
    await settle();
    expect(rendered(renders.take())).toEqual([]);
    expect(r.frames.length).toBe(frames);
  });

  it('a panel that renders for a new figure does not render its title again', async () => {
    // FrameTitle is a memo() of a function component: wrapped like the panels, every call counts.
    const memo = FrameTitle as unknown as { type: (props: { label: string }) => unknown };
    const inner = memo.type;
    const titles: string[] = [];
    memo.type = (props) => (titles.push(props.label.trim()), inner(props));
    try {
      const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: { columns: 120, rows: 40 } });
      r.store.getState().declareSource('redis', ['queues']);
      await settle();
      renders.take();
      titles.length = 0;
      const snap = incidentSnapshot();
      r.store
        .getState()
        .ingest('redis', { queues: snap.queues.map((q) => (q.name === 'rank' ? { ...q, reserved: 9 } : q)) }, snap.at + 1000);
      await settle();
      expect(rendered(renders.take())).toContain('queues');
      expect(titles).toEqual([]);
      // Its title's own text changing (the focus moves away) still draws it.
      await r.press('2');
      expect(titles).toContain('1 Queue lag');
    } finally {
      memo.type = inner;
    }
  });

  it('a new column set with the same widths fits no unchanged cell again', () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ name: `row-${i}`, n: i }));
    // Like a panel's columns.ts: a new column set (new closures) with every reading.
    const cols = (): Column<{ name: string; n: number }>[] => [
      { key: 'name', header: 'name', grow: 1, text: (r) => r.name },
      { key: 'n', header: 'n', width: 4, align: 'right', text: (r) => String(r.n) },
    ];
    const table = (c: Column<{ name: string; n: number }>[], data: typeof rows) => (
      <DenseTable columns={c} rows={data} rowKey={(r) => r.name} width={30} height={8} selected={0} focused={false} theme={THEMES.mono} />
    );
    const r = render(table(cols(), rows));
    const first = r.lastFrame();
    const spy = vi.spyOn(format, 'fitWidth');
    // New row objects, one figure changed: of the rows, only that cell is fitted to its column
    // (the header's names are, for the new column set).
    const next = rows.map((x) => (x.n === 3 ? { ...x, n: 33 } : { ...x }));
    r.rerender(table(cols(), next));
    expect(spy.mock.calls.map((c) => c[0].trim())).toEqual(['name', 'n', '33']);
    expect(r.lastFrame()).toBe(first?.replace(/ 3\n/, '33\n'));
    spy.mockRestore();
  });

  it('a table redraws only the rows whose text changed: moving the selection formats two rows', () => {
    let calls = 0;
    const cols: Column<{ name: string; n: number }>[] = [
      { key: 'name', header: 'name', grow: 1, text: (r) => (calls++, r.name) },
      { key: 'n', header: 'n', width: 4, align: 'right', text: (r) => (calls++, String(r.n)) },
    ];
    const rows = Array.from({ length: 20 }, (_, i) => ({ name: `row-${i}`, n: i }));
    const table = (selected: number) => (
      <DenseTable
        columns={cols}
        rows={rows}
        rowKey={(r) => r.name}
        width={30}
        height={12}
        selected={selected}
        focused
        theme={THEMES.mono}
      />
    );
    const r = render(table(0));
    expect(calls).toBe(11 * 2); // the visible rows, once
    calls = 0;
    r.rerender(table(1));
    expect(calls).toBe(2 * 2); // the row left and the row reached
    expect(r.lastFrame()?.split('\n')[2]).toContain('\x1b[7m'); // row-1 has the bar
    calls = 0;
    r.rerender(table(1));
    expect(calls).toBe(0);
  });
});
