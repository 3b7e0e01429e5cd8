// Reads and validates the YAML config file with the `yaml` package's syntax tree, so every
// problem points at its file:line:col. The result is a layer of values, each with its origin;
// load.ts lays the environment and the flags over it.
import { isMap, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { FAILURE_CLASSES, type FailureClassRule } from '../domain/failureClasses.js';
import { parseDurationMs } from '../domain/duration.js';
import { FRESHNESS_KINDS, THRESHOLD_SPECS, type ThresholdSpec } from '../domain/thresholds.js';
import { parseYaml, type YamlText } from '../domain/yaml.js';
import type { ConfigProblem } from './errors.js';
import { maskUrl } from './maskUrl.js';
import { SOURCE_NAMES, formatOrigin, type Origin, type SourceName, type TaskConfig } from './types.js';
import { REPLICA_NAME } from './urls.js';

export interface V<T> {
  value: T;
  origin: Origin;
}

export interface FileReplica {
  name: V<string>;
  url: V<string>;
}

/** Numeric thresholds by their config-file path (`queueLag`, `freshness.crawl`, ...). */
export type ThresholdValues = Partial<Record<string, V<number>>>;

export interface FileLayer {
  redis: { url?: V<string>; db?: V<number> } | null;
  amqp: { url?: V<string> } | null;
  database: { url?: V<string>; backupOkStatuses?: V<string[]> } | null;
  replicas?: V<FileReplica[]>;
  api: { url?: V<string> } | null;
  controlFlags: { url?: V<string> } | null;
  queues?: V<string[]>;
  thresholds: ThresholdValues;
  failureClasses?: V<FailureClassRule[]>;
  tasks: Record<string, V<TaskConfig>>;
  stateDir?: V<string>;
  integrityChecks?: V<string>;
  pollIntervalMs: Partial<Record<SourceName, V<number>>>;
  statementTimeoutMs?: V<number>;
  replayQuietPeriodMs?: V<number>;
  reopenWindowMs?: V<number>;
}

export function emptyLayer(): FileLayer {
  return { redis: null, amqp: null, database: null, api: null, controlFlags: null, thresholds: {}, tasks: {}, pollIntervalMs: {} };
}

/** How a number is written and checked: a threshold's spec (src/domain/thresholds.ts) or a poll interval's. */
type NumberSpec = Pick<ThresholdSpec, 'kind' | 'min' | 'max' | 'exclusiveMin'>;

/** Thresholds by their key in the file (`queueLag`, `freshness.crawl`, ...). */
const THRESHOLD_BY_KEY = new Map(THRESHOLD_SPECS.map((e) => [e.key, e]));

// `paging` is read by src/control/paging/config.ts (its own section, same file).
const TOP_KEYS = [
  'sources',
  'queues',
  'thresholds',
  'failureClasses',
  'tasks',
  'stateDir',
  'pollIntervalMs',
  'statementTimeoutMs',
  'replayQuietPeriodMs',
  'reopenWindowMs',
  'paging',
  'integrityChecks',
] as const;
const SOURCE_KEYS = ['redis', 'amqp', 'database', 'replicas', 'api', 'controlFlags'] as const;
const THRESHOLD_KEYS = [...THRESHOLD_SPECS.filter((e) => 'field' in e).map((e) => e.key), 'freshness'];

/** Walks the syntax tree, collecting problems instead of stopping at the first. */
class Walker {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly yaml: YamlText) {}

  origin(node: Node | null | undefined, fallback?: Node | null): Origin {
    const p = this.yaml.position(node, fallback) ?? { line: 1, col: 1 };
    return { kind: 'file', file: this.yaml.file, line: p.line, col: p.col };
  }

  problem(node: Node | null | undefined, path: string, message: string, fallback?: Node | null): void {
    this.problems.push({ origin: formatOrigin(this.origin(node, fallback)), path, message: `${path}: ${message}` });
  }

  resolve(node: unknown): Node | null {
    return this.yaml.resolve(node);
  }

  /** What a node is; a URL in a string is shown masked. */
  describe(node: Node | null): string {
    return this.yaml.describe(node, maskUrl);
  }

  /** Entries of a mapping; unknown keys are problems (named with the keys that are allowed). */
  entries(
    node: Node | null,
    path: string,
    allowed: readonly string[] | null,
    keyNode?: Node | null,
  ): { key: string; keyNode: Scalar; value: Node | null }[] {
    if (!isMap(node)) {
      this.problem(node, path, `expected a mapping, got ${this.describe(node)}`, keyNode);
      return [];
    }
    const out: { key: string; keyNode: Scalar; value: Node | null }[] = [];
    for (const item of (node as YAMLMap).items as Pair<unknown, unknown>[]) {
      const k = item.key;
      if (!isScalar(k) || (typeof k.value !== 'string' && typeof k.value !== 'number')) {
        this.problem(k as Node, path, 'keys must be plain names', node);
        continue;
      }
      const key = String(k.value);
      const full = path ? `${path}.${key}` : key;
      if (allowed && !allowed.includes(key)) {
        this.problem(k, full, `unknown key "${key}"${path ? ` in ${path}` : ''} (expected one of: ${allowed.join(', ')})`);
        continue;
      }
      out.push({ key, keyNode: k, value: this.resolve(item.value) });
    }
    return out;
  }

  string(node: Node | null, path: string, keyNode: Node): V<string> | undefined {
    if (isScalar(node) && typeof node.value === 'string' && node.value.trim() !== '') {
      return { value: node.value.trim(), origin: this.origin(node) };
    }
    this.problem(node, path, `expected a non-empty string, got ${this.describe(node)}`, keyNode);
    return undefined;
  }

  bool(node: Node | null, path: string, keyNode: Node): V<boolean> | undefined {
    if (isScalar(node) && typeof node.value === 'boolean') return { value: node.value, origin: this.origin(node) };
    this.problem(node, path, `expected true or false, got ${this.describe(node)}`, keyNode);
    return undefined;
  }

  strings(node: Node | null, path: string, keyNode: Node): V<string[]> | undefined {
    if (!isSeq(node)) {
      this.problem(node, path, `expected a list of strings, got ${this.describe(node)}`, keyNode);
      return undefined;
    }
    const out: string[] = [];
    let ok = true;
    node.items.forEach((raw, i) => {
      const item = this.resolve(raw);
      const v = this.string(item, `${path}[${i}]`, node);
      if (v) out.push(v.value);
      else ok = false;
    });
    return ok ? { value: out, origin: this.origin(node) } : undefined;
  }

  /**
   * A number within bounds. `unitMs` for durations: a bare number is in that unit (1000 for
   * seconds, 1 for milliseconds), a string carries its own units ("15m"). Returns the value in
   * the key's unit.
   */
  number(node: Node | null, path: string, keyNode: Node, spec: NumberSpec & { unitMs?: number }): V<number> | undefined {
    let v: number | null = null;
    if (isScalar(node) && typeof node.value === 'number' && Number.isFinite(node.value)) v = node.value;
    else if (spec.kind === 'duration' && isScalar(node) && typeof node.value === 'string') {
      const ms = parseDurationMs(node.value);
      if (ms === null) {
        this.problem(
          node,
          path,
          `bad duration ${JSON.stringify(node.value)} (a number, or with units: ms, s, m, h, d, such as "15m" or "1h30m")`,
        );
        return undefined;
      }
      v = ms / (spec.unitMs ?? 1000);
    }
    if (v === null) {
      const what =
        spec.kind === 'duration' ? 'a duration such as "15m" or a number' : spec.kind === 'count' ? 'a whole number' : 'a number';
      this.problem(node, path, `expected ${what}, got ${this.describe(node)}`, keyNode);
      return undefined;
    }
    if (spec.kind === 'count' && !Number.isInteger(v)) return this.fail(node, path, `expected a whole number, got ${v}`);
    if (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) {
      return this.fail(node, path, `must be ${spec.exclusiveMin ? 'more than' : 'at least'} ${spec.min}, got ${v}`);
    }
    if (spec.max !== undefined && v > spec.max) return this.fail(node, path, `must be at most ${spec.max}, got ${v}`);
    return { value: v, origin: this.origin(node) };
  }

  private fail(node: Node | null, path: string, message: string): undefined {
    this.problem(node, path, message);
    return undefined;
  }
}

