// Walkthrough of the `replica-stall` scenario on the built CLI, keys only (issue 14 acceptance 1): a replica's replay stalls: the replica furthest past its line leads;
// the runbook pane and the presentation headline show section 6.
import { walkthroughSuite } from './walkthrough.js';

walkthroughSuite('replica-stall', 10, {
  top: 'replica-2 lag',
  severity: 'SEV-3',
  section: 6,
  title: 'Database Incident Runbook',
});
