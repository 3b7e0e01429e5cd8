// Walkthrough of the `primary-degraded` scenario on the built CLI, keys only (issue 14 acceptance 1): a failed migration degrades the primary: the database triggers (module unavailable, SEV-2) lead;
// the runbook pane and the presentation headline show section 6.
import { afterEach, beforeAll, describe, it } from 'vitest';
import { haveTmux, type TmuxSession } from './tmux.js';
import { ensureBuilt, walkthrough } from './walkthrough.js';

const suite = haveTmux() || process.env.CI === 'true' ? describe : describe.skip;

suite('walkthrough: primary-degraded', () => {
  let session: TmuxSession | null = null;
  beforeAll(ensureBuilt);
  afterEach(() => {
    session?.kill();
    session = null;
  });

  it('the most serious trigger first, its section in the runbook pane and the presentation headline', async () => {
    session = await walkthrough('primary-degraded', 10, {
      top: 'primary migrations',
      severity: 'SEV-2',
      section: 6,
      title: 'Database Incident Runbook',
    });
  });
});
