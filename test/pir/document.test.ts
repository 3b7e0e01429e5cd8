// The PIR of the default scenario, walked through the cockpit's own code to a resolved incident
// (test/pir/script.ts): read back as an engineering manager would. Milestones from evidence, a
// timeline with one row per action and per page target, each action's effect, the state at
// resolution, a named blast radius, charts Mermaid itself parses, practice marked, JSON with the
// same content, and a hostile note that stays in its cell.
import * as fs from 'node:fs';
import { marked } from 'marked';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIR_APPENDIX, PIR_SECTIONS, renderPir, renderPirJson } from '../../src/core/pir.js';
import type { PirModel } from '../../src/core/pir.js';
import { loadIncident } from '../../src/journal/store.js';
import { START, simCockpit, type SimCockpit } from './harness.js';
import { cells, headings, lex, section, tables } from './md.js';
import { mermaid, mermaidBlocks } from './mermaid.js';
import { NOTE, scriptedIncident, type ScriptedIncident } from './script.js';

const HOSTILE = 'pipe | cell\n## Injected section\n| a | b |\n| --- | --- |\n<script>x</script> ```fence``` \u001b[31mred';

let c: SimCockpit;
let run: ScriptedIncident;
let md = '';
let full = '';
let ascii = '';
let json: PirModel & { strictProblems: string[] };

beforeAll(async () => {
  c = await simCockpit();
  run = await scriptedIncident(c);
  const loaded = loadIncident(c.dir, run.id);
  if (!loaded) throw new Error('incident not found');
  md = renderPir(loaded.view, loaded.report);
  full = renderPir(loaded.view, loaded.report, { full: true });
  ascii = renderPir(loaded.view, loaded.report, { asciiCharts: true });
  json = JSON.parse(renderPirJson(loaded.view, loaded.report)) as typeof json;
  if (process.env.SHOW_PIR) console.log(md);
}, 60_000);

afterAll(async () => {
  await c.close();
  fs.rmSync(c.dir, { recursive: true, force: true });
});

const ms = (iso: string | null | undefined): number => Date.parse(iso ?? '');

describe('milestones from evidence', () => {
  it('started precedes detected by the age of the crawl backlog when the trigger fired (within a minute)', () => {
    const started = json.milestones.find((m) => m.name === 'started');
    const detected = json.milestones.find((m) => m.name === 'detected');
    expect(detected?.at).toBe(new Date(START + 60_000).toISOString());
    // The backlog's age: the crawl lag the trigger saw, and the scenario's 14.5 minutes at START.
    const lagAtDetection = json.impact.triggers.find((t) => t.title.startsWith('Queue lag') && t.target === 'crawl');
    const lagSeconds = Number(/^([\d.]+) s/.exec(lagAtDetection?.value ?? '')?.[1]);
    const gap = ms(detected?.at) - ms(started?.at);
    expect(Math.abs(gap - lagSeconds * 1000)).toBeLessThanOrEqual(60_000);
    expect(Math.abs(ms(started?.at) - (START - 14.5 * 60_000))).toBeLessThanOrEqual(60_000);
    expect(started?.source).toMatch(
      /^evidence: the oldest message waiting in crawl was enqueued 15m \d\ds before the trigger fired \(exact\)/,
    );
    expect(json.durations.timeToDetectMs).toBe(gap);
    // The markdown says the same.
    const [, table] = tables(section(lex(md), 'Summary'));
    const row = cells(table).find((r) => r[0] === 'started');
    expect(row?.[1]).toBe(started?.at);
    expect(row?.[2]).toContain('oldest message waiting in crawl');
  });

  it('acknowledged is the first page acknowledgement; the severity decision is its own milestone', () => {
    const ack = json.milestones.find((m) => m.name === 'acknowledged');
    const decided = json.milestones.find((m) => m.name === 'severity decided');
    const acked = json.escalations.pages.filter((p) => p.acknowledgedAt !== null);
    expect(acked.map((p) => [p.target, p.acknowledgedBy])).toEqual([['primary-on-call', 'dana (key in the cockpit)']]);
    expect(ack?.at).toBe(acked[0]?.acknowledgedAt);
    expect(ack?.source).toBe('first page acknowledgement: primary-on-call acknowledged by dana (key in the cockpit)');
    expect(decided?.source).toBe('SEV-2 decided by alice: crawl unavailable, reviews failing: matches the matrix');
    expect(json.durations.timeToAcknowledgeMs).toBe(ms(ack?.at) - ms(json.milestones.find((m) => m.name === 'detected')?.at));
  });
});

