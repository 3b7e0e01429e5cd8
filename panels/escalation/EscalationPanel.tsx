// Escalation (runbook 7): what the matrix suggests and whom to page, what the operator decided,
// who was paged (when, delivery, acknowledgement, next re-page: src/control/paging/controller.ts), and
// the runbook triggers. Moving through the triggers drives the runbook pane.
import React, { memo } from 'react';
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { Age, Until } from '../../components/clock.js';
import { DenseTable, type Column } from '../../components/DenseTable.js';
import { PanelFrame, frameInner } from '../../components/PanelFrame.js';
import { utcClock } from '../../components/format.js';
import type { Severity } from '../../src/core/escalation.js';
import type { PagingTargetView, PagingView } from '../../src/core/paging.js';
import { sanitize } from '../../src/core/sanitize.js';
import type { TriggerState } from '../../src/core/triggers.js';
import { triggerRows } from '../../src/ui/state/selectors.js';
import { PANEL_TITLES } from '../../src/ui/state/store.js';
import type { Theme, Tone } from '../../src/ui/state/theme.js';
import { usePanelUi, type PanelProps } from '../common.js';

export function severityTone(sev: Severity | null): Tone {
  return sev === 'SEV-1' ? 'breach' : sev === 'SEV-2' ? 'warn' : sev === 'SEV-3' ? 'accent' : 'ok';
}

/** Short names for the trigger column; the detail column and the runbook pane say the rest. */
const SHORT: Record<TriggerState['kind'], string> = {
  'queue-lag': 'lag',
  'dead-letter-spike': 'DL spike',
  'report-failures': 'failures',
  'serp-failures': 'SERP fails',
  'replica-lag': 'lag',
  'failed-migrations': 'migrations',
  'primary-degradation': 'degraded',
};

const TRIGGER_COLUMNS: Column<TriggerState>[] = [
  { key: 'mark', header: ' ', width: 1, text: (t) => (t.firing ? '!' : ' '), tone: (t) => (t.firing ? 'breach' : 'muted') },
  {
    key: 'trigger',
    header: 'trigger',
    grow: 1,
    minWidth: 8,
    text: (t) => `${sanitize(t.target, 60)} ${SHORT[t.kind]}`,
    tone: (t) => (t.firing ? undefined : 'muted'),
  },
  {
    key: 'detail',
    header: 'detail',
    grow: 2,
    minWidth: 8,
    text: (t) => sanitize(t.firing ? t.detail : `cleared: ${t.detail}`, 200),
    tone: (t) => (t.firing ? undefined : 'muted'),
  },
  {
    key: 'since',
    header: 'since',
    width: 6,
    align: 'right',
    text: (t) => utcClock(t.since),
    // Age is a leaf: the clock ticking re-renders this cell only.
    render: (t, style) => <Age at={t.since} suffix="" style={style} />,
  },
];

function SuggestionLines({ store, theme, width }: { store: PanelProps['store']; theme: Theme; width: number }) {
  const suggestion = useStore(store, (s) => s.suggestion);
  const stored = useStore(store, (s) => s.decision);
  // After a restart the store has no decision yet; the journal (through the paging view) does.
  const fromJournal = useStore(store, (s) => s.paging?.decided ?? null);
  const decision = stored ?? fromJournal;
  const sevText = suggestion.severity ?? 'none';
  const page =
    suggestion.page.length > 0
      ? `page ${suggestion.page.join(', ')}`
      : suggestion.ticket
        ? 'ticket, same-day remediation'
        : 'nobody to page';
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      <Text wrap="truncate-end">
        <Text {...theme.tones.muted}>suggest </Text>
        <Text {...theme.tones[severityTone(suggestion.severity)]}>{sevText}</Text>
        <Text>{`  ${sanitize(page, 200)}${suggestion.ticket && suggestion.page.length > 0 ? ' + ticket' : ''}`}</Text>
      </Text>
      <Text wrap="truncate-end" {...theme.tones.muted}>
        {`  why: ${sanitize(suggestion.reason, 400)}`}
      </Text>
      {decision ? (
        <Text wrap="truncate-end">
          <Text {...theme.tones.muted}>decided </Text>
          <Text {...theme.tones[severityTone(decision.severity)]} bold>
            {decision.severity}
          </Text>
          <Text>{` by ${sanitize(decision.by, 40)} `}</Text>
          <Age at={decision.at} />
          <Text>{` (${utcClock(decision.at)}Z): ${sanitize(decision.reason, 300)}`}</Text>
        </Text>
      ) : (
        <Text wrap="truncate-end" {...theme.tones.warn}>
          decided: none yet (s sets it, with a reason)
        </Text>
      )}
    </Box>
  );
}

/** The delivery column: what happened to the latest (or a stuck) message. */
export function deliveryText(t: PagingTargetView): { text: string; tone: Tone } {
  const what = t.lastAction === 'trigger' ? '' : `${t.lastAction} `;
  switch (t.delivery) {
    case 'delivered':
      return { text: `${what}delivered${t.lastStatus ? ` ${t.lastStatus}` : ''}`, tone: 'ok' };
    case 'recorded':
      return { text: `${what}record only`, tone: 'muted' };
    case 'pending':
      return { text: `${what}${t.sending ? 'sending…' : 'pending'}`, tone: 'warn' };
    case 'retrying':
      return { text: `UNDELIVERED ${what}retrying ${t.attempts}${t.sending ? ' (sending…)' : ''}: ${t.lastError ?? ''}`, tone: 'breach' };
    case 'failed':
      return { text: `FAILED ${what}permanently: ${t.lastError ?? ''}`, tone: 'breach' };
    case 'cancelled':
      return { text: `${what}cancelled`, tone: 'muted' };
  }
}

