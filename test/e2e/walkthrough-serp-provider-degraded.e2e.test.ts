// Walkthrough of the `serp-provider-degraded` scenario on the built CLI, keys only (issue 14 acceptance 1): brightpool blocks requests: the SERP failures lead; the rank dead-letter spike they cause comes after;
// the runbook pane and the presentation headline show section 5.
import { walkthroughSuite } from './walkthrough.js';

walkthroughSuite('serp-provider-degraded', 10, {
  top: 'brightpool SERP fails',
  severity: 'SEV-2',
  section: 5,
  title: 'Provider/Proxy Incident Runbook',
});
