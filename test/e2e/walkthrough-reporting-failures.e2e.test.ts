// Walkthrough of the `reporting-failures` scenario on the built CLI, keys only (issue 14 acceptance 1): render_pdf fails 60%: the report failures lead, and reporting's own dead-letter spike (which they explain) comes after them;
// the runbook pane and the presentation headline show section 4.
import { walkthroughSuite } from './walkthrough.js';

walkthroughSuite('reporting-failures', 10, {
  top: 'reporting failures',
  severity: 'SEV-2',
  section: 4,
  title: 'Reporting Failure Runbook',
});
