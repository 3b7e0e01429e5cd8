// Walkthrough of the `default` scenario on the built CLI, keys only (issue 14 acceptance 1): the
// reviews dead-letter spike (SEV-2) leads the crawl lag (SEV-3); the runbook pane and the
// presentation headline show section 3. Then r on another trigger row pins it (both say so and
// how to switch back) and r on the most serious one follows it again.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { haveTmux, type TmuxSession } from './tmux.js';
import { ensureBuilt, topRow, walkthrough } from './walkthrough.js';

const suite = haveTmux() || process.env.CI === 'true' ? describe : describe.skip;

/** The second trigger row of the escalation panel: its name as drawn (maybe cut). */
function secondRow(screen: string): string | null {
  const lines = screen.split('\n');
  const header = lines.findIndex((l) => /sev {2,}trigger/.test(l));
  const m = /! SEV-\d (.*?) {2,}/.exec(lines[header + 2] ?? '');
  return m?.[1]?.replace(/…$/, '') ?? null;
}

suite('walkthrough: default', () => {
  let session: TmuxSession | null = null;
  beforeAll(ensureBuilt);
  afterEach(() => {
    session?.kill();
    session = null;
  });

  it('the most serious trigger first, its section in the runbook pane and the presentation headline; r pins another and back', async () => {
    const t = await walkthrough('default', 10, { top: 'reviews DL spike', severity: 'SEV-2', section: 3, title: 'Queue Triage Runbook' });
    session = t;
    // Back to the panels; wait for a second firing trigger, then pin it with r on its row.
    t.text('p');
    const screen = await t.waitFor((s) => s.includes('1 Queue lag') && secondRow(s) !== null, 'a second firing trigger');
    const second = secondRow(screen) ?? '';
    expect(topRow(screen)?.rest.startsWith('reviews DL spike')).toBe(true);
    t.text('4');
    t.text('j');
    t.text('r');
    const pinned = await t.waitFor((s) => s.includes(`pinned by r to ${second}`), `the runbook pane pinned to ${second}`);
    expect(pinned).toMatch(/runbook pinned to .* \(r on it again follows the most serious\)/);
    // The headline follows the pin too, and says how to go back.
    t.text('p');
    await t.waitFor(
      (s) => s.includes(`pinned by r to ${second}`) && s.includes('most serious: reviews DL spike SEV-2'),
      'the pinned headline',
    );
    t.text('p');
    await t.waitForText('1 Queue lag');
    // r on the most serious trigger follows it again.
    t.text('4');
    t.text('g');
    t.text('r');
    await t.waitFor(
      (s) => s.includes('runbook follows the most serious trigger') && s.includes('§3 Queue Triage Runbook'),
      'following again',
    );
    t.text('p');
    await t.waitFor(
      (s) => s.includes('§3 QUEUE TRIAGE RUNBOOK · reviews DL spike SEV-2') && s.includes('follows the most serious trigger'),
      'the headline again',
    );
  });
});
