// The status bar: simulation / read-only markers, the incident, each source's freshness, the
// flash message and the main keys (from the binding registry). What it says is
// panels/status/columns.ts.
import React, { memo } from 'react';
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { useWallWithin } from '../../components/clock.js';
import { Badge, SourceBadge } from '../../components/StatusBar.js';
import { sameSources } from '../../components/sourceFreshness.js';
import { footerHintList } from '../../src/ui/registry/help.js';
import type { Binding } from '../../src/ui/registry/types.js';
import { severityOnScreen } from '../../src/ui/state/selectors.js';
import type { CockpitStore, UiState } from '../../src/ui/state/store.js';
import type { Theme } from '../../src/ui/state/theme.js';
import { useSlice } from '../common.js';
import { FLASH_MS, fitFooter, flashText, footerFirst, statusSegments } from './columns.js';

export { FLASH_MS } from './columns.js';

/** The footer: the flash while it lasts, then the key hints that fit whole (`? help` always). */
function Footer({
  flash,
  hints,
  first,
  width,
  theme,
}: {
  flash: UiState['flash'];
  hints: readonly string[];
  first: readonly string[];
  width: number;
  theme: Theme;
}) {
  const visible = useWallWithin(flash?.at ?? null, FLASH_MS);
  const f = flash && visible ? flashText(flash) : null;
  const line = fitFooter(f?.text ?? '', hints, width, first);
  return (
    <Text wrap="truncate-end">
      {f ? <Text {...theme.tones[f.tone]}>{line.flash}</Text> : null}
      <Text {...theme.tones.muted}>{line.hints}</Text>
    </Text>
  );
}

export const StatusLine = memo(function StatusLine({
  store,
  theme,
  width,
  actions,
}: {
  store: CockpitStore;
  theme: Theme;
  width: number;
  actions: readonly Binding[];
}) {
  const simulated = useStore(store, (s) => s.snapshot.simulated);
  const scenario = useStore(store, (s) => s.snapshot.scenario);
  const readonly = useStore(store, (s) => s.session.readonly);
  const readonlyReason = useStore(store, (s) => s.session.readonlyReason);
  // Each reading stamps its source: the line renders when a source's state or time changes.
  const sources = useSlice(store, (s) => s.snapshot.sources, sameSources);
  const incident = useStore(
    store,
    useShallow((s) => (s.incident ? { id: s.incident.id, state: s.incident.state, severity: s.incident.severity } : null)),
  );
  const hints = useStore(
    store,
    useShallow((s) => footerHintList(actions, s)),
  );
  const flash = useStore(store, (s) => s.ui.flash);
  const journal = useStore(store, (s) => s.journal);
  const severity = useStore(store, severityOnScreen);
  const ascii = useStore(store, (s) => s.session.ascii);
  const segments = statusSegments({ simulated, scenario, readonly, readonlyReason, incident, severity, ascii, sources, journal });
  return (
    <Box flexDirection="column" width={width} height={2} flexShrink={0}>
      <Text wrap="truncate-end">
        {segments.map((seg, i) =>
          seg.kind === 'badge' ? (
            <Badge key={i} text={seg.text} tone={seg.tone} theme={theme} />
          ) : seg.kind === 'text' ? (
            <Text key={i} {...(seg.tone ? theme.tones[seg.tone] : {})}>
              {seg.text}
            </Text>
          ) : (
            <Text key={seg.source.name}>
              {seg.gap}
              <SourceBadge source={seg.source} theme={theme} />
            </Text>
          ),
        )}
      </Text>
      <Footer flash={flash} hints={hints} first={footerFirst(hints, Boolean(severity.decided))} width={width} theme={theme} />
    </Box>
  );
});
