import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../panels/layout.js';
import { PANEL_LIST, PANELS, panelPlace, type PanelId } from '../../src/ui/state/panels.js';

const panelsOf = (cols: number, rows: number, focus: Parameters<typeof computeLayout>[1]) =>
  computeLayout({ columns: cols, rows }, focus).grid.map((row) => row.map((b) => b.panel));

describe('where the mitigations in force go', () => {
  it('beside replica lag and escalation on a wide screen, every row filling the width', () => {
    const l = computeLayout({ columns: 240, rows: 70 }, 'queues');
    expect(l.grid[1]?.map((b) => b.panel)).toEqual(['replicas', 'escalation', 'mitigations']);
    for (const row of l.grid) expect(row.reduce((n, b) => n + b.width, 0)).toBe(240);
    expect(l.grid.reduce((n, row) => n + (row[0]?.height ?? 0), 0)).toBe(70 - 1 - 2); // rows - 1, minus the status lines
  });
  it('in place of the timeline when focused on a large screen', () => {
    expect(panelsOf(120, 40, 'queues')[2]).toEqual(['runbook', 'timeline']);
    expect(panelsOf(120, 40, 'mitigations')[2]).toEqual(['runbook', 'mitigations']);
  });
  it('in the lower half when focused at 80x24', () => {
    expect(panelsOf(80, 24, 'queues')[1]).toEqual(['replicas', 'escalation']);
    expect(panelsOf(80, 24, 'mitigations')[1]).toEqual(['mitigations', 'timeline']);
  });
});

describe('the layout follows the panel list', () => {
  it('every panel of the list is on screen when focused, and no panel twice, at every layout size', () => {
    for (const size of [
      { columns: 80, rows: 24 },
      { columns: 120, rows: 40 },
      { columns: 240, rows: 70 },
    ]) {
      for (const p of PANELS) {
        const shown = computeLayout(size, p)
          .grid.flat()
          .map((b) => b.panel);
        expect(shown, `${p} at ${size.columns}x${size.rows}`).toContain(p);
        expect(new Set(shown).size).toBe(shown.length);
      }
    }
  });

  it('a panel drawn instead of another names one that the same layout places', () => {
    for (const kind of ['compact', 'large', 'wide'] as const) {
      for (const p of PANEL_LIST) {
        const place = panelPlace(p.id, kind);
        if (place && 'instead' in place) {
          const host = panelPlace(place.instead as PanelId, kind);
          expect(host && 'row' in host, `${p.id} instead of ${place.instead} (${kind})`).toBe(true);
        }
      }
    }
  });
});
