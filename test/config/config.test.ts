// Configuration: flag > environment > file, every problem named with its origin (file:line:col,
// environment variable, flag), passwords masked everywhere, including in thrown errors.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  ConfigFlagError,
  DEFAULT_QUEUES,
  describeSources,
  hasLiveSource,
  isIdempotent,
  loadConfig,
  maskUrl,
  parseConfigFlags,
  redactSecrets,
  type LoadConfigInput,
} from '../../src/config/index.js';
import { DEFAULT_THRESHOLDS } from '../../src/core/triggers.js';
import { buildLiveSources } from '../../src/sources/liveSources.js';
import { DEFAULT_FAILURE_CLASS_RULES, classifyException } from '../../src/domain/failureClasses.js';

const root = mkdtempSync(join(tmpdir(), 'lsos-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function writeConfig(text: string): string {
  const dir = join(root, `c${n++}`);
  mkdirSync(dir);
  const file = join(dir, 'config.yaml');
  writeFileSync(file, text);
  return file;
}

/**
 * file:line:col of `needle` on the first line containing `line` (default: the needle itself), as
 * the error must name it: the truth is the file text.
 */
function where(file: string, text: string, needle: string, line = needle): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.includes(line));
  if (i < 0 || !(lines[i] as string).includes(needle)) throw new Error(`needle ${needle} not in text`);
  return `${file}:${i + 1}:${(lines[i] as string).indexOf(needle) + 1}`;
}

function load(over: Partial<LoadConfigInput> & { argv?: string[] }) {
  return loadConfig({ env: {}, cwd: root, home: join(root, 'nohome'), ...over });
}

