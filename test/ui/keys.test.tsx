// Key handling through the one router, end to end: keys in, frames and command calls out.
import { afterEach, describe, expect, it } from 'vitest';
import { displayKeys, menuBindings } from '../../src/ui/registry/help.js';
import type { AttemptOutcome, Binding } from '../../src/ui/registry/types.js';
import { PANELS } from '../../src/ui/state/panels.js';
import { cleanupAll, fixtureStore, KEYS, openIncident, renderCockpit } from './fixtures.js';

afterEach(() => cleanupAll());

const WIDE = { columns: 120, rows: 40 };

describe('moving between panels', () => {
  it('Tab, Shift-Tab and the number keys move the focus', async () => {
    const r = renderCockpit({ store: fixtureStore({ session: { ascii: true } }) });
    expect(r.frame()).toContain('+= 1 Queue lag');
    await r.press(KEYS.tab);
    expect(r.store.getState().ui.focus).toBe('failures');
    expect(r.frame()).toContain('+= 2 Failure classes');
    expect(r.frame()).toContain('+- 1 Queue lag');
    await r.press(KEYS.shiftTab, KEYS.shiftTab);
    expect(r.store.getState().ui.focus).toBe(PANELS[PANELS.length - 1]); // Shift-Tab wraps to the last panel of the list
    await r.press(KEYS.shiftTab);
    expect(r.store.getState().ui.focus).toBe(PANELS[PANELS.length - 2]);
    await r.press('4');
    expect(r.store.getState().ui.focus).toBe('escalation');
    expect(r.frame()).toContain('+= 4 Escalation');
  });
});

describe('moving between rows', () => {
  it('j/k, arrows, g/G and PgUp/PgDn move the selection and stop at the ends', async () => {
    const r = renderCockpit();
    await r.press('j');
    expect(r.frame()).toContain(' 2/5 ');
    await r.press(KEYS.down, KEYS.down);
    expect(r.frame()).toContain(' 4/5 ');
    await r.press('k', KEYS.up);
    expect(r.frame()).toContain(' 2/5 ');
    await r.press('G');
    expect(r.frame()).toContain(' 5/5 ');
    await r.press('j'); // past the end: stays
    expect(r.frame()).toContain(' 5/5 ');
    await r.press('g');
    expect(r.frame()).toContain(' 1/5 ');
    await r.press(KEYS.pgDn);
    expect(r.frame()).toContain(' 5/5 ');
    await r.press(KEYS.pgUp);
    expect(r.frame()).toContain(' 1/5 ');
  });
});

describe('keys that arrive together', () => {
  it('a run of keys read at once (SSH, key repeat) acts key by key', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }) });
    r.stdin.write('jjj');
    await r.press();
    expect(r.frame()).toContain(' 4/5 ');
    r.stdin.write('nrestarted');
    await r.press();
    expect(r.store.getState().ui.overlay).toEqual({ kind: 'note', text: 'restarted' });
    r.stdin.write(' crawl\r4j\r');
    await r.press();
    expect(r.commands.calls).toEqual([['addNote', 'restarted crawl']]);
    expect(r.store.getState().ui.overlay).toMatchObject({ kind: 'actions', panel: 'escalation' });
  });

  it('the tail of an arrow key split after a lone Escape is ignored', async () => {
    const r = renderCockpit();
    await r.press(KEYS.esc);
    r.stdin.write('[5~');
    await r.press();
    expect(r.store.getState().ui.focus).toBe('queues');
  });

  it('a paste into a text field stays one paste', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }) });
    await r.press('n');
    r.stdin.write('q quits? no: pasted');
    await r.press(KEYS.enter);
    expect(r.commands.calls).toEqual([['addNote', 'q quits? no: pasted']]);
  });
});

describe('filtering', () => {
  it('/ filters the focused panel live, Enter keeps it, Esc clears it', async () => {
    const r = renderCockpit();
    await r.press('/');
    await r.type('re');
    expect(r.frame()).toContain('/re_');
    expect(r.frame()).toContain(' reviews ');
    expect(r.frame()).toContain(' reporting ');
    expect(r.frame()).not.toContain('4210'); // crawl's depth
    await r.press('v', KEYS.enter);
    expect(r.store.getState().ui.overlay).toBeNull();
    expect(r.frame()).toContain('/rev ');
    expect(r.frame()).toContain(' 1/1 ');
    expect(r.frame()).not.toContain(' reporting ');
    await r.press(KEYS.esc);
    expect(r.store.getState().ui.filters.queues).toBe('');
    expect(r.frame()).toContain('! crawl');
    expect(r.frame()).toContain(' 1/5 ');
  });

  it('Esc while typing a filter clears it', async () => {
    const r = renderCockpit();
    await r.press('/', 'c', 'r', KEYS.backspace, KEYS.esc);
    expect(r.store.getState().ui.filters.queues).toBe('');
    expect(r.store.getState().ui.overlay).toBeNull();
  });
});

