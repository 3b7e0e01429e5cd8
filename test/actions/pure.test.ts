// Pure parts: parameter parsing at the edge, placeholder filling for the replicas command, the
// preflight order, the audit chain, and previews of the publishing actions (on the simulation).
import { describe, expect, it } from 'vitest';
import { auditHash, GENESIS_HASH, verifyAuditChain, type AuditRecord, type AuditRow } from '../../src/control/audit/chain.js';
import { findMitigation, MITIGATIONS } from '../../src/control/mitigations/catalog.js';
import type { FlagState, MitigationBackend } from '../../src/control/mitigations/backend.js';
import { fillArgv } from '../../src/control/mitigations/commandRunner.js';
import { driftOf, foldInForce } from '../../src/control/mitigations/inForce.js';
import { attachStepServices } from '../../src/control/mitigations/stepServices.js';
import type { TimelineEntry } from '../../src/core/timeline.js';
import { idempotencyCheck, preflight, type Actor } from '../../src/control/mitigations/execute.js';
import { formatParamLine, parseParamLine, ParamError } from '../../src/control/mitigations/params.js';
import { SimulationBackend } from '../../src/control/mitigations/simBackend.js';
import { LsosSimulation, loadScenario } from '../../src/sources/sim/index.js';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const op: Actor = { operator: 'bob', role: 'operator', roleSource: 'test', readonly: false, readonlyReason: null };

describe('parameters', () => {
  it('parses key=value words, durations and lists, and round-trips the line', () => {
    const p = parseParamLine('queue=crawl concurrency=2 until=90m campaigns=c1,c2 restoreTo=w1@h=4,w2@h=8', NOW);
    expect(p).toEqual({
      queue: 'crawl',
      concurrency: 2,
      until: NOW + 90 * 60_000,
      campaigns: ['c1', 'c2'],
      restoreTo: { 'w1@h': 4, 'w2@h': 8 },
    });
    expect(formatParamLine(p, NOW)).toBe('queue=crawl concurrency=2 until=90m campaigns=c1,c2 restoreTo=w1@h=4,w2@h=8');
    expect(parseParamLine('until=2026-11-28T13:00:00Z', NOW).until).toBe(NOW + 3600_000);
  });

  it('names what is wrong: unknown keys, bad numbers, names with shell characters', () => {
    expect(() => parseParamLine('colour=red', NOW)).toThrow(new ParamError('unknown parameter "colour"'));
    expect(() => parseParamLine('concurrency=0', NOW)).toThrow(/concurrency must be a whole number >= 1, got "0"/);
    expect(() => parseParamLine('queue=crawl;rm', NOW)).toThrow(/not a valid name/);
    expect(() => parseParamLine('until=soon', NOW)).toThrow(/neither a duration/);
    expect(() => parseParamLine('crawl', NOW)).toThrow(/is not key=value/);
  });

  it('replica (a name) and renotify (true or false), validated and round-tripped', () => {
    const p = parseParamLine('month=2026-10 replica=replica-1 renotify=true', NOW);
    expect(p).toEqual({ month: '2026-10', replica: 'replica-1', renotify: true });
    expect(formatParamLine(p, NOW)).toBe('month=2026-10 replica=replica-1 renotify=true');
    expect(parseParamLine('renotify=false', NOW).renotify).toBe(false);
    expect(() => parseParamLine('renotify=yes', NOW)).toThrow(new ParamError('renotify must be true or false, got "yes"'));
    expect(() => parseParamLine('replica=r1;rm', NOW)).toThrow(/replica: .* is not a valid name/);
  });
});

