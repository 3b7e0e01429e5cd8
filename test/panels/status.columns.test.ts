// The status bar's first line at two widths: markers, the incident, each source's freshness with
// unreachable ones first; the flash message.
import { describe, expect, it } from 'vitest';
import type { SourceStatus } from '../../src/core/snapshot.js';
import { flashText, statusLineText, statusSegments, type StatusData } from '../../panels/status/columns.js';
import { T0 } from './fixtures.js';

const redis: SourceStatus = { name: 'redis', state: 'ok', lastGoodAt: T0 - 12_000, unreachableSince: null, error: null };
const postgres: SourceStatus = {
  name: 'postgres',
  state: 'unreachable',
  lastGoodAt: T0 - 240_000,
  unreachableSince: T0 - 180_000,
  error: 'ECONNREFUSED',
};

const data: StatusData = {
  simulated: true,
  scenario: 'crawl-backlog',
  readonly: true,
  readonlyReason: 'observer',
  incident: { id: 'INC-20240601-01', state: 'open', severity: 'SEV-2' },
  sources: [redis, postgres],
};

describe('status bar columns', () => {
  it('at 100 columns: markers, incident, the unreachable source first, each with its age', () => {
    expect(statusLineText(data, 200, T0)).toBe(
      ' SIMULATION: crawl-backlog   READ-ONLY: observer  INC-20240601-01 open SEV-2  ' +
        'x postgres unreachable since 13:57:00Z (3m00s), data 4m00s old  redis 12s ago',
    );
    expect(statusLineText(data, 100, T0)).toBe(
      ' SIMULATION: crawl-backlog   READ-ONLY: observer  INC-20240601-01 open SEV-2  x postgres unreachabl…',
    );
  });

  it('at 40 columns: cut at the width', () => {
    expect(statusLineText(data, 40, T0)).toBe(' SIMULATION: crawl-backlog   READ-ONLY:…');
    expect(statusLineText({ ...data, simulated: false, readonly: false, incident: null, sources: [] }, 40, T0)).toBe(
      'no incident no data source yet',
    );
  });

  it('tones: inverse badges, the incident by its state, sources by theirs', () => {
    const segs = statusSegments(data);
    expect(segs.filter((s) => s.kind === 'badge').map((s) => s.tone)).toEqual(['warn', 'accent']);
    expect(segs.find((s) => s.kind === 'text' && s.text.startsWith('INC'))).toMatchObject({ tone: 'breach' });
    expect(segs.filter((s) => s.kind === 'source').map((s) => (s.kind === 'source' ? s.source.name : ''))).toEqual(['postgres', 'redis']);
  });

  it('the flash message says its level unless it is news', () => {
    expect(flashText({ text: 'note added', level: 'info' })).toEqual({ text: 'note added  ', tone: 'accent' });
    expect(flashText({ text: 'refused', level: 'error' })).toEqual({ text: 'error: refused  ', tone: 'breach' });
  });
});