describe('command line', () => {
  it(':timeline jumps to the panel', async () => {
    const r = renderCockpit();
    await r.press(':');
    await r.type('timeline');
    await r.press(KEYS.enter);
    expect(r.store.getState().ui.focus).toBe('timeline');
    expect(r.frame()).toContain('6 Timeline');
  });

  it('hints completions and Tab completes', async () => {
    const r = renderCockpit();
    await r.press(':', 's', 'e');
    expect(r.frame()).toContain(':severity');
    expect(r.frame()).toContain('Set severity');
    await r.press(KEYS.tab);
    expect(r.store.getState().ui.overlay).toEqual({ kind: 'command', text: 'severity ' });
  });

  it('runs an action with its argument: :note', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }) });
    await r.press(':');
    await r.type('note rolled back deploy 412');
    await r.press(KEYS.enter);
    expect(r.commands.calls).toContainEqual(['addNote', 'rolled back deploy 412']);
  });

  it('says so for an unknown command', async () => {
    const r = renderCockpit();
    await r.press(':');
    await r.type('frobnicate');
    expect(r.frame()).toContain('no command starts with "frobnicate"');
    // Enter keeps the line open, with what was typed, and says why.
    await r.press(KEYS.enter);
    expect(r.frame()).toContain('no command "frobnicate"');
    expect(r.frame()).toContain(':frobnicate');
  });
});

describe('help', () => {
  it('? lists every key of the registry, Esc closes it', async () => {
    const r = renderCockpit({ size: { columns: 240, rows: 70 } });
    await r.press('?');
    expect(r.frame()).toContain('Keys and commands');
    // The whole registry is longer than the screen: page through it, keeping what was shown.
    let f = r.frame();
    for (let page = 0; page < 20 && !f.includes('~23m from drain rate'); page++) {
      await r.press(KEYS.pgDn);
      f += r.frame();
    }
    for (const a of r.bindings) {
      expect(f).toContain(displayKeys(a));
      // Every `:name` in full: the help teaches what to type.
      expect(f).toContain(`:${a.id} `);
      expect(f).toContain(`${a.title}: `);
    }
    expect(f).toContain('~23m from drain rate'); // the lag legend
    await r.press(KEYS.esc);
    expect(r.frame()).not.toContain('Keys and commands');
    expect(r.store.getState().ui.overlay).toBeNull();
  });

  it('scrolls when it does not fit', async () => {
    const r = renderCockpit({ size: { columns: 80, rows: 24 } });
    await r.press('?');
    expect(r.frame()).toContain(':next-panel');
    await r.press('G');
    expect(r.frame()).toContain(':quit');
    expect(r.frame()).not.toContain(':next-panel');
  });
});

describe('quitting', () => {
  it('quits directly when no incident is open', async () => {
    const r = renderCockpit();
    await r.press('q');
    expect(r.commands.calls).toEqual([['quit']]);
  });

  it('asks first while an incident is open, and n keeps the cockpit', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }) });
    await r.press('q');
    expect(r.frame()).toContain('Quit?');
    expect(r.frame()).toContain('INC-20240601-01 is open');
    expect(r.commands.calls).toEqual([]);
    await r.press('n');
    expect(r.store.getState().ui.overlay).toBeNull();
    expect(r.commands.calls).toEqual([]);
    await r.press('q', 'y');
    expect(r.commands.calls).toEqual([['quit']]);
  });

  it('asks while mitigated too, and Esc is never a yes', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident({ state: 'mitigated' }) }) });
    await r.press('q', KEYS.esc);
    expect(r.commands.calls).toEqual([]);
    expect(r.store.getState().ui.overlay).toBeNull();
  });

  it('does not ask once resolved', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident({ state: 'resolved' }) }) });
    await r.press('q');
    expect(r.commands.calls).toEqual([['quit']]);
  });
});