function ackText(t: PagingTargetView): { text: string; tone: Tone } {
  if (t.channel === 'ticket') return { text: t.resolvedAt !== null ? 'ticket closed' : 'ticket', tone: 'muted' };
  if (t.ack)
    return { text: `ack ${sanitize(t.ack.by, 30)} (${t.ack.via === 'callback' ? 'callback' : 'key'}) ${utcClock(t.ack.at)}Z`, tone: 'ok' };
  if (t.resolvedAt !== null) return { text: 'resolved, never acked', tone: 'muted' };
  return { text: 'NOT ACKED', tone: 'warn' };
}

/** Lines the paging block wants: its header, a notice, one per target. */
export function pagingLineCount(p: PagingView | null | undefined): number {
  if (!p) return 0;
  return 1 + (p.needsModule || (p.notice !== null && p.targets.length === 0) ? 1 : 0) + p.targets.length;
}

function PagingLines({ paging, theme, width, lines }: { paging: PagingView; theme: Theme; width: number; lines: number }) {
  if (lines <= 0) return null;
  const mode =
    paging.disabled !== null
      ? { text: `paging OFF: ${sanitize(paging.disabled, 200)}`, tone: 'breach' as Tone }
      : paging.mode === 'record-only'
        ? { text: 'paging RECORD ONLY (pages journaled, not sent)', tone: 'warn' as Tone }
        : { text: `paging live${paging.callback ? `, ack callback ${paging.callback}` : ''}`, tone: 'muted' as Tone };
  const showNotice = paging.needsModule || (paging.notice !== null && paging.targets.length === 0);
  const targets = paging.targets.slice(0, Math.max(0, lines - 1 - (showNotice ? 1 : 0)));
  const hidden = paging.targets.length - targets.length;
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      <Text wrap="truncate-end">
        <Text {...theme.tones[mode.tone]}>{mode.text}</Text>
        <Text {...theme.tones.muted}>{`  ${paging.targets.length} paged${hidden > 0 ? ` (${hidden} more)` : ''}  a ack  m module`}</Text>
      </Text>
      {showNotice && lines > 1 ? (
        <Text wrap="truncate-end" {...theme.tones[paging.needsModule ? 'warn' : 'muted']}>
          {`  ${sanitize(paging.notice ?? '', 300)}`}
        </Text>
      ) : null}
      {targets.map((t) => {
        const d = deliveryText(t);
        const a = ackText(t);
        const stuck = t.delivery === 'retrying' || t.delivery === 'failed';
        return (
          <Text key={t.target} wrap="truncate-end">
            <Text {...theme.tones[stuck ? 'breach' : 'muted']}>{stuck ? '!' : ' '}</Text>
            <Text>{` ${sanitize(t.target, 24)} `}</Text>
            <Text {...theme.tones.muted}>{`${sanitize(t.contact, 24)} `}</Text>
            <Text {...theme.tones[severityTone(t.severity)]}>{t.severity}</Text>
            <Text>{` ${utcClock(t.firstPagedAt)}Z${t.pages > 1 ? ` x${t.pages}` : ''} `}</Text>
            <Text {...theme.tones[d.tone]}>{sanitize(d.text, 160)}</Text>
            <Text> </Text>
            <Text {...theme.tones[a.tone]}>{a.text}</Text>
            {t.nextRepageAt !== null ? <Until at={t.nextRepageAt} prefix="  re-page in " style={theme.tones.muted} /> : null}
          </Text>
        );
      })}
    </Box>
  );
}

export const EscalationPanel = memo(function EscalationPanel({ store, theme, ascii, width, height, focused }: PanelProps) {
  const rows = useStore(store, triggerRows);
  const firingCount = useStore(store, (s) => s.triggers.filter((t) => t.firing).length);
  const paging = useStore(store, (s) => s.paging ?? null);
  const ui = usePanelUi(store, 'escalation');
  const inner = frameInner(width, height);
  // The paging block takes what it needs, leaving the trigger table a header and two rows.
  const pagingLines = Math.min(pagingLineCount(paging), Math.max(paging ? 1 : 0, inner.height - 3 - 3));
  return (
    <PanelFrame
      title={PANEL_TITLES.escalation}
      number={4}
      width={width}
      height={height}
      focused={focused}
      theme={theme}
      ascii={ascii}
      filter={ui.filter}
      editingFilter={ui.editing}
      info={`${firingCount} firing  ${ui.info}`}
    >
      <SuggestionLines store={store} theme={theme} width={inner.width} />
      {paging ? <PagingLines paging={paging} theme={theme} width={inner.width} lines={pagingLines} /> : null}
      <DenseTable
        columns={TRIGGER_COLUMNS}
        rows={rows}
        rowKey={(t) => t.key}
        width={inner.width}
        height={Math.max(0, inner.height - 3 - pagingLines)}
        selected={ui.selected}
        focused={focused}
        theme={theme}
        emptyText={ui.filter ? 'no trigger matches the filter' : 'no runbook trigger has fired'}
      />
    </PanelFrame>
  );
});
