// Walkthrough of the `full-outage` scenario on the built CLI, keys only (issue 14 acceptance 1): the primary goes down: primary unreachable (SEV-1, a full outage) leads the dead-letter spikes it causes;
// the runbook pane and the presentation headline show section 6.
import { afterEach, beforeAll, describe, it } from 'vitest';
import { haveTmux, type TmuxSession } from './tmux.js';
import { ensureBuilt, walkthrough } from './walkthrough.js';

const suite = haveTmux() || process.env.CI === 'true' ? describe : describe.skip;

suite('walkthrough: full-outage', () => {
  let session: TmuxSession | null = null;
  beforeAll(ensureBuilt);
  afterEach(() => {
    session?.kill();
    session = null;
  });

  it('the most serious trigger first, its section in the runbook pane and the presentation headline', async () => {
    session = await walkthrough('full-outage', 10, {
      top: 'primary degraded',
      severity: 'SEV-1',
      section: 6,
      title: 'Database Incident Runbook',
    });
  });
});
