// Tables sortable by column (the k9s / htop habit): `>` sorts the focused panel by the next
// column, `<` by the previous one, `o` reverses; the title and the column header show the sort;
// a breaching row keeps its `!` marker whatever the order. And a filter never hides a row that
// starts breaching after it was typed.
import { afterEach, describe, expect, it } from 'vitest';
import { evaluateTriggers } from '../../src/core/triggers.js';
import { cycleSort, sortKeys, sortRows } from '../../src/ui/state/sort.js';
import { DEFAULT_THRESHOLDS } from '../../src/core/triggers.js';
import { cleanupAll, fixtureStore, incidentSnapshot, KEYS, openIncident, queue, renderCockpit } from '../ui/fixtures.js';

afterEach(() => cleanupAll());

const SIZE = { columns: 120, rows: 40 } as const;

/** The queue names in the queue panel's rows, top to bottom, with their row markers. */
function queueRows(frame: string): Array<{ mark: string; name: string }> {
  const names = new Set(['crawl', 'rank', 'reviews', 'reporting', 'email']);
  const out: Array<{ mark: string; name: string }> = [];
  for (const line of frame.split('\n')) {
    const m = /[║│|]([!~ ]) ([a-z.]+) /.exec(line);
    if (m && names.has(m[2] ?? '')) out.push({ mark: m[1] ?? '', name: m[2] ?? '' });
  }
  return out;
}

describe('sorting rules (pure)', () => {
  const ctx = { thresholds: DEFAULT_THRESHOLDS };
  it('sorts stably, figures largest first by default, unknown values last in either direction', () => {
    const keys = sortKeys<ReturnType<typeof queue>>('queues');
    const rows = [
      queue('a', { depth: 5 }),
      queue('b', { depth: 9 }),
      queue('c', { depth: 5 }),
      queue('d', { lagSeconds: null, lagMethod: 'unknown' }),
    ];
    expect(sortRows(rows, keys, { key: 'depth', desc: true }, ctx).map((q) => q.name)).toEqual(['b', 'a', 'c', 'd']);
    expect(sortRows(rows, keys, { key: 'depth', desc: false }, ctx).map((q) => q.name)).toEqual(['d', 'a', 'c', 'b']);
    const lagged = [queue('x', { lagSeconds: null, lagMethod: 'unknown' }), queue('y', { lagSeconds: 3 }), queue('z', { lagSeconds: 9 })];
    expect(sortRows(lagged, keys, { key: 'lag', desc: true }, ctx).map((q) => q.name)).toEqual(['z', 'y', 'x']);
    expect(sortRows(lagged, keys, { key: 'lag', desc: false }, ctx).map((q) => q.name)).toEqual(['y', 'z', 'x']);
  });

  it('> walks the columns in order and back to the panel order; < walks back; an unsortable panel has none', () => {
    const seen: Array<string | null> = [];
    let s = cycleSort('queues', null, 1);
    for (let i = 0; i < sortKeys('queues').length + 1; i++) {
      seen.push(s ? s.key : null);
      s = cycleSort('queues', s, 1);
    }
    expect(seen).toEqual([...sortKeys('queues').map((k) => k.key), null]);
    expect(cycleSort('queues', null, -1)?.key).toBe('drain');
    expect(cycleSort('queues', { key: 'name', desc: false }, -1)).toBeNull();
    expect(cycleSort('runbook', null, 1)).toBeNull();
  });
});

