// The pure core: roster validation with file:line, pagesFor per matrix row, payload shapes, the fold.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dedupKey, genericEvent, matrixTargets, pagerDutyEvent, pagesFor, parseRoster, type PageMessage } from '../../src/core/paging.js';
import { backoffMs } from '../../src/control/paging/http.js';
import { parseAckBody } from '../../src/control/paging/callback.js';
import { loadPagingConfig, parsePagingFlags, readPagingSection } from '../../src/control/paging/config.js';
import { rosterFor } from './helpers.js';

const roster = rosterFor('http://127.0.0.1:1');
const ids = (r: { targets: { id: string }[] }) => r.targets.map((t) => t.id);

describe('roster', () => {
  it('parses the demo roster', () => {
    const r = parseRoster(readFileSync('fixtures/roster.demo.yaml', 'utf8'), 'roster.demo.yaml');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.roster.onCallEngineer.name).toBe('Ana Oncall');
      expect(r.roster.owners.email.format).toBe('generic');
      expect(r.roster.owners.crawl.format).toBe('pagerduty');
    }
  });

  it('names every problem with file:line:col', () => {
    const text = [
      'onCallEngineer:',
      '  name: A',
      '  webhook: ftp://x',
      '  routingKey: k',
      'securityLead: 3',
      'owners:',
      '  crawl: {name: c, webhook: "http://x", routingKey: r, format: smoke}',
      '  typo: {}',
    ].join('\n');
    const r = parseRoster(text, 'roster.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const msgs = r.problems.map((p) => `${p.origin} ${p.message}`);
    expect(msgs).toContainEqual(expect.stringMatching(/^roster\.yaml:3:\d+ onCallEngineer\.webhook: not an http\(s\) URL/));
    expect(msgs).toContainEqual(expect.stringMatching(/^roster\.yaml:5:\d+ securityLead: expected a mapping/));
    expect(msgs).toContainEqual(expect.stringMatching(/^roster\.yaml:\d+:\d+ primaryOnCall: missing/));
    expect(msgs).toContainEqual(expect.stringMatching(/^roster\.yaml:7:\d+ owners\.crawl\.format: "smoke" is not one of/));
    expect(msgs).toContainEqual(expect.stringMatching(/^roster\.yaml:8:\d+ owners\.typo: unknown key/));
    expect(msgs).toContainEqual(expect.stringMatching(/owners\.rank: missing/));
  });

  it('reports YAML syntax errors with their line', () => {
    const r = parseRoster('onCallEngineer:\n  name: [unclosed\n', 'r.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]?.origin).toMatch(/^r\.yaml:\d+:\d+$/);
  });
});

describe('the matrix (runbook section 7)', () => {
  it('SEV-1 pages the on-call engineer and the security lead', () => {
    expect(ids(matrixTargets('SEV-1', ['crawl'], roster))).toEqual(['on-call-engineer', 'security-lead']);
  });
  it('SEV-2 pages the primary on-call and the affected module owners', () => {
    expect(ids(matrixTargets('SEV-2', ['crawl', 'email'], roster))).toEqual(['primary-on-call', 'crawl-owner', 'email-owner']);
  });
  it('SEV-2 without a known module asks for one; an unknown module has no owner', () => {
    expect(matrixTargets('SEV-2', [], roster).unresolved).toEqual(['module owner: no affected module known (pick the module)']);
    expect(matrixTargets('SEV-2', ['platform', 'crawl'], roster).unresolved).toEqual(['platform has no owner in the roster']);
  });
  it('SEV-3 opens a ticket and pages nobody', () => {
    expect(ids(matrixTargets('SEV-3', ['crawl'], roster))).toEqual(['ticket']);
  });
  it('raising pages exactly what the new level adds; lowering pages nobody', () => {
    expect(ids(pagesFor('SEV-3', 'SEV-1', ['crawl'], roster))).toEqual(['on-call-engineer', 'security-lead']);
    expect(ids(pagesFor('SEV-3', 'SEV-2', ['crawl'], roster))).toEqual(['primary-on-call', 'crawl-owner']);
    expect(ids(pagesFor('SEV-2', 'SEV-1', ['crawl'], roster))).toEqual(['on-call-engineer', 'security-lead']);
    expect(ids(pagesFor(null, 'SEV-3', [], roster))).toEqual(['ticket']);
    const lowered = pagesFor('SEV-1', 'SEV-3', ['crawl'], roster);
    expect(lowered.targets).toEqual([]);
    expect(lowered.lowered).toBe(true);
    expect(pagesFor('SEV-2', 'SEV-2', ['crawl'], roster).unchanged).toBe(true);
  });
});