function problems(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('precedence: flag > environment > file', () => {
  const text = [
    'sources:',
    '  redis:',
    '    url: redis://127.0.0.1:6379/4',
    '  amqp:',
    '    url: amqp://guest:guest@file-host:5672/',
    '  database:',
    '    url: postgres://cockpit@file-db:5432/lsos',
    '  replicas:',
    '    - name: r-file',
    '      url: postgres://cockpit@file-replica:5432/lsos',
    '  api:',
    '    url: https://file.example.com',
    '',
  ].join('\n');

  it('the file alone: values and file:line:col provenance', () => {
    const file = writeConfig(text);
    const { config, provenance, file: read } = load({ argv: ['--config', file] });
    expect(read).toBe(file);
    expect(config.sources.redis).toEqual({ url: 'redis://127.0.0.1:6379/4', db: 4 });
    expect(config.sources.amqp?.url).toBe('amqp://guest:guest@file-host:5672/');
    expect(config.sources.database?.url).toBe('postgres://cockpit@file-db:5432/lsos');
    expect(config.sources.replicas).toEqual([{ name: 'r-file', url: 'postgres://cockpit@file-replica:5432/lsos' }]);
    expect(config.sources.api?.url).toBe('https://file.example.com');
    const at = (o: unknown) => o as { kind: string; file: string; line: number; col: number };
    const db = at(provenance['sources.database.url']);
    expect(`${db.file}:${db.line}:${db.col}`).toBe(where(file, text, 'postgres://cockpit@file-db'));
    const redisDb = at(provenance['sources.redis.db']);
    expect(`${redisDb.file}:${redisDb.line}:${redisDb.col}`).toBe(where(file, text, 'redis://127.0.0.1:6379/4'));
  });

  it('the environment beats the file, a flag beats the environment', () => {
    const file = writeConfig(text);
    const env = {
      REDIS_URL: 'redis://env-host:6379',
      AMQP_URL: 'amqp://env-host/',
      DATABASE_URL: 'postgres://env-db/lsos',
      LSOS_REPLICA_URLS: 'r-env1=postgres://env-r1/lsos, postgres://env-r2:5433/lsos',
      LSOS_API_URL: 'http://env-api',
    };
    const fromEnv = load({ argv: ['--config', file], env });
    expect(fromEnv.config.sources.redis).toEqual({ url: 'redis://env-host:6379', db: 0 });
    expect(fromEnv.config.sources.amqp?.url).toBe('amqp://env-host/');
    expect(fromEnv.config.sources.database?.url).toBe('postgres://env-db/lsos');
    expect(fromEnv.config.sources.replicas).toEqual([
      { name: 'r-env1', url: 'postgres://env-r1/lsos' },
      { name: 'env-r2:5433', url: 'postgres://env-r2:5433/lsos' },
    ]);
    expect(fromEnv.config.sources.api?.url).toBe('http://env-api');
    expect(fromEnv.provenance['sources.database.url']).toEqual({ kind: 'env', name: 'DATABASE_URL' });
    expect(fromEnv.provenance['sources.replicas']).toEqual({ kind: 'env', name: 'LSOS_REPLICA_URLS' });

    const fromFlags = load({
      argv: [
        '--config',
        file,
        '--redis-url',
        'redis://flag-host/2',
        '--amqp-url=amqp://flag-host/',
        '--database-url',
        'postgresql://flag-db/lsos',
        '--replica-url',
        'a=postgres://flag-a/lsos',
        '--replica-url',
        'b=postgres://flag-b/lsos',
        '--api-url',
        'https://flag-api/base/',
      ],
      env,
    });
    const s = fromFlags.config.sources;
    expect(s.redis).toEqual({ url: 'redis://flag-host/2', db: 2 });
    expect(s.amqp?.url).toBe('amqp://flag-host/');
    expect(s.database?.url).toBe('postgresql://flag-db/lsos');
    expect(s.replicas.map((r) => r.name)).toEqual(['a', 'b']);
    expect(s.api?.url).toBe('https://flag-api/base/');
    expect(fromFlags.provenance['sources.database.url']).toEqual({ kind: 'flag', flag: '--database-url' });
    expect(fromFlags.provenance['sources.redis.db']).toEqual({ kind: 'flag', flag: '--redis-url' });
    expect(fromFlags.provenance['sources.replicas.b']).toEqual({ kind: 'flag', flag: '--replica-url' });
  });

  it('an empty environment variable counts as unset', () => {
    const file = writeConfig(text);
    const { config, provenance } = load({ argv: ['--config', file], env: { DATABASE_URL: '  ', REDIS_URL: '' } });
    expect(config.sources.database?.url).toBe('postgres://cockpit@file-db:5432/lsos');
    expect(provenance['sources.database.url']?.kind).toBe('file');
  });

  it('an invalid environment value that a flag overrides is not held against the flag', () => {
    const { config } = load({ argv: ['--database-url', 'postgres://ok/x'], env: { DATABASE_URL: 'garbage' } });
    expect(config.sources.database?.url).toBe('postgres://ok/x');
  });

  it('the file db key applies when the URL has no database number; both and different is refused at the key', () => {
    const ok = load({ argv: ['--config', writeConfig('sources:\n  redis:\n    url: redis://h\n    db: 7\n')] });
    expect(ok.config.sources.redis?.db).toBe(7);
    const t = 'sources:\n  redis:\n    url: redis://h/3\n    db: 7\n';
    const file = writeConfig(t);
    const err = problems(() => load({ argv: ['--config', file] }));
    expect(err.message).toBe(`${where(file, t, '7')}: sources.redis.db: 7 disagrees with database 3 in sources.redis.url redis://h/3`);
  });
});

describe('defaults and config file location', () => {
  it('no config anywhere: defaults, no live source, the contract queues and thresholds', () => {
    const { config, provenance, file } = load({});
    expect(file).toBeNull();
    expect(hasLiveSource(config)).toBe(false);
    expect(config.queues).toEqual(['crawl', 'rank', 'reviews', 'reporting', 'reporting.retry', 'email', 'celery']);
    expect(config.queues).toEqual([...DEFAULT_QUEUES]);
    expect(config.thresholds).toEqual(DEFAULT_THRESHOLDS);
    expect(config.thresholds.freshnessSeconds).toEqual({ crawl: 86400, rank: 86400, reviews: 172800 });
    expect(config.thresholds.backupMaxAgeSeconds).toBe(26 * 3600);
    expect(config.statementTimeoutMs).toBe(2000);
    expect(config.replayQuietPeriodMs).toBe(5 * 60_000);
    expect(config.stateDir).toBe(join(root, 'nohome', '.local', 'state', 'lsos-cockpit'));
    expect(provenance['thresholds.queueLag']).toEqual({ kind: 'default' });
    expect(describeSources(config)).toEqual(['no live source configured: the embedded simulation runs']);
  });

  it('reads $XDG_CONFIG_HOME/lsos-cockpit/config.yaml, else ~/.config/lsos-cockpit/config.yaml', () => {
    const xdg = join(root, 'xdg');
    mkdirSync(join(xdg, 'lsos-cockpit'), { recursive: true });
    writeFileSync(join(xdg, 'lsos-cockpit', 'config.yaml'), 'queues: [from-xdg]\n');
    const home = join(root, 'home');
    mkdirSync(join(home, '.config', 'lsos-cockpit'), { recursive: true });
    writeFileSync(join(home, '.config', 'lsos-cockpit', 'config.yaml'), 'queues: [from-home]\n');
    expect(load({ env: { XDG_CONFIG_HOME: xdg }, home }).config.queues).toEqual(['from-xdg']);
    expect(load({ env: {}, home }).config.queues).toEqual(['from-home']);
    expect(loadConfig({ env: { HOME: home }, cwd: root }).config.queues).toEqual(['from-home']);
    // A relative XDG_CONFIG_HOME is invalid by the spec and ignored.
    expect(load({ env: { XDG_CONFIG_HOME: 'relative' }, home }).config.queues).toEqual(['from-home']);
  });

  it('a missing explicit --config is an error naming the flag; a missing default file is fine', () => {
    const missing = join(root, 'nope.yaml');
    const err = problems(() => load({ argv: ['--config', missing] }));
    expect(err.message).toBe(`flag --config: cannot read config file ${missing}: no such file`);
    expect(load({ env: { XDG_CONFIG_HOME: join(root, 'empty-xdg') } }).file).toBeNull();
  });

  it('a relative --config resolves against cwd; stateDir in the file against the file, --state-dir against cwd', () => {
    const file = writeConfig('stateDir: ./journals\n');
    const dir = join(file, '..');
    const rel = load({ argv: ['--config', 'config.yaml'], cwd: dir });
    expect(rel.config.stateDir).toBe(join(dir, 'journals'));
    expect(load({ flags: { config: file, stateDir: 'here' }, cwd: '/tmp' }).config.stateDir).toBe('/tmp/here');
    expect(load({ env: { XDG_STATE_HOME: '/var/state' } }).config.stateDir).toBe('/var/state/lsos-cockpit');
  });

  it('an empty file is an empty configuration', () => {
    expect(load({ argv: ['--config', writeConfig('')] }).config.queues).toEqual([...DEFAULT_QUEUES]);
    expect(load({ argv: ['--config', writeConfig('# nothing here\n')] }).config.queues).toEqual([...DEFAULT_QUEUES]);
  });
});

describe('every key of the file', () => {
  const text = `sources:
  database:
    url: postgres://c@db/lsos
    backupOkStatuses: [OK, Finished]
  replicas:
    - name: replica-1
      url: postgres://c@r1/lsos
queues: [crawl, rank]
thresholds:
  queueLag: 10m
  deadLetterSpikeFactor: 4
  deadLetterBaselineFloorPerHour: 0.5
  reportFailureRatio: 0.1
  reportMinRuns: 5
  serpFailureRate: 0.3
  serpMinCampaigns: 3
  replicaLag: 90
  clearRatio: 0.7
  failureRatio24h: 0.02
  failureRatioMinRuns: 50
  warnRatio: 0.5
  freshness:
    crawl: 12h
    rank: 1d
    reviews: 72h
  backupMaxAge: 1h30m
failureClasses:
  - class: provider
    names: [TimeoutError]
  - class: transient
    suffixes: [Timeout, Error]
    prefixes: [Net]
tasks:
  crawl.fetch_page:
    idempotent: true
  email.deliver_report:
    idempotent: false
stateDir: /srv/lsos-cockpit
pollIntervalMs:
  redis: 500
  postgres: 10s
statementTimeoutMs: 1500
replayQuietPeriodMs: 2m
`;

  it('reads them all with their units', () => {
    const { config, provenance } = load({ argv: ['--config', writeConfig(text)] });
    expect(config.sources.database?.backupOkStatuses).toEqual(['ok', 'finished']);
    expect(config.queues).toEqual(['crawl', 'rank']);
    // Every threshold the file sets, exactly; one it does not (a trigger added later) keeps its default.
    expect(config.thresholds).toEqual({
      ...DEFAULT_THRESHOLDS,
      queueLagSeconds: 600,
      deadLetterSpikeFactor: 4,
      deadLetterBaselineFloorPerHour: 0.5,
      reportFailureRatio: 0.1,
      reportMinRuns: 5,
      serpFailureRate: 0.3,
      serpMinCampaigns: 3,
      replicaLagSeconds: 90,
      clearRatio: 0.7,
      failureRatio24h: 0.02,
      failureRatioMinRuns: 50,
      warnRatio: 0.5,
      freshnessSeconds: { crawl: 43200, rank: 86400, reviews: 259200 },
      backupMaxAgeSeconds: 5400,
    });
    expect(config.failureClasses).toEqual([
      { failureClass: 'provider', names: ['TimeoutError'], prefixes: [], suffixes: [] },
      { failureClass: 'transient', names: [], prefixes: ['Net'], suffixes: ['Timeout', 'Error'] },
    ]);
    expect(config.stateDir).toBe('/srv/lsos-cockpit');
    expect(config.pollIntervalMs).toEqual({ redis: 500, amqp: 2000, postgres: 10000, api: 5000 });
    expect(config.statementTimeoutMs).toBe(1500);
    expect(config.replayQuietPeriodMs).toBe(120_000);
    expect(isIdempotent(config, 'crawl.fetch_page')).toBe(true);
    expect(isIdempotent(config, 'email.deliver_report')).toBe(false);
    expect(isIdempotent(config, 'rank.check_serp')).toBe(false); // not declared: not idempotent
    expect(provenance['tasks.crawl.fetch_page']?.kind).toBe('file');
    // Configured rules replace the defaults, in order: first match wins.
    // The classifier the live sources run: dotted paths and reprs by their class name.
    expect(classifyException('TimeoutError', config.failureClasses)).toBe('provider');
    expect(classifyException('NetDown', config.failureClasses)).toBe('transient');
    expect(classifyException('ValueError', config.failureClasses)).toBe('transient');
    expect(classifyException('Oops', config.failureClasses)).toBe('unclassified');
    expect(classifyException("lsos.errors.NetDown('eth0')", config.failureClasses)).toBe('transient');
  });

  it('no failureClasses in the file: the contract rules, copied (a config may not alter the defaults)', () => {
    const { config } = load({});
    expect(config.failureClasses).toEqual(DEFAULT_FAILURE_CLASS_RULES);
    expect(config.failureClasses[0]?.names).not.toBe(DEFAULT_FAILURE_CLASS_RULES[0]?.names);
  });
});

describe('validation names the origin of every problem', () => {
  it('unknown keys, wrong types, bad durations and bad URLs in the file: file:line:col each, all at once', () => {
    const text = [
      'sources:',
      '  database:',
      '    url: mysql://root:hunter22@db/lsos',
      '  redis:',
      '    url: redis://h/notanumber',
      '  api:',
      '    url: ftp://api',
      '  kafka:',
      '    url: x',
      'queues: crawl',
      'thresholds:',
      '  queueLag: soon',
      '  replicaLag: true',
      '  warnRatio: 1.5',
      '  reportMinRuns: 2.5',
      '  freshness:',
      '    crawl: -1h',
      '    ranks: 1h',
      'failureClasses:',
      '  - class: cosmic',
      '    names: [X]',
      'tasks:',
      '  crawl.fetch_page:',
      '    idempotent: "yes"',
      'pollIntervalMs:',
      '  redis: 10',
      'statementTimeout: 5',
      '',
    ].join('\n');
    const file = writeConfig(text);
    const err = problems(() => load({ argv: ['--config', file] }));
    const lines = err.message.split('\n');
    const expected = [
      `${where(file, text, 'kafka')}: sources.kafka: unknown key "kafka" in sources (expected one of: redis, amqp, database, replicas, api, controlFlags)`,
      `${where(file, text, 'crawl', 'queues: crawl')}: queues: expected a list of strings, got string "crawl"`,
      `${where(file, text, 'soon')}: thresholds.queueLag: bad duration "soon" (a number, or with units: ms, s, m, h, d, such as "15m" or "1h30m")`,
      `${where(file, text, 'true')}: thresholds.replicaLag: expected a duration such as "15m" or a number, got boolean true`,
      `${where(file, text, '1.5')}: thresholds.warnRatio: must be at most 1, got 1.5`,
      `${where(file, text, '2.5')}: thresholds.reportMinRuns: expected a whole number, got 2.5`,
      `${where(file, text, '-1h')}: thresholds.freshness.crawl: bad duration "-1h" (a number, or with units: ms, s, m, h, d, such as "15m" or "1h30m")`,
      `${where(file, text, 'ranks')}: thresholds.freshness.ranks: unknown key "ranks" in thresholds.freshness (expected one of: crawl, rank, reviews)`,
      `${where(file, text, 'cosmic')}: failureClasses[0].class: must be one of transient, validation, provider, parser (a name no rule matches is unclassified), got "cosmic"`,
      `${where(file, text, '"yes"')}: tasks.crawl.fetch_page.idempotent: expected true or false, got string "yes"`,
      `${where(file, text, '10', 'redis: 10')}: pollIntervalMs.redis: must be at least 100, got 10`,
      `${where(file, text, 'statementTimeout:')}: statementTimeout: unknown key "statementTimeout" (expected one of: sources, queues, thresholds, failureClasses, tasks, stateDir, pollIntervalMs, statementTimeoutMs, replayQuietPeriodMs, reopenWindowMs, paging, integrityChecks)`,
      `${where(file, text, 'redis://h/notanumber')}: sources.redis.url: the path of a Redis URL is the database number, got "redis://h/notanumber"`,
      `${where(file, text, 'mysql://')}: sources.database.url: expected a postgres:// or postgresql:// URL, got "mysql://root:***@db/lsos"`,
      `${where(file, text, 'ftp://api')}: sources.api.url: expected a http:// or https:// URL, got "ftp://api"`,
    ];
    expect([...lines].sort()).toEqual([...expected].sort());
    expect(err.problems).toHaveLength(expected.length);
    expect(err.message).not.toContain('hunter22');
  });

  it('YAML syntax errors and duplicate keys carry their line and column', () => {
    const text = 'queues: [crawl\nthresholds: {\n';
    const file = writeConfig(text);
    const err = problems(() => load({ argv: ['--config', file] }));
    expect(err.problems[0]?.origin).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+$`));
    expect(err.message).toMatch(/YAML syntax/);
    const dup = 'queues: [a]\nqueues: [b]\n';
    const f2 = writeConfig(dup);
    const e2 = problems(() => load({ argv: ['--config', f2] }));
    expect(e2.problems[0]?.origin).toBe(`${f2}:2:1`);
    expect(e2.message).toMatch(/unique/i);
  });

  it('replica entries: missing url, bad names, duplicates; replicas need a primary', () => {
    const text = [
      'sources:',
      '  replicas:',
      '    - name: a',
      '    - name: "bad name"',
      '      url: postgres://x/y',
      '    - name: ok',
      '      url: postgres://u:pw123456@x/y',
      '',
    ].join('\n');
    const file = writeConfig(text);
    const err = problems(() => load({ argv: ['--config', file] }));
    expect(err.message.split('\n')).toEqual([
      `${where(file, text, 'name: a')}: sources.replicas[0]: needs both name and url (missing url)`,
      `${where(file, text, '"bad name"')}: sources.replicas[1].name: must be 1-63 letters, digits, "_", ".", ":" or "-" (it is matched against the standby's application_name), got "bad name"`,
      `${where(file, text, '- name: a')}: sources.replicas: replicas need the primary too (sources.database.url, DATABASE_URL or --database-url)`,
    ]);
    expect(err.message).not.toContain('pw123456');
    const dup = problems(() =>
      load({ argv: ['--database-url', 'postgres://p/x', '--replica-url', 'postgres://h:5/x', '--replica-url', 'postgres://h:5/y'] }),
    );
    expect(dup.message).toBe('flag --replica-url: sources.replicas: replica name "h:5" used twice (name them NAME=URL)');
  });

  it('a bad URL from the environment names the variable, from a flag names the flag, password masked', () => {
    const envErr = problems(() =>
      load({ env: { DATABASE_URL: 'http://admin:Passw0rd!@db/x', LSOS_REPLICA_URLS: 'r1=postgres://ok/x,r2=redis://u:Passw0rd!@r2' } }),
    );
    expect(envErr.message.split('\n')).toEqual([
      'environment variable DATABASE_URL: sources.database.url: expected a postgres:// or postgresql:// URL, got "http://admin:***@db/x"',
      'environment variable LSOS_REPLICA_URLS: sources.replicas item 2: expected a postgres:// or postgresql:// URL, got "redis://u:***@r2" (expected NAME=URL or a postgres:// URL)',
    ]);
    const flagErr = problems(() => load({ argv: ['--redis-url', 'redis://:Passw0rd!@h:99999', '--amqp-url', 'amqp//nope'] }));
    expect(flagErr.message.split('\n')).toEqual([
      'flag --redis-url: sources.redis.url: not a valid URL: "redis://:***@h:99999" (expected redis:// or rediss://...)',
      'flag --amqp-url: sources.amqp.url: not a valid URL: "amqp//nope" (expected amqp:// or amqps://...)',
    ]);
    for (const e of [envErr, flagErr]) {
      expect(e.message).not.toContain('Passw0rd');
      expect(JSON.stringify(e.problems)).not.toContain('Passw0rd');
    }
  });

  it('a password with an unencoded "#", "/", "?" or "%" is refused with how to write it, never shown', () => {
    const cases: [string, RegExp][] = [
      ['postgres://cockpit:Pg#S3cretPW@db/x', /not a valid URL: "postgres:\/\/cockpit:\*\*\*@db\/x".*percent-encoded \(%23/],
      ['postgres://cockpit:123#S3cretPW@db/x', /"postgres:\/\/cockpit:\*\*\*@db\/x" does not parse as meant \(a "#" starts a fragment\)/],
      ['postgres://cockpit:12/S3cretPW@db/x', /does not parse as meant \(an "@" after the host\).*%2F/],
      ['postgres://cockpit:12?S3cretPW@db/x', /does not parse as meant \(an "@" after the host\).*%3F/],
      ['postgres://cockpit:Pct50%S3cretPW@db/x', /holds a "%" that is not percent-encoding.*%25/],
    ];
    for (const [url, message] of cases) {
      const err = problems(() => load({ env: { DATABASE_URL: url } }));
      expect(err.message, url).toMatch(message);
      expect(err.message, url).not.toContain('S3cretPW');
    }
    // Encoded, the same passwords are fine; an "@" in a password parses (the last "@" ends it).
    for (const url of ['postgres://cockpit:Pg%23S3cret%2F%3F%25@db/x', 'postgres://cockpit:p@ss@db/x'])
      expect(load({ env: { DATABASE_URL: url } }).config.sources.database?.url).toBe(url);
  });

  it('flag parsing: values required, repeatable --replica-url, the rest untouched', () => {
    expect(
      parseConfigFlags([
        '--json',
        '--redis-url=redis://h',
        '--replica-url',
        'a=postgres://a/x',
        'check',
        '--replica-url',
        'postgres://b/x',
      ]),
    ).toEqual({
      flags: { redisUrl: 'redis://h', replicaUrls: ['a=postgres://a/x', 'postgres://b/x'] },
      rest: ['--json', 'check'],
    });
    expect(() => parseConfigFlags(['--database-url'])).toThrow(ConfigFlagError);
    expect(() => parseConfigFlags(['--database-url', '--json'])).toThrow('--database-url needs a value');
    expect(() => parseConfigFlags(['--api-url', 'http://a', '--api-url', 'http://b'])).toThrow('--api-url given twice');
  });
});

describe('masking passwords', () => {
  it('maskUrl hides the password and secret parameters, valid URL or not', () => {
    const cases: [string, string][] = [
      ['postgres://cockpit:s3cret@db:5432/lsos', 'postgres://cockpit:***@db:5432/lsos'],
      ['redis://:s3cret@127.0.0.1:6379/0', 'redis://:***@127.0.0.1:6379/0'],
      ['amqp://guest:guest@rabbit:5672/vhost', 'amqp://guest:***@rabbit:5672/vhost'],
      ['postgres://u:p@ss/w@rd@db/x', 'postgres://u:***@db/x'],
      ['postgres://u@db/x?sslmode=require&password=s3cret', 'postgres://u@db/x?sslmode=require&password=***'],
      ['postgres://u:s3 cret@db/x', 'postgres://u:***@db/x'],
      ['https://api.example.com/health', 'https://api.example.com/health'],
      ['redis://user@h', 'redis://user@h'],
      ['not a url at all', 'not a url at all'],
      // Unencoded `#`, `/`, `?`, `@`, `%`: not a URL any parser agrees on, masked all the same.
      ['postgres://cockpit:Pg#S3cretPW@host/db', 'postgres://cockpit:***@host/db'],
      ['postgres://cockpit:a/b?c#d@host:5432/db', 'postgres://cockpit:***@host:5432/db'],
      ['postgres://cockpit:50%off@host/db', 'postgres://cockpit:***@host/db'],
      ['redis://:p@ss#w/rd@h:6379/0', 'redis://:***@h:6379/0'],
      // The `@host` missing: a "port" that is not a number is masked with all that follows.
      ['postgres://cockpit:S3cret/db', 'postgres://cockpit:***'],
      ['postgres://cockpit:Pg#S3cret', 'postgres://cockpit:***'],
      ['postgres://db:5432/lsos', 'postgres://db:5432/lsos'],
      ['postgres://[::1]:5432/lsos', 'postgres://[::1]:5432/lsos'],
      // No scheme: nothing before the last `@` is shown.
      ['cockpit:Pg#S3cret@host/db', '***@host/db'],
      ['r1=cockpit:x@host/db', '***@host/db'],
      // libpq's keyword/value form.
      ['host=db password=s3cret user=x', 'host=db password=*** user=x'],
      ["host=db password='s3 cret' user=x", 'host=db password=*** user=x'],
      ['postgres://u@db/x?password=a#b&sslmode=require', 'postgres://u@db/x?password=***&sslmode=require'],
    ];
    for (const [raw, masked] of cases) expect(maskUrl(raw), raw).toBe(masked);
  });

  it('redactSecrets scrubs URLs and bare passwords out of driver messages', () => {
    const url = 'postgres://cockpit:Tr1ckyP%40ss@db/x';
    const msg = `could not connect to ${url}: password Tr1ckyP@ss rejected; also see amqp://a:zz9zz@rabbit`;
    const out = redactSecrets(msg, [url]);
    expect(out).toBe('could not connect to postgres://cockpit:***@db/x: password *** rejected; also see amqp://a:***@rabbit');
  });

  it('redactSecrets finds the password of a malformed URL in a driver message', () => {
    const url = 'postgres://cockpit:Pg#S3cretPW@db/x';
    expect(redactSecrets('auth failed with Pg#S3cretPW (and Pg%23S3cretPW)', [url])).toBe('auth failed with *** (and ***)');
    expect(redactSecrets('bad 50%off', ['redis://:50%off@h'])).toBe('bad ***');
  });

  it('describeSources shows where each source came from, masked', () => {
    const { config, provenance } = load({
      argv: ['--database-url', 'postgres://c:pgpass1@db/lsos', '--replica-url', 'r1=postgres://c:pgpass1@r1/lsos'],
      env: { REDIS_URL: 'redis://:redispass@cache:6379/1', LSOS_API_URL: 'https://ops:apipass@api.example.com' },
    });
    const lines = describeSources(config, provenance);
    expect(lines).toEqual([
      'redis: redis://:***@cache:6379/1 db 1 (from environment variable REDIS_URL)',
      'postgres primary: postgres://c:***@db/lsos (from flag --database-url)',
      'postgres replica r1: postgres://c:***@r1/lsos (from flag --replica-url)',
      'api: https://ops:***@api.example.com (from environment variable LSOS_API_URL)',
    ]);
    expect(lines.join('\n')).not.toMatch(/pgpass1|redispass|apipass/);
    expect(hasLiveSource(config)).toBe(true);
  });
});

describe('live sources from the configuration', () => {
  it('builds the PostgreSQL and API sources, and brokers through the factories (or a source that says it is not wired)', async () => {
    const { config } = load({
      argv: ['--database-url', 'postgres://db/x', '--api-url', 'http://api', '--redis-url', 'redis://r', '--amqp-url', 'amqp://a'],
    });
    const made: string[] = [];
    const sources = buildLiveSources(config, {
      redis: (r) => {
        made.push(`redis ${r.url} db ${r.db}`);
        return { name: 'redis', owns: [], read: async () => ({}), close: async () => undefined };
      },
    });
    expect(sources.map((s) => [s.source.name, s.area, s.pollIntervalMs])).toEqual([
      ['redis', 'broker', 1000],
      ['amqp', 'broker', 2000],
      ['postgres', 'database', 5000],
      ['api', 'api', 5000],
    ]);
    expect(made).toEqual(['redis redis://r db 0']);
    await expect(sources[1]?.source.read(new AbortController().signal)).rejects.toThrow('the RabbitMQ source is not wired into this build');
    for (const s of sources) await s.source.close();
  });
});

describe("the Redis of LSOS's control flags", () => {
  it('file < LSOS_FLAGS_REDIS_URL < --flags-redis-url; a bad one is named with its origin', () => {
    const text = 'sources:\n  amqp: { url: "amqp://mq/" }\n  controlFlags: { url: "redis://flags-file:6379/0" }\n';
    const file = writeConfig(text);
    expect(load({ argv: ['--config', file] }).config.sources.controlFlags?.url).toBe('redis://flags-file:6379/0');
    const env = { LSOS_FLAGS_REDIS_URL: 'redis://flags-env:6379/0' };
    expect(load({ argv: ['--config', file], env }).config.sources.controlFlags?.url).toBe('redis://flags-env:6379/0');
    const flagged = load({ argv: ['--config', file, '--flags-redis-url', 'redis://flags-flag/0'], env });
    expect(flagged.config.sources.controlFlags?.url).toBe('redis://flags-flag/0');
    expect(flagged.provenance['sources.controlFlags.url']).toEqual({ kind: 'flag', flag: '--flags-redis-url' });
    const err = problems(() => load({ env: { LSOS_FLAGS_REDIS_URL: 'http://secret:pw@x/' } }));
    expect(err.message).toContain('environment variable LSOS_FLAGS_REDIS_URL');
    expect(err.message).not.toContain('pw@');
  });
  it('unset: none (mitigations then use the Redis broker, db 0)', () => {
    expect(load({}).config.sources.controlFlags).toBeNull();
  });
});

describe('the integrity checks file (runbook 6.4)', () => {
  it('integrityChecks: a file relative to the config file; unset: the built-in examples', async () => {
    const { loadIntegrityChecks, exampleIntegrityChecks, IntegrityConfigError } = await import('../../src/control/integrity/config.js');
    const file = writeConfig('integrityChecks: checks.yaml\n');
    const checksFile = join(file, '..', 'checks.yaml');
    writeFileSync(
      checksFile,
      '- name: orphan-rank-results\n  description: rank results of a campaign that does not exist\n  sql: SELECT count(*) FROM rank_results r LEFT JOIN campaigns c ON c.id = r.campaign_id WHERE c.id IS NULL\n  expect: { equals: 0 }\n',
    );
    const loaded = load({ argv: ['--config', file] });
    expect(loaded.config.integrityChecksFile).toBe(checksFile);
    const checks = loadIntegrityChecks(loaded.config.integrityChecksFile);
    expect(checks.map((c) => c.name)).toEqual(['orphan-rank-results']);
    expect(loadIntegrityChecks(load({}).config.integrityChecksFile).map((c) => c.name)).toEqual(
      exampleIntegrityChecks().map((c) => c.name),
    );
    writeFileSync(checksFile, '- name: broken\n  expect: { equals: 0 }\n');
    expect(() => loadIntegrityChecks(checksFile)).toThrow(IntegrityConfigError);
    expect(() => loadIntegrityChecks(join(root, 'missing.yaml'))).toThrow(/cannot read it/);
  });
});

describe('a source that cannot be set up', () => {
  it('is a source that reads as down with the reason (password masked); check says it could not run (exit 3)', async () => {
    const { runCheck } = await import('../../src/cli/check.js');
    const url = 'redis://cockpit:S3cretPW@cache:6379/0';
    const factories = {
      redis: () => {
        throw new Error(`driver refused ${url}: S3cretPW is not allowed here`);
      },
    };
    let out = '';
    let err = '';
    const io = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: { REDIS_URL: url },
      cwd: root,
    };
    const code = await runCheck(['--json', '--only', 'queue-lag', '--timeout', '500'], io as never, {
      factories,
      loaded: load({ env: { REDIS_URL: url } }),
    });
    expect(code).toBe(3);
    const report = JSON.parse(out) as { sources: { name: string; state: string; error: string }[] };
    expect(report.sources).toEqual([
      {
        name: 'redis',
        area: 'broker',
        state: 'unreachable',
        error: 'the redis source cannot be set up: driver refused redis://cockpit:***@cache:6379/0: *** is not allowed here',
      },
    ]);
    expect(out + err).not.toContain('S3cretPW');
  }, 20_000);
});
