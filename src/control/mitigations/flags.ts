// The control flags LSOS honours (contract section 6), all on Redis db 0. Names and value shapes
// live here once, for the live backend, the drift check and the tests.
import type { EpochMs } from '../../core/snapshot.js';

export const FLAG_DB = 0;

export const flagKeys = {
  pause: (task: string) => `lsos:pause:${task}`,
  providerState: (pool: string) => `lsos:provider:${pool}:state`,
  providerActive: 'lsos:provider:active',
  providerConcurrency: (pool: string) => `lsos:provider:${pool}:concurrency`,
  pacing: 'lsos:pacing:profile',
  writesFrozen: 'lsos:writes:frozen',
  readTarget: 'lsos:db:read_target',
} as const;

/** `lsos:pause:<task>`: who, why, when, until (ISO 8601 UTC); the key's TTL ends at `until`. */
export interface PauseValue {
  by: string;
  reason: string;
  at: string;
  until: string;
}

/** `lsos:writes:frozen`. */
export interface FrozenValue {
  by: string;
  reason: string;
  at: string;
  scope: string;
}

export const iso = (ms: EpochMs): string => new Date(ms).toISOString();

/** A flag value read back: the JSON object, or null when it is not the expected shape. */
export function parsePauseValue(raw: string | null): PauseValue | null {
  const o = parseObject(raw);
  if (!o) return null;
  const { by, reason, at, until } = o;
  return [by, reason, at, until].every((v) => typeof v === 'string') ? ({ by, reason, at, until } as PauseValue) : null;
}

export function parseFrozenValue(raw: string | null): FrozenValue | null {
  const o = parseObject(raw);
  if (!o) return null;
  const { by, reason, at, scope } = o;
  return [by, reason, at, scope].every((v) => typeof v === 'string') ? ({ by, reason, at, scope } as FrozenValue) : null;
}

function parseObject(raw: string | null): Record<string, unknown> | null {
  if (raw === null || raw.length > 64 * 1024) return null;
  try {
    const v = JSON.parse(raw) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
