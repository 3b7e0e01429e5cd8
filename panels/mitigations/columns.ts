// "Mitigations in force", pure: every mitigation still in effect (paused tasks, quarantined
// pools, pacing, frozen writes, shrunk pools, cancelled consumers, a provider shift, a read
// failover), who set it, why, when it expires, and drift (the system no longer matches); and the
// session's backend, role and audit backlog.
import { fitWidth } from '../../components/format.js';
import { tableAt, type Column, type Table } from '../../components/table.js';
import type { InForce, MitigationsState } from '../../src/control/mitigations/inForce.js';
import { sanitize } from '../../src/core/sanitize.js';
import type { CockpitState } from '../../src/ui/state/store.js';

const KIND_LABEL: Record<InForce['kind'], string> = {
  'paused-task': 'paused',
  'quarantined-pool': 'quarantined',
  pacing: 'pacing',
  'frozen-writes': 'writes frozen',
  'shrunk-pool': 'pool shrunk',
  'cancelled-consumer': 'not consumed',
  'provider-shift': 'traffic shifted',
  'read-target': 'reads moved',
};

const NONE: InForce[] = [];
export const inForceRows = (s: CockpitState): InForce[] => s.mitigations?.inForce ?? NONE;

/** Time left before it lapses, at `now` (epoch ms). */
export function untilText(m: InForce, now: number): string {
  if (!m.until) return 'until undone';
  const ms = Date.parse(m.until) - now;
  if (!Number.isFinite(ms)) return '?';
  if (ms <= 0) return 'lapsing';
  const min = Math.round(ms / 60_000);
  return min >= 60 ? `${Math.floor(min / 60)}h${String(min % 60).padStart(2, '0')}m` : `${Math.max(1, min)}m`;
}

/** The column set; `now` is when the expiry column is measured from. */
export function inForceColumns(now: number): Column<InForce>[] {
  return [
    // ! drift (the system no longer matches); ? unconfirmed (a command without a reply: it may still apply).
    {
      key: 'mark',
      header: ' ',
      width: 1,
      text: (m) => (m.drift ? '!' : m.unconfirmed ? '?' : ' '),
      tone: (m) => (m.drift ? 'breach' : m.unconfirmed ? 'warn' : undefined),
    },
    { key: 'what', header: 'in force', width: 15, text: (m) => KIND_LABEL[m.kind] },
    {
      key: 'target',
      header: 'on',
      grow: 1,
      minWidth: 8,
      text: (m) =>
        m.kind === 'pacing'
          ? 'conservative'
          : m.kind === 'frozen-writes'
            ? 'non-critical'
            : m.kind === 'read-target'
              ? sanitize(`reads -> ${String(m.expect.target ?? 'unset')}`, 80)
              : sanitize(m.target, 80),
    },
    { key: 'by', header: 'by', width: 10, hideBelow: 50, text: (m) => sanitize(m.by, 40), tone: () => 'muted' },
    { key: 'until', header: 'expires', width: 12, text: (m) => untilText(m, now) },
    {
      key: 'why',
      header: 'why / drift',
      grow: 3,
      minWidth: 10,
      hideBelow: 60,
      text: (m) => sanitize(whyText(m), 300),
      tone: (m) => (m.drift ? 'breach' : m.unconfirmed ? 'warn' : 'muted'),
    },
  ];
}

/**
 * Why it is in force, or what is wrong with it: drift first, then an unconfirmed command, then
 * the reason, where it was set (another incident, found on the system) and what the system shows.
 */
export function whyText(m: InForce): string {
  if (m.drift) return `DRIFT: ${m.drift}`;
  const where = m.from === 'system' ? (m.setIn ? ` [set in ${m.setIn} by ${m.action}]` : ' [found on the system]') : '';
  const seen = m.observed ? ` (${m.observed})` : '';
  if (m.unconfirmed) return `UNCONFIRMED: ${m.unconfirmed}; ${m.reason}${where}`;
  return `${m.reason}${where}${seen}`;
}

/** The line above the table (backend, role, audit) cut to `width`, and the title's count. */
export function mitigationsHead(
  info: MitigationsState | undefined,
  rows: readonly InForce[],
  width: number,
): { text: string; simulated: boolean; info: string } {
  const head = info
    ? `${info.simulated ? 'SIMULATED ' : ''}${info.backend}; role ${info.role} (${info.roleSource})${info.audit ? `; audit ${info.audit.error ? `waiting (${info.audit.pending} in journal: ${info.audit.error})` : 'up to date'}` : ''}`
    : 'no mitigation backend in this session';
  const drifting = rows.filter((r) => r.drift).length;
  const unconfirmed = rows.filter((r) => !r.drift && r.unconfirmed).length;
  const counts = [drifting ? `${drifting} drift` : '', unconfirmed ? `${unconfirmed} unconfirmed` : ''].filter(Boolean).join(', ');
  return {
    text: fitWidth(sanitize(head, 400), width),
    simulated: info?.simulated ?? false,
    info: counts || String(rows.length),
  };
}

/** The table at `width`, expiries measured at `now`. */
export function inForceTable(rows: readonly InForce[], width: number, now: number): Table<InForce> {
  return tableAt(inForceColumns(now), rows, width);
}
