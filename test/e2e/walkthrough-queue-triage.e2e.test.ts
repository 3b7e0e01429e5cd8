// Walkthrough of the `queue-triage` scenario on the built CLI, keys only (issue 14 acceptance 1): crawl loses 3 of 4 workers and a reviews parser fails in a loop: the dead-letter spike (SEV-2) leads, not the crawl lag (SEV-3);
// the runbook pane and the presentation headline show section 3.
import { walkthroughSuite } from './walkthrough.js';

walkthroughSuite('queue-triage', 10, {
  top: 'reviews DL spike',
  severity: 'SEV-2',
  section: 3,
  title: 'Queue Triage Runbook',
});
