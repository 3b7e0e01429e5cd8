// Finding 10: presentation mode offers only keys that do something there; z, / and Enter say
// why they do nothing; a message about the view left is cleared when the view changes.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, fixtureStore, openIncident, renderCockpit } from './fixtures.js';

afterEach(() => cleanupAll());

const footerOf = (frame: string) => frame.split('\n').at(-1) ?? '';

describe('presentation mode keys', () => {
  it('the footer lists no panel keys; z, / and Enter do nothing there and say why', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: { columns: 120, rows: 40 } });
    expect(footerOf(r.frame())).toContain('/ filter');
    await r.press('p');
    expect(r.store.getState().ui.presentation).toBe(true);
    const footer = footerOf(r.frame());
    expect(footer).not.toContain('/ filter');
    expect(footer).not.toContain('Enter actions');
    expect(footer).not.toContain('z zoom');
    expect(footer).toContain('p present');
    await r.press('z');
    expect(r.store.getState().ui.zoom).toBe(false);
    expect(r.store.getState().ui.flash?.text).toContain('presentation mode shows no panels');
    await r.press('/');
    expect(r.store.getState().ui.overlay).toBeNull();
  });

  it('a message about the view left is cleared when presentation mode is switched', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: { columns: 120, rows: 40 } });
    await r.press('3', 'z');
    expect(r.frame()).toContain('Replica lag zoomed');
    await r.press('p');
    expect(r.store.getState().ui.flash).toBeNull();
    expect(r.frame()).not.toContain('Replica lag zoomed');
  });
});
