// Scenario files: parsing, validation (hand-rolled, over the YAML syntax tree so every error has
// a line and column), merging over the default topology, and finding them on disk.
//
// A scenario states what differs from a healthy LSOS day (src/sources/sim/catalog.ts) and schedules
// perturbations at offsets from the start. JSON files are read by the same parser (JSON is YAML).

import { existsSync, readdirSync } from 'node:fs';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import type { Node, YAMLMap } from 'yaml';
import { FAILURE_CLASSES, type FailureClass } from '../../core/snapshot.js';
import { isSeverity, SEVERITIES } from '../../core/incident.js';
import { campaignsIn, SIGNAL_DEFAULT_SEVERITY } from '../../core/signals.js';
import { LSOS_QUEUES } from '../../domain/queues.js';
import { parseYaml } from '../../domain/yaml.js';
import {
  DEFAULT_CAMPAIGNS,
  defaultDatabase,
  defaultProviderPools,
  defaultQueues,
  defaultTasks,
  defaultWorkerPools,
  makeTask,
} from './catalog.js';
import { classifyException } from '../../domain/failureClasses.js';
import { InputFileError, readInputFile } from '../../config/inputFile.js';
import { scenariosDir } from './package-root.js';
import { ScenarioError } from './scenario-error.js';
import type {
  ProviderPoolSpec,
  QueueSpec,
  ReportRole,
  Scenario,
  ScenarioEvent,
  ScenarioEventKind,
  TaskSpec,
  WorkerPoolSpec,
  WriteKind,
} from './scenario-types.js';
import { YamlReader, type Entry } from './yaml-reader.js';
import { compareText } from '../../domain/textOrder.js';

export { ScenarioError } from './scenario-error.js';

const TOP_KEYS = [
  'name',
  'title',
  'description',
  'seed',
  'campaigns',
  'queues',
  'tasks',
  'workers',
  'providers',
  'database',
  'api',
  'events',
] as const;
const QUEUE_KEYS = ['stampedShare', 'deadLetterBaselinePerHour', 'deadLetters', 'backlog'] as const;
const BACKLOG_KEYS = ['count', 'oldest'] as const;
const TASK_KEYS = [
  'queue',
  'ratePerMinute',
  'duration',
  'maxRetries',
  'failure',
  'exceptions',
  'usesProvider',
  'paced',
  'writes',
  'then',
  'report',
] as const;
const WORKER_KEYS = ['queues', 'replicas', 'concurrency'] as const;
const PROVIDER_KEYS = ['active', 'pools'] as const;
const POOL_KEYS = ['failureProbability', 'concurrency', 'state'] as const;
const DATABASE_KEYS = ['maxConnections', 'baseConnections', 'replicas', 'readTarget', 'lastBackupAge', 'failedMigrations'] as const;
const REPLICA_KEYS = ['lagSeconds'] as const;
const API_KEYS = ['latencyMs'] as const;
const WRITE_KINDS: readonly WriteKind[] = ['none', 'critical', 'non-critical'];
const REPORT_ROLES: readonly ReportRole[] = ['none', 'step', 'final'];

/** Fields each event kind takes besides `at` and `kind`; `for` only where an event wears off. */
const EVENT_KEYS: Record<ScenarioEventKind, { fields: readonly string[]; lasting: boolean }> = {
  'provider-degrade': { fields: ['pool', 'failureProbability'], lasting: true },
  'parser-deploy': { fields: ['task', 'failureProbability', 'exception'], lasting: true },
  'task-failure': { fields: ['task', 'failureClass', 'probability', 'exception'], lasting: true },
  'report-render-failure': { fields: ['task', 'probability', 'exception'], lasting: true },
  'replica-stall': { fields: ['replica', 'paused'], lasting: true },
  'worker-pool-dies': { fields: ['pool', 'workers'], lasting: false },
  'worker-dies': { fields: ['hostname'], lasting: false },
  surge: { fields: ['task', 'factor'], lasting: true },
  'primary-degraded': { fields: ['reason'], lasting: true },
  'primary-down': { fields: [], lasting: true },
  'failed-migration': { fields: ['migration'], lasting: false },
  'blocking-queries': { fields: ['count', 'query'], lasting: true },
  'cross-tenant-risk': { fields: ['detail', 'campaigns'], lasting: false },
  'data-corruption': { fields: ['detail', 'campaigns', 'severity'], lasting: false },
  'api-unhealthy': { fields: ['detail'], lasting: true },
  'fix-deployed': { fields: ['task', 'failureClass'], lasting: false },
};
const EVENT_KINDS = Object.keys(EVENT_KEYS) as ScenarioEventKind[];