describe('the timeline table', () => {
  const timelineRows = (doc: string) => cells(tables(section(lex(doc), 'Timeline'))[0]);

  it('has at most one row per action and one per page target; PIR edits, ticks and refused edits are absent', () => {
    const rows = timelineRows(md).map((r) => r[2] ?? '');
    for (const a of json.actions) expect(rows.filter((w) => w.startsWith(`${a.label} `))).toHaveLength(1);
    expect(json.actions.map((a) => [a.action, a.outcome])).toEqual([
      ['scale-replicas', 'done'],
      ['reduce-concurrency', 'done'],
    ]);
    expect(json.escalations.pages.map((p) => p.target)).toEqual(['primary-on-call', 'crawl-owner', 'reviews-owner']);
    for (const p of json.escalations.pages) expect(rows.filter((w) => w.startsWith(`Paged ${p.target} `))).toHaveLength(1);
    expect(rows.filter((w) => /^(Paged|Page to|Resolve sent|Acknowledge sent|Re-paged)/.test(w))).toHaveLength(3);
    expect(rows.some((w) => /PIR |Runbook §|step 1|pir-action|in the past/.test(w))).toBe(false);
    expect(rows).toContain(`Note: ${NOTE}`);
    // The refused corrective action: refused by the recorder's clock, never an action.
    expect(run.refusal).toBe('corrective action 1: due date 2025-01-01 is in the past (today is 2026-01-15)');
    expect(md).not.toContain('pir-action');
    expect(json.correctiveActions.map((a) => a.due)).toEqual(['2026-02-01', '2026-02-15']);
  });

  it('keeps the full journal (edits, ticks, the refusal, every page step) for the appendix of --full', () => {
    expect(md).not.toContain(`## ${PIR_APPENDIX}`);
    const appendix = cells(tables(section(lex(full), PIR_APPENDIX))[0]);
    const kinds = appendix.map((r) => r[3]);
    for (const k of ['pir-field', 'procedure-step', 'page', 'figures', 'action']) expect(kinds).toContain(k);
    expect(appendix.some((r) => r[4]?.includes('pir-action') && r[4].includes('in the past'))).toBe(true);
    expect(appendix.length).toBe(c.recorder.view()?.entries.length);
  });
});

describe('each action: the figure it aimed at, then, 5 and 15 minutes later', () => {
  it('has before and after figures for every action, with a verdict', () => {
    const effects = cells(tables(section(lex(md), 'Actions taken'))[1]);
    expect(effects.map((r) => [r[0], r[1]])).toEqual([
      ['A1', 'crawl queue lag'],
      ['A2', 'reviews dead-letter growth'],
    ]);
    for (const r of effects) {
      for (const v of r.slice(2, 5)) expect(v).not.toMatch(/not recorded|—/);
      expect(r[5]).toMatch(/^(improved|no change|worse): /);
    }
    for (const a of json.actions) {
      expect(a.effect.atAction).not.toBeNull();
      expect(a.effect.after5).not.toBeNull();
      expect(a.effect.after15).not.toBeNull();
    }
    // The parser loop slowed down: fewer dead letters an hour 15 minutes after the shrink.
    const shrink = json.actions.find((a) => a.action === 'reduce-concurrency');
    expect(shrink?.effect.verdict).toBe('improved');
  });
});

describe('the state at resolution', () => {
  it('lists what was still firing, what was still in force, the steps not done and the pages never acknowledged', () => {
    const s = json.atResolution;
    expect(s.resolvedAt).toBe(json.milestones.find((m) => m.name === 'resolved')?.at);
    expect(s.triggersFiring.length).toBeGreaterThan(0);
    expect(s.triggersFiring.map((t) => `${t.title} on ${t.target}`)).toContain('Dead-letter spike > 3x baseline on reviews');
    expect(s.inForce.map((m) => [m.action, m.target, m.by])).toEqual([['reduce-concurrency', 'reviews', 'alice']]);
    expect(s.stepsNotDone.map((x) => `${x.section}.${x.step}`)).toEqual(expect.arrayContaining(['3.2', '3.4']));
    expect(s.stepsNotDone.map((x) => `${x.section}.${x.step}`)).not.toContain('3.1'); // ticked
    expect(s.stepsNotDone.map((x) => `${x.section}.${x.step}`)).not.toContain('3.3'); // the mitigations ran it
    expect(s.pagesNotAcknowledged.map((p) => p.target)).toEqual(['crawl-owner', 'reviews-owner']);
    const text = section(lex(md), 'State at resolution')
      .map((t) => t.raw)
      .join('');
    for (const t of s.triggersFiring) expect(text).toContain(`${t.title} on ${t.target}`);
    expect(text).toContain('reduce-concurrency');
  });
});

