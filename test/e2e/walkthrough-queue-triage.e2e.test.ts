// Walkthrough of the `queue-triage` scenario on the built CLI, keys only (issue 14 acceptance 1): crawl loses 3 of 4 workers and a reviews parser fails in a loop: the dead-letter spike (SEV-2) leads, not the crawl lag (SEV-3);
// the runbook pane and the presentation headline show section 3.
import { afterEach, beforeAll, describe, it } from 'vitest';
import { haveTmux, type TmuxSession } from './tmux.js';
import { ensureBuilt, walkthrough } from './walkthrough.js';

const suite = haveTmux() || process.env.CI === 'true' ? describe : describe.skip;

suite('walkthrough: queue-triage', () => {
  let session: TmuxSession | null = null;
  beforeAll(ensureBuilt);
  afterEach(() => {
    session?.kill();
    session = null;
  });

  it('the most serious trigger first, its section in the runbook pane and the presentation headline', async () => {
    session = await walkthrough('queue-triage', 10, {
      top: 'reviews DL spike',
      severity: 'SEV-2',
      section: 3,
      title: 'Queue Triage Runbook',
    });
  });
});
