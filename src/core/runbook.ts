// The LSOS operations runbook as data: sections, triggers and procedure steps, in its own words.
// The runbook pane, trigger links, procedure ticks and the coverage test all read this one table.

export type RunbookSectionId = 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

export interface RunbookStep {
  /** 1-based step number as the runbook numbers it. */
  n: number;
  text: string;
  /** Sub-steps (the runbook's indented bullets). */
  options?: string[];
}

export interface RunbookSection {
  id: RunbookSectionId;
  title: string;
  trigger: string[];
  /** The procedure, ticked step by step (none for the escalation matrix). */
  steps: RunbookStep[];
  /** Definitions the section states instead of steps (the severity levels of section 7): read, never ticked. */
  definitions?: string[];
}

export const RUNBOOK: readonly RunbookSection[] = [
  {
    id: 2,
    title: 'Daily Operations Checklist',
    trigger: ['Daily'],
    steps: [
      { n: 1, text: 'Verify API health endpoint and worker heartbeat status.' },
      { n: 2, text: 'Validate queue lag for all Celery queues.' },
      { n: 3, text: 'Check previous 24h failure ratio and dead-letter growth.' },
      { n: 4, text: 'Confirm crawl/rank/review freshness for active campaigns.' },
      { n: 5, text: 'Confirm backup completion and replica lag thresholds.' },
    ],
  },
  {
    id: 3,
    title: 'Queue Triage Runbook',
    trigger: ['Any queue lag > 15 minutes or dead-letter spike > 3x baseline.'],
    steps: [
      { n: 1, text: 'Identify queue and top failing task names.' },
      { n: 2, text: 'Inspect task failure class (transient, validation, provider, parser).' },
      {
        n: 3,
        text: 'Apply immediate mitigation:',
        options: [
          'Reduce concurrency if external blocks detected.',
          'Increase replicas if backlog-only issue.',
          'Pause specific task emissions if failure loop is confirmed.',
        ],
      },
      { n: 4, text: 'Replay safe dead-letter tasks after fix.' },
      { n: 5, text: 'Record incident actions in audit trail.' },
    ],
  },
  {
    id: 4,
    title: 'Reporting Failure Runbook',
    trigger: ['Monthly report generation failures exceed 5% in 1-hour window.'],
    steps: [
      { n: 1, text: 'Validate data completeness for affected campaigns.' },
      { n: 2, text: 'Re-run `reporting.aggregate_kpis` and verify payload integrity.' },
      { n: 3, text: 'Re-render HTML and PDF in isolated retry lane.' },
      { n: 4, text: 'Resume email delivery for successful artifacts.' },
      { n: 5, text: 'Notify owners for campaigns with irrecoverable data gaps.' },
    ],
  },
  {
    id: 5,
    title: 'Provider/Proxy Incident Runbook',
    trigger: ['SERP failure rate > threshold across multiple campaigns.'],
    steps: [
      { n: 1, text: 'Check proxy provider health dashboard.' },
      { n: 2, text: 'Quarantine degraded provider pool.' },
      { n: 3, text: 'Shift traffic to fallback provider with reduced concurrency.' },
      { n: 4, text: 'Enable conservative pacing profile.' },
      { n: 5, text: 'Backfill missed rank windows after stability.' },
    ],
  },
  {
    id: 6,
    title: 'Database Incident Runbook',
    trigger: ['Replica lag breach, failed migrations, or primary degradation.'],
    steps: [
      { n: 1, text: 'Freeze non-critical write paths.' },
      { n: 2, text: 'Validate connection pool saturation and blocking queries.' },
      { n: 3, text: 'Fail over reads to healthy replica set or primary.' },
      { n: 4, text: 'Restore service and run integrity checks.' },
      { n: 5, text: 'Schedule post-incident optimization.' },
    ],
  },
  {
    id: 7,
    title: 'Escalation Matrix',
    trigger: ['Severity decided for an incident.'],
    steps: [],
    definitions: [
      'SEV-1: full service outage or cross-tenant risk. Immediate paging: on-call engineer + security lead.',
      'SEV-2: major module unavailable, high error rates. Page primary on-call and module owner.',
      'SEV-3: partial degradation with workaround. Ticket and same-day remediation.',
    ],
  },
  {
    id: 8,
    title: 'Recovery and Replay Controls',
    trigger: ['Any replay of dead-letter tasks.'],
    steps: [
      { n: 1, text: 'Replay requires privileged operator role.' },
      { n: 2, text: 'Every replay action must include reason code.' },
      { n: 3, text: 'Replay only idempotent tasks unless explicit override.' },
      { n: 4, text: 'Preserve original correlation IDs and chain lineage.' },
    ],
  },
  {
    id: 9,
    title: 'Post-Incident Review Requirements',
    trigger: ['Incident resolved.'],
    steps: [
      { n: 1, text: 'Timeline with exact timestamps (UTC).' },
      { n: 2, text: 'Root cause and blast radius.' },
      { n: 3, text: 'Corrective actions with owner and due date.' },
      { n: 4, text: 'Monitoring gap updates and runbook improvements.' },
    ],
  },
];

export function runbookSection(id: RunbookSectionId): RunbookSection {
  const s = RUNBOOK.find((x) => x.id === id);
  if (!s) throw new Error(`no runbook section ${id}`);
  return s;
}
