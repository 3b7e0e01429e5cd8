// The blast radius from the data the journal holds, named and counted: modules and queues from
// the triggers and the figure series, campaigns named by failed report runs, the completeness
// query and the triggers, counted by the SERP provider figures; tenants only where a source names
// them. What no source says is "not known", never a guess. Pure.
import type { IncidentView } from '../incidentView.js';
import type { TimelineEntry } from '../timeline.js';
import type { FigureSample } from './figures.js';

export interface NamedCount {
  name: string;
  /** What was counted, in words (e.g. `2 triggers; peak depth 50400`). */
  detail: string;
}

export interface CampaignsTouched {
  /** Campaign ids or names, as the sources name them. */
  named: string[];
  /** Where the names came from. */
  namedFrom: string[];
  /** The largest count any source gave (null: no source counted them). */
  count: number | null;
  countFrom: string | null;
}

export interface BlastRadiusFromData {
  modules: NamedCount[];
  queues: NamedCount[];
  campaigns: CampaignsTouched;
  /** Tenants named by a source; empty with `tenantsNote` when none does. */
  tenants: string[];
  tenantsNote: string;
  replicas: NamedCount[];
  providers: NamedCount[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function addAll(into: string[], items: Iterable<string>): void {
  for (const i of items) if (i !== '' && !into.includes(i)) into.push(i);
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function blastRadiusFromData(
  view: IncidentView,
  entries: readonly TimelineEntry[],
  series: readonly FigureSample[],
): BlastRadiusFromData {
  // Modules and queues: what the triggers fired on, with the worst figure the series saw.
  const modules = new Map<string, string[]>();
  const queueNames: string[] = [];
  const replicaNames: string[] = [];
  const providerNames: string[] = [];
  const named: string[] = [];
  const namedFrom: string[] = [];
  let count: number | null = null;
  let countFrom: string | null = null;
  const counted = (n: number, from: string): void => {
    if (Number.isFinite(n) && n > 0 && (count === null || n > count)) {
      count = n;
      countFrom = from;
    }
  };
  for (const e of entries) {
    if (e.kind !== 'trigger-fired') continue;
    const d = e.details;
    const module = str(d.module);
    if (module !== '') {
      const list = modules.get(module) ?? [];
      addAll(list, [`${str(d.title) || str(d.triggerKey)} on ${str(d.target)}`]);
      modules.set(module, list);
    }
    if (Array.isArray(d.queues)) addAll(queueNames, d.queues.map(str));
    if (Array.isArray(d.replicas)) addAll(replicaNames, d.replicas.map(str));
    if (Array.isArray(d.providers)) addAll(providerNames, d.providers.map(str));
    if (Array.isArray(d.campaigns)) {
      const before = named.length;
      addAll(named, d.campaigns.map(str));
      if (named.length > before) addAll(namedFrom, ['the triggers']);
    }
    if (typeof d.campaignsAffected === 'number') counted(d.campaignsAffected, `${str(d.title) || str(d.triggerKey)} on ${str(d.target)}`);
  }
  // Campaigns named by the completeness query (runbook 4.1) and by failed report runs.
  for (const e of entries) {
    if (e.kind !== 'action' || !Array.isArray(e.details.campaigns)) continue;
    const ids = e.details.campaigns.map((c) => (typeof c === 'string' ? c : str(obj(c).id)));
    const before = named.length;
    addAll(named, ids);
    if (named.length > before) addAll(namedFrom, [`${str(e.details.action) || 'an action'} (${str(e.details.target) || 'no target'})`]);
  }
  const peak = new Map<string, number>();
  for (const s of series) {
    const failed = s.reports?.failedCampaigns ?? [];
    const before = named.length;
    addAll(named, failed);
    if (named.length > before) addAll(namedFrom, ['failed monthly report runs']);
    for (const [p, f] of Object.entries(s.providers ?? {})) {
      if (f.campaigns > 0) {
        peak.set(p, Math.max(peak.get(p) ?? 0, f.campaigns));
        counted(f.campaigns, `SERP failures on ${p}`);
      }
    }
  }
  counted(named.length, 'campaigns named above');
  const maxOf = (values: (number | null | undefined)[]): number | null => {
    const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    return v.length === 0 ? null : Math.max(...v);
  };
  const queueDetail = (q: string): string => {
    const depth = maxOf(series.map((s) => s.queues[q]?.depth));
    const lag = maxOf(series.map((s) => s.queues[q]?.lag));
    const dl = maxOf(series.map((s) => s.queues[q]?.dlRate));
    const parts: string[] = [];
    if (depth !== null) parts.push(`peak depth ${depth}`);
    if (lag !== null) parts.push(`peak lag ${Math.round(lag)} s`);
    if (dl !== null && dl > 0) parts.push(`peak dead-letter growth ${dl}/h`);
    return parts.length === 0 ? 'no figures recorded' : parts.join(', ');
  };
  const replicaDetail = (r: string): string => {
    const lag = maxOf(series.map((s) => s.replicas[r]));
    return lag === null ? 'no figures recorded' : `peak replica lag ${lag} s`;
  };
  return {
    modules: [...modules.entries()].map(([name, what]) => ({ name, detail: `${plural(what.length, 'trigger')}: ${what.join('; ')}` })),
    queues: queueNames.map((name) => ({ name, detail: queueDetail(name) })),
    campaigns: { named, namedFrom, count, countFrom },
    tenants: [],
    tenantsNote: 'not known: no source in the journal names tenants',
    replicas: replicaNames.map((name) => ({ name, detail: replicaDetail(name) })),
    providers: providerNames.map((name) => ({
      name,
      detail: peak.has(name) ? `up to ${plural(peak.get(name) ?? 0, 'campaign')} with SERP failures` : 'no campaign counts recorded',
    })),
  };
}

/** Unused views of the prefill are kept by the operator's edit; this is what the data says. */
export function blastRadiusEdited(view: IncidentView): boolean {
  return view.pirEdited.includes('blastRadius');
}

/** The parts of the operator's blast radius, as the PIR editor edits them one at a time. */
export type BlastRadiusPart = 'modules' | 'queues' | 'campaigns' | 'replicas' | 'notes';
const LIST_PARTS = ['modules', 'queues', 'campaigns', 'replicas'] as const;

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(str).filter((s) => s !== '') : []);
const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The parts of the blast radius the operator actually changed. The editor writes the whole
 * blast radius when one part is edited (the others as prefilled from the triggers): each write is
 * compared with what stood before it (the previous write, else the prefill the triggers had
 * built by then), so editing the notes does not make the prefilled lists the operator's.
 */
export function blastRadiusPartsEdited(entries: readonly { kind: string; details?: Record<string, unknown> }[]): Set<BlastRadiusPart> {
  const edited = new Set<BlastRadiusPart>();
  const prefill: Record<(typeof LIST_PARTS)[number], string[]> = { modules: [], queues: [], campaigns: [], replicas: [] };
  let campaignCount = 0;
  let before: { lists: Record<(typeof LIST_PARTS)[number], string[]>; notes: string } | null = null;
  for (const e of entries) {
    const d = e.details ?? {};
    if (e.kind === 'trigger-fired') {
      addAll(prefill.modules, strings([d.module]));
      addAll(prefill.queues, strings(d.queues));
      addAll(prefill.campaigns, strings(d.campaigns));
      addAll(prefill.replicas, strings(d.replicas));
      if (typeof d.campaignsAffected === 'number' && d.campaignsAffected > campaignCount) campaignCount = d.campaignsAffected;
      continue;
    }
    if (e.kind !== 'pir-field' || d.field !== 'blastRadius') continue;
    const v = obj(d.value);
    // As src/core/incidentView.ts prefills it: a count stands in for campaigns no trigger named.
    const prefillCampaigns =
      prefill.campaigns.length === 0 && campaignCount > 0 ? [`${campaignCount} campaigns (not named by the triggers)`] : prefill.campaigns;
    const was = before ?? { lists: { ...prefill, campaigns: prefillCampaigns }, notes: '' };
    const now = {
      lists: { modules: strings(v.modules), queues: strings(v.queues), campaigns: strings(v.campaigns), replicas: strings(v.replicas) },
      notes: str(v.notes),
    };
    for (const p of LIST_PARTS) if (!sameList(now.lists[p], was.lists[p])) edited.add(p);
    if (now.notes.trim() !== was.notes.trim()) edited.add('notes');
    before = { lists: { ...now.lists }, notes: now.notes };
  }
  return edited;
}
