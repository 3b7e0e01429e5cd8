// Walkthrough of the `full-outage` scenario on the built CLI, keys only (issue 14 acceptance 1): the primary goes down: primary unreachable (SEV-1, a full outage) leads the dead-letter spikes it causes;
// the runbook pane and the presentation headline show section 6.
import { walkthroughSuite } from './walkthrough.js';

walkthroughSuite('full-outage', 10, {
  top: 'primary degraded',
  severity: 'SEV-1',
  section: 6,
  title: 'Database Incident Runbook',
});