function sourceUrl(
  w: Walker,
  value: Node | null,
  path: string,
  keyNode: Node,
  extra: readonly string[] = [],
): { url?: V<string>; rest: { key: string; keyNode: Scalar; value: Node | null }[] } {
  const es = w.entries(value, path, ['url', ...extra], keyNode);
  const out: { url?: V<string>; rest: typeof es } = { rest: es.filter((e) => e.key !== 'url') };
  const u = es.find((e) => e.key === 'url');
  if (u) {
    const v = w.string(u.value, `${path}.url`, u.keyNode);
    if (v) out.url = v;
  }
  return out;
}

function readSources(w: Walker, node: Node | null, keyNode: Node, layer: FileLayer): void {
  for (const e of w.entries(node, 'sources', SOURCE_KEYS, keyNode)) {
    const path = `sources.${e.key}`;
    // `redis: ~` says "no Redis" explicitly; the same as leaving the key out.
    if (e.value === null || (isScalar(e.value) && e.value.value === null)) continue;
    switch (e.key) {
      case 'redis': {
        const s = sourceUrl(w, e.value, path, e.keyNode, ['db']);
        layer.redis = {};
        if (s.url) layer.redis.url = s.url;
        for (const r of s.rest) {
          const db = w.number(r.value, `${path}.db`, r.keyNode, { kind: 'count', min: 0 });
          if (db) layer.redis.db = db;
        }
        break;
      }
      case 'amqp': {
        const s = sourceUrl(w, e.value, path, e.keyNode);
        layer.amqp = s.url ? { url: s.url } : {};
        break;
      }
      case 'api': {
        const s = sourceUrl(w, e.value, path, e.keyNode);
        layer.api = s.url ? { url: s.url } : {};
        break;
      }
      case 'controlFlags': {
        const s = sourceUrl(w, e.value, path, e.keyNode);
        layer.controlFlags = s.url ? { url: s.url } : {};
        break;
      }
      case 'database': {
        const s = sourceUrl(w, e.value, path, e.keyNode, ['backupOkStatuses']);
        layer.database = s.url ? { url: s.url } : {};
        for (const r of s.rest) {
          const list = w.strings(r.value, `${path}.backupOkStatuses`, r.keyNode);
          if (list) layer.database.backupOkStatuses = { value: list.value.map((x) => x.toLowerCase()), origin: list.origin };
        }
        break;
      }
      case 'replicas': {
        if (!isSeq(e.value)) {
          w.problem(e.value, path, `expected a list of {name, url}, got ${w.describe(e.value)}`, e.keyNode);
          break;
        }
        const items: FileReplica[] = [];
        e.value.items.forEach((raw, i) => {
          const item = w.resolve(raw);
          const ip = `${path}[${i}]`;
          const es = w.entries(item, ip, ['name', 'url'], e.value);
          const nameE = es.find((x) => x.key === 'name');
          const urlE = es.find((x) => x.key === 'url');
          if (!nameE || !urlE) {
            if (isMap(item)) w.problem(item, ip, `needs both name and url (missing ${!nameE ? 'name' : 'url'})`);
            return;
          }
          const name = w.string(nameE.value, `${ip}.name`, nameE.keyNode);
          const url = w.string(urlE.value, `${ip}.url`, urlE.keyNode);
          if (name && !REPLICA_NAME.test(name.value)) {
            w.problem(
              nameE.value,
              `${ip}.name`,
              `must be 1-63 letters, digits, "_", ".", ":" or "-" (it is matched against the standby's application_name), got ${JSON.stringify(name.value)}`,
            );
            return;
          }
          if (name && url) items.push({ name, url });
        });
        layer.replicas = { value: items, origin: w.origin(e.value) };
        break;
      }
    }
  }
}