describe('severity', () => {
  it('s, pick, then a mandatory reason, then commands.decideSeverity', async () => {
    const r = renderCockpit();
    await r.press('s');
    expect(r.frame()).toContain('Set severity: pick');
    expect(r.frame()).toContain('1 SEV-1');
    await r.press('1');
    expect(r.frame()).toContain('reason (required)');
    await r.press(KEYS.enter); // no reason yet
    expect(r.commands.calls).toEqual([]);
    expect(r.frame()).toContain('a reason is required');
    await r.type('all tenants see crawl stalled');
    await r.press(KEYS.enter);
    expect(r.commands.calls).toEqual([['decideSeverity', 'SEV-1', 'all tenants see crawl stalled']]);
    expect(r.store.getState().ui.overlay).toBeNull();
  });

  it('starts at the suggested severity and moves with j/k', async () => {
    const r = renderCockpit();
    await r.press('s', KEYS.enter); // suggested SEV-2
    await r.type('x');
    await r.press(KEYS.enter);
    expect(r.commands.calls).toEqual([['decideSeverity', 'SEV-2', 'x']]);
    await r.press('s', 'j', KEYS.enter, 'y', KEYS.enter);
    expect(r.commands.calls[1]).toEqual(['decideSeverity', 'SEV-3', 'y']);
  });

  it('Esc cancels without deciding', async () => {
    const r = renderCockpit();
    await r.press('s', '2', 'a', KEYS.esc);
    expect(r.commands.calls).toEqual([]);
    expect(r.store.getState().ui.overlay).toBeNull();
  });
});

describe('notes', () => {
  it('n opens a text input; Enter adds the note', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }) });
    await r.press('n');
    expect(r.frame()).toContain('Add a note to the timeline');
    await r.type('scaled crawl workers to 12');
    expect(r.frame()).toContain('note: scaled crawl workers to 12');
    await r.press(KEYS.enter);
    expect(r.commands.calls).toEqual([['addNote', 'scaled crawl workers to 12']]);
  });

  it('needs an incident', async () => {
    const r = renderCockpit();
    await r.press('n');
    expect(r.store.getState().ui.overlay).toBeNull();
    expect(r.frame()).toContain('no incident open');
    expect(r.commands.calls).toEqual([]);
  });
});

describe('read-only sessions', () => {
  it('refuse mutating actions with the reason, report them, and say so in the status bar', async () => {
    const attempts: Array<[string, AttemptOutcome]> = [];
    const store = fixtureStore({ incident: openIncident(), session: { readonly: true, readonlyReason: 'observer seat' } });
    const r = renderCockpit({ store, onAttempt: (a: Binding, o) => attempts.push([a.id, o]) });
    expect(r.frame()).toContain('READ-ONLY: observer seat');
    await r.press('n');
    expect(r.store.getState().ui.overlay).toBeNull();
    expect(r.frame()).toContain('read-only session: observer seat');
    await r.press('s', 'M');
    expect(r.commands.calls).toEqual([]);
    expect(attempts).toContainEqual(['note', { status: 'disabled', reason: 'read-only session: observer seat' }]);
    expect(attempts).toContainEqual(['severity', { status: 'disabled', reason: 'read-only session: observer seat' }]);
    expect(attempts).toContainEqual(['mitigated', { status: 'disabled', reason: 'read-only session: observer seat' }]);
    // Reading still works: the PIR export and quitting (with its question).
    await r.press('E');
    expect(r.commands.calls).toEqual([['exportPir']]);
  });

  it('the actions menu shows them disabled with why', async () => {
    const store = fixtureStore({ incident: openIncident(), session: { readonly: true, readonlyReason: 'observer seat' } });
    const r = renderCockpit({ store, size: { columns: 100, rows: 30 } });
    await r.press('5', KEYS.enter);
    expect(r.frame()).toContain('Actions: Runbook');
    expect(r.frame()).toMatch(/Tick step\s+- disabled: read-only session: observer seat/);
    await r.press(KEYS.enter); // the tick, disabled
    expect(r.commands.calls).toEqual([]);
  });
});