/** Simulated hostnames of a worker pool, as Celery names nodes (`celery@host`). */
export function workerHostnames(pool: WorkerPoolSpec): string[] {
  return Array.from({ length: pool.replicas }, (_, i) => `celery@${pool.pool}-${i + 1}`);
}

/** Parse and validate scenario text. `fileName` is used in error messages. */
export function parseScenario(text: string, fileName: string): Scenario {
  const yaml = parseYaml(text, fileName);
  const r = new YamlReader(yaml);
  const first = yaml.problems[0];
  if (first) throw new ScenarioError(fileName, first.line, first.col, first.message);
  const root = yaml.doc.contents as Node | null;
  if (root === null) throw new ScenarioError(fileName, 1, 1, 'the scenario is empty');
  return new ScenarioParser(r, fileName).parse(r.map(root, 'scenario'));
}

class ScenarioParser {
  private readonly queues = defaultQueues();
  private readonly tasks = defaultTasks();
  private readonly workers = defaultWorkerPools();
  private readonly providers = defaultProviderPools();
  private readonly database = defaultDatabase();
  private readonly api = { latencyMs: 40 };

  constructor(
    private readonly r: YamlReader,
    private readonly fileName: string,
  ) {}

  parse(root: YAMLMap): Scenario {
    const r: YamlReader = this.r;
    const top = r.entries(root, 'scenario', TOP_KEYS);
    const get = (k: string): Entry | undefined => r.find(top, k);

    const fallbackName = basename(this.fileName, extname(this.fileName));
    const nameE = get('name');
    const name = nameE ? r.string(nameE.value, 'name', nameE.keyNode) : fallbackName;
    if (nameE && !/^[a-z0-9][a-z0-9._-]*$/i.test(name))
      r.fail(nameE.value, `name: ${JSON.stringify(name)} must be a plain name (letters, digits, . _ -)`);
    const titleE = get('title');
    const descE = get('description');
    const seedE = get('seed');
    const campaignsE = get('campaigns');

    // Order matters: tasks may name queues, events may name anything.
    const queuesE = get('queues');
    if (queuesE) this.parseQueues(queuesE);
    const tasksE = get('tasks');
    if (tasksE) this.parseTasks(tasksE);
    const workersE = get('workers');
    if (workersE) this.parseWorkers(workersE);
    const providersE = get('providers');
    if (providersE) this.parseProviders(providersE);
    const databaseE = get('database');
    if (databaseE) this.parseDatabase(databaseE);
    const apiE = get('api');
    if (apiE) {
      const m = r.entries(r.map(apiE.value, 'api', apiE.keyNode), 'api', API_KEYS);
      const lat = r.find(m, 'latencyMs');
      if (lat) this.api.latencyMs = r.number(lat.value, 'api.latencyMs', { min: 0 }, lat.keyNode);
    }
    this.checkTaskReferences(tasksE);
    const eventsE = get('events');
    const events = eventsE ? this.parseEvents(eventsE) : [];

    return {
      name,
      title: titleE ? r.string(titleE.value, 'title', titleE.keyNode) : name,
      description: descE ? r.string(descE.value, 'description', descE.keyNode).trim() : '',
      file: this.fileName,
      seed: seedE ? r.number(seedE.value, 'seed', { min: 0, max: 0xffffffff, integer: true }, seedE.keyNode) : null,
      campaigns: campaignsE
        ? r.number(campaignsE.value, 'campaigns', { min: 1, max: 100_000, integer: true }, campaignsE.keyNode)
        : DEFAULT_CAMPAIGNS,
      queues: this.queues,
      tasks: this.tasks,
      workers: this.workers.filter((w) => w.replicas > 0 || w.queues.length > 0),
      providers: this.providers,
      database: this.database,
      api: this.api,
      events,
    };
  }

