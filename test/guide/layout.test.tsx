// z zooms the focused panel to the whole screen: at 80x24 (the SSH default) every panel can be
// read in full by z then Tab; z again shows all panels.
import { afterEach, describe, expect, it } from 'vitest';
import { computeLayout } from '../../panels/layout.js';
import { cleanupAll, fixtureStore, KEYS, openIncident, renderCockpit } from '../ui/fixtures.js';

afterEach(() => cleanupAll());

describe('zoom', () => {
  it('the zoomed layout is the focused panel alone over every panel row', () => {
    const l = computeLayout({ columns: 80, rows: 24 }, 'timeline', true);
    expect(l.grid).toEqual([[{ panel: 'timeline', width: 80, height: 21 }]]);
  });

  it('at 80x24, z shows the focused panel alone; Tab moves the zoom; z again shows all panels', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: { columns: 80, rows: 24 } });
    expect(r.frame()).toContain('Queue lag');
    await r.press('6', 'z');
    let f = r.frame();
    expect(f).toMatch(/[═─] (\d )?Timeline/);
    expect(f).not.toContain('Queue lag');
    expect(f).not.toContain('Failure classes');
    // Every entry of the fixture incident fits on the zoomed panel.
    expect(f).toContain('proxy pool looks degraded');
    await r.press(KEYS.tab);
    f = r.frame();
    expect(f).toMatch(/Mitigations in force/);
    expect(f).not.toMatch(/[═─] (\d )?Timeline/);
    await r.press('z');
    f = r.frame();
    expect(f).toContain('Queue lag');
  });
});

describe('the footer at 80x24', () => {
  it('is never cut in the middle of a hint: ? help and q quit stay, z zoom is listed, a long message gives way', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: { columns: 80, rows: 24 } });
    const footer = () => r.frame().split('\n').at(-1) ?? '';
    expect(footer()).toMatch(/z zoom/);
    expect(footer()).toMatch(/\? help/);
    expect(footer()).toMatch(/q quit$/);
    expect(footer()).not.toContain('…');
    // A message that fills the line: it is cut, the two keys that matter stay whole.
    r.store.getState().flash('x'.repeat(120), 'warn');
    await r.press();
    expect(footer()).toMatch(/^warn: x+…  \? help  q quit$/);
  });
});
