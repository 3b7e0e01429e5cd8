import * as path from 'node:path';
import { marked } from 'marked';
import type { Token, Tokens } from 'marked';
import { afterAll, describe, expect, it } from 'vitest';
import { foldIncident } from '../../src/core/incidentView.js';
import { PIR_APPENDIX, PIR_SECTIONS, renderPir, strictProblems } from '../../src/core/pir.js';
import { mdCell, mdInline, mdParagraphs } from '../../src/core/pirMarkdown.js';
import { formatUtc, sanitizeText, sealEntry } from '../../src/core/timeline.js';
import type { TimelineEntry } from '../../src/core/timeline.js';
import { readJournalFile } from '../../src/journal/journal.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { ManualClock, T0, queueLagTrigger, replicaLagTrigger, tempDir, removeTempDirs } from './helpers.js';

afterAll(removeTempDirs);

const HOSTILE = [
  'pipe | in the middle || and \\| escaped',
  'backticks ` and ``` fences ```',
  'line one\nline two\r\n## Injected heading\n# Another',
  '<script>alert(1)</script> <img src=x onerror=alert(1)> <!-- comment',
  '\u001b[31mred\u001b[0m and \u001b]8;;http://evil\u0007link\u001b]8;;\u0007 and bell\u0007',
  '---\n===\n> quote\n- list\n1. ordered\n    indented code',
  '[link](http://evil) ![img](http://evil) [^1] **bold** _em_ ~~strike~~ $x$',
  '| a | b |\n| --- | --- |\n| fake | row |',
  'trailing backslash \\',
].join('\n');

/** A complete incident: triggers, decisions, notes, steps, corrections, PIR fields. */
function fullIncident(noteText = 'rank workers look stuck'): { rec: IncidentRecorder; clock: ManualClock } {
  const clock = new ManualClock(T0);
  const rec = new IncidentRecorder({ stateDir: tempDir(), clock, operator: 'alice' });
  rec.onTriggerFired(queueLagTrigger());
  clock.advance(1234);
  rec.suggestSeverity('SEV-2', 'major module unavailable');
  clock.advance(60_000);
  rec.decideSeverity('SEV-2', 'rank module unavailable');
  rec.onSourceLost('rabbitmq', 'ECONNRESET');
  clock.advance(5_000);
  rec.onSourceRestored('rabbitmq');
  rec.note(noteText);
  rec.tickStep('3', '1', 'Identify queue and top failing task names');
  rec.record('action', { action: 'increase replicas', target: 'rank', outcome: 'ok', reason: 'backlog-only' });
  rec.record('page', { target: 'dana', role: 'module owner', severity: 'SEV-2', channel: 'pager', reason: 'SEV-2 pages the module owner' });
  rec.onTriggerFired(replicaLagTrigger());
  clock.advance(10 * 60_000);
  rec.setState('mitigated', 'replicas increased');
  rec.onTriggerCleared(queueLagTrigger({ value: 120 }));
  clock.advance(20 * 60_000);
  rec.setState('resolved', 'backlog drained');
  rec.correctMilestone('started', '2026-11-28T03:57:00.000Z', 'deploy at 03:57');
  rec.setPirField('impact', 'Rank freshness stale for 42 campaigns.');
  rec.setPirField('rootCause', 'A deploy halved rank worker concurrency.');
  rec.setPirField('contributingFactors', 'No alert on concurrency changes.');
  rec.setPirField('wentWell', 'Trigger fired within a minute.');
  rec.setPirField('wentBadly', 'Start time was unknown for a while.');
  rec.addCorrectiveAction({ action: 'Alert on worker concurrency drop', owner: 'bob', due: '2026-12-15' });
  rec.addCorrectiveAction({ action: 'Pin concurrency in deploy config', owner: 'carol', due: '2027-01-10' });
  rec.setPirField('monitoringGaps', 'Add a concurrency panel.');
  rec.setPirField('runbookImprovements', 'Section 3: check recent deploys first.');
  return { rec, clock };
}

function lex(md: string): Token[] {
  return marked.lexer(md);
}

function headings(tokens: Token[]): { depth: number; text: string }[] {
  return tokens.filter((t): t is Tokens.Heading => t.type === 'heading').map((t) => ({ depth: t.depth, text: t.text }));
}