  private queueRef(node: Node | null, path: string, keyNode?: Node | null): QueueSpec {
    const name = this.r.string(node, path, keyNode);
    const q = this.queues.find((x) => x.name === name);
    if (!q) this.r.fail(node ?? keyNode, `${path}: unknown queue "${name}" (LSOS queues: ${LSOS_QUEUES.join(', ')})`);
    return q;
  }

  private taskRef(node: Node | null, path: string, keyNode?: Node | null): TaskSpec {
    const name = this.r.string(node, path, keyNode);
    const t = this.tasks.find((x) => x.name === name);
    if (!t) this.r.fail(node ?? keyNode, `${path}: unknown task "${name}" (known tasks: ${this.tasks.map((x) => x.name).join(', ')})`);
    return t;
  }

  private parseQueues(e: Entry): void {
    const r: YamlReader = this.r;
    for (const qe of r.entries(r.map(e.value, 'queues', e.keyNode), 'queues')) {
      const q = this.queues.find((x) => x.name === qe.key);
      if (!q) r.fail(qe.keyNode, `queues: unknown queue "${qe.key}" (LSOS queues: ${LSOS_QUEUES.join(', ')})`);
      const path = `queues.${qe.key}`;
      for (const f of r.entries(r.map(qe.value, path, qe.keyNode), path, QUEUE_KEYS)) {
        const p = `${path}.${f.key}`;
        switch (f.key) {
          case 'stampedShare':
            q.stampedShare = r.probability(f.value, p, f.keyNode);
            break;
          case 'deadLetterBaselinePerHour':
            // null: no 7-day history, the cockpit must observe its own baseline.
            q.deadLetterBaselinePerHour = isNullNode(f.value) ? null : r.number(f.value, p, { min: 0 }, f.keyNode);
            break;
          case 'deadLetters':
            q.deadLetters = r.number(f.value, p, { min: 0, integer: true }, f.keyNode);
            break;
          case 'backlog': {
            const b = r.entries(r.map(f.value, p, f.keyNode), p, BACKLOG_KEYS);
            const count = r.find(b, 'count');
            const oldest = r.find(b, 'oldest');
            if (!count) r.fail(f.value, `${p}: "count" is required`);
            q.backlog = {
              count: r.number(count.value, `${p}.count`, { min: 0, integer: true }, count.keyNode),
              oldestAgeMs: oldest ? r.duration(oldest.value, `${p}.oldest`, oldest.keyNode) : 0,
            };
            break;
          }
        }
      }
    }
  }

