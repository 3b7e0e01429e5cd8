// Escalation (runbook 7): what the matrix suggests and whom to page, what the operator decided,
// who was paged (when, delivery, acknowledgement, next re-page: src/control/paging/controller.ts), and
// the runbook triggers. Moving through the triggers drives the runbook pane. What each line says
// is panels/escalation/columns.ts.
import React, { memo, useMemo } from 'react';
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { Age, Until } from '../../components/clock.js';
import { DenseTable } from '../../components/DenseTable.js';
import { PanelFrame, frameInner } from '../../components/PanelFrame.js';
import { utcClock } from '../../components/format.js';
import type { PagingView } from '../../src/core/paging.js';
import { sanitize } from '../../src/core/sanitize.js';
import { firingTriggers } from '../../src/core/triggers.js';
import { decidedSeverity, triggerRows } from '../../src/ui/state/selectors.js';
import type { Theme } from '../../src/ui/state/theme.js';
import { frameProps, usePanelUi, useSlice, type PanelProps } from '../common.js';
import { sameSuggestion, sameTriggers } from '../slices.js';
import {
  escalationSplit,
  notPagedText,
  pagingLines,
  presenceLine,
  severityTone,
  shownDecision,
  suggestionText,
  triggerTable,
} from './columns.js';

// Other views colour a severity the same way.
export { severityTone } from './columns.js';

// Suggested and decided, said as the status line and presentation say them:
// `SEV-2 suggested · SEV-1 decided by alice 2m00s ago (13:59:00Z): reason`, then whom the
// suggestion pages and why.
function SuggestionLines({ store, theme, ascii, width }: { store: PanelProps['store']; theme: Theme; ascii: boolean; width: number }) {
  const suggestion = useSlice(store, (s) => s.suggestion, sameSuggestion);
  // This incident's decision from its journal; the paging view's (the journal too) while the summary has none.
  const journalled = useStore(store, decidedSeverity);
  const fromPaging = useStore(store, (s) => (s.incident ? (s.paging?.decided ?? null) : null));
  const decision = journalled ?? fromPaging;
  const pagingModules = useStore(store, (s) => s.paging?.modules ?? null);
  const text = suggestionText(suggestion, pagingModules);
  const sep = ascii ? ' - ' : ' · ';
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      <Text wrap="truncate-end">
        <Text {...theme.tones[severityTone(suggestion.severity)]}>{suggestion.severity ?? 'no severity'}</Text>
        <Text>{' suggested'}</Text>
        <Text {...theme.tones.muted}>{sep}</Text>
        {decision ? (
          <>
            <Text {...theme.tones[severityTone(decision.severity)]} bold>
              {decision.severity}
            </Text>
            <Text>{` decided by ${sanitize(decision.by, 40)} `}</Text>
            <Age at={decision.at} />
            <Text>{` (${utcClock(decision.at)}Z): ${sanitize(decision.reason, 300)}`}</Text>
          </>
        ) : (
          <Text {...theme.tones.warn}>not decided yet (s decides)</Text>
        )}
      </Text>
      <Text wrap="truncate-end" {...theme.tones.muted}>
        {`  suggested: ${text.page.trim()}`}
      </Text>
      <Text wrap="truncate-end" {...theme.tones.muted}>
        {`  why: ${sanitize(suggestion.reason, 400)}`}
      </Text>
    </Box>
  );
}

function PagingLines({
  paging,
  notPaged,
  theme,
  width,
  lines,
}: {
  paging: PagingView;
  notPaged: string | null;
  theme: Theme;
  width: number;
  lines: number;
}) {
  if (lines <= 0) return null;
  const block = pagingLines(paging, lines, notPaged);
  const tone = (t: keyof Theme['tones'] | undefined) => (t ? theme.tones[t] : {});
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      <Text wrap="truncate-end">
        {block.head.map((s, i) => (
          <Text key={i} {...tone(s.tone)}>
            {s.text}
          </Text>
        ))}
      </Text>
      {block.notPaged ? (
        <Text wrap="truncate-end" {...tone(block.notPaged.tone)}>
          {block.notPaged.text}
        </Text>
      ) : null}
      {block.notice ? (
        <Text wrap="truncate-end" {...tone(block.notice.tone)}>
          {block.notice.text}
        </Text>
      ) : null}
      {block.targets.map((t) => (
        <Text key={t.key} wrap="truncate-end">
          {t.spans.map((s, i) => (
            <Text key={i} {...tone(s.tone)}>
              {s.text}
            </Text>
          ))}
          {t.repageAt !== null ? <Until at={t.repageAt} prefix="  re-page in " style={theme.tones.muted} /> : null}
        </Text>
      ))}
    </Box>
  );
}

/** The shared incident's line: commander, who is here, the paging sender (absent when not shared). */
function PresenceLine({ store, theme, ascii, width }: { store: PanelProps['store']; theme: Theme; ascii: boolean; width: number }) {
  const shared = useStore(store, (s) => s.shared ?? null);
  if (!shared) return null;
  return (
    <Box width={width} flexShrink={0}>
      <Text wrap="truncate-end">
        {presenceLine(shared, ascii).map((sp, i) => (
          <Text key={i} {...(sp.tone ? theme.tones[sp.tone] : {})}>
            {sp.text}
          </Text>
        ))}
      </Text>
    </Box>
  );
}

export const EscalationPanel = memo(function EscalationPanel({ store, theme, ascii, width, height, focused }: PanelProps) {
  // Triggers are evaluated again with every update: the panel renders when what it shows of them changes.
  const rows = useSlice(store, triggerRows, sameTriggers);
  const firingCount = useStore(store, (s) => firingTriggers(s.triggers).length);
  const paging = useStore(store, (s) => s.paging ?? null);
  const ui = usePanelUi(store, 'escalation');
  const inner = frameInner(width, height);
  const shared = useStore(store, (s) => (s.shared ? 1 : 0));
  // Whom the suggestion names that the decision did not page (it grew after the decision).
  const suggestion = useSlice(store, (s) => s.suggestion, sameSuggestion);
  const resolved = useStore(store, (s) => s.incident?.state === 'resolved');
  const notPaged = useMemo(() => notPagedText(suggestion, paging, { resolved }), [suggestion, paging, resolved]);
  const split = escalationSplit(inner.height - shared, paging, notPaged);
  const table = useMemo(() => triggerTable(rows, inner.width), [rows, inner.width]);
  return (
    <PanelFrame {...frameProps('escalation', { width, height, focused, theme, ascii }, ui)} info={`${firingCount} firing  ${ui.info}`}>
      <SuggestionLines store={store} theme={theme} ascii={ascii} width={inner.width} />
      <PresenceLine store={store} theme={theme} ascii={ascii} width={inner.width} />
      {paging ? <PagingLines paging={paging} notPaged={notPaged} theme={theme} width={inner.width} lines={split.paging} /> : null}
      <DenseTable
        table={table}
        rowKey={(t) => t.key}
        width={inner.width}
        height={split.triggers}
        selected={ui.selected}
        sort={ui.sort}
        ascii={ascii}
        focused={focused}
        theme={theme}
        emptyText={ui.filter ? 'no trigger matches the filter' : 'no runbook trigger has fired'}
      />
    </PanelFrame>
  );
});