function readThresholds(w: Walker, node: Node | null, keyNode: Node, layer: FileLayer): void {
  for (const e of w.entries(node, 'thresholds', THRESHOLD_KEYS, keyNode)) {
    if (e.key === 'freshness') {
      for (const f of w.entries(e.value, 'thresholds.freshness', FRESHNESS_KINDS, e.keyNode)) {
        const key = `freshness.${f.key}`;
        const v = w.number(f.value, `thresholds.${key}`, f.keyNode, THRESHOLD_BY_KEY.get(key) as ThresholdSpec);
        if (v) layer.thresholds[key] = v;
      }
      continue;
    }
    const v = w.number(e.value, `thresholds.${e.key}`, e.keyNode, THRESHOLD_BY_KEY.get(e.key) as ThresholdSpec);
    if (v) layer.thresholds[e.key] = v;
  }
}

function readFailureClasses(w: Walker, node: Node | null, keyNode: Node, layer: FileLayer): void {
  if (!isSeq(node)) {
    w.problem(node, 'failureClasses', `expected a list of rules ({class, names, prefixes, suffixes}), got ${w.describe(node)}`, keyNode);
    return;
  }
  const classes = FAILURE_CLASSES.filter((c) => c !== 'unclassified');
  const rules: FailureClassRule[] = [];
  node.items.forEach((raw, i) => {
    const item = w.resolve(raw);
    const path = `failureClasses[${i}]`;
    const rule: FailureClassRule = { failureClass: 'transient', names: [], prefixes: [], suffixes: [] };
    let hasClass = false;
    let classKey = false;
    for (const e of w.entries(item, path, ['class', 'names', 'prefixes', 'suffixes'], node)) {
      if (e.key === 'class') {
        classKey = true;
        const c = w.string(e.value, `${path}.class`, e.keyNode);
        if (c && (classes as readonly string[]).includes(c.value)) {
          rule.failureClass = c.value as FailureClassRule['failureClass'];
          hasClass = true;
        } else if (c)
          w.problem(
            e.value,
            `${path}.class`,
            `must be one of ${classes.join(', ')} (a name no rule matches is unclassified), got ${JSON.stringify(c.value)}`,
          );
      } else {
        const list = w.strings(e.value, `${path}.${e.key}`, e.keyNode);
        if (list) rule[e.key as 'names' | 'prefixes' | 'suffixes'] = list.value;
      }
    }
    if (!classKey && isMap(item)) w.problem(item, path, 'needs a class');
    if (hasClass) rules.push(rule);
  });
  layer.failureClasses = { value: rules, origin: w.origin(node) };
}

