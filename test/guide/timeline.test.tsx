// The timeline as an operator reads it: kinds as short words, the entry given the width, and Enter
// on an entry opening all of it (details, who, when, its hash); `v` does the same for a trigger.
import { afterEach, describe, expect, it } from 'vitest';
import type { TimelineLine } from '../../src/ui/state/store.js';
import { cleanupAll, fixtureStore, KEYS, openIncident, renderCockpit } from '../ui/fixtures.js';

afterEach(() => cleanupAll());

const HASH = 'ab'.repeat(32);
const PREV = 'cd'.repeat(32);
const note =
  'the proxy pool in eu-west looks degraded since the 03:40 deploy; rolling back brightpool credentials before touching the crawl pool, ask Dana';

const entries: TimelineLine[] = [
  { seq: 1, at: '2024-06-01T13:58:00.000Z', operator: 'cockpit', kind: 'incident-opened', text: 'opened by queue-lag:crawl' },
  { seq: 2, at: '2024-06-01T13:58:30.000Z', operator: 'cockpit', kind: 'trigger-fired', text: 'queue-lag:crawl fired: crawl lag 23m05s' },
  { seq: 3, at: '2024-06-01T13:58:31.000Z', operator: 'cockpit', kind: 'severity-suggested', text: 'SEV-2 suggested' },
  {
    seq: 4,
    at: '2024-06-01T13:59:10.123Z',
    operator: 'alice',
    kind: 'note',
    text: note,
    details: { text: note, ticket: 'OPS-4411' },
    hash: HASH,
    prevHash: PREV,
  },
];

function setup(size = { columns: 200, rows: 60 }) {
  const store = fixtureStore({ incident: openIncident({ entries }) });
  return renderCockpit({ store, size });
}

describe('the timeline reads as words', () => {
  it('kinds are short words, never cut, at 200 columns', async () => {
    const r = setup();
    await r.press('6');
    const f = r.frame();
    for (const w of ['opened', 'fired', 'suggested', 'note']) expect(f).toContain(` ${w} `);
    expect(f).not.toMatch(/trigger-f|severity-|incident-o/);
  });

  it('Enter on an entry opens all of it: details, who, when and its hash; Esc closes it', async () => {
    const r = setup();
    await r.press('6', 'G', KEYS.enter);
    const f = r.frame();
    expect(f).toContain('Timeline entry #4: note');
    expect(f).toContain('2024-06-01T13:59:10.123Z');
    expect(f).toContain('alice');
    expect(f).toContain('OPS-4411');
    expect(f).toContain(HASH);
    expect(f).toContain(PREV);
    // The whole note, wrapped, not cut: its last words are on screen.
    expect(f).toContain('ask Dana');
    expect(f).not.toContain('Actions');
    await r.press(KEYS.esc);
    expect(r.frame()).not.toContain('Timeline entry #4');
  });

  it('v on a trigger shows its figure, threshold and detail', async () => {
    const r = setup();
    await r.press('4', 'v');
    const f = r.frame();
    expect(f).toMatch(/Trigger: .+ on /);
    expect(f).toMatch(/threshold/);
    expect(f).toMatch(/runbook +section/);
  });

  it('at 80x24 the entry detail still shows the hash', async () => {
    const r = setup({ columns: 80, rows: 24 });
    await r.press('6', 'G', KEYS.enter);
    expect(r.frame()).toContain('Timeline entry #4');
    expect(r.frame().replace(/[\s|│]/g, '')).toContain(HASH);
  });
});
