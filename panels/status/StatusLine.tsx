// The status bar: simulation / read-only markers, the incident, each source's freshness, the
// flash message and the main keys (from the action registry).
import React, { memo } from 'react';
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { useWallWithin } from '../../components/clock.js';
import { Badge, SourceBadge } from '../../components/StatusBar.js';
import { sanitize } from '../../src/core/sanitize.js';
import type { SourceStatus } from '../../src/core/snapshot.js';
import { footerHints, type Action } from '../../src/ui/registry/registry.js';
import type { CockpitStore, UiState } from '../../src/ui/state/store.js';
import type { Theme } from '../../src/ui/state/theme.js';

/** How long a flash message stays up. */
export const FLASH_MS = 15_000;

const SOURCE_ORDER: Record<SourceStatus['state'], number> = { unreachable: 0, stale: 1, connecting: 2, ok: 3, simulated: 3 };

function Flash({ flash, theme }: { flash: NonNullable<UiState['flash']>; theme: Theme }) {
  const visible = useWallWithin(flash.at, FLASH_MS);
  if (!visible) return null;
  const tone = flash.level === 'error' ? theme.tones.breach : flash.level === 'warn' ? theme.tones.warn : theme.tones.accent;
  return <Text {...tone}>{`${flash.level === 'info' ? '' : `${flash.level}: `}${sanitize(flash.text, 300)}  `}</Text>;
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
  actions: readonly Action[];
}) {
  const simulated = useStore(store, (s) => s.snapshot.simulated);
  const scenario = useStore(store, (s) => s.snapshot.scenario);
  const readonly = useStore(store, (s) => s.session.readonly);
  const readonlyReason = useStore(store, (s) => s.session.readonlyReason);
  const sources = useStore(store, (s) => s.snapshot.sources);
  const incident = useStore(
    store,
    useShallow((s) => (s.incident ? { id: s.incident.id, state: s.incident.state, severity: s.incident.severity } : null)),
  );
  const hints = useStore(store, (s) => footerHints(actions, s));
  const flash = useStore(store, (s) => s.ui.flash);
  const sorted = [...sources].sort((a, b) => SOURCE_ORDER[a.state] - SOURCE_ORDER[b.state]);
  return (
    <Box flexDirection="column" width={width} height={2} flexShrink={0}>
      <Text wrap="truncate-end">
        {simulated ? <Badge text={`SIMULATION${scenario ? `: ${sanitize(scenario, 40)}` : ''}`} tone="warn" theme={theme} /> : null}
        {simulated ? ' ' : ''}
        {readonly ? <Badge text={`READ-ONLY: ${sanitize(readonlyReason ?? 'no reason given', 80)}`} tone="accent" theme={theme} /> : null}
        {readonly ? ' ' : ''}
        {incident ? (
          <Text {...(incident.state === 'open' ? theme.tones.breach : incident.state === 'mitigated' ? theme.tones.warn : theme.tones.ok)}>
            {`${sanitize(incident.id, 40)} ${incident.state}${incident.severity ? ` ${incident.severity}` : ''}  `}
          </Text>
        ) : (
          <Text {...theme.tones.muted}>no incident </Text>
        )}
        {sorted.length === 0 ? <Text {...theme.tones.muted}>no data source yet</Text> : null}
        {sorted.map((src, i) => (
          <Text key={src.name}>
            {i > 0 ? '  ' : ''}
            <SourceBadge source={src} theme={theme} />
          </Text>
        ))}
      </Text>
      <Text wrap="truncate-end">
        {flash ? <Flash flash={flash} theme={theme} /> : null}
        <Text {...theme.tones.muted}>{hints}</Text>
      </Text>
    </Box>
  );
});