describe('sorting a table by keys', () => {
  it('> sorts the queues by name then by depth, the title and header say so, o reverses, the ! marker stays on the breaching row', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: SIZE });
    await r.press('1');
    expect(queueRows(r.frame()).map((q) => q.name)).toEqual(['crawl', 'rank', 'reviews', 'reporting', 'email']);

    await r.press('>');
    let f = r.frame();
    expect(f).toContain('sort:queue▲');
    expect(f).toMatch(/queue▲ +depth/);
    expect(queueRows(f).map((q) => q.name)).toEqual(['crawl', 'email', 'rank', 'reporting', 'reviews']);

    await r.press('>');
    f = r.frame();
    expect(f).toContain('sort:depth▼');
    expect(queueRows(f).map((q) => q.name)).toEqual(['crawl', 'reviews', 'rank', 'email', 'reporting']);
    expect(queueRows(f).find((q) => q.name === 'crawl')?.mark).toBe('!');

    await r.press('o');
    f = r.frame();
    expect(f).toContain('sort:depth▲');
    const rows = queueRows(f);
    expect(rows.map((q) => q.name)).toEqual(['reporting', 'email', 'rank', 'reviews', 'crawl']);
    // The breaching queue is at the bottom now, still marked.
    expect(rows.at(-1)).toEqual({ mark: '!', name: 'crawl' });
    // j moves through the sorted rows: the selection is the row on screen.
    await r.press('j');
    expect(r.store.getState().ui.selected.queues).toBe(1);
  });

  it('< from the panel order sorts by the last column; going past the first column restores the panel order', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: SIZE });
    await r.press('1', '<');
    expect(r.frame()).toContain('sort:drain/m▼');
    await r.press('>');
    expect(r.frame()).not.toContain('sort:');
    expect(queueRows(r.frame()).map((q) => q.name)).toEqual(['crawl', 'rank', 'reviews', 'reporting', 'email']);
  });

  it('each panel sorts on its own; the runbook keeps its procedure order and says so', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: SIZE });
    await r.press('3', '>', '>');
    let f = r.frame();
    expect(f).toContain('sort:lag▼');
    expect(f.indexOf('replica-b')).toBeLessThan(f.indexOf('replica-a'));
    await r.press('5', '>');
    expect(r.store.getState().ui.sorts.runbook).toBeUndefined();
    expect(r.frame()).toContain('not sortable');
    await r.press('6', '>');
    f = r.frame();
    expect(f).toContain('sort:time▼');
    expect(f.indexOf('proxy pool looks degraded')).toBeLessThan(f.indexOf('crawl lag over 15 minutes'));
    // The queue panel is not sorted by any of this.
    expect(r.store.getState().ui.sorts.queues).toBeUndefined();
  });

  it('under ASCII the sort is written with v and ^', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident(), session: { ascii: true } }), size: SIZE });
    await r.press('1', '>', '>');
    expect(r.frame()).toContain('sort:depth v');
    expect(r.frame()).toMatch(/queue +vdepth  rsvd/);
  });
});

describe('a filter never hides a newly breaching row', () => {
  it('a queue that starts breaching while the filter is on is shown, marked, and the title counts it', async () => {
    const store = fixtureStore({ incident: openIncident() });
    const r = renderCockpit({ store, size: SIZE });
    await r.press('1', '/');
    await r.type('rank');
    await r.press(KEYS.enter);
    // crawl was already firing when the filter was typed: the filter hides it, as asked.
    expect(queueRows(r.frame()).map((q) => q.name)).toEqual(['rank']);
    expect(r.frame()).not.toContain('+1 firing');

    // reviews' lag crosses the 15-minute line after the filter was typed.
    const before = store.getState();
    const snap = incidentSnapshot({
      at: before.snapshot.at + 30_000,
      queues: before.snapshot.queues.map((q) => (q.name === 'reviews' ? { ...q, lagSeconds: 20 * 60, lagMethod: 'stamped' as const } : q)),
    });
    const { triggers } = evaluateTriggers(before.triggers, snap, before.session.thresholds);
    expect(triggers.some((t) => t.firing && t.key === 'queue-lag:reviews')).toBe(true);
    store.setState({ snapshot: snap, triggers });
    await r.press();

    const f = r.frame();
    expect(queueRows(f)).toEqual([
      { mark: ' ', name: 'rank' },
      { mark: '!', name: 'reviews' },
    ]);
    expect(f).toContain('/rank +1 firing');
    // Typing the filter again takes what fires now as seen: the operator may hide it on purpose.
    await r.press('/', KEYS.backspace);
    await r.type('k');
    await r.press(KEYS.enter);
    expect(queueRows(r.frame()).map((q) => q.name)).toEqual(['rank']);
  });

  it('the escalation panel keeps a trigger that starts firing under its filter', async () => {
    const store = fixtureStore({
      incident: openIncident(),
      snapshot: incidentSnapshot({ queues: incidentSnapshot().queues.filter((q) => q.name !== 'crawl') }),
    });
    const r = renderCockpit({ store, size: SIZE });
    await r.press('4', '/');
    await r.type('replica');
    await r.press(KEYS.enter);
    const before = store.getState();
    const snap = incidentSnapshot({ at: before.snapshot.at + 30_000 });
    const { triggers } = evaluateTriggers(before.triggers, snap, before.session.thresholds);
    store.setState({ snapshot: snap, triggers });
    await r.press();
    const f = r.frame();
    expect(f).toMatch(/! .*crawl/);
    expect(f).toMatch(/\+\d firing/);
  });
});
