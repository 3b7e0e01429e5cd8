import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../panels/layout.js';

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
