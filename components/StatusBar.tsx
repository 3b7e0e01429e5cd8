// Status bar pieces: a badge (SIMULATION, READ-ONLY) and a data source's freshness, whose ages
// tick on their own (components/sourceFreshness.ts says what it reads).
import React, { memo } from 'react';
import { Text } from 'ink';
import type { SourceStatus } from '../src/core/snapshot.js';
import type { Theme, Tone } from '../src/ui/state/theme.js';
import { Age } from './clock.js';
import { sourceFreshness } from './sourceFreshness.js';

/** An inverse label that reads without colour. */
export function Badge({ text, tone, theme }: { text: string; tone: Tone; theme: Theme }) {
  const t = theme.tones[tone];
  return (
    <Text color={t.color} bold inverse>
      {` ${text} `}
    </Text>
  );
}

export const SourceBadge = memo(function SourceBadge({ source, theme }: { source: SourceStatus; theme: Theme }) {
  const { parts, tone } = sourceFreshness(source);
  return (
    <Text {...theme.tones[tone]}>
      {parts.map((p, i) => (typeof p === 'string' ? p : <Age key={i} at={p.since} suffix={p.suffix} none={p.none} />))}
    </Text>
  );
});