/** Tokens between `## name` and the next heading. */
function section(tokens: Token[], name: string): Token[] {
  const start = tokens.findIndex((t) => t.type === 'heading' && (t as Tokens.Heading).text === name);
  expect(start, `section ${name}`).toBeGreaterThanOrEqual(0);
  const out: Token[] = [];
  for (const t of tokens.slice(start + 1)) {
    if (t.type === 'heading') break;
    out.push(t);
  }
  return out;
}

function tables(tokens: Token[]): Tokens.Table[] {
  return tokens.filter((t): t is Tokens.Table => t.type === 'table');
}

function exportOf(rec: IncidentRecorder): { md: string; entries: TimelineEntry[] } {
  const v = rec.view();
  if (!v) throw new Error('no incident');
  const report = readJournalFile(path.join(rec.stateDir, `${v.id}.jsonl`), v.id);
  const view = foldIncident(report.entries, v.id);
  return { md: renderPir(view, report), entries: report.entries };
}

/** GFM autolinks a bare URL; that is fine as long as no link hides its target behind other text. */
function expectOnlyLiteralLinks(html: string): void {
  for (const m of html.matchAll(/<a [^>]*href="([^"]*)"[^>]*>(.*?)<\/a>/g)) expect(m[2]).toBe(m[1]);
  expect(html.match(/<a /g)?.length ?? 0).toBe([...html.matchAll(/<a [^>]*href="([^"]*)"[^>]*>(.*?)<\/a>/g)].length);
}

const EXPECTED_HEADINGS = [
  { depth: 1, text: 'Post-incident review: INC-20261128-0412' },
  ...PIR_SECTIONS.map((text) => ({ depth: 2, text })),
];

describe('renderPir', () => {
  it('has the title and every section, in order, and nothing else as a heading', () => {
    const { md } = exportOf(fullIncident().rec);
    expect(headings(lex(md))).toEqual(EXPECTED_HEADINGS);
  });

  it('puts what a reader needs in the timeline, one row each, with exact UTC timestamps; PIR edits and ticks only with --full', () => {
    const { rec } = fullIncident();
    const { md, entries } = exportOf(rec);
    const [table] = tables(section(lex(md), 'Timeline'));
    expect(table?.header.map((h) => h.text)).toEqual(['Time (UTC)', 'Who', 'What']);
    const what = table?.rows.map((r) => r[2]?.text ?? '') ?? [];
    for (const row of table?.rows ?? []) expect(row[0]?.text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // In time order (milestones at their own time: the corrected start comes first).
    const times = table?.rows.map((r) => r[0]?.text ?? '') ?? [];
    expect([...times].sort()).toEqual(times);
    expect(what[0]).toBe('Milestone started (corrected): corrected by alice: deploy at 03:57');
    // The figure that crossed the line is in the trigger row.
    expect(what.find((w) => w.startsWith('Queue lag > 15 min fired on rank'))).toContain(
      '1260 s (21m 00s), threshold 900 s (15m 00s) (runbook §3)',
    );
    expect(what.filter((w) => /^Queue lag > 15 min (fired|cleared) on rank/.test(w))).toHaveLength(2);
    expect(what).toContain('Note: rank workers look stuck');
    expect(what).toContain('Severity none → SEV-2: rank module unavailable');
    expect(what.filter((w) => w.includes('increase replicas'))).toHaveLength(1);
    // No PIR edits, ticks, joins or state changes that are milestones.
    expect(what.some((w) => /PIR |Runbook §3 step 1|joined as|^State /.test(w))).toBe(false);
    expect(table?.rows.length).toBeLessThan(entries.length);
    expect(md).not.toContain(PIR_APPENDIX);
    // --full: the whole journal as an appendix, one row per entry.
    const v = rec.view();
    if (!v) throw new Error('no view');
    const full = renderPir(v, undefined, { full: true });
    const tokens = lex(full);
    expect(headings(tokens).map((h) => h.text)).toEqual([...EXPECTED_HEADINGS.map((h) => h.text), PIR_APPENDIX]);
    const [appendix] = tables(section(tokens, PIR_APPENDIX));
    expect(appendix?.header.map((h) => h.text)).toEqual(['Seq', 'Time (UTC)', 'Operator', 'Kind', 'Details']);
    expect(appendix?.rows.map((r) => r[0]?.text)).toEqual(entries.map((e) => String(e.seq)));
    expect(appendix?.rows.some((r) => r[3]?.text === 'pir-field')).toBe(true);
    expect(appendix?.rows.some((r) => r[3]?.text === 'procedure-step')).toBe(true);
  });

  it('summarises milestones (corrected start, each with its source) and durations computed from them', () => {
    const { md } = exportOf(fullIncident().rec);
    const [fields, milestones] = tables(section(lex(md), 'Summary'));
    const rows = Object.fromEntries((fields?.rows ?? []).map((r) => [r[0]?.text, r[1]?.text]));
    expect(rows['Incident']).toBe('INC-20261128-0412');
    expect(rows['Highest severity']).toBe('SEV-2');
    expect(rows['Time to detect']).toBe('15m 00s (started to detected)');
    expect(rows['Time to decide the severity']).toBe('1m 01s (detected to severity decided)');
    expect(rows['Time to acknowledge']).toBe('—');
    expect(rows['Time to mitigate']).toBe('26m 06s (started to mitigated)');
    expect(rows['Time to resolve']).toBe('46m 06s (started to resolved)');
    const ms = Object.fromEntries((milestones?.rows ?? []).map((r) => [r[0]?.text, [r[1]?.text, r[2]?.text]]));
    expect(ms).toEqual({
      started: ['2026-11-28T03:57:00.000Z (corrected)', 'corrected by alice: deploy at 03:57'],
      detected: ['2026-11-28T04:12:00.000Z', 'first trigger: Queue lag > 15 min on rank'],
      'severity decided': ['2026-11-28T04:13:01.234Z', 'SEV-2 decided by alice: rank module unavailable'],
      acknowledged: ['—', 'no page was acknowledged'],
      mitigated: ['2026-11-28T04:23:06.234Z', 'marked mitigated by alice: replicas increased'],
      resolved: ['2026-11-28T04:43:06.234Z', 'marked resolved by alice: backlog drained'],
    });
    // The superseded start stays listed.
    expect(md).toContain('started stamped — 2026-11-28T04:12:00.000Z by alice at seq 4 (superseded by seq');
  });

  it('renders the corrective actions table with owner and due date', () => {
    const { md } = exportOf(fullIncident().rec);
    const [table] = tables(section(lex(md), 'Corrective actions'));
    expect(table?.header.map((h) => h.text)).toEqual(['#', 'Action', 'Owner', 'Due']);
    expect(table?.rows.map((r) => r.map((c) => c.text))).toEqual([
      ['1', 'Alert on worker concurrency drop', 'bob', '2026-12-15'],
      ['2', 'Pin concurrency in deploy config', 'carol', '2027-01-10'],
    ]);
  });

  it('lists responders, blast radius, actions, escalations and the journal footer', () => {
    const { md, entries } = exportOf(fullIncident().rec);
    const tokens = lex(md);
    expect(tables(section(tokens, 'Responders'))[0]?.rows.map((r) => [r[0]?.text, r[1]?.text])).toEqual([['alice', 'on-call engineer']]);
    const blast = Object.fromEntries((tables(section(tokens, 'Blast radius'))[0]?.rows ?? []).map((r) => [r[0]?.text, r[1]?.text]));
    expect(blast).toEqual({
      Modules: 'rank freshness',
      Queues: 'rank',
      Campaigns: 'c-17, c-42 (named by the triggers)',
      Tenants: 'not known: no source in the journal names tenants',
      Replicas: 'replica-2',
      'SERP providers': 'not known',
    });
    const actions = tables(section(tokens, 'Actions taken'))[0]?.rows.map((r) => [r[0]?.text, r[3]?.text, r[4]?.text]);
    // The runbook tick is not an action.
    expect(actions).toEqual([['A1', 'increase replicas on rank — reason: backlog-only', 'ok']]);
    const [severity, pages] = tables(section(tokens, 'Escalations'));
    expect(severity?.rows.map((r) => r[2]?.text)).toEqual(['Severity none → SEV-2']);
    expect(pages?.rows.map((r) => r[0]?.text)).toEqual(['dana (module owner) for SEV-2']);
    const impact = tables(section(tokens, 'Impact'))[0]?.rows.map((r) => [r[0]?.text, r[3]?.text, r[6]?.text]);
    expect(impact).toEqual([
      ['Queue lag > 15 min', '1260 s (21m 00s)', '2026-11-28T04:23:06.234Z'],
      ['Replica lag breach', '45.5 s', 'still firing'],
    ]);
    const footer = section(tokens, 'Runbook improvements').find((t) => t.type === 'paragraph' && t.raw.includes('final hash'));
    expect(footer?.raw).toContain(`final hash \`${entries[entries.length - 1]?.hash}\``);
    expect(footer?.raw).toContain('chain verified: yes');
    // Not a simulation: no practice banner.
    expect(md).not.toContain('PRACTICE');
  });

  it('keeps hostile note text inside its table cell: no new rows, columns or sections', () => {
    const { md } = exportOf(fullIncident(HOSTILE).rec);
    const plain = exportOf(fullIncident().rec).md;
    const tokens = lex(md);
    expect(headings(tokens)).toEqual(EXPECTED_HEADINGS);
    const [table] = tables(section(tokens, 'Timeline'));
    expect(table?.rows).toHaveLength(tables(section(lex(plain), 'Timeline'))[0]?.rows.length ?? -1);
    for (const row of table?.rows ?? []) expect(row).toHaveLength(3);
    const noteRow = table?.rows.find((r) => r[2]?.text.startsWith('Note: '));
    const cell = noteRow?.[2];
    // Rendered to HTML, the cell shows the literal text: no live tags, no escape sequences.
    const html = marked.parser([{ type: 'paragraph', raw: cell?.text ?? '', text: cell?.text ?? '', tokens: cell?.tokens ?? [] }]);
    expect(html).not.toMatch(/<script|<img|<code|<strong|<em|<del|<h\d/);
    expectOnlyLiteralLinks(html);
    expect(html).not.toContain('\u001b');
    expect(html).not.toContain('\u0007');
    expect(html).toContain('pipe | in the middle || and \\| escaped');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('## Injected heading');
    expect(html).toContain('red and link and bell');
    expect(html).toContain('[link](<a href="http://evil">http://evil</a>) ![img](');
    expect(html).toContain('backticks ` and ``` fences ```');
    // Every line of the note became part of the one cell.
    expect(html.split('<br>')).toHaveLength(HOSTILE.split(/\r?\n/).length);
  });

  it('keeps hostile free text inside its section', () => {
    const { rec } = fullIncident();
    rec.setPirField('rootCause', HOSTILE);
    rec.setPirField('runbookImprovements', HOSTILE);
    rec.addCorrectiveAction({ action: HOSTILE, owner: 'x | y\n## z', due: '2027-02-01' });
    const { md } = exportOf(rec);
    const tokens = lex(md);
    expect(headings(tokens)).toEqual(EXPECTED_HEADINGS);
    const root = section(tokens, 'Root cause and contributing factors');
    expect(root.every((t) => ['paragraph', 'space'].includes(t.type))).toBe(true);
    const html = marked.parser(root);
    expect(html).not.toMatch(/<script|<img|<code|<blockquote|<ul|<ol|<hr|<table|<pre|<h\d/);
    expectOnlyLiteralLinks(html);
    const [actions] = tables(section(tokens, 'Corrective actions'));
    expect(actions?.rows).toHaveLength(3);
    expect(actions?.rows[2]?.map((c) => c.text).slice(2)).toEqual(['x | y<br>## z', '2027-02-01']);
  });

  it('escapes single values for cells and paragraphs', () => {
    expect(mdCell('a|b\nc')).toBe('a\\|b<br>c');
    expect(mdCell('AT&T &lt;b&gt; <i>')).toBe('AT&T &amp;lt;b&amp;gt; &lt;i>');
    expect(mdParagraphs('> quoted')).toBe('\\> quoted');
    expect(mdInline('# x\n- y')).toBe('\\# x - y');
    expect(mdParagraphs('# h\n- l\n1. o')).toBe('\\# h<br>\n\\- l<br>\n1\\. o');
    expect(sanitizeText('\u001b[1mbold\u001b[22m\u202e')).toBe('bold');
  });

  it('says when the chain did not verify', () => {
    const { rec } = fullIncident();
    const v = rec.view();
    if (!v) throw new Error('no view');
    const md = renderPir(v, {
      ok: false,
      brokenAtSeq: 7,
      tornTail: false,
      problems: ['seq 7: content does not match its hash (entry altered)'],
    });
    expect(md).toContain('chain verified: NO (broken at seq 7)');
    expect(headings(lex(md))).toEqual(EXPECTED_HEADINGS);
  });

  it('renders a 10,000-entry timeline as a 10,000-row table', () => {
    const id = 'INC-20261128-0412';
    const entries: TimelineEntry[] = [];
    let prev: TimelineEntry | null = null;
    for (let i = 0; i < 10_000; i++) {
      prev = sealEntry(prev, { at: formatUtc(T0 + i), operator: 'o', kind: 'note', incidentId: id, details: { text: `n${i} | x` } });
      entries.push(prev);
    }
    const md = renderPir(foldIncident(entries, id));
    const [table] = tables(section(lex(md), 'Timeline'));
    expect(table?.rows).toHaveLength(10_000);
    expect(table?.rows[9_999]?.[0]?.text).toBe(formatUtc(T0 + 9_999));
    expect(table?.rows[9_999]?.[2]?.text).toBe('Note: n9999 | x');
  });
});

describe('strictProblems', () => {
  it('is empty for a complete review', () => {
    const { rec } = fullIncident();
    const v = rec.view();
    if (!v) throw new Error('no view');
    expect(strictProblems(v)).toEqual([]);
  });

  it('lists every required section still empty', () => {
    const clock = new ManualClock(T0);
    const rec = new IncidentRecorder({ stateDir: tempDir(), clock, operator: 'alice' });
    rec.openIncident('by hand');
    rec.setPirField('rootCause', '\u001b[31m   \u001b[0m'); // only escapes: still empty
    const v = rec.view();
    if (!v) throw new Error('no view');
    expect(strictProblems(v)).toEqual([
      'Summary: mitigated time missing',
      'Summary: resolved time missing',
      'Root cause and contributing factors: root cause is empty',
      'Blast radius: empty',
      'Corrective actions: none recorded',
      'Monitoring gap updates: empty',
      'Runbook improvements: empty',
    ]);
    expect(strictProblems(v, { ok: false, brokenAtSeq: 3, tornTail: false, problems: [] })).toContain(
      'Journal: hash chain broken at seq 3',
    );
  });

  it('flags corrective action rows read from a journal with a bad due date', () => {
    const id = 'INC-20261128-0412';
    const e = sealEntry(null, {
      at: formatUtc(T0),
      operator: 'o',
      kind: 'pir-field',
      incidentId: id,
      details: { field: 'correctiveActions', value: [{ action: 'a', owner: '', due: '2026-02-30' }] },
    });
    const v = foldIncident([e], id);
    expect(strictProblems(v)).toEqual(
      expect.arrayContaining([
        'Corrective actions: row 1: owner is empty',
        'Corrective actions: row 1: due date "2026-02-30" is not a real date',
      ]),
    );
    expect(v.problems.join()).toMatch(/corrective action 1/);
  });
});

describe('an incident resolved straight from open', () => {
  it('has no time to mitigate: the summary and the mitigated milestone say it was not mitigated before resolution', () => {
    const clock = new ManualClock(T0);
    const rec = new IncidentRecorder({ stateDir: tempDir(), clock, operator: 'root' });
    rec.onTriggerFired(queueLagTrigger());
    clock.advance(9 * 60_000 + 4_000);
    rec.setState('resolved', 'false alarm');
    const { md } = exportOf(rec);
    const rows = tables(section(lex(md), 'Summary')).flatMap((t) => t.rows.map((r) => r.map((c) => c.text)));
    expect(rows.find((r) => r[0] === 'Time to mitigate')?.[1]).toBe('not mitigated before resolution');
    const mitigated = rows.find((r) => r[0] === 'mitigated');
    expect(mitigated?.[1]).toBe('not mitigated before resolution');
    expect(mitigated?.[2]).toMatch(/^not mitigated before resolution: marked resolved by root/);
    expect(rows.find((r) => r[0] === 'Time to resolve')?.[1]).toMatch(/^9m 04s/);
  });
});