function readTasks(w: Walker, node: Node | null, keyNode: Node, layer: FileLayer): void {
  for (const e of w.entries(node, 'tasks', null, keyNode)) {
    const path = `tasks.${e.key}`;
    for (const t of w.entries(e.value, path, ['idempotent'], e.keyNode)) {
      const v = w.bool(t.value, `${path}.idempotent`, t.keyNode);
      if (v) layer.tasks[e.key] = { value: { idempotent: v.value }, origin: v.origin };
    }
  }
}

/** Parses and validates config text. `file` names it in every problem. */
export function readConfigText(text: string, file: string): { layer: FileLayer; problems: ConfigProblem[] } {
  const yaml = parseYaml(text, file);
  const layer = emptyLayer();
  const w = new Walker(yaml);
  if (yaml.problems.length > 0) {
    // The yaml package's message may quote the text, URLs and their passwords included.
    for (const p of yaml.problems) w.problems.push({ origin: yaml.whereProblem(p), path: '', message: maskAllUrls(p.message) });
    return { layer, problems: w.problems };
  }
  const root = yaml.root();
  // An empty file is an empty configuration.
  if (root === null || (isScalar(root) && root.value === null)) return { layer, problems: [] };
  for (const e of w.entries(root, '', TOP_KEYS)) {
    switch (e.key) {
      case 'sources':
        readSources(w, e.value, e.keyNode, layer);
        break;
      case 'queues': {
        const q = w.strings(e.value, 'queues', e.keyNode);
        if (!q) break;
        const dup = q.value.find((x, i) => q.value.indexOf(x) !== i);
        if (dup !== undefined) w.problem(e.value, 'queues', `queue ${JSON.stringify(dup)} listed twice`);
        else if (q.value.length === 0) w.problem(e.value, 'queues', 'needs at least one queue');
        else layer.queues = q;
        break;
      }
      case 'thresholds':
        readThresholds(w, e.value, e.keyNode, layer);
        break;
      case 'failureClasses':
        readFailureClasses(w, e.value, e.keyNode, layer);
        break;
      case 'tasks':
        readTasks(w, e.value, e.keyNode, layer);
        break;
      case 'integrityChecks': {
        // A YAML file of read-only checks (src/control/integrity/config.ts), relative to this file.
        const v = w.string(e.value, 'integrityChecks', e.keyNode);
        if (v) layer.integrityChecks = v;
        break;
      }
      case 'stateDir': {
        const v = w.string(e.value, 'stateDir', e.keyNode);
        if (v) layer.stateDir = v;
        break;
      }
      case 'pollIntervalMs': {
        for (const p of w.entries(e.value, 'pollIntervalMs', SOURCE_NAMES, e.keyNode)) {
          const v = w.number(p.value, `pollIntervalMs.${p.key}`, p.keyNode, { kind: 'duration', min: 100, unitMs: 1 });
          if (v) layer.pollIntervalMs[p.key as SourceName] = v;
        }
        break;
      }
      case 'statementTimeoutMs': {
        const v = w.number(e.value, 'statementTimeoutMs', e.keyNode, { kind: 'duration', min: 100, max: 600_000, unitMs: 1 });
        if (v) layer.statementTimeoutMs = v;
        break;
      }
      case 'replayQuietPeriodMs': {
        const v = w.number(e.value, 'replayQuietPeriodMs', e.keyNode, { kind: 'duration', min: 0, max: 86_400_000, unitMs: 1 });
        if (v) layer.replayQuietPeriodMs = v;
        break;
      }
      case 'reopenWindowMs': {
        // After a resolve, a trigger firing again within this offers to reopen the incident (src/core/lifecycle.ts).
        const v = w.number(e.value, 'reopenWindowMs', e.keyNode, { kind: 'duration', min: 0, max: 86_400_000, unitMs: 1 });
        if (v) layer.reopenWindowMs = v;
        break;
      }
    }
  }
  return { layer, problems: w.problems };
}

function maskAllUrls(s: string): string {
  return s.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi, (m) => maskUrl(m));
}
