// Mitigation parameters from text: `key=value` words (the TUI's parameter line) or CLI options.
// Validated at the edge: an unknown key or a bad value is named, never guessed at.
import { parseDurationMs } from '../../config/duration.js';
import type { EpochMs } from '../../core/snapshot.js';
import type { MitigationParams, ParamName } from './types.js';

export class ParamError extends Error {
  override name = 'ParamError';
}

const NAME = /^[A-Za-z0-9_.:@\-]{1,200}$/;
const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function name(key: string, v: string): string {
  if (!NAME.test(v)) throw new ParamError(`${key}: "${v.slice(0, 60)}" is not a valid name (letters, digits, . _ - : @)`);
  return v;
}

function int(key: string, v: string, min: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min)
    throw new ParamError(`${key} must be a whole number >= ${min}, got "${v.slice(0, 20)}"`);
  return n;
}

/** Sets one parameter from its text; `until` takes a duration (`30m`) or an ISO time. */
export function setParam(p: MitigationParams, key: string, value: string, now: EpochMs): void {
  const v = value.trim();
  switch (key) {
    case 'queue':
    case 'task':
    case 'provider':
    case 'month':
    case 'scope':
    case 'replica':
    case 'overrideTask':
    case 'override-task':
    case 'reasonCode':
    case 'reason-code': {
      const k = ({ 'override-task': 'overrideTask', 'reason-code': 'reasonCode' } as Record<string, ParamName>)[key] ?? (key as ParamName);
      (p as Record<string, unknown>)[k] = name(key, v);
      return;
    }
    case 'until': {
      const d = parseDurationMs(v);
      const t = d !== null ? now + d : Date.parse(v);
      if (!Number.isFinite(t)) throw new ParamError(`until: "${v.slice(0, 40)}" is neither a duration (30m, 2h) nor an ISO time`);
      p.until = t;
      return;
    }
    case 'concurrency':
      p.concurrency = int(key, v, 1);
      return;
    case 'replicas':
      p.replicas = int(key, v, 1);
      return;
    case 'count':
      p.count = int(key, v, 1);
      return;
    case 'renotify':
      if (v !== 'true' && v !== 'false') throw new ParamError(`renotify must be true or false, got "${v.slice(0, 20)}"`);
      p.renotify = v === 'true';
      return;
    case 'campaigns':
    case 'days':
    case 'keywords':
    case 'workers':
      p[key] = list(v).map((x) => name(key, x));
      return;
    case 'restoreTo':
    case 'restore-to': {
      const out: Record<string, number> = {};
      for (const pair of list(v)) {
        const [w, n] = pair.split('=');
        if (!w || n === undefined) throw new ParamError(`restore-to: "${pair}" is not worker=size`);
        out[name('restore-to', w)] = int('restore-to', n, 1);
      }
      p.restoreTo = out;
      return;
    }
    default:
      throw new ParamError(`unknown parameter "${key.slice(0, 40)}"`);
  }
}

/** `queue=crawl concurrency=2 until=30m` -> params. */
export function parseParamLine(text: string, now: EpochMs, base: MitigationParams = {}): MitigationParams {
  const p: MitigationParams = { ...base };
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    const i = word.indexOf('=');
    if (i <= 0) throw new ParamError(`"${word.slice(0, 40)}" is not key=value`);
    setParam(p, word.slice(0, i), word.slice(i + 1), now);
  }
  return p;
}

/** The parameter line for params (the TUI prefills it so the operator can edit it). */
export function formatParamLine(p: MitigationParams, now: EpochMs): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined || k === 'reasonCode' || k === 'overrideTask') continue;
    if (k === 'until') parts.push(`until=${Math.max(1, Math.round(((v as number) - now) / 60_000))}m`);
    else if (k === 'restoreTo')
      parts.push(
        `restoreTo=${Object.entries(v as Record<string, number>)
          .map(([w, n]) => `${w}=${n}`)
          .join(',')}`,
      );
    else if (Array.isArray(v)) parts.push(`${k}=${v.join(',')}`);
    else parts.push(`${k}=${String(v)}`);
  }
  return parts.join(' ');
}

/** Parameters as recorded (JSON-safe, `until` as ISO). */
export function paramsForRecord(p: MitigationParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined) continue;
    out[k] = k === 'until' ? new Date(v as number).toISOString() : v;
  }
  return out;
}