  private parseTasks(e: Entry): void {
    const r: YamlReader = this.r;
    for (const te of r.entries(r.map(e.value, 'tasks', e.keyNode), 'tasks')) {
      const path = `tasks.${te.key}`;
      const fields = r.entries(r.map(te.value, path, te.keyNode), path, TASK_KEYS);
      let t = this.tasks.find((x) => x.name === te.key);
      if (!t) {
        // A task LSOS does not ship by default: it needs at least a queue.
        const qe = r.find(fields, 'queue');
        if (!qe) r.fail(te.keyNode, `${path}: "${te.key}" is not a default LSOS task, so it needs a "queue"`);
        // Placeholder queue: the "queue" field below sets the real one.
        t = makeTask({ name: te.key, queue: 'celery', ratePerMinute: 0, durationMs: 1000, maxRetries: 3 });
        this.tasks.push(t);
      }
      for (const f of fields) {
        const p = `${path}.${f.key}`;
        switch (f.key) {
          case 'queue':
            t.queue = this.queueRef(f.value, p, f.keyNode).name;
            break;
          case 'ratePerMinute':
            t.ratePerMinute = r.number(f.value, p, { min: 0 }, f.keyNode);
            break;
          case 'duration':
            t.durationMs = r.duration(f.value, p, f.keyNode);
            if (t.durationMs <= 0) r.fail(f.value, `${p}: must be longer than 0`);
            break;
          case 'maxRetries':
            t.maxRetries = r.number(f.value, p, { min: 0, max: 100, integer: true }, f.keyNode);
            break;
          case 'failure':
            for (const c of r.entries(r.map(f.value, p, f.keyNode), p, FAILURE_CLASSES)) {
              t.failure[c.key as FailureClass] = r.probability(c.value, `${p}.${c.key}`, c.keyNode);
            }
            break;
          case 'exceptions':
            for (const c of r.entries(r.map(f.value, p, f.keyNode), p, FAILURE_CLASSES)) {
              const cls = c.key as FailureClass;
              const names = r.strings(c.value, `${p}.${c.key}`, c.keyNode);
              if (names.length === 0) r.fail(c.value, `${p}.${c.key}: give at least one exception class name`);
              for (const n of names) this.checkException(n.value, cls, n.node, `${p}.${c.key}`);
              t.exceptions[cls] = names.map((n) => n.value);
            }
            break;
          case 'usesProvider':
            t.usesProvider = r.bool(f.value, p, f.keyNode);
            break;
          case 'paced':
            t.paced = r.bool(f.value, p, f.keyNode);
            break;
          case 'writes':
            t.writes = this.oneOf(f.value, p, WRITE_KINDS, f.keyNode);
            break;
          case 'report':
            t.report = this.oneOf(f.value, p, REPORT_ROLES, f.keyNode);
            break;
          case 'then':
            // Checked once every task is known (a chain may name a task declared further down).
            t.then = isNullNode(f.value) ? null : r.string(f.value, p, f.keyNode);
            break;
        }
      }
    }
  }

  /** Chain references, once all tasks are merged. */
  private checkTaskReferences(tasksE: Entry | undefined): void {
    for (const t of this.tasks) {
      if (t.then === null || this.tasks.some((x) => x.name === t.then)) continue;
      let at: Node | null | undefined = tasksE?.value;
      if (tasksE) {
        const te = this.r.entries(this.r.map(tasksE.value, 'tasks'), 'tasks').find((x) => x.key === t.name);
        const thenE = te && this.r.entries(this.r.map(te.value, `tasks.${t.name}`), `tasks.${t.name}`).find((x) => x.key === 'then');
        at = thenE?.value ?? te?.keyNode ?? at;
      }
      this.r.fail(at, `tasks.${t.name}.then: unknown task "${t.then}"`);
    }
  }

  private checkException(name: string, cls: FailureClass, node: Node, path: string): void {
    const actual = classifyException(name);
    if (actual !== cls) {
      this.r.fail(node, `${path}: exception "${name}" is classified as ${actual} by the contract's rules (section 4), not ${cls}`);
    }
  }