describe('the actions menu', () => {
  it('Enter lists what applies to the focused panel, numbered; the global incident keys stay in the footer and help', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }) });
    await r.press('4', KEYS.enter);
    expect(r.frame()).toContain('Actions: Escalation');
    expect(r.frame()).toMatch(/1 .{8} Show runbook/);
    expect(r.frame()).not.toContain('Open incident');
    expect(r.frame()).not.toContain('Add note');
    const menu = menuBindings(r.bindings, 'escalation');
    expect(menu.map((b) => b.id)).not.toContain('note');
    const at = menu.findIndex((b) => b.id === 'ack-page');
    expect(at).toBeGreaterThan(0);
    await r.press(KEYS.esc);
    expect(r.store.getState().ui.overlay).toBeNull();
  });
});

describe('dangerous actions', () => {
  it('M asks to confirm; n cancels, y marks mitigated; every step is reported', async () => {
    const attempts: Array<[string, AttemptOutcome['status']]> = [];
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), onAttempt: (a, o) => attempts.push([a.id, o.status]) });
    await r.press('M');
    expect(r.frame()).toContain('Mark incident INC-20240601-01 MITIGATED?');
    await r.press('n');
    expect(r.commands.calls).toEqual([]);
    await r.press('M', 'y');
    expect(r.commands.calls).toEqual([['setIncidentState', 'mitigated']]);
    expect(attempts).toEqual([
      ['mitigated', 'confirm-requested'],
      ['mitigated', 'cancelled'],
      ['mitigated', 'confirm-requested'],
      ['mitigated', 'done'],
    ]);
  });

  it('R resolves after y', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident({ state: 'mitigated' }) }) });
    await r.press('R', 'y');
    expect(r.commands.calls).toEqual([['setIncidentState', 'resolved']]);
  });

  it('M is disabled once mitigated', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident({ state: 'mitigated' }) }) });
    await r.press('M');
    expect(r.store.getState().ui.overlay).toBeNull();
    expect(r.frame()).toContain('incident is mitigated');
  });
});

describe('runbook steps', () => {
  it('x and space tick the selected step; an option row ticks its step', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: WIDE });
    await r.press('5', 'j', 'x');
    expect(r.commands.calls).toEqual([['tickStep', 3, 2]]);
    await r.press('j', 'j', ' '); // the first option of step 3
    expect(r.commands.calls[1]).toEqual(['tickStep', 3, 3]);
  });

  it('x elsewhere does nothing', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }) });
    await r.press('x');
    expect(r.commands.calls).toEqual([]);
  });
});

describe('other keys', () => {
  it('Ctrl-L repaints, E exports the PIR and shows where, I opens an incident with a reason', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }) });
    await r.press(KEYS.ctrlL, 'E');
    expect(r.commands.calls).toEqual([['repaint'], ['exportPir']]);
    expect(r.frame()).toContain('PIR written to /var/lib/lsos-cockpit/pir/INC-20240601-01.md');
  });

  it('I prompts for the reason, prefilled from the top firing trigger', async () => {
    const r = renderCockpit();
    await r.press('I');
    expect(r.frame()).toContain('Open incident. Reason');
    expect(r.frame()).toContain('Dead-letter spike > 3x baseline');
    await r.press(KEYS.enter);
    expect(r.commands.calls[0]?.[0]).toBe('openIncident');
    expect(String(r.commands.calls[0]?.[1])).toContain('crawl.dead +45.0/h');
  });

  it('p toggles presentation mode, t cycles the theme', async () => {
    const r = renderCockpit();
    await r.press('p');
    expect(r.store.getState().ui.presentation).toBe(true);
    await r.press('p', 't');
    expect(r.store.getState().ui.presentation).toBe(false);
    expect(r.store.getState().ui.theme).toBe('light');
  });

  it('Esc with nothing to close does nothing destructive', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }) });
    await r.press(KEYS.esc, KEYS.esc);
    expect(r.commands.calls).toEqual([]);
    expect(r.store.getState().incident?.state).toBe('open');
  });

  it('a failing command is flashed and reported, not thrown', async () => {
    const attempts: AttemptOutcome[] = [];
    const store = fixtureStore({ incident: openIncident() });
    const r = renderCockpit({ store, onAttempt: (_a, o) => attempts.push(o) });
    r.commands.exportPir = async () => {
      throw new Error('disk full');
    };
    await r.press('E');
    expect(r.frame()).toContain('Export PIR failed: disk full');
    expect(attempts).toContainEqual({ status: 'failed', error: 'disk full' });
  });
});
