// Paging by the escalation matrix (runbook section 7). Pure: no I/O, no timers.
//
// - The roster: who is reached for each role of the matrix and each LSOS module's owner, with
//   how to reach them (a webhook and a routing key). Parsed from YAML with the `yaml` package's
//   syntax tree so every problem names file:line:col.
// - pagesFor(): exactly the targets a severity change adds (none when lowering).
// - The paging state as a fold over the incident's timeline entries: page intents, delivery
//   attempts, acknowledgements, re-page due times, resolutions. Because every step is a journal
//   entry, the state after a restart is the state before it.
// - Payloads: PagerDuty Events API v2 (trigger / acknowledge / resolve) and a generic JSON shape.
import { isMap, isScalar, type Node, type Pair, type YAMLMap } from 'yaml';
import { LSOS_MODULES, isLsosModule, type LsosModule } from '../domain/queues.js';
import { triggerIdOfEntry } from '../domain/triggerId.js';
import { parseYaml } from '../domain/yaml.js';
import { compareSeverity, ESCALATION_MATRIX } from './escalation.js';
import { isSeverity, type IncidentState, type Severity } from './incident.js';
import type { EpochMs } from './snapshot.js';
import { formatUtc, parseUtc, type TimelineEntry } from './timeline.js';

// ---- Roster -----------------------------------------------------------------------------------

// The modules that have an owner: src/domain/queues.ts (re-exported for the paging code).
export { LSOS_MODULES, isLsosModule, type LsosModule } from '../domain/queues.js';

export const PAGE_FORMATS = ['pagerduty', 'generic'] as const;
export type PageFormat = (typeof PAGE_FORMATS)[number];

/** One person (or rotation) and how to reach them. */
export interface Contact {
  name: string;
  /** The paging webhook: PagerDuty's `https://events.pagerduty.com/v2/enqueue` or any HTTP(S) endpoint. */
  webhook: string;
  /** PagerDuty integration (routing) key, or the routing key the generic endpoint expects. */
  routingKey: string;
  /** Payload shape; default `pagerduty`. */
  format: PageFormat;
}

export interface Roster {
  onCallEngineer: Contact;
  securityLead: Contact;
  primaryOnCall: Contact;
  owners: Record<LsosModule, Contact>;
}

/** Where the ticket for SEV-3 goes (from the paging config, not the roster). */
export interface TicketEndpoint {
  webhook: string;
  routingKey: string | null;
  format: PageFormat;
}

export interface RosterProblem {
  /** `roster.yaml:4:10` */
  origin: string;
  /** The roster key, e.g. `owners.crawl.webhook`. */
  path: string;
  message: string;
}

export type RosterResult = { ok: true; roster: Roster } | { ok: false; problems: RosterProblem[] };

const ROLE_KEYS = ['onCallEngineer', 'securityLead', 'primaryOnCall'] as const;
const CONTACT_KEYS = ['name', 'webhook', 'routingKey', 'format'] as const;

