// The help teaches what to type: every :name in full (no `:reduce-concu…`), descriptions wrapped,
// never cut, at 80 and at 200 columns.
import { afterEach, describe, expect, it } from 'vitest';
import { helpRows } from '../../src/ui/registry/help.js';
import { cleanupAll, renderCockpit, testRegistry } from '../ui/fixtures.js';

afterEach(() => cleanupAll());

describe('help', () => {
  it('every binding name is whole and no row is wider than the help', () => {
    const bindings = testRegistry();
    for (const width of [60, 76, 112]) {
      const rows = helpRows(bindings, width);
      const names = rows.flatMap((r) => (r.kind === 'entry' && r.name.trim() ? [r.name.trim()] : []));
      expect(names.sort()).toEqual(bindings.map((b) => `:${b.id}`).sort());
      for (const r of rows) {
        const line = r.kind === 'entry' ? r.keys + r.name + r.text : r.text;
        expect(line.length, line).toBeLessThanOrEqual(width);
      }
    }
  });

  it('a long description wraps: its last words are in the help', () => {
    const bindings = testRegistry();
    const rows = helpRows(bindings, 76);
    const text = rows.map((r) => (r.kind === 'entry' ? r.text : r.text)).join(' ');
    const longest = [...bindings].sort((a, b) => b.description.length - a.description.length)[0]!;
    const lastWords = longest.description.split(' ').slice(-3).join(' ');
    expect(text.replace(/\s+/g, ' ')).toContain(lastWords);
  });

  it('on screen at 80x24 no :name is cut', async () => {
    const r = renderCockpit({ size: { columns: 80, rows: 24 } });
    await r.press('?');
    let seen = r.frame();
    for (let i = 0; i < 40; i++) {
      await r.press(' ');
      seen += r.frame();
    }
    expect(seen).toContain(':zoom');
    expect(seen).not.toMatch(/:[a-z-]+…/);
  });
});