  private oneOf<T extends string>(node: Node | null, path: string, allowed: readonly T[], keyNode?: Node | null): T {
    const v = this.r.string(node, path, keyNode);
    if (!(allowed as readonly string[]).includes(v))
      this.r.fail(node, `${path}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  private parseWorkers(e: Entry): void {
    const r: YamlReader = this.r;
    for (const we of r.entries(r.map(e.value, 'workers', e.keyNode), 'workers')) {
      const path = `workers.${we.key}`;
      if (!/^[a-z0-9][a-z0-9-]*$/i.test(we.key)) r.fail(we.keyNode, `${path}: a pool name must be letters, digits and dashes`);
      const fields = r.entries(r.map(we.value, path, we.keyNode), path, WORKER_KEYS);
      let w = this.workers.find((x) => x.pool === we.key);
      if (!w) {
        if (!r.find(fields, 'queues')) r.fail(we.keyNode, `${path}: a new worker pool needs "queues"`);
        w = { pool: we.key, queues: [], replicas: 1, concurrency: 4 };
        this.workers.push(w);
      }
      for (const f of fields) {
        const p = `${path}.${f.key}`;
        if (f.key === 'queues') {
          const names = r.strings(f.value, p, f.keyNode);
          w.queues = names.map((n) => this.queueRef(n.node, p, f.keyNode).name);
        } else if (f.key === 'replicas') {
          w.replicas = r.number(f.value, p, { min: 0, max: 500, integer: true }, f.keyNode);
        } else {
          w.concurrency = r.number(f.value, p, { min: 1, max: 1000, integer: true }, f.keyNode);
        }
      }
    }
  }

  private parseProviders(e: Entry): void {
    const r: YamlReader = this.r;
    const fields = r.entries(r.map(e.value, 'providers', e.keyNode), 'providers', PROVIDER_KEYS);
    const poolsE = r.find(fields, 'pools');
    if (poolsE) {
      for (const pe of r.entries(r.map(poolsE.value, 'providers.pools', poolsE.keyNode), 'providers.pools')) {
        const path = `providers.pools.${pe.key}`;
        let pool = this.providers.pools.find((x) => x.name === pe.key);
        if (!pool) {
          pool = { name: pe.key, failureProbability: 0.02, concurrency: 20, state: 'healthy' } satisfies ProviderPoolSpec;
          this.providers.pools.push(pool);
        }
        for (const f of r.entries(r.map(pe.value, path, pe.keyNode), path, POOL_KEYS)) {
          const p = `${path}.${f.key}`;
          if (f.key === 'failureProbability') pool.failureProbability = r.probability(f.value, p, f.keyNode);
          else if (f.key === 'concurrency') pool.concurrency = r.number(f.value, p, { min: 0, max: 10_000, integer: true }, f.keyNode);
          else pool.state = this.oneOf(f.value, p, ['healthy', 'quarantined'] as const, f.keyNode);
        }
      }
    }
    const activeE = r.find(fields, 'active');
    if (activeE) this.providers.active = this.poolRef(activeE.value, 'providers.active', activeE.keyNode).name;
  }

  private poolRef(node: Node | null, path: string, keyNode?: Node | null): ProviderPoolSpec {
    const name = this.r.string(node, path, keyNode);
    const p = this.providers.pools.find((x) => x.name === name);
    if (!p)
      this.r.fail(
        node ?? keyNode,
        `${path}: unknown provider pool "${name}" (pools: ${this.providers.pools.map((x) => x.name).join(', ')})`,
      );
    return p;
  }

  private parseDatabase(e: Entry): void {
    const r: YamlReader = this.r;
    const db = this.database;
    const fields = r.entries(r.map(e.value, 'database', e.keyNode), 'database', DATABASE_KEYS);
    for (const f of fields) {
      const p = `database.${f.key}`;
      switch (f.key) {
        case 'maxConnections':
          db.maxConnections = r.number(f.value, p, { min: 1, integer: true }, f.keyNode);
          break;
        case 'baseConnections':
          db.baseConnections = r.number(f.value, p, { min: 0, integer: true }, f.keyNode);
          break;
        case 'lastBackupAge':
          db.lastBackupAgeMs = isNullNode(f.value) ? null : r.duration(f.value, p, f.keyNode);
          break;
        case 'failedMigrations':
          db.failedMigrations = r.number(f.value, p, { min: 0, integer: true }, f.keyNode);
          break;
        case 'replicas': {
          // Given replicas replace the default set: a scenario states the whole replica set.
          db.replicas = [];
          for (const re of r.entries(r.map(f.value, p, f.keyNode), p)) {
            const rp = `${p}.${re.key}`;
            let lagSeconds = 0.3;
            if (!isNullNode(re.value)) {
              const lag = r.find(r.entries(r.map(re.value, rp, re.keyNode), rp, REPLICA_KEYS), 'lagSeconds');
              if (lag) lagSeconds = r.number(lag.value, `${rp}.lagSeconds`, { min: 0 }, lag.keyNode);
            }
            db.replicas.push({ name: re.key, lagSeconds });
          }
          break;
        }
      }
    }
    if (db.baseConnections > db.maxConnections) {
      r.fail(
        r.find(fields, 'baseConnections')?.value ?? e.keyNode,
        `database.baseConnections (${db.baseConnections}) exceeds maxConnections (${db.maxConnections})`,
      );
    }
    const rt = r.find(fields, 'readTarget');
    if (rt) {
      const v = r.string(rt.value, 'database.readTarget', rt.keyNode);
      if (v !== 'primary' && !db.replicas.some((x) => x.name === v)) {
        r.fail(
          rt.value,
          `database.readTarget: unknown replica "${v}" (expected primary or one of: ${db.replicas.map((x) => x.name).join(', ')})`,
        );
      }
      db.readTarget = v;
    } else if (db.readTarget !== 'primary' && !db.replicas.some((x) => x.name === db.readTarget)) {
      db.readTarget = db.replicas[0]?.name ?? 'primary';
    }
  }

  private parseEvents(e: Entry): ScenarioEvent[] {
    const r: YamlReader = this.r;
    const seq = r.seq(e.value, 'events', e.keyNode);
    const events: ScenarioEvent[] = [];
    seq.items.forEach((item, i) => {
      const path = `events[${i}]`;
      const map = r.map(item as Node, path, seq);
      const pre = r.entries(map, path);
      const kindE = r.find(pre, 'kind');
      if (!kindE) r.fail(map, `${path}: "kind" is required (one of: ${EVENT_KINDS.join(', ')})`);
      const kind = r.string(kindE.value, `${path}.kind`, kindE.keyNode) as ScenarioEventKind;
      const spec = EVENT_KEYS[kind];
      if (!spec) r.fail(kindE.value, `${path}.kind: unknown event kind "${kind}" (one of: ${EVENT_KINDS.join(', ')})`);
      const allowed = ['at', 'kind', ...(spec.lasting ? ['for'] : []), ...spec.fields];
      const fields = r.entries(map, `${path} (${kind})`, allowed);
      const f = (k: string): Entry | undefined => r.find(fields, k);
      const atE = f('at');
      if (!atE) r.fail(map, `${path}: "at" is required (an offset from the start such as "30s")`);
      const forE = f('for');
      const base = {
        atMs: r.duration(atE.value, `${path}.at`, atE.keyNode),
        durationMs: forE ? r.duration(forE.value, `${path}.for`, forE.keyNode) : null,
        line: r.lineOf(map),
      };
      events.push({ ...base, ...this.parseEvent(kind, path, map, f) } as ScenarioEvent);
    });
    // Stable: events at the same offset keep file order.
    return events
      .map((ev, i) => ({ ev, i }))
      .sort((a, b) => a.ev.atMs - b.ev.atMs || a.i - b.i)
      .map((x) => x.ev);
  }

  private parseEvent(kind: ScenarioEventKind, path: string, map: YAMLMap, f: (k: string) => Entry | undefined): Record<string, unknown> {
    const r: YamlReader = this.r;
    const need = (k: string): Entry => {
      const e = f(k);
      if (!e) r.fail(map, `${path} (${kind}): "${k}" is required`);
      return e;
    };
    const str = (k: string, dflt: string): string => {
      const e = f(k);
      return e ? r.string(e.value, `${path}.${k}`, e.keyNode) : dflt;
    };
    const task = (): TaskSpec => {
      const e = need('task');
      return this.taskRef(e.value, `${path}.task`, e.keyNode);
    };
    const prob = (k: string): number => {
      const e = need(k);
      return r.probability(e.value, `${path}.${k}`, e.keyNode);
    };
    const exception = (cls: FailureClass | null, dflt: string): string => {
      const e = f('exception');
      if (!e) return dflt;
      const name = r.string(e.value, `${path}.exception`, e.keyNode);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        r.fail(e.value, `${path}.exception: ${JSON.stringify(name)} is not an exception class name`);
      if (cls) this.checkException(name, cls, e.value as Node, `${path}.exception`);
      return name;
    };
    switch (kind) {
      case 'provider-degrade': {
        const e = need('pool');
        return { kind, pool: this.poolRef(e.value, `${path}.pool`, e.keyNode).name, failureProbability: prob('failureProbability') };
      }
      case 'parser-deploy': {
        const t = task();
        return {
          kind,
          task: t.name,
          failureProbability: prob('failureProbability'),
          exception: exception('parser', t.exceptions.parser[0] ?? 'ParserError'),
        };
      }
      case 'task-failure': {
        const t = task();
        const cls = this.oneOf(need('failureClass').value, `${path}.failureClass`, FAILURE_CLASSES, f('failureClass')?.keyNode);
        return {
          kind,
          task: t.name,
          failureClass: cls,
          probability: prob('probability'),
          exception: exception(cls, t.exceptions[cls][0] ?? 'RuntimeError'),
        };
      }
      case 'report-render-failure': {
        const e = f('task');
        const t = e ? this.taskRef(e.value, `${path}.task`, e.keyNode) : this.tasks.find((x) => x.name === 'reporting.render_pdf');
        if (!t) return r.fail(map, `${path}: "task" is required`);
        if (t.report === 'none') r.fail(e?.value ?? map, `${path}.task: "${t.name}" is not part of a monthly report run`);
        return {
          kind,
          task: t.name,
          probability: prob('probability'),
          exception: exception(null, t.exceptions.unclassified[0] ?? 'PdfRenderError'),
        };
      }
      case 'replica-stall': {
        const e = need('replica');
        const name = r.string(e.value, `${path}.replica`, e.keyNode);
        if (!this.database.replicas.some((x) => x.name === name)) {
          r.fail(e.value, `${path}.replica: unknown replica "${name}" (replicas: ${this.database.replicas.map((x) => x.name).join(', ')})`);
        }
        const p = f('paused');
        return { kind, replica: name, paused: p ? r.bool(p.value, `${path}.paused`, p.keyNode) : false };
      }
      case 'worker-pool-dies': {
        const e = need('pool');
        const name = r.string(e.value, `${path}.pool`, e.keyNode);
        const pool = this.workers.find((x) => x.pool === name);
        if (!pool) r.fail(e.value, `${path}.pool: unknown worker pool "${name}" (pools: ${this.workers.map((x) => x.pool).join(', ')})`);
        const w = f('workers');
        const workers = w ? r.number(w.value, `${path}.workers`, { min: 1, integer: true }, w.keyNode) : null;
        if (workers !== null && workers > pool.replicas)
          r.fail(w?.value, `${path}.workers: pool "${name}" has only ${pool.replicas} workers`);
        return { kind, pool: name, workers };
      }
      case 'worker-dies': {
        const e = need('hostname');
        const host = r.string(e.value, `${path}.hostname`, e.keyNode);
        const all = this.workers.flatMap(workerHostnames);
        if (!all.includes(host)) r.fail(e.value, `${path}.hostname: unknown worker "${host}" (workers: ${all.join(', ')})`);
        return { kind, hostname: host };
      }
      case 'surge': {
        const t = task();
        const e = need('factor');
        return { kind, task: t.name, factor: r.number(e.value, `${path}.factor`, { min: 0 }, e.keyNode) };
      }
      case 'primary-degraded':
        return { kind, reason: str('reason', 'primary degraded: high I/O wait') };
      case 'primary-down':
        return { kind };
      case 'failed-migration':
        return { kind, migration: str('migration', 'unnamed migration') };
      case 'blocking-queries': {
        const e = f('count');
        return {
          kind,
          count: e ? r.number(e.value, `${path}.count`, { min: 1, max: 1000, integer: true }, e.keyNode) : 3,
          query: str('query', 'UPDATE campaigns SET last_rank_at = $1 WHERE id = $2'),
        };
      }
      case 'cross-tenant-risk':
      case 'data-corruption': {
        // Which campaigns' data is involved: named in the list, else the ids the detail names.
        const detail = str('detail', kind === 'cross-tenant-risk' ? 'cross-tenant data exposure suspected' : 'data corruption suspected');
        const c = f('campaigns');
        const campaigns = c ? r.strings(c.value, `${path}.campaigns`, c.keyNode).map((x) => x.value) : campaignsIn(detail);
        for (const id of campaigns)
          if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(id)) r.fail(c?.value ?? map, `${path}.campaigns: ${JSON.stringify(id)} is not a campaign id`);
        if (kind === 'cross-tenant-risk') return { kind, detail, campaigns };
        const sevE = f('severity');
        const sev = sevE ? r.string(sevE.value, `${path}.severity`, sevE.keyNode) : SIGNAL_DEFAULT_SEVERITY['data-corruption'];
        if (!isSeverity(sev)) r.fail(sevE?.value ?? map, `${path}.severity: one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(sev)}`);
        return { kind, detail, campaigns, severity: sev };
      }
      case 'api-unhealthy':
        return { kind, detail: str('detail', 'HTTP 503 from /health') };
      case 'fix-deployed': {
        const t = task();
        const c = f('failureClass');
        return { kind, task: t.name, failureClass: c ? this.oneOf(c.value, `${path}.failureClass`, FAILURE_CLASSES, c.keyNode) : null };
      }
    }
  }
}

function isNullNode(node: Node | null): boolean {
  return node === null || (node as { value?: unknown }).value === null;
}

// --- Finding scenarios on disk ---

const EXTENSIONS = ['.yaml', '.yml', '.json'];

function resolveScenarioPath(nameOrPath: string): string {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.includes('\\') || EXTENSIONS.includes(extname(nameOrPath));
  if (looksLikePath) return isAbsolute(nameOrPath) ? nameOrPath : resolve(process.cwd(), nameOrPath);
  for (const ext of EXTENSIONS) {
    const p = join(scenariosDir(), `${nameOrPath}${ext}`);
    if (existsSync(p)) return p;
  }
  return join(scenariosDir(), `${nameOrPath}.yaml`);
}

/** Load a scenario by bare name (fixtures/scenarios/<name>.yaml) or by path. */
export function loadScenario(nameOrPath: string): Scenario {
  const file = resolveScenarioPath(nameOrPath);
  let text: string;
  try {
    text = readInputFile(file, { what: 'scenario file' });
  } catch (err) {
    if (err instanceof InputFileError) throw new ScenarioError(file, null, null, err.message);
    const known = listScenarioFiles().map((f) => basename(f, extname(f)));
    const code = (err as NodeJS.ErrnoException).code;
    throw new ScenarioError(file, null, null, `cannot read scenario (${code ?? String(err)}); known scenarios: ${known.join(', ')}`);
  }
  return parseScenario(text, file);
}

function listScenarioFiles(): string[] {
  const dir = scenariosDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => EXTENSIONS.includes(extname(f)))
    .sort()
    .map((f) => join(dir, f));
}

/** The bundled scenarios, "default" first. A broken bundled scenario throws: it is a bug. */
export function listScenarios(): { name: string; title: string; description: string }[] {
  const all = listScenarioFiles().map((f) => {
    const s = loadScenario(f);
    return { name: s.name, title: s.title, description: s.description };
  });
  return all.sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : compareText(a.name, b.name)));
}
