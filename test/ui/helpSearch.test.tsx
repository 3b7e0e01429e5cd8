// Finding 13: help's `/` searches (README: "`/` searches it"): only the matching lines are shown;
// Enter keeps the search, Esc clears it, Esc again closes. Finding 14: the legend explains `~`.
import { afterEach, describe, expect, it } from 'vitest';
import { helpRows, LEGEND } from '../../src/ui/registry/help.js';
import { cleanupAll, fixtureStore, KEYS, openIncident, renderCockpit } from './fixtures.js';

afterEach(() => cleanupAll());

describe('help search', () => {
  it('/ filters the help lines to those that match; Esc clears the search, then closes', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: { columns: 120, rows: 40 } });
    await r.press('?');
    expect(r.frame()).toContain(':next-panel');
    await r.press('/');
    await r.type('reopen');
    const frame = r.frame();
    expect(frame).toContain('/reopen_');
    expect(frame).toMatch(/:reopen/);
    expect(frame).not.toContain(':next-panel');
    const shown = helpRows(r.bindings, 112, 'reopen');
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(helpRows(r.bindings, 112).length);
    await r.press(KEYS.enter);
    expect(r.store.getState().ui.overlay).toMatchObject({ kind: 'help', query: 'reopen', searching: false });
    await r.press(KEYS.esc);
    expect(r.store.getState().ui.overlay).toMatchObject({ kind: 'help' });
    expect(r.frame()).toContain(':next-panel');
    await r.press(KEYS.esc);
    expect(r.store.getState().ui.overlay).toBeNull();
  });

  it('says when nothing matches', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: { columns: 120, rows: 40 } });
    await r.press('?', '/');
    await r.type('zzqqxx');
    expect(r.frame()).toContain('(nothing matches)');
  });

  it("the legend explains the queue panel's ~ mark", () => {
    expect(LEGEND.join('\n')).toMatch(/~ near it: a queue whose lag is past its clear line, not yet firing/);
  });
});
