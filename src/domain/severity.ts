// The severities of the escalation matrix (runbook section 7): a domain fact that the incident,
// the signals and the triggers all speak of, so it lives below them.

/** Most severe first: SEV-1 is a full outage or cross-tenant risk. */
export const SEVERITIES = ['SEV-1', 'SEV-2', 'SEV-3'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function isSeverity(v: unknown): v is Severity {
  return typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v);
}

/** 1 for SEV-1 (most severe) … 3 for SEV-3. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s) + 1;
}

/** The more severe of two severities (null means "none yet"). */
export function moreSevere(a: Severity | null, b: Severity | null): Severity | null {
  if (a === null) return b;
  if (b === null) return a;
  return severityRank(a) <= severityRank(b) ? a : b;
}
