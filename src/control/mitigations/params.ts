// Mitigation parameters from text: the TUI's form fields, `key=value` words (the `:` line) or CLI
// options. Validated at the edge: an unknown key or a bad value is named, never guessed at. Each
// parameter also has its label in the runbook's words and its allowed values or format
// (PARAM_SPECS), which the form shows beside the field.
import { parseDurationMs } from '../../domain/duration.js';
import { FAILURE_CLASSES, type EpochMs, type FailureClass } from '../../core/snapshot.js';
import { REPLAY_REASON_CODES } from '../celery/types.js';
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
    case 'failureClass':
    case 'failure-class':
      if (!(FAILURE_CLASSES as readonly string[]).includes(v))
        throw new ParamError(`failure class must be one of ${FAILURE_CLASSES.join(', ')}, got "${v.slice(0, 30)}"`);
      p.failureClass = v as FailureClass;
      return;
    case 'fixCheck':
    case 'fix-check':
      if (v !== 'require' && v !== 'override') throw new ParamError(`fix check must be require or override, got "${v.slice(0, 30)}"`);
      p.fixCheck = v;
      return;
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
      // A bare size: every worker consuming the queue grows back to it.
      if (/^\d+$/.test(v)) {
        out[ALL_WORKERS] = int('restore-to', v, 1);
        p.restoreTo = out;
        return;
      }
      for (const pair of list(v)) {
        const [w, n] = pair.split('=');
        if (!w || n === undefined) throw new ParamError(`restore-to: "${pair}" is neither a pool size (8) nor worker=size`);
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

/** One parameter's value as text, as its form field and the `key=value` line write it. */
export function paramText(key: ParamName, v: MitigationParams[ParamName], now: EpochMs): string {
  if (v === undefined) return '';
  if (key === 'until') return `${Math.max(1, Math.round(((v as number) - now) / 60_000))}m`;
  if (key === 'restoreTo') {
    const entries = Object.entries(v as Record<string, number>);
    const all = (v as Record<string, number>)[ALL_WORKERS];
    return all !== undefined ? String(all) : entries.map(([w, n]) => `${w}=${n}`).join(',');
  }
  if (Array.isArray(v)) return v.join(',');
  return String(v);
}

/** The parameter line for params: every parameter set, nothing hidden (the `:` line, the record). */
export function formatParamLine(p: MitigationParams, now: EpochMs): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(p) as [ParamName, MitigationParams[ParamName]][]) {
    if (v === undefined) continue;
    parts.push(`${k}=${paramText(k, v, now)}`);
  }
  return parts.join(' ');
}

/** Checks one field's text as it is typed: null when it parses (an empty optional field is fine). */
export function checkParamText(key: ParamName, text: string, now: EpochMs): string | null {
  if (text.trim() === '') return null;
  try {
    setParam({}, key, text, now);
    return null;
  } catch (e) {
    if (e instanceof ParamError) return e.message;
    throw e;
  }
}

/** `restoreTo` key meaning every worker consuming the queue (a bare pool size). */
export const ALL_WORKERS = '*';

/** What a parameter is, in the runbook's words: the form's label, its format, its fixed choices. */
export interface ParamSpec {
  label: string;
  /** Allowed values or format, shown beside the field. */
  format: string;
  /** A closed list (reason codes, classes): any other value is refused as it is typed. */
  choices?: readonly string[];
}

export const PARAM_SPECS: Record<ParamName, ParamSpec> = {
  queue: { label: 'queue', format: 'a queue name' },
  task: { label: 'task', format: 'a task name (empty: every task)' },
  provider: { label: 'provider pool', format: 'a SERP provider pool' },
  until: { label: 'pause until', format: 'a duration (30m, 2h) or an ISO time; at most 7 days' },
  concurrency: { label: 'processes per worker', format: 'whole number >= 1' },
  replicas: { label: 'worker replicas', format: 'whole number 1-500' },
  count: { label: 'at most (dead letters)', format: 'whole number >= 1 (empty: all)' },
  campaigns: { label: 'campaigns', format: 'campaign ids, comma-separated' },
  month: { label: 'report month', format: 'YYYY-MM' },
  days: { label: 'missed days', format: 'YYYY-MM-DD, comma-separated' },
  keywords: { label: 'keywords', format: 'comma-separated' },
  scope: { label: 'write paths', format: 'non-critical (default) or a named scope' },
  reasonCode: { label: 'reason code', format: "why the replay, as the contract's codes say (section 5)", choices: REPLAY_REASON_CODES },
  overrideTask: {
    label: 'non-idempotent task to replay',
    format: 'its task name, typed again to confirm (recorded as an override; empty: idempotent tasks only)',
  },
  workers: { label: 'workers', format: 'w1@host,w2@host (empty: every worker consuming the queue)' },
  restoreTo: { label: 'pool size to restore', format: 'processes per worker (8), or worker=size,...' },
  replica: { label: 'read target', format: 'a replica name or primary (empty: the healthiest replica)' },
  renotify: { label: 'notify again', format: 'true or false', choices: ['false', 'true'] },
  failureClass: {
    label: 'failure class',
    format: 'only dead letters of this class (empty: every class)',
    choices: FAILURE_CLASSES,
  },
  fixCheck: {
    label: 'without evidence of a fix',
    format: 'require: refuse; override: replay anyway (recorded as an override)',
    choices: ['require', 'override'],
  },
};

/** Labels that differ by mitigation (the same parameter means another thing there). */
const LABELS: Record<string, Partial<Record<ParamName, ParamSpec>>> = {
  'shift-provider': {
    concurrency: { label: 'SERP requests in flight', format: 'whole number >= 1' },
    provider: { label: 'fallback pool', format: 'a SERP provider pool, not quarantined' },
  },
  'fix-deployed': {
    task: { label: 'task fixed', format: 'the task name whose fix is deployed' },
    failureClass: { label: 'failure class fixed', format: 'empty: every class', choices: FAILURE_CLASSES },
  },
  'replay-dead-letters': { task: { label: 'only task', format: 'a task in the dead letters (empty: every task)' } },
};

export function paramSpec(mitigationId: string, key: ParamName): ParamSpec {
  return LABELS[mitigationId]?.[key] ?? PARAM_SPECS[key];
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
