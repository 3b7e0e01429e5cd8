// An integrity check whose definition carries `severity:` is a signal source: a failure raises a
// signal (src/core/signals.ts) with the rows it returned as evidence; passing again withdraws it.
// A check skipped or in error says nothing about the data: it neither raises nor withdraws. Pure.
import { sanitize } from '../../core/sanitize.js';
import { campaignsIn, type Signal } from '../../core/signals.js';
import type { IntegrityCheck } from './config.js';
import type { IntegrityResult } from './run.js';

/** The signal id of a check (the trigger's target): one per check, so a re-run replaces it instead of adding another. */
export function checkSignalId(check: Pick<IntegrityCheck, 'name'>): string {
  return `check ${check.name}`;
}

function rowsOf(figures: Record<string, unknown>): Record<string, unknown>[] {
  const sample = figures.sample;
  return Array.isArray(sample) ? sample.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null) : [];
}

/** A row as evidence: `report_campaign=cmp-017 kpis_campaign=cmp-023`. */
function rowLine(row: Record<string, unknown>): string {
  return Object.entries(row)
    .map(([k, v]) => `${sanitize(k, 40)}=${sanitize(String(v), 80)}`)
    .join(' ');
}

/** Campaigns in the rows: values of columns named for a campaign, and `cmp-…` ids anywhere. */
function campaignsOf(rows: readonly Record<string, unknown>[]): string[] {
  const out = new Set<string>();
  for (const row of rows) {
    for (const [k, v] of Object.entries(row)) {
      if (v === null || v === undefined) continue;
      const text = String(v);
      if (/campaign/i.test(k) && /^[A-Za-z0-9_.:-]{1,64}$/.test(text)) out.add(text);
      for (const c of campaignsIn(text)) out.add(c);
    }
  }
  return [...out].slice(0, 50);
}

/**
 * The signal a check's result raises or withdraws, or null when the check carries no severity or
 * the result says nothing (skipped, error). `previous`: the signal the check raised before, if any
 * (a pass withdraws only a raised signal).
 */
export function signalOfResult(
  check: IntegrityCheck,
  result: IntegrityResult,
  server: string,
  at: number,
  previous: Signal | null,
): Signal | null {
  if (!check.signal) return null;
  if (result.status === 'pass') return previous && previous.active ? { ...previous, active: false } : null;
  if (result.status !== 'fail') return null;
  const rows = rowsOf(result.figures);
  const evidence = rows.length > 0 ? rows.map(rowLine) : [sanitize(result.detail, 200)];
  const what = check.description.trim() !== '' ? check.description.trim() : check.name;
  return {
    id: checkSignalId(check),
    kind: check.signal.kind,
    severity: check.signal.severity,
    detail: sanitize(`integrity check ${check.name} failed on ${server}: ${what} (${result.detail})`, 300),
    campaigns: campaignsOf(rows),
    evidence,
    raisedBy: `integrity check ${check.name}`,
    raisedAt: at,
    active: true,
  };
}