describe('blast radius from data', () => {
  it('names modules and queues with counts, counts campaigns from the provider figures, and says what is not known', () => {
    const b = json.blastRadius.fromData;
    expect(b.modules.map((m) => m.name)).toEqual(expect.arrayContaining(['crawl', 'reviews']));
    expect(b.queues.find((q) => q.name === 'crawl')?.detail).toMatch(/peak depth \d+, peak lag \d+ s/);
    expect(b.tenants).toEqual([]);
    expect(b.tenantsNote).toMatch(/^not known/);
    const rows = Object.fromEntries(cells(tables(section(lex(md), 'Blast radius'))[0]).map((r) => [r[0], r.slice(1)]));
    expect(rows['Tenants']?.[0]).toMatch(/^not known/);
    expect(rows['Modules']?.[0]).toContain('crawl');
    // The operator's own statement is kept beside the data when edited; here it was not.
    expect(json.blastRadius.operator).toBeNull();
  });
});

describe('the document', () => {
  it('parses with marked: the title, the practice banner, every section in order, nothing injected', () => {
    const tokens = lex(md);
    expect(headings(tokens)).toEqual([
      { depth: 1, text: `Post-incident review: ${run.id}` },
      ...PIR_SECTIONS.map((text) => ({ depth: 2, text })),
    ]);
    // The practice banner: the first thing under the title.
    const banner = tokens.slice(1).find((t) => t.type !== 'space');
    expect(banner?.type).toBe('blockquote');
    expect(banner?.raw).toContain('PRACTICE (simulation, scenario default)');
    expect(banner?.raw).toContain('simulated time');
    expect(md.trimEnd().split('\n').pop()).toContain('PRACTICE (simulation)');
    expect(md).toContain('in simulated time (a practice incident)');
    expect(() => marked.parse(md)).not.toThrow();
  });

  it('has one Mermaid xychart per main figure, with the actions marked, that Mermaid itself parses', async () => {
    const blocks = mermaidBlocks(md);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const m = await mermaid();
    for (const b of blocks) {
      expect(b.startsWith('xychart-beta\n')).toBe(true);
      await expect(m.parse(b)).resolves.toBeTruthy();
    }
    expect(blocks[0]).toContain('title "crawl queue lag (minutes)"');
    expect(blocks.some((b) => b.includes('title "reviews dead-letter growth (per hour)"'))).toBe(true);
    // The actions as a bar series: nonzero where each action falls.
    expect(blocks[0]).toMatch(/\n {2}bar \[0, 0, \d+/);
    // The parser is a real check: a broken chart is refused.
    await expect(m.parse(blocks[0]?.replace('x-axis [', 'x-axis [[') ?? '')).rejects.toThrow();
  });

  it('--ascii-charts draws the same charts as text, with the actions marked', () => {
    expect(mermaidBlocks(ascii)).toEqual([]);
    const text = [...ascii.matchAll(/```text\n([\s\S]*?)\n```/g)].map((x) => x[1] ?? '');
    expect(text).toHaveLength(mermaidBlocks(md).length);
    expect(text[0]).toMatch(/^crawl queue lag \(minutes\), 09:\d\d to 09:\d\d UTC/);
    expect(text[0]).toMatch(/\*/);
    expect(text[0]).toContain('^ A1 ');
  });

  it('as JSON carries the same content', () => {
    expect(json.format).toBe('lsos-cockpit-pir/1');
    expect(json.practice?.scenario).toBe('default');
    expect(json.timeline).toHaveLength(cells(tables(section(lex(md), 'Timeline'))[0]).length);
    expect(json.charts).toHaveLength(mermaidBlocks(md).length);
    expect(json.strictProblems).toEqual([]);
    expect(md).toContain(json.journal.lastHash);
  });
});

describe('a hostile note', () => {
  it('cannot break a table or inject a section', async () => {
    const h = await simCockpit();
    try {
      const r = await scriptedIncident(h, { note: HOSTILE });
      const loaded = loadIncident(h.dir, r.id);
      if (!loaded) throw new Error('incident not found');
      const doc = renderPir(loaded.view, loaded.report, { full: true });
      const tokens = lex(doc);
      expect(headings(tokens).map((x) => x.text)).toEqual([`Post-incident review: ${r.id}`, ...PIR_SECTIONS, PIR_APPENDIX]);
      const rows = cells(tables(section(tokens, 'Timeline'))[0]);
      expect(rows.length).toBe(json.timeline.length);
      for (const row of rows) expect(row).toHaveLength(3);
      const note = rows.find((x) => x[2]?.startsWith('Note: '));
      expect(note?.[2]).toContain('## Injected section');
      expect(note?.[2]).not.toContain('\u001b');
      for (const b of mermaidBlocks(doc)) await expect((await mermaid()).parse(b)).resolves.toBeTruthy();
    } finally {
      await h.close();
      fs.rmSync(h.dir, { recursive: true, force: true });
    }
  }, 60_000);
});