describe('a read failover in force', () => {
  const entry = (seq: number, mitigation: string, result: string, record: Record<string, unknown>, removes = false): TimelineEntry =>
    ({
      seq,
      at: new Date(NOW + seq * 1000).toISOString(),
      kind: 'action',
      operator: 'bob',
      details: {
        mitigation,
        action: mitigation,
        reason: 'lag',
        params: {},
        inForce: { kind: 'read-target', ...(removes ? { removes: true } : {}) },
        audit: { result },
        record,
        undo: removes ? 'fail-over-reads' : 'restore-read-target',
      },
    }) as unknown as TimelineEntry;

  it('one at a time on lsos:db:read_target, until undone; drift compares the flag with the target it set', async () => {
    const entries = [
      entry(1, 'fail-over-reads', 'done', { target: 'replica-1', previous: 'primary' }),
      entry(2, 'fail-over-reads', 'done', { target: 'replica-2', previous: 'replica-1' }),
    ];
    const [m, ...rest] = foldInForce(entries);
    expect(rest).toEqual([]);
    expect(m).toMatchObject({
      kind: 'read-target',
      target: 'lsos:db:read_target',
      action: 'fail-over-reads',
      undo: 'restore-read-target',
      expect: { target: 'replica-2' },
    });
    expect(foldInForce([...entries, entry(3, 'restore-read-target', 'done', { target: 'primary' }, true)])).toEqual([]);

    let live: string | null = 'replica-2';
    const backend = {} as MitigationBackend;
    const noFlags = {} as FlagState;
    await expect(driftOf(m!, noFlags, backend)).rejects.toThrow(/no read-target control/);
    attachStepServices(backend, {
      readTarget: { get: async () => live, set: async () => ({ ok: true, target: 'lsos:db:read_target', detail: '' }) },
    });
    expect(await driftOf(m!, noFlags, backend)).toBeNull();
    live = 'primary';
    expect(await driftOf(m!, noFlags, backend)).toBe('lsos:db:read_target is primary, not replica-2');
    live = null;
    expect(await driftOf(m!, noFlags, backend)).toBe('lsos:db:read_target is unset, not replica-2');
  });
});

describe('the replicas command', () => {
  it('fills known placeholders per argument and refuses unknown ones', () => {
    expect(
      fillArgv(['kubectl', 'scale', 'deployment/lsos-{pool}', '--replicas={replicas}'], { pool: 'crawl', replicas: '6', queue: 'crawl' }),
    ).toEqual({
      argv: ['kubectl', 'scale', 'deployment/lsos-crawl', '--replicas=6'],
    });
    expect(fillArgv(['scale', '{namespace}'], { pool: 'crawl' })).toEqual({
      error: 'unknown placeholder {namespace} in the replicas command (known: {pool})',
    });
  });
});

describe('checks', () => {
  const replay = findMitigation('replay-dead-letters')!;
  it('in order: read-only, role, reason, reason code, parameters', () => {
    expect(preflight(replay, { ...op, readonly: true, readonlyReason: '--readonly' }, {}, '')).toBe('read-only session: --readonly');
    expect(preflight(replay, op, {}, '')).toBe('Replay dead letters needs role privileged; bob is operator (test)');
    const priv = { ...op, role: 'privileged' as const };
    expect(preflight(replay, priv, {}, '')).toBe('a reason is required');
    expect(preflight(replay, priv, { queue: 'crawl' }, 'x')).toMatch(/^a replay needs a reason code: one of fix-deployed/);
    expect(preflight(replay, priv, { reasonCode: 'fix-deployed' }, 'x')).toBe('missing queue');
    expect(preflight(replay, priv, { queue: 'crawl', reasonCode: 'fix-deployed' }, 'x')).toBeNull();
  });

  it('idempotency: override only for a task not declared idempotent, and only that one', () => {
    const preview = { title: '', lines: [], blockers: [], simulated: false, replayTasks: [{ task: 'a', count: 2, idempotent: false }] };
    const idem = (t: string) => t === 'b';
    expect(idempotencyCheck(preview, { queue: 'q' }, idem)).toMatch(/no dead letter in q\.dead is of an idempotent task \(a\)/);
    expect(idempotencyCheck(preview, { queue: 'q', overrideTask: 'a' }, idem)).toBeNull();
    expect(idempotencyCheck(preview, { queue: 'q', overrideTask: 'b' }, idem)).toMatch(/declared idempotent, no override needed/);
    expect(idempotencyCheck(preview, { queue: 'q', task: 'a', overrideTask: 'c' }, idem)).toMatch(
      /the override names c but the replay is of a/,
    );
  });

  it('every mitigation with an undo names one that exists, and undo pairs point at each other', () => {
    for (const m of MITIGATIONS) {
      if (!m.undo) continue;
      const u = findMitigation(m.undo);
      expect(u, `${m.id} -> ${m.undo}`).toBeDefined();
      expect(u?.undo).toBe(m.id);
    }
  });
});

