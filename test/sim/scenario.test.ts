import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LSOS_QUEUES } from '../../src/domain/queues.js';
import { ScenarioError, listScenarios, loadScenario, parseScenario } from '../../src/sources/sim/scenario.js';

const fixture = (f: string): string => fileURLToPath(new URL(`./fixtures/${f}`, import.meta.url));

/** Parse text that must be refused; return the error. */
function refused(text: string, file = 'inline.yaml'): ScenarioError {
  try {
    parseScenario(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('scenario was accepted');
}

describe('bundled scenarios', () => {
  it('lists every bundled scenario with a title and a description, default first', () => {
    const list = listScenarios();
    expect(list[0]?.name).toBe('default');
    const names = list.map((s) => s.name);
    for (const n of ['healthy', 'queue-triage', 'reporting-failures', 'serp-provider-degraded', 'replica-stall', 'primary-degraded']) {
      expect(names).toContain(n);
    }
    for (const s of list) {
      expect(s.title.length, s.name).toBeGreaterThan(5);
      expect(s.title).not.toBe(s.name);
      expect(s.description.length, s.name).toBeGreaterThan(40);
    }
  });

  it('resolves a bare name to fixtures/scenarios/<name>.yaml and merges over the default topology', () => {
    const s = loadScenario('default');
    expect(s.name).toBe('default');
    expect(s.file).toMatch(/fixtures[\\/]scenarios[\\/]default\.yaml$/);
    expect(s.queues.map((q) => q.name)).toEqual([...LSOS_QUEUES]);
    expect(s.queues.find((q) => q.name === 'crawl')?.backlog).toEqual({ count: 50_000, oldestAgeMs: 870_000 });
    expect(s.tasks.find((t) => t.name === 'rank.check_serp')?.usesProvider).toBe(true);
    expect(s.events.map((e) => e.kind)).toEqual(['parser-deploy', 'worker-pool-dies', 'provider-degrade', 'fix-deployed']);
    expect(s.events[0]?.line).toBeGreaterThan(1);
    expect(s.campaigns).toBe(40);
  });

  it('reads JSON scenarios and tasks a scenario declares itself', () => {
    const s = loadScenario(fixture('good-custom.json'));
    const t = s.tasks.find((x) => x.name === 'lsos.billing.sync_invoices');
    expect(t?.queue).toBe('celery');
    expect(t?.durationMs).toBe(800);
    expect(s.queues.find((q) => q.name === 'celery')?.stampedShare).toBe(0);
    expect(s.events[0]).toMatchObject({ kind: 'surge', factor: 3, atMs: 10_000, durationMs: 60_000 });
  });

  it('the format example in fixtures/scenarios/README.md is itself a valid scenario', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../fixtures/scenarios/README.md', import.meta.url)), 'utf8');
    const block = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const s = parseScenario(block!, 'README.md');
    expect(s.events).toHaveLength(15);
    expect(new Set(s.events.map((e) => e.kind)).size).toBe(15);
  });

  it('names the path it tried when a scenario does not exist', () => {
    expect(() => loadScenario('no-such-scenario')).toThrow(/no-such-scenario\.yaml: cannot read scenario .*known scenarios: .*default/);
  });
});

describe('scenario validation names the file, line and column', () => {
  it('an unknown key (fixture file)', () => {
    const file = fixture('bad-unknown-key.yaml');
    const err = (() => {
      try {
        loadScenario(file);
      } catch (e) {
        return e as ScenarioError;
      }
      throw new Error('accepted');
    })();
    expect(err).toBeInstanceOf(ScenarioError);
    expect(err.file).toBe(file);
    expect(err.line).toBe(6);
    expect(err.column).toBe(5);
    expect(err.message).toContain(`${file}:6:5:`);
    expect(err.message).toContain('unknown key "retires"');
    expect(err.message).toContain('maxRetries');
  });

  it('a bad duration string (fixture file)', () => {
    expect(() => loadScenario(fixture('bad-duration.yaml'))).toThrow(/bad-duration\.yaml:7:9: events\[1\]\.at: bad duration "30 seconds"/);
  });

  it('an unknown provider pool (fixture file)', () => {
    expect(() => loadScenario(fixture('bad-provider.yaml'))).toThrow(
      /bad-provider\.yaml:5:11: events\[0\]\.pool: unknown provider pool "brightpoool" \(pools: brightpool, fallbackpool\)/,
    );
  });

  it('a negative rate (JSON fixture file)', () => {
    expect(() => loadScenario(fixture('bad-negative-rate.json'))).toThrow(
      /bad-negative-rate\.json:5:24: tasks\.rank\.check_serp\.ratePerMinute: must be zero or more/,
    );
  });

  it('a wrong type', () => {
    const err = refused('name: x\ntasks:\n  crawl.fetch_page:\n    ratePerMinute: fast\n');
    expect([err.file, err.line, err.column]).toEqual(['inline.yaml', 4, 20]);
    expect(err.reason).toBe('tasks.crawl.fetch_page.ratePerMinute: expected a number, got string "fast"');
  });

  it('an unknown queue in a task, a worker pool and the queues section', () => {
    expect(refused('tasks:\n  crawl.fetch_page:\n    queue: crawler\n').message).toMatch(
      /^inline\.yaml:3:12: tasks\.crawl\.fetch_page\.queue: unknown queue "crawler"/,
    );
    expect(refused('workers:\n  extra:\n    queues: [crawl, ranking]\n').message).toMatch(/^inline\.yaml:3:21: .*unknown queue "ranking"/);
    expect(refused('queues:\n  crawl: {}\n  emails: {}\n').message).toMatch(/^inline\.yaml:3:3: queues: unknown queue "emails"/);
  });

  it('an unknown task, replica, worker, event kind and chain target', () => {
    expect(
      refused('events:\n  - at: 1m\n    kind: parser-deploy\n    task: crawl.fetch_pages\n    failureProbability: 0.5\n').message,
    ).toMatch(/^inline\.yaml:4:11: events\[0\]\.task: unknown task "crawl\.fetch_pages"/);
    expect(refused('events:\n  - at: 1m\n    kind: replica-stall\n    replica: replica-9\n').message).toMatch(
      /^inline\.yaml:4:14: .*unknown replica "replica-9"/,
    );
    expect(refused('events:\n  - at: 1m\n    kind: worker-dies\n    hostname: celery@crawl-9\n').message).toMatch(
      /^inline\.yaml:4:15: .*unknown worker "celery@crawl-9"/,
    );
    expect(refused('events:\n  - at: 1m\n    kind: meteor-strike\n').message).toMatch(
      /^inline\.yaml:3:11: events\[0\]\.kind: unknown event kind "meteor-strike"/,
    );
    expect(refused('tasks:\n  reporting.render_pdf:\n    then: email.deliver\n').message).toMatch(
      /^inline\.yaml:3:11: tasks\.reporting\.render_pdf\.then: unknown task "email\.deliver"/,
    );
  });

  it('a probability out of range, a missing field, a field the event kind does not take', () => {
    expect(refused('providers:\n  pools:\n    brightpool: { failureProbability: 1.5 }\n').message).toMatch(
      /^inline\.yaml:3:39: .*must be at most 1, got 1\.5/,
    );
    expect(refused('events:\n  - at: 1m\n    kind: surge\n    factor: 2\n').message).toMatch(
      /^inline\.yaml:2:5: events\[0\] \(surge\): "task" is required/,
    );
    expect(refused('events:\n  - at: 1m\n    kind: failed-migration\n    for: 5m\n').message).toMatch(
      /^inline\.yaml:4:5: unknown key "for" in events\[0\] \(failed-migration\)/,
    );
    expect(refused('events:\n  - kind: primary-down\n').message).toMatch(/^inline\.yaml:2:5: events\[0\]: "at" is required/);
  });

  it('a number where a duration belongs, and an exception in the wrong failure class', () => {
    expect(refused('events:\n  - at: 30\n    kind: primary-down\n').message).toMatch(
      /^inline\.yaml:2:9: events\[0\]\.at: expected a duration string such as "30s", got number 30/,
    );
    expect(refused('tasks:\n  crawl.fetch_page:\n    exceptions:\n      parser: [ParserError, TimeoutError]\n').message).toMatch(
      /^inline\.yaml:4:29: .*exception "TimeoutError" is classified as transient .*not parser/,
    );
  });

  it('YAML syntax errors and duplicate keys', () => {
    const syntax = refused('name: x\nqueues:\n  crawl: {backlog: {count: 3\n');
    expect(syntax.line).not.toBeNull();
    expect(syntax.message).toMatch(/^inline\.yaml:\d+:\d+: YAML syntax:/);
    const dup = refused('name: x\ntitle: a\ntitle: b\n');
    expect(dup.line).toBe(3);
    expect(dup.message).toContain('YAML syntax');
  });

  it('an empty file and a top level that is not a mapping', () => {
    expect(refused('', 'empty.yaml').message).toBe('empty.yaml:1:1: the scenario is empty');
    expect(refused('- a\n- b\n').message).toMatch(/^inline\.yaml:1:1: scenario: expected a mapping, got a list/);
  });
});
