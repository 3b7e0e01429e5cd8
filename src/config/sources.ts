// Which live sources a configuration names, and how they are described (passwords masked). The
// Source objects themselves are built in src/sources/liveSources.ts.
import { maskUrl } from './maskUrl.js';
import { formatOrigin, type CockpitConfig, type Provenance } from './types.js';

/** With no live source configured the cockpit runs the embedded simulation. */
export function hasLiveSource(config: CockpitConfig): boolean {
  const s = config.sources;
  return s.redis !== null || s.amqp !== null || s.database !== null || s.replicas.length > 0 || s.api !== null;
}

/** One line per configured source, passwords masked, with where its URL came from. */
export function describeSources(config: CockpitConfig, provenance: Provenance = {}): string[] {
  const from = (path: string): string => {
    const o = provenance[path];
    return o ? ` (from ${formatOrigin(o)})` : '';
  };
  const s = config.sources;
  const lines: string[] = [];
  if (s.redis) lines.push(`redis: ${maskUrl(s.redis.url)} db ${s.redis.db}${from('sources.redis.url')}`);
  if (s.amqp) lines.push(`amqp: ${maskUrl(s.amqp.url)}${from('sources.amqp.url')}`);
  if (s.database) lines.push(`postgres primary: ${maskUrl(s.database.url)}${from('sources.database.url')}`);
  for (const r of s.replicas) lines.push(`postgres replica ${r.name}: ${maskUrl(r.url)}${from(`sources.replicas.${r.name}`)}`);
  if (s.api) lines.push(`api: ${maskUrl(s.api.url)}${from('sources.api.url')}`);
  if (lines.length === 0) lines.push('no live source configured: the embedded simulation runs');
  return lines;
}