describe('payloads', () => {
  const m: PageMessage = {
    messageId: 'INC-20261128-0412:crawl-owner#1',
    dedupKey: dedupKey('INC-20261128-0412', 'crawl-owner'),
    incidentId: 'INC-20261128-0412',
    target: 'crawl-owner',
    role: 'crawl owner',
    contact: 'Carl',
    channel: 'pagerduty',
    action: 'trigger',
    severity: 'SEV-2',
    summary: 'SEV-2 INC-20261128-0412 [crawl]: crawl down',
    timestamp: '2026-11-28T04:12:00.000Z',
    reason: 'crawl down',
    modules: ['crawl'],
  };
  it('builds PagerDuty Events v2 trigger, acknowledge and resolve', () => {
    const t = pagerDutyEvent(m, 'rk', { source: 'lsos-cockpit' });
    expect(t).toMatchObject({
      routing_key: 'rk',
      event_action: 'trigger',
      dedup_key: 'INC-20261128-0412:crawl-owner',
      payload: {
        summary: m.summary,
        source: 'lsos-cockpit',
        severity: 'error',
        timestamp: m.timestamp,
        custom_details: { incident: m.incidentId },
      },
    });
    expect(pagerDutyEvent({ ...m, severity: 'SEV-1' }, 'rk', { source: 's' }).payload?.severity).toBe('critical');
    expect(pagerDutyEvent({ ...m, severity: 'SEV-3' }, 'rk', { source: 's' }).payload?.severity).toBe('warning');
    expect(pagerDutyEvent({ ...m, action: 'resolve' }, 'rk', { source: 's' })).toEqual({
      routing_key: 'rk',
      event_action: 'resolve',
      dedup_key: m.dedupKey,
    });
    expect(pagerDutyEvent({ ...m, action: 'acknowledge' }, 'rk', { source: 's' })).toEqual({
      routing_key: 'rk',
      event_action: 'acknowledge',
      dedup_key: m.dedupKey,
    });
  });
  it('builds the generic shape', () => {
    expect(genericEvent(m, 'rk', { source: 'lsos-cockpit', callbackUrl: 'http://127.0.0.1:1/ack' })).toMatchObject({
      type: 'page',
      action: 'trigger',
      dedup_key: m.dedupKey,
      routing_key: 'rk',
      incident: m.incidentId,
      severity: 'SEV-2',
      target: 'crawl-owner',
      ack_callback: 'http://127.0.0.1:1/ack',
    });
  });
});

describe('http, callback and config helpers', () => {
  it('backs off exponentially up to the cap', () => {
    const r = { initialMs: 1000, maxMs: 60_000, jitter: 0 };
    expect([1, 2, 3, 4, 7, 10].map((n) => backoffMs(n, r))).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000]);
  });
  it('validates callback bodies', () => {
    expect(parseAckBody('{"dedup_key":"INC-1:crawl-owner","by":"dana"}')).toEqual({
      ok: true,
      req: { dedupKey: 'INC-1:crawl-owner', by: 'dana' },
    });
    expect(parseAckBody('nope').ok).toBe(false);
    expect(parseAckBody('[]').ok).toBe(false);
    expect(parseAckBody('{"dedup_key":"k"}').ok).toBe(false);
    expect(parseAckBody('{"dedup_key":"k","incident":"i","by":"x"}').ok).toBe(false);
    expect(parseAckBody('{"dedup_key":"k; rm -rf","by":"x"}').ok).toBe(false);
    expect(parseAckBody('{"dedup_key":"k","by":"x","extra":1}').ok).toBe(false);
  });
  it('reads the paging section with file:line problems, and the flags', () => {
    const text =
      'sources: {}\npaging:\n  roster: team/roster.yaml\n  repage: { SEV-1: 2m, SEV-2: soon }\n  callback: { port: 8787 }\n  mode: live\n';
    const r = readPagingSection(text, '/etc/c.yaml');
    expect(r.values.roster).toBe('team/roster.yaml');
    expect(r.values.callback).toEqual({ host: '127.0.0.1', port: 8787 });
    expect(r.problems.map((p) => `${p.origin} ${p.message}`)).toEqual([
      expect.stringMatching(/^\/etc\/c\.yaml:4:\d+ paging\.repage\.SEV-2: bad duration "soon"/),
    ]);
    const ok = loadPagingConfig({
      configFile: '/etc/c.yaml',
      configText: 'paging:\n  roster: r.yaml\n  repage: { SEV-1: 2m }\n',
      env: {},
      cwd: '/tmp',
    });
    expect(ok.rosterFile).toBe('/etc/r.yaml');
    expect(ok.repageMs).toEqual({ 'SEV-1': 120_000, 'SEV-2': 900_000 });
    const { flags, rest } = parsePagingFlags(['--roster', 'x.yaml', '--paging-dry-run', '--speed', '10', '--paging-callback-port=0']);
    expect(rest).toEqual(['--speed', '10']);
    const c = loadPagingConfig({ flags, env: { XDG_CONFIG_HOME: '/xdg' }, cwd: '/w' });
    expect(c).toMatchObject({
      rosterFile: '/w/x.yaml',
      rosterExplicit: true,
      mode: 'record-only',
      callback: { host: '127.0.0.1', port: 0 },
    });
    expect(loadPagingConfig({ env: { XDG_CONFIG_HOME: '/xdg' }, cwd: '/w' }).rosterFile).toBe('/xdg/lsos-cockpit/roster.yaml');
    expect(loadPagingConfig({ env: {}, cwd: '/w', simulation: true, demoRoster: '/d.yaml' })).toMatchObject({
      rosterFile: '/d.yaml',
      mode: 'record-only',
    });
  });
});
