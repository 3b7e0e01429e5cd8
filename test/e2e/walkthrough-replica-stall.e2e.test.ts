// Walkthrough of the `replica-stall` scenario on the built CLI, keys only (issue 14 acceptance 1): a replica's replay stalls: the replica furthest past its line leads;
// the runbook pane and the presentation headline show section 6.
import { afterEach, beforeAll, describe, it } from 'vitest';
import { haveTmux, type TmuxSession } from './tmux.js';
import { ensureBuilt, walkthrough } from './walkthrough.js';

const suite = haveTmux() || process.env.CI === 'true' ? describe : describe.skip;

suite('walkthrough: replica-stall', () => {
  let session: TmuxSession | null = null;
  beforeAll(ensureBuilt);
  afterEach(() => {
    session?.kill();
    session = null;
  });

  it('the most serious trigger first, its section in the runbook pane and the presentation headline', async () => {
    session = await walkthrough('replica-stall', 10, {
      top: 'replica-2 lag',
      severity: 'SEV-3',
      section: 6,
      title: 'Database Incident Runbook',
    });
  });
});
