// Presentation mode for the war-room projector (120x40 to 240x70): the severity and the elapsed
// time in block letters, the runbook section of the most serious trigger, the figures that
// matter with their trend and line, the mitigations in force and the last timeline entries.
// What it says is panels/presentation/columns.ts; this only draws those lines.
import React, { memo, useMemo } from 'react';
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { useAgo } from '../../components/clock.js';
import { runbookFocus, severityOnScreen } from '../../src/ui/state/selectors.js';
import type { CockpitState, CockpitStore } from '../../src/ui/state/store.js';
import type { Theme } from '../../src/ui/state/theme.js';
import { useSlice } from '../common.js';
import { sameRunbookFocus, sameSuggestion, sameTriggers } from '../slices.js';
import { bandHeight, bandLines, bodyLines, presentationScale, type PresentationData, type ScreenLine } from './columns.js';

const NO_IN_FORCE: NonNullable<CockpitState['mitigations']>['inForce'] = [];

function incidentOf(s: CockpitState): PresentationData['incident'] {
  const i = s.incident;
  return i ? { id: i.id, state: i.state, startedAt: i.startedAt, openedBy: i.commander ?? null, entries: i.entries } : null;
}

function Band({ store, theme, ascii, width, scale }: { store: CockpitStore; theme: Theme; ascii: boolean; width: number; scale: 1 | 2 }) {
  const severity = useStore(store, severityOnScreen);
  const suggestion = useSlice(store, (s) => s.suggestion, sameSuggestion);
  const incident = useStore(store, useShallow(incidentOf));
  const paging = useStore(store, (s) => s.paging ?? null);
  const started = incident ? Date.parse(incident.startedAt) : NaN;
  // The elapsed time by the cockpit's clock (the simulation's in a simulation).
  const elapsed = useAgo(Number.isFinite(started) ? started : null, '');
  const band = bandLines({ severity, suggestion, incident, paging }, elapsed === '' ? null : elapsed, width, ascii, scale);
  const tone = theme.tones[band.tone];
  return (
    <Box flexDirection="column" width={width} height={bandHeight(scale)} flexShrink={0}>
      {band.lines.map((l, i) => (
        <Text key={i} wrap="truncate-end" color={tone.color} bold inverse>
          {l}
        </Text>
      ))}
    </Box>
  );
}

function Line({ line, theme }: { line: ScreenLine; theme: Theme }) {
  return (
    <Text wrap="truncate-end" bold={line.bold ?? false} inverse={line.inverse ?? false} {...(line.tone ? theme.tones[line.tone] : {})}>
      {line.text === '' ? ' ' : line.text}
    </Text>
  );
}

export const Presentation = memo(function Presentation({
  store,
  theme,
  ascii,
  width,
  height,
}: {
  store: CockpitStore;
  theme: Theme;
  ascii: boolean;
  width: number;
  height: number;
}) {
  const severity = useStore(store, severityOnScreen);
  const suggestion = useSlice(store, (s) => s.suggestion, sameSuggestion);
  const focus = useSlice(store, runbookFocus, sameRunbookFocus);
  const triggers = useSlice(store, (s) => s.triggers, sameTriggers);
  const trends = useStore(store, (s) => s.trends.series);
  const incident = useStore(store, useShallow(incidentOf));
  const paging = useStore(store, (s) => s.paging ?? null);
  const inForceRaw = useStore(store, (s) => s.mitigations?.inForce ?? NO_IN_FORCE);
  const inForce = useMemo(
    () => inForceRaw.map((m) => ({ action: m.kind, target: m.target, by: m.by, until: m.until, drift: m.drift })),
    [inForceRaw],
  );
  const scale = presentationScale(width, height);
  const bodyHeight = Math.max(0, height - bandHeight(scale) - 1);
  const lines = useMemo(
    () => bodyLines({ severity, suggestion, focus, triggers, trends, incident, paging, inForce }, width, bodyHeight, ascii),
    [severity, suggestion, focus, triggers, trends, incident, paging, inForce, width, bodyHeight, ascii],
  );
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Band store={store} theme={theme} ascii={ascii} width={width} scale={scale} />
      <Box height={1} />
      <Box flexDirection="column" width={width} height={bodyHeight}>
        {lines.map((l, i) => (
          <Line key={i} line={l} theme={theme} />
        ))}
      </Box>
    </Box>
  );
});
