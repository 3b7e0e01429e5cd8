// Signals that are not thresholds: a security or integrity finding someone or something raised
// (the security tool's cross-tenant exposure risk, an integrity check that failed, an operator's
// `:declare`). Each is judged as a runbook trigger (src/core/triggers.ts): it opens an incident,
// carries its severity by the escalation matrix (runbook 7) and shows its evidence. Pure.
import type { Severity } from '../domain/severity.js';
import type { EpochMs } from '../domain/time.js';

/** What kind of risk: data of one tenant shown to another, or data that may be wrong. */
export const SIGNAL_KINDS = ['cross-tenant-risk', 'data-corruption'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

export function isSignalKind(v: unknown): v is SignalKind {
  return typeof v === 'string' && (SIGNAL_KINDS as readonly string[]).includes(v);
}

/** The matrix's reading of each kind when nothing else says: cross-tenant risk is SEV-1 (runbook 7). */
export const SIGNAL_DEFAULT_SEVERITY: Record<SignalKind, Severity> = {
  'cross-tenant-risk': 'SEV-1',
  'data-corruption': 'SEV-2',
};

/** The words an operator may type for a kind (`:declare cross-tenant …`). */
const KIND_WORDS: Record<string, SignalKind> = {
  'cross-tenant': 'cross-tenant-risk',
  'cross-tenant-risk': 'cross-tenant-risk',
  tenant: 'cross-tenant-risk',
  security: 'cross-tenant-risk',
  corruption: 'data-corruption',
  'data-corruption': 'data-corruption',
  integrity: 'data-corruption',
};

export function parseSignalKind(word: string): SignalKind | null {
  return KIND_WORDS[word.trim().toLowerCase()] ?? null;
}

export interface Signal {
  /** Unique among the signals, the trigger's target: what about, or where from (`cmp-017+cmp-023`, `check report-kpis`, `declared-1`). */
  id: string;
  kind: SignalKind;
  /** The matrix's severity for it (cross-tenant risk SEV-1; an integrity check: its definition's `severity:`). */
  severity: Severity;
  /** One line: what was seen. */
  detail: string;
  /** Campaigns whose data is involved (for a cross-tenant risk: whose data crossed), by id. */
  campaigns: string[];
  /** The evidence, a line each (a failing check's rows, the customer's report). */
  evidence: string[];
  /** Who or what raised it: `simulation`, `integrity check report-kpis`, `declared by alice`. */
  raisedBy: string;
  raisedAt: EpochMs;
  /** False once whoever raised it withdrew it (a check that passes again): the trigger clears. */
  active: boolean;
}

/** The trigger's one line: the detail, the campaigns and who raised it. */
export function signalLine(s: Signal): string {
  const campaigns = s.campaigns.length > 0 ? `; campaigns ${s.campaigns.join(', ')}` : '';
  return `${s.detail}${campaigns} (raised by ${s.raisedBy})`;
}

/** Campaign ids named in free text (`cmp-017`, `campaign 23` is not one): the evidence's campaigns. */
export function campaignsIn(text: string): string[] {
  return [...new Set(text.match(/\bcmp-[A-Za-z0-9_-]+/g) ?? [])];
}
