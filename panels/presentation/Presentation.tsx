// Presentation mode for the war-room screen share: a tall, full-width, high-contrast severity
// band, then only the figures that matter: firing triggers, worst queue lags, replica lag.
import React, { memo } from 'react';
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import stringWidth from 'string-width';
import { bigText, BIG_TEXT_HEIGHT } from '../../components/BigText.js';
import { fitWidth, formatDuration, formatLag, padTo, utcClock } from '../../components/format.js';
import { sanitize } from '../../src/core/sanitize.js';
import type { CockpitStore } from '../../src/ui/state/store.js';
import type { Theme } from '../../src/ui/state/theme.js';
import { severityTone } from '../escalation/EscalationPanel.js';

export const BANNER_HEIGHT = BIG_TEXT_HEIGHT + 2;

function Banner({ store, theme, ascii, width }: { store: CockpitStore; theme: Theme; ascii: boolean; width: number }) {
  const decision = useStore(store, (s) => s.decision);
  const suggestion = useStore(store, (s) => s.suggestion);
  const top = useStore(store, (s) => s.triggers.find((t) => t.firing) ?? null);
  const incident = useStore(store, (s) => (s.incident ? `${s.incident.id} ${s.incident.state}` : null));
  const severity = decision?.severity ?? suggestion.severity;
  const label = severity ?? 'OK';
  const tone = theme.tones[severityTone(severity)];
  const big = bigText(label, ascii);
  const bigWidth = Math.max(...big.map((r) => stringWidth(r)));
  const rightWidth = Math.max(0, width - bigWidth - 6);
  const right = [
    decision
      ? `DECIDED ${decision.severity} by ${sanitize(decision.by, 30)} at ${utcClock(decision.at)}Z`
      : severity
        ? `SUGGESTED ${severity} (not decided yet)`
        : 'NO RUNBOOK TRIGGER FIRING',
    top ? `${top.title}: ${sanitize(top.target, 40)}` : '',
    top ? sanitize(top.detail, 200) : sanitize(suggestion.reason, 200),
    suggestion.page.length > 0 ? `page: ${sanitize(suggestion.page.join(', '), 200)}` : '',
    incident ? `incident ${sanitize(incident, 80)}` : 'no incident open',
  ];
  // Every line padded to the full width so the band is solid, in colour or in mono (inverse).
  const lines = ['', ...big.map((row, i) => `  ${padTo(row, bigWidth)}    ${fitWidth(right[i] ?? '', rightWidth)}`), ''];
  return (
    <Box flexDirection="column" width={width} height={BANNER_HEIGHT} flexShrink={0}>
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate-end" color={tone.color} bold inverse>
          {padTo(fitWidth(l, width), width)}
        </Text>
      ))}
    </Box>
  );
}

function Column({
  title,
  lines,
  width,
  height,
  theme,
}: {
  title: string;
  lines: Array<{ text: string; breach: boolean }>;
  width: number;
  height: number;
  theme: Theme;
}) {
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0} paddingRight={1}>
      <Text wrap="truncate-end" {...theme.tones.accent} underline>
        {title}
      </Text>
      {lines.length === 0 ? (
        <Text {...theme.tones.ok}>none</Text>
      ) : (
        lines.slice(0, Math.max(0, height - 1)).map((l, i) => (
          <Text key={i} wrap="truncate-end" bold {...(l.breach ? theme.tones.breach : {})}>
            {l.text}
          </Text>
        ))
      )}
    </Box>
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
  const triggers = useStore(store, (s) => s.triggers);
  const queues = useStore(store, (s) => s.snapshot.queues);
  const replicas = useStore(store, (s) => s.snapshot.database.replicas);
  const limits = useStore(store, (s) => s.session.thresholds);
  const firing = triggers.filter((t) => t.firing).map((t) => ({ text: `! ${sanitize(t.detail, 200)}`, breach: true }));
  const worst = [...queues]
    .filter((q) => q.lagSeconds !== null)
    .sort((a, b) => (b.lagSeconds ?? 0) - (a.lagSeconds ?? 0))
    .slice(0, 8)
    .map((q) => ({
      text: `${sanitize(q.name, 30)}  ${formatLag(q.lagSeconds, q.lagMethod)}  depth ${q.depth}`,
      breach: (q.lagSeconds ?? 0) > limits.queueLagSeconds,
    }));
  const reps = replicas.map((r) => ({
    text: `${sanitize(r.name, 30)}  ${!r.reachable ? 'unreachable' : r.lagSeconds === null ? '?' : formatDuration(r.lagSeconds)}${r.replayPaused ? '  paused' : ''}`,
    breach: !r.reachable || (r.lagSeconds ?? 0) > limits.replicaLagSeconds,
  }));
  const bodyHeight = Math.max(0, height - BANNER_HEIGHT - 1);
  const col = Math.floor(width / 3);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Banner store={store} theme={theme} ascii={ascii} width={width} />
      <Box height={1} />
      <Box flexDirection="row" width={width} height={bodyHeight}>
        <Column title={`FIRING TRIGGERS (${firing.length})`} lines={firing} width={width - 2 * col} height={bodyHeight} theme={theme} />
        <Column title="WORST QUEUE LAG" lines={worst} width={col} height={bodyHeight} theme={theme} />
        <Column title="REPLICA LAG" lines={reps} width={col} height={bodyHeight} theme={theme} />
      </Box>
    </Box>
  );
});
