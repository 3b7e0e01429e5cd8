// The `:` line as an operator uses it: what is typed is echoed; Tab completes names, then
// arguments (a severity, a mitigation's key=value words and their pick lists); an ambiguous
// prefix lists its candidates on Tab and on Enter (never "unknown command"); a prefix only one
// name starts with runs it; closing the line leaves nothing of it behind.
import { afterEach, describe, expect, it } from 'vitest';
import { completeCommand, resolveCommand } from '../../src/ui/registry/commandLine.js';
import { cleanupAll, fixtureStore, KEYS, openIncident, renderCockpit, testRegistry } from '../ui/fixtures.js';

afterEach(() => cleanupAll());

const SIZE = { columns: 80, rows: 24 } as const;

describe('completion (pure)', () => {
  const bindings = testRegistry();
  const state = fixtureStore({ incident: openIncident() }).getState();

  it('completes a severity, then leaves the reason free', () => {
    expect(completeCommand(bindings, 'sev', state).completed).toBe('severity ');
    const c = completeCommand(bindings, 'severity S', state);
    expect(c.candidates).toEqual(['SEV-1', 'SEV-2', 'SEV-3']);
    expect(c.completed).toBe('severity SEV-');
    expect(completeCommand(bindings, 'severity SEV-2', state).completed).toBe('severity SEV-2 ');
    expect(completeCommand(bindings, 'severity SEV-2 the crawl ', state).candidates).toEqual([]);
  });

  it("completes a mitigation's parameter names, then their pick lists from the system", () => {
    let c = completeCommand(bindings, 'replay-dead-letters ', state);
    expect(c.candidates).toEqual(expect.arrayContaining(['queue=', 'reasonCode=', 'overrideTask=']));
    c = completeCommand(bindings, 'replay-dead-letters reas', state);
    expect(c.completed).toBe('replay-dead-letters reasonCode=');
    c = completeCommand(bindings, 'replay-dead-letters reasonCode=fix', state);
    expect(c.completed).toBe('replay-dead-letters reasonCode=fix-deployed ');
    // The queues with dead letters, from the snapshot.
    c = completeCommand(bindings, 'replay-dead-letters reasonCode=fix-deployed queue=', state);
    expect(c.candidates).toEqual(['queue=crawl', 'queue=rank']);
    // A name already given is not offered again.
    expect(completeCommand(bindings, 'replay-dead-letters queue=crawl ', state).candidates).not.toContain('queue=');
  });

  it('resolves a whole name, a unique prefix, and lists an ambiguous one', () => {
    expect(resolveCommand(bindings, 'severity')).toMatchObject({ binding: { id: 'severity' } });
    expect(resolveCommand(bindings, 'replay-dead')).toMatchObject({ binding: { id: 'replay-dead-letters' } });
    const r = resolveCommand(bindings, 're');
    expect('ambiguous' in r && r.ambiguous).toEqual(expect.arrayContaining(['replicas', 'repaint', 'resolved']));
    expect(resolveCommand(bindings, 'zzz')).toEqual({ none: true });
  });
});

describe('the : line at 80x24', () => {
  it('echoes what is typed, also with a long list of matches', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: SIZE });
    await r.press(':');
    await r.type('r');
    expect(r.frame()).toMatch(/: ?r[ _]/);
    await r.type('e');
    expect(r.frame()).toContain(':re');
    // Full names in the list, never cut (the longest mitigation names included).
    expect(r.frame()).toContain(':replicas');
  });

  it('an ambiguous prefix lists its candidates on Tab and on Enter, keeps the line open, and says no "unknown command"', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: SIZE });
    await r.press(':');
    await r.type('re');
    await r.press(KEYS.tab);
    let f = r.frame();
    expect(f).toMatch(/"re" is ambiguous: .*:replicas/);
    await r.press(KEYS.enter);
    f = r.frame();
    expect(f).toMatch(/"re" is ambiguous/);
    expect(f).not.toContain('unknown command');
    expect(r.store.getState().ui.overlay?.kind).toBe('command');
    // Typing more picks one: Enter runs the only command that starts with it.
    await r.type('pai');
    await r.press(KEYS.enter);
    expect(r.store.getState().ui.overlay?.kind).not.toBe('command');
  });

  it('a unique prefix runs its command; an unknown name keeps the line with the reason', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: SIZE });
    await r.press(':');
    await r.type('replic');
    await r.press(KEYS.enter);
    expect(r.store.getState().ui.focus).toBe('replicas');
    await r.press(':');
    await r.type('frobnicate');
    await r.press(KEYS.enter);
    expect(r.frame()).toContain('no command "frobnicate"');
    expect(r.store.getState().ui.overlay?.kind).toBe('command');
  });

  it('Tab completes a severity argument on screen', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: SIZE });
    await r.press(':');
    await r.type('sev');
    await r.press(KEYS.tab);
    expect(r.frame()).toContain(':severity ');
    expect(r.frame()).toContain('SEV-1|SEV-2|SEV-3 <reason>');
    await r.type('S');
    await r.press(KEYS.tab);
    expect(r.frame()).toContain(':severity SEV-');
    expect(r.frame()).toContain('SEV-1  SEV-2  SEV-3');
  });

  it("lists a mitigation's usage and an argument's pick list under the line", async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: SIZE });
    await r.press(':');
    await r.type('replay-dead-letters reasonCode=');
    await r.press(KEYS.tab);
    const f = r.frame();
    expect(f).toContain(':replay-dead-letters queue= reasonCode=');
    expect(f).toMatch(/reasonCode= fix-deployed {2}transient-cleared/);
  });

  it('leaves no text behind once closed, and opens empty again', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: SIZE });
    await r.press(':');
    await r.type('re');
    await r.press(KEYS.enter, KEYS.esc);
    const f = r.frame();
    expect(f).not.toContain('ambiguous');
    expect(f).not.toContain(':re');
    expect(f).not.toContain('Command');
    expect(f).toContain('Queue lag');
    // Open again: the line is empty (its placeholder shows), the old note is gone.
    await r.press(':');
    expect(r.frame()).toContain(':queues, note <text>');
    expect(r.frame()).not.toContain('ambiguous');
  });
});
