// Status bar pieces: a badge (SIMULATION, READ-ONLY) and a data source's freshness.
import React, { memo } from 'react';
import { Text } from 'ink';
import type { SourceStatus } from '../src/core/snapshot.js';
import { sanitize } from '../src/core/sanitize.js';
import type { Theme, Tone } from '../src/ui/state/theme.js';
import { Age } from './clock.js';
import { utcClock } from './format.js';

/** An inverse label that reads without colour. */
export function Badge({ text, tone, theme }: { text: string; tone: Tone; theme: Theme }) {
  const t = theme.tones[tone];
  return (
    <Text color={t.color} bold inverse>
      {` ${text} `}
    </Text>
  );
}

/**
 * `redis 2s`, `pg stale 45s`, `rabbit unreachable since 14:02:11Z (3m10s)`. The state word is
 * always written out: colour only repeats it.
 */
export const SourceBadge = memo(function SourceBadge({ source, theme }: { source: SourceStatus; theme: Theme }) {
  const name = sanitize(source.name, 24);
  switch (source.state) {
    case 'unreachable':
      return (
        <Text {...theme.tones.breach}>
          {`x ${name} unreachable`}
          {source.unreachableSince !== null ? ` since ${utcClock(source.unreachableSince)}Z (` : ''}
          {source.unreachableSince !== null ? <Age at={source.unreachableSince} suffix="" /> : null}
          {source.unreachableSince !== null ? ')' : ''}
          {source.lastGoodAt !== null ? ', data ' : ''}
          {source.lastGoodAt !== null ? <Age at={source.lastGoodAt} suffix=" old" /> : null}
        </Text>
      );
    case 'stale':
      return (
        <Text {...theme.tones.warn}>
          {`~ ${name} stale `}
          <Age at={source.lastGoodAt} none="no data" />
        </Text>
      );
    case 'connecting':
      return <Text {...theme.tones.muted}>{`… ${name} connecting`}</Text>;
    default:
      return (
        <Text {...theme.tones.ok}>
          {`${name} `}
          <Age at={source.lastGoodAt} none="no data" />
        </Text>
      );
  }
});