/** True for an absolute http(s) URL. */
export function isWebhookUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** A webhook as shown on screen and in the journal: scheme, host and path; no credentials, no query. */
export function displayWebhook(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/**
 * Parses and validates a roster file. Every problem is collected (not only the first), each
 * with file:line:col. Unknown keys are refused so a typo never silently drops a person.
 */
export function parseRoster(text: string, file: string): RosterResult {
  const yaml = parseYaml(text, file);
  const problems: RosterProblem[] = yaml.problems.map((p) => ({ origin: yaml.whereProblem(p), path: '', message: p.message }));
  if (problems.length > 0) return { ok: false, problems };
  const problem = (node: Node | null | undefined, path: string, message: string, fallback?: Node | null) =>
    problems.push({ origin: yaml.where(node, fallback), path, message: `${path}: ${message}` });

  const root = yaml.root();
  if (!isMap(root)) {
    problem(root, '(roster)', 'expected a mapping with onCallEngineer, securityLead, primaryOnCall and owners');
    return { ok: false, problems };
  }

  const entries = (map: YAMLMap, path: string, allowed: readonly string[]): Map<string, { key: Node; value: Node | null }> => {
    const out = new Map<string, { key: Node; value: Node | null }>();
    for (const pair of map.items as Pair<Node, Node | null>[]) {
      const keyNode = pair.key;
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      const full = path === '' ? key : `${path}.${key}`;
      if (!allowed.includes(key)) {
        problem(keyNode, full, `unknown key (allowed: ${allowed.join(', ')})`);
        continue;
      }
      out.set(key, { key: keyNode, value: pair.value ?? null });
    }
    return out;
  };

  const str = (node: Node | null, path: string, fallback: Node | null, required = true): string | null => {
    if (node === null || (isScalar(node) && (node.value === null || node.value === ''))) {
      if (required) problem(node, path, 'missing', fallback);
      return null;
    }
    if (!isScalar(node) || typeof node.value !== 'string') {
      problem(node, path, 'expected a string');
      return null;
    }
    return node.value.trim();
  };

  const contact = (node: Node | null, path: string, keyNode: Node | null): Contact | null => {
    if (!isMap(node)) {
      problem(node, path, 'expected a mapping with name, webhook and routingKey', keyNode);
      return null;
    }
    const e = entries(node, path, CONTACT_KEYS);
    const before = problems.length;
    const name = str(e.get('name')?.value ?? null, `${path}.name`, node);
    const webhook = str(e.get('webhook')?.value ?? null, `${path}.webhook`, node);
    if (webhook !== null && !isWebhookUrl(webhook)) problem(e.get('webhook')?.value, `${path}.webhook`, 'not an http(s) URL');
    const routingKey = str(e.get('routingKey')?.value ?? null, `${path}.routingKey`, node);
    const formatText = str(e.get('format')?.value ?? null, `${path}.format`, node, false);
    let format: PageFormat = 'pagerduty';
    if (formatText !== null) {
      if ((PAGE_FORMATS as readonly string[]).includes(formatText)) format = formatText as PageFormat;
      else problem(e.get('format')?.value, `${path}.format`, `"${formatText}" is not one of ${PAGE_FORMATS.join(', ')}`);
    }
    if (problems.length > before || name === null || webhook === null || routingKey === null) return null;
    return { name, webhook, routingKey, format };
  };

  const top = entries(root, '', [...ROLE_KEYS, 'owners']);
  const roles: Partial<Record<(typeof ROLE_KEYS)[number], Contact>> = {};
  for (const role of ROLE_KEYS) {
    const e = top.get(role);
    if (!e) {
      problem(null, role, 'missing (runbook section 7 pages this role)', root);
      continue;
    }
    const c = contact(e.value, role, e.key);
    if (c) roles[role] = c;
  }
  const owners: Partial<Record<LsosModule, Contact>> = {};
  const ownersEntry = top.get('owners');
  if (!ownersEntry) problem(null, 'owners', `missing (one owner per module: ${LSOS_MODULES.join(', ')})`, root);
  else if (!isMap(ownersEntry.value)) problem(ownersEntry.value, 'owners', 'expected a mapping of module to contact', ownersEntry.key);
  else {
    const e = entries(ownersEntry.value, 'owners', LSOS_MODULES);
    for (const m of LSOS_MODULES) {
      const o = e.get(m);
      if (!o) {
        problem(null, `owners.${m}`, 'missing (every LSOS module needs an owner)', ownersEntry.value);
        continue;
      }
      const c = contact(o.value, `owners.${m}`, o.key);
      if (c) owners[m] = c;
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    roster: {
      onCallEngineer: roles.onCallEngineer as Contact,
      securityLead: roles.securityLead as Contact,
      primaryOnCall: roles.primaryOnCall as Contact,
      owners: owners as Record<LsosModule, Contact>,
    },
  };
}

// ---- Targets and the matrix -------------------------------------------------------------------

export type PageChannel = PageFormat | 'ticket';

/** Someone (or the ticket queue) the matrix reaches. */
export interface PageTarget {
  /** Stable id, part of the dedup key: `on-call-engineer`, `security-lead`, `primary-on-call`, `crawl-owner`, `ticket`. */
  id: string;
  /** The matrix's words: `on-call engineer`, `crawl owner`, `ticket`. */
  role: string;
  /** The contact's name (the ticket queue for SEV-3). */
  contact: string;
  channel: PageChannel;
}

export function targetOfRole(roster: Roster, role: 'on-call engineer' | 'security lead' | 'primary on-call'): PageTarget {
  const c = role === 'on-call engineer' ? roster.onCallEngineer : role === 'security lead' ? roster.securityLead : roster.primaryOnCall;
  return { id: role.replace(/ /g, '-'), role, contact: c.name, channel: c.format };
}

export function ownerTarget(roster: Roster, module: LsosModule): PageTarget {
  const c = roster.owners[module];
  return { id: `${module}-owner`, role: `${module} owner`, contact: c.name, channel: c.format };
}

export const TICKET_TARGET: PageTarget = { id: 'ticket', role: 'ticket', contact: 'ticket queue', channel: 'ticket' };

/** The endpoint of a target: its contact, or the ticket webhook. */
export function endpointOf(
  roster: Roster,
  ticket: TicketEndpoint | null,
  targetId: string,
): { webhook: string; routingKey: string | null; format: PageFormat } | null {
  if (targetId === 'ticket') return ticket;
  if (targetId === 'on-call-engineer') return roster.onCallEngineer;
  if (targetId === 'security-lead') return roster.securityLead;
  if (targetId === 'primary-on-call') return roster.primaryOnCall;
  const m = /^(.+)-owner$/.exec(targetId)?.[1];
  return isLsosModule(m) ? roster.owners[m] : null;
}

export interface MatrixTargets {
  targets: PageTarget[];
  /** What the matrix asks for that the roster cannot route (e.g. a module with no owner, or no module known). */
  unresolved: string[];
}

/** Everyone a severity reaches by the matrix (section 7), given the affected modules. */
export function matrixTargets(severity: Severity, modules: readonly string[], roster: Roster): MatrixTargets {
  const row = ESCALATION_MATRIX[severity];
  const targets: PageTarget[] = [];
  const unresolved: string[] = [];
  for (const role of row.page) {
    if (role === 'module owner') {
      const known = [...new Set(modules)].filter(isLsosModule).sort();
      for (const m of [...new Set(modules)].filter((m) => !isLsosModule(m)).sort()) unresolved.push(`${m} has no owner in the roster`);
      if (known.length === 0) unresolved.push('module owner: no affected module known (pick the module)');
      for (const m of known) targets.push(ownerTarget(roster, m));
    } else if (role === 'on-call engineer' || role === 'security lead' || role === 'primary on-call') {
      targets.push(targetOfRole(roster, role));
    }
  }
  if (row.ticket) targets.push(TICKET_TARGET);
  return { targets, unresolved };
}

export interface PagesFor extends MatrixTargets {
  /** The change lowers the severity (or keeps it): it pages no one. */
  lowered: boolean;
  unchanged: boolean;
}

/**
 * Exactly the targets the new level adds: those the matrix gives for `next` that it did not
 * give for `prev` (null: no severity decided yet). Lowering (or keeping) the severity adds no one.
 */
export function pagesFor(prev: Severity | null, next: Severity, modules: readonly string[], roster: Roster): PagesFor {
  if (prev !== null && compareSeverity(next, prev) >= 0) {
    return { targets: [], unresolved: [], lowered: next !== prev, unchanged: next === prev };
  }
  const now = matrixTargets(next, modules, roster);
  if (prev === null) return { ...now, lowered: false, unchanged: false };
  const before = new Set(matrixTargets(prev, modules, roster).targets.map((t) => t.id));
  return { targets: now.targets.filter((t) => !before.has(t.id)), unresolved: now.unresolved, lowered: false, unchanged: false };
}

export function dedupKey(incidentId: string, targetId: string): string {
  return `${incidentId}:${targetId}`;
}

// ---- Payloads ---------------------------------------------------------------------------------

export type EventAction = 'trigger' | 'acknowledge' | 'resolve';

/** PagerDuty's severities for the matrix's. */
export const PD_SEVERITY: Record<Severity, 'critical' | 'error' | 'warning'> = {
  'SEV-1': 'critical',
  'SEV-2': 'error',
  'SEV-3': 'warning',
};

/** One message to one target, as the journal keeps it (no routing key: that stays in the roster). */
export interface PageMessage {
  /** `${dedupKey}#${n}`: unique per message. */
  messageId: string;
  dedupKey: string;
  incidentId: string;
  target: string;
  role: string;
  contact: string;
  channel: PageChannel;
  action: EventAction;
  severity: Severity;
  summary: string;
  /** ISO UTC: when the page was decided (written to the journal). */
  timestamp: string;
  /** Why: the severity decision's reason, the re-page, the acknowledgement, the resolution. */
  reason: string;
  /** The affected modules. */
  modules: string[];
}

export interface PagerDutyEvent {
  routing_key: string;
  event_action: EventAction;
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning';
    timestamp: string;
    component?: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  client?: string;
}

/** PagerDuty Events API v2 body. Acknowledge and resolve carry only the key and the action. */
export function pagerDutyEvent(m: PageMessage, routingKey: string, opts: { source: string; callbackUrl?: string | null }): PagerDutyEvent {
  const base = { routing_key: routingKey, event_action: m.action, dedup_key: m.dedupKey };
  if (m.action !== 'trigger') return base;
  return {
    ...base,
    payload: {
      summary: m.summary.slice(0, 1024),
      source: opts.source,
      severity: PD_SEVERITY[m.severity],
      timestamp: m.timestamp,
      ...(m.modules.length > 0 ? { component: m.modules.join(',') } : {}),
      group: 'lsos',
      class: m.severity,
      custom_details: {
        incident: m.incidentId,
        severity: m.severity,
        role: m.role,
        contact: m.contact,
        reason: m.reason,
        modules: m.modules,
        runbook: 'LSOS operations runbook, section 7 (escalation matrix)',
        message_id: m.messageId,
        ...(opts.callbackUrl ? { ack_callback: opts.callbackUrl } : {}),
      },
    },
    client: 'lsos-cockpit',
  };
}

export interface GenericEvent {
  type: 'page' | 'ticket';
  action: EventAction;
  dedup_key: string;
  routing_key: string | null;
  message_id: string;
  incident: string;
  severity: Severity;
  target: string;
  role: string;
  contact: string;
  summary: string;
  reason: string;
  modules: string[];
  timestamp: string;
  source: string;
  ack_callback: string | null;
}

export function genericEvent(
  m: PageMessage,
  routingKey: string | null,
  opts: { source: string; callbackUrl?: string | null },
): GenericEvent {
  return {
    type: m.channel === 'ticket' ? 'ticket' : 'page',
    action: m.action,
    dedup_key: m.dedupKey,
    routing_key: routingKey,
    message_id: m.messageId,
    incident: m.incidentId,
    severity: m.severity,
    target: m.target,
    role: m.role,
    contact: m.contact,
    summary: m.summary,
    reason: m.reason,
    modules: m.modules,
    timestamp: m.timestamp,
    source: opts.source,
    ack_callback: opts.callbackUrl ?? null,
  };
}

/** The body for a message to its endpoint: PagerDuty's shape or the generic one. */
export function payloadFor(
  m: PageMessage,
  endpoint: { routingKey: string | null; format: PageFormat },
  opts: { source: string; callbackUrl?: string | null },
): PagerDutyEvent | GenericEvent {
  if (endpoint.format === 'pagerduty' && m.channel !== 'ticket' && endpoint.routingKey !== null) {
    return pagerDutyEvent(m, endpoint.routingKey, opts);
  }
  return genericEvent(m, endpoint.routingKey, opts);
}

// ---- The journal's page entries ---------------------------------------------------------------

/**
 * Every paging step is a `page` timeline entry whose `event` says which step. The PageDetails
 * fields (`target`, `role`, `severity`, `channel`, `reason`) are always set so the timeline and
 * the PIR's escalation section read them.
 */
export type PageEvent =
  /** A message decided and written before it is sent (state `pending`, or `recorded` in record-only mode). */
  | 'intent'
  | 'delivered'
  | 'attempt-failed'
  /** Refused for good (a 4xx other than 429): shown until the operator acts. */
  | 'failed'
  /** A pending message dropped (e.g. a trigger not yet delivered when the incident was resolved). */
  | 'cancelled'
  | 'acknowledged'
  /** A severity decision that pages no one (lowered, unchanged, or nothing to add). */
  | 'not-paged'
  /** The matrix wants a module owner but no module is known: the operator picks it. */
  | 'needs-module'
  | 'module-picked';

export const PAGE_EVENTS: readonly PageEvent[] = [
  'intent',
  'delivered',
  'attempt-failed',
  'failed',
  'cancelled',
  'acknowledged',
  'not-paged',
  'needs-module',
  'module-picked',
];

/** The details of a `page` entry written by the paging controller. */
export interface PageEntryDetails {
  [key: string]: unknown;
  event: PageEvent;
  target: string;
  role: string;
  severity?: Severity;
  channel: string;
  reason: string;
  /** The message this entry is about. */
  messageId?: string;
  dedupKey?: string;
  /** Intent: what the message says (enough to rebuild it after a restart). */
  message?: PageMessage;
  /** `pending` (will be sent), `recorded` (record-only mode: never sent), `delivered`, `retrying`, `failed`. */
  state?: 'pending' | 'recorded' | 'delivered' | 'retrying' | 'failed' | 'cancelled';
  /** The severity decision (its seq) this entry answers. */
  decisionSeq?: number;
  attempt?: number;
  httpStatus?: number | null;
  error?: string;
  /** ISO UTC of the next attempt (attempt-failed). */
  nextAttemptAt?: string;
  /** Acknowledged by whom, and how (`cockpit` key or `callback`). */
  by?: string;
  via?: 'cockpit' | 'callback';
  /** Acknowledged / module-picked: the targets concerned. */
  targets?: string[];
  module?: string;
  /** The webhook, without credentials or query. */
  endpoint?: string;
  repage?: boolean;
}

// ---- The fold ---------------------------------------------------------------------------------

export type DeliveryState = 'pending' | 'recorded' | 'delivered' | 'retrying' | 'failed' | 'cancelled';

export interface MessageState {
  message: PageMessage;
  /** seq of its intent entry. */
  seq: number;
  createdAt: EpochMs;
  state: DeliveryState;
  /** Attempts made (failed ones plus the delivering one). */
  attempts: number;
  lastError: string | null;
  lastStatus: number | null;
  nextAttemptAt: EpochMs | null;
  deliveredAt: EpochMs | null;
}

export interface TargetState {
  target: string;
  role: string;
  contact: string;
  channel: PageChannel;
  /** The severity the target was first paged for. */
  severity: Severity;
  firstPagedAt: EpochMs;
  lastPagedAt: EpochMs;
  /** Trigger messages sent (1 + re-pages). */
  triggers: number;
  /** Its latest trigger message. */
  lastTrigger: string;
  ack: { by: string; via: 'cockpit' | 'callback'; at: EpochMs } | null;
  /** When a resolve was decided for it. */
  resolvedAt: EpochMs | null;
  /** Every message to this target, oldest first. */
  messages: string[];
}

export interface PagingState {
  incidentId: string;
  incidentState: IncidentState;
  decided: { severity: Severity; previous: Severity | null; reason: string; by: string; at: EpochMs; seq: number } | null;
  suggested: { severity: Severity; reason: string; at: EpochMs } | null;
  messages: Map<string, MessageState>;
  targets: Map<string, TargetState>;
  /** Severity decisions (seq) that already have their paging recorded. */
  handledDecisions: Set<number>;
  decisions: number[];
  /** Modules of triggers firing now (fired and not cleared). */
  firingModules: string[];
  /** Modules of every trigger that fired in the incident. */
  firedModules: string[];
  /** Modules the operator picked. */
  pickedModules: string[];
  /** Unroutable parts of the matrix and the last no-page decision, newest last. */
  notices: { at: EpochMs; text: string; kind: 'needs-module' | 'not-paged' | 'unresolved' }[];
}

export function emptyPagingState(incidentId: string): PagingState {
  return {
    incidentId,
    incidentState: 'open',
    decided: null,
    suggested: null,
    messages: new Map(),
    targets: new Map(),
    handledDecisions: new Set(),
    decisions: [],
    firingModules: [],
    firedModules: [],
    pickedModules: [],
    notices: [],
  };
}

function isPageMessage(v: unknown): v is PageMessage {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return (
    typeof m.messageId === 'string' &&
    typeof m.dedupKey === 'string' &&
    typeof m.target === 'string' &&
    (m.action === 'trigger' || m.action === 'acknowledge' || m.action === 'resolve') &&
    isSeverity(m.severity) &&
    typeof m.summary === 'string'
  );
}

/** Folds entries into the paging state, one at a time (the controller adds live entries as they come). */
export class PagingFolder {
  readonly state: PagingState;
  private readonly firing = new Map<string, string>();

  constructor(incidentId: string) {
    this.state = emptyPagingState(incidentId);
  }

  addAll(entries: readonly TimelineEntry[]): this {
    for (const e of entries) this.add(e);
    return this;
  }

  add(e: TimelineEntry): void {
    const d = e.details;
    // A practice incident's entries are folded at their simulated time (as the incident view
    // reads them): paged, acknowledged and re-page times are on the clock the screen shows.
    const at = parseUtc(e.simAt ?? e.at) ?? 0;
    const st = this.state;
    switch (e.kind) {
      case 'severity-decided':
        if (isSeverity(d.severity)) {
          st.decided = {
            severity: d.severity,
            previous: isSeverity(d.previous) ? d.previous : null,
            reason: typeof d.reason === 'string' ? d.reason : '',
            by: e.operator,
            at,
            seq: e.seq,
          };
          st.decisions.push(e.seq);
        }
        break;
      case 'severity-suggested':
        if (isSeverity(d.severity)) st.suggested = { severity: d.severity, reason: typeof d.reason === 'string' ? d.reason : '', at };
        break;
      case 'state-changed':
        if (d.to === 'open' || d.to === 'mitigated' || d.to === 'resolved') st.incidentState = d.to;
        break;
      case 'trigger-fired':
      case 'trigger-cleared': {
        const key = triggerIdOfEntry(d);
        if (key === null) break;
        const module = typeof d.module === 'string' ? d.module : null;
        if (e.kind === 'trigger-fired') {
          if (module) {
            this.firing.set(key, module);
            if (!st.firedModules.includes(module)) st.firedModules.push(module);
          }
        } else this.firing.delete(key);
        st.firingModules = [...new Set(this.firing.values())].sort();
        break;
      }
      case 'page':
        this.page(e, at);
        break;
      default:
        break;
    }
  }

  private page(e: TimelineEntry, at: EpochMs): void {
    const d = e.details as Partial<PageEntryDetails>;
    const st = this.state;
    if (typeof d.decisionSeq === 'number') st.handledDecisions.add(d.decisionSeq);
    const msg = typeof d.messageId === 'string' ? st.messages.get(d.messageId) : undefined;
    switch (d.event) {
      case 'intent': {
        if (!isPageMessage(d.message)) return;
        const m = d.message;
        const ms: MessageState = {
          message: m,
          seq: e.seq,
          createdAt: at,
          state: d.state === 'recorded' ? 'recorded' : 'pending',
          attempts: 0,
          lastError: null,
          lastStatus: null,
          nextAttemptAt: null,
          deliveredAt: d.state === 'recorded' ? at : null,
        };
        st.messages.set(m.messageId, ms);
        let t = st.targets.get(m.target);
        if (!t) {
          t = {
            target: m.target,
            role: m.role,
            contact: m.contact,
            channel: m.channel,
            severity: m.severity,
            firstPagedAt: at,
            lastPagedAt: at,
            triggers: 0,
            lastTrigger: m.messageId,
            ack: null,
            resolvedAt: null,
            messages: [],
          };
          st.targets.set(m.target, t);
        }
        t.messages.push(m.messageId);
        if (m.action === 'trigger') {
          t.triggers += 1;
          t.lastTrigger = m.messageId;
          t.lastPagedAt = at;
        } else if (m.action === 'resolve') t.resolvedAt = at;
        break;
      }
      case 'delivered':
        if (msg) {
          msg.state = 'delivered';
          msg.attempts = typeof d.attempt === 'number' ? d.attempt : msg.attempts + 1;
          msg.lastStatus = typeof d.httpStatus === 'number' ? d.httpStatus : null;
          msg.deliveredAt = at;
          msg.nextAttemptAt = null;
        }
        break;
      case 'attempt-failed':
        if (msg && msg.state !== 'delivered') {
          msg.state = 'retrying';
          msg.attempts = typeof d.attempt === 'number' ? d.attempt : msg.attempts + 1;
          msg.lastStatus = typeof d.httpStatus === 'number' ? d.httpStatus : null;
          msg.lastError = typeof d.error === 'string' ? d.error : 'failed';
          msg.nextAttemptAt = typeof d.nextAttemptAt === 'string' ? parseUtc(d.nextAttemptAt) : null;
        }
        break;
      case 'failed':
        if (msg) {
          msg.state = 'failed';
          msg.attempts = typeof d.attempt === 'number' ? d.attempt : msg.attempts + 1;
          msg.lastStatus = typeof d.httpStatus === 'number' ? d.httpStatus : null;
          msg.lastError = typeof d.error === 'string' ? d.error : 'failed';
          msg.nextAttemptAt = null;
        }
        break;
      case 'cancelled':
        if (msg && msg.state !== 'delivered') {
          msg.state = 'cancelled';
          msg.nextAttemptAt = null;
        }
        break;
      case 'acknowledged': {
        const targets = Array.isArray(d.targets) ? d.targets.filter((x): x is string => typeof x === 'string') : [];
        for (const id of targets) {
          const t = st.targets.get(id);
          if (t && !t.ack) t.ack = { by: typeof d.by === 'string' ? d.by : '?', via: d.via === 'callback' ? 'callback' : 'cockpit', at };
        }
        break;
      }
      case 'module-picked':
        if (typeof d.module === 'string' && !st.pickedModules.includes(d.module)) st.pickedModules.push(d.module);
        break;
      case 'not-paged':
      case 'needs-module':
        st.notices.push({ at, text: typeof d.reason === 'string' ? d.reason : '', kind: d.event });
        break;
      default:
        break;
    }
  }
}

export function foldPaging(entries: readonly TimelineEntry[], incidentId: string): PagingState {
  return new PagingFolder(incidentId).addAll(entries).state;
}

/** The modules paging uses: the operator's pick, else the triggers firing now, else every trigger that fired. */
export function affectedModules(st: PagingState): string[] {
  if (st.pickedModules.length > 0) return [...st.pickedModules].sort();
  if (st.firingModules.length > 0) return [...st.firingModules];
  return [...st.firedModules].sort();
}

/** The next message to send for a dedup key (one at a time per key, oldest first), if it is due. */
export function sendable(st: PagingState, now: EpochMs, inflight: ReadonlySet<string> = new Set()): MessageState[] {
  const seen = new Set<string>();
  const out: MessageState[] = [];
  const ordered = [...st.messages.values()].sort((a, b) => a.seq - b.seq);
  for (const m of ordered) {
    if (m.state !== 'pending' && m.state !== 'retrying') continue;
    if (seen.has(m.message.dedupKey)) continue;
    seen.add(m.message.dedupKey);
    if (inflight.has(m.message.messageId)) continue;
    if (m.nextAttemptAt !== null && m.nextAttemptAt > now) continue;
    out.push(m);
  }
  return out;
}

export interface RepageTimes {
  'SEV-1': number;
  'SEV-2': number;
}

export const DEFAULT_REPAGE_MS: RepageTimes = { 'SEV-1': 5 * 60_000, 'SEV-2': 15 * 60_000 };

/**
 * When a target is due to be paged again: its latest trigger delivered (or recorded), no
 * acknowledgement, not resolved, the incident not resolved. The interval is the decided
 * severity's (the target's own when none); SEV-3 (a ticket) is never re-paged. Null: not due.
 */
export function nextRepageAt(st: PagingState, t: TargetState, repage: RepageTimes): EpochMs | null {
  if (t.channel === 'ticket' || t.ack || t.resolvedAt !== null || st.incidentState === 'resolved') return null;
  const sev = st.decided?.severity ?? t.severity;
  if (sev === 'SEV-3') return null;
  const last = st.messages.get(t.lastTrigger);
  if (!last || last.deliveredAt === null || (last.state !== 'delivered' && last.state !== 'recorded')) return null;
  return last.deliveredAt + repage[sev];
}

// ---- The view the escalation panel draws ------------------------------------------------------

export interface PagingTargetView {
  target: string;
  role: string;
  contact: string;
  channel: PageChannel;
  severity: Severity;
  /** Epoch ms. */
  firstPagedAt: EpochMs;
  lastPagedAt: EpochMs;
  /** Trigger messages (1 + re-pages). */
  pages: number;
  /** The latest message to this target (trigger, acknowledge or resolve) and its delivery. */
  lastAction: EventAction;
  delivery: DeliveryState;
  /** Also true while the message is on the wire. */
  sending: boolean;
  attempts: number;
  lastError: string | null;
  lastStatus: number | null;
  nextAttemptAt: EpochMs | null;
  ack: { by: string; via: 'cockpit' | 'callback'; at: EpochMs } | null;
  resolvedAt: EpochMs | null;
  nextRepageAt: EpochMs | null;
  dedupKey: string;
}

export interface PagingView {
  incidentId: string;
  /** `live`: sent to the webhooks; `record-only`: written to the journal, never sent (simulation). */
  mode: 'live' | 'record-only';
  /** Why paging is off (no roster, a roster problem), else null. */
  disabled: string | null;
  decided: { severity: Severity; previous: Severity | null; reason: string; by: string; at: EpochMs } | null;
  suggested: { severity: Severity; reason: string } | null;
  modules: string[];
  targets: PagingTargetView[];
  /** The latest notice (nobody paged on a lowering, a module to pick). */
  notice: string | null;
  needsModule: boolean;
  /** `127.0.0.1:8787` when acknowledgements are taken by callback. */
  callback: string | null;
}

export function pagingView(
  st: PagingState,
  opts: {
    mode: 'live' | 'record-only';
    repage: RepageTimes;
    inflight?: ReadonlySet<string>;
    disabled?: string | null;
    callback?: string | null;
  },
): PagingView {
  const inflight = opts.inflight ?? new Set<string>();
  const targets: PagingTargetView[] = [];
  for (const t of st.targets.values()) {
    // The delivery shown is the latest message's, except that an undelivered earlier one
    // (e.g. the trigger still retrying when the resolve was queued) wins: it is what matters.
    const msgs = t.messages.map((id) => st.messages.get(id)).filter((m): m is MessageState => m !== undefined);
    const stuck = msgs.find((m) => m.state === 'pending' || m.state === 'retrying' || m.state === 'failed');
    const shown = stuck ?? msgs[msgs.length - 1];
    if (!shown) continue;
    targets.push({
      target: t.target,
      role: t.role,
      contact: t.contact,
      channel: t.channel,
      severity: t.severity,
      firstPagedAt: t.firstPagedAt,
      lastPagedAt: t.lastPagedAt,
      pages: t.triggers,
      lastAction: shown.message.action,
      delivery: shown.state,
      sending: inflight.has(shown.message.messageId),
      attempts: shown.attempts,
      lastError: shown.lastError,
      lastStatus: shown.lastStatus,
      nextAttemptAt: shown.nextAttemptAt,
      ack: t.ack,
      resolvedAt: t.resolvedAt,
      nextRepageAt: nextRepageAt(st, t, opts.repage),
      dedupKey: shown.message.dedupKey,
    });
  }
  const lastNotice = st.notices[st.notices.length - 1] ?? null;
  const needsModule =
    st.decided !== null &&
    st.pickedModules.length === 0 &&
    lastNotice?.kind === 'needs-module' &&
    !targets.some((t) => t.target.endsWith('-owner'));
  return {
    incidentId: st.incidentId,
    mode: opts.mode,
    disabled: opts.disabled ?? null,
    decided: st.decided
      ? { severity: st.decided.severity, previous: st.decided.previous, reason: st.decided.reason, by: st.decided.by, at: st.decided.at }
      : null,
    suggested: st.suggested ? { severity: st.suggested.severity, reason: st.suggested.reason } : null,
    modules: affectedModules(st),
    targets,
    notice: lastNotice ? lastNotice.text : null,
    needsModule,
    callback: opts.callback ?? null,
  };
}

/** The summary text of a page for a severity (what the pager shows first). */
export function pageSummary(incidentId: string, severity: Severity, reason: string, modules: readonly string[]): string {
  const mods = modules.length > 0 ? ` [${modules.join(', ')}]` : '';
  return `${severity} ${incidentId}${mods}: ${ESCALATION_MATRIX[severity].meaning} — ${reason}`.slice(0, 1024);
}

/** ISO UTC for an epoch (re-exported for the controller's entries). */
export const isoUtc = formatUtc;
