// Walkthrough of the `primary-degraded` scenario on the built CLI, keys only (issue 14 acceptance 1): a failed migration degrades the primary: the database triggers (module unavailable, SEV-2) lead;
// the runbook pane and the presentation headline show section 6.
import { walkthroughSuite } from './walkthrough.js';

walkthroughSuite('primary-degraded', 10, {
  top: 'primary migrations',
  severity: 'SEV-2',
  section: 6,
  title: 'Database Incident Runbook',
});
