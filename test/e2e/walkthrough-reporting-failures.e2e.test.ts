// Walkthrough of the `reporting-failures` scenario on the built CLI, keys only (issue 14 acceptance 1): render_pdf fails 60%: the report failures lead, and reporting's own dead-letter spike (which they explain) comes after them;
// the runbook pane and the presentation headline show section 4.
import { afterEach, beforeAll, describe, it } from 'vitest';
import { haveTmux, type TmuxSession } from './tmux.js';
import { ensureBuilt, walkthrough } from './walkthrough.js';

const suite = haveTmux() || process.env.CI === 'true' ? describe : describe.skip;

suite('walkthrough: reporting-failures', () => {
  let session: TmuxSession | null = null;
  beforeAll(ensureBuilt);
  afterEach(() => {
    session?.kill();
    session = null;
  });

  it('the most serious trigger first, its section in the runbook pane and the presentation headline', async () => {
    session = await walkthrough('reporting-failures', 10, {
      top: 'reporting failures',
      severity: 'SEV-2',
      section: 4,
      title: 'Reporting Failure Runbook',
    });
  });
});