describe('previews of the publishing actions (simulation)', () => {
  const sim = new LsosSimulation(loadScenario('reporting-failures'), { seed: 3 });
  const ctx = (params: Record<string, unknown>) => ({
    params,
    operator: 'bob',
    reason: 'r',
    now: NOW,
    backend: new SimulationBackend(sim),
    isIdempotent: () => true,
  });

  it('re-render: two tasks per campaign on the retry lane, counted', async () => {
    const p = await findMitigation('rerender-reports')!.preview(ctx({ campaigns: ['c1', 'c2', 'c3'], month: '2026-10' }));
    expect(p.blockers).toEqual([]);
    expect(p.lines.slice(0, 2).map((l) => l.text)).toEqual([
      'publish 3 x reporting.render_html -> reporting.retry (Celery protocol v2, lsos_sent_at stamped)',
      'publish 3 x reporting.render_pdf -> reporting.retry (Celery protocol v2, lsos_sent_at stamped)',
    ]);
  });

  it('backfill: one rank.check_serp per campaign x day x keyword, with the contract kwargs', async () => {
    const p = await findMitigation('backfill-rank')!.preview(
      ctx({ campaigns: ['c1', 'c2'], days: ['2026-11-26', '2026-11-27'], keywords: ['shoes'], provider: 'fallbackpool' }),
    );
    expect(p.lines[0]?.text).toBe('publish 4 x rank.check_serp -> rank (Celery protocol v2, lsos_sent_at stamped)');
    expect(p.lines[1]?.text).toBe(
      '  e.g. rank.check_serp kwargs {"campaign_id":"c1","provider":"fallbackpool","window":"2026-11-26","keyword":"shoes"}',
    );
    const bad = await findMitigation('backfill-rank')!.preview(
      ctx({ campaigns: ['c1'], days: ['yesterday'], keywords: ['k'], provider: 'p' }),
    );
    expect(bad.blockers).toEqual(['days are needed as YYYY-MM-DD (days=2026-11-27,2026-11-28)']);
  });
});

describe('the audit chain', () => {
  const rec = (i: number): AuditRecord => ({
    at: `2026-11-28T12:00:0${i}.000Z`,
    operator: 'bob',
    role: 'operator',
    action: 'pause-task',
    target: 't',
    parameters: { b: 1, a: [i] },
    reason: 'r',
    result: 'done',
    incidentId: 'INC-20261128-1200',
    taskIds: [],
    correlationIds: [],
    journalSeq: i,
  });
  const rows: AuditRow[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= 3; i++) {
    const h = auditHash(rec(i), prev);
    rows.push({ ...rec(i), id: i, prevHash: prev, hash: h });
    prev = h;
  }

  it('verifies an intact chain and does not depend on key order', () => {
    expect(verifyAuditChain(rows)).toMatchObject({ ok: true, rows: 3, brokenAtId: null, lastHash: prev });
    const reordered = rows.map((r) => ({ ...r, parameters: { a: r.parameters.a, b: r.parameters.b } }));
    expect(verifyAuditChain(reordered).ok).toBe(true);
  });

  it('names the first edited row', () => {
    const edited = rows.map((r) => (r.id === 2 ? { ...r, result: 'refused' } : r));
    expect(verifyAuditChain(edited)).toMatchObject({
      ok: false,
      brokenAtId: 2,
      problems: ['row 2: content does not match its hash (row edited)'],
    });
  });
});
