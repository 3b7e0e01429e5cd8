// Owner notices (runbook 4 step 5): for each campaign of the report month with an irrecoverable
// gap (older than the providers' history), enqueue `email.notify_owner` (kwargs campaign_id,
// month, missing_days) on queue `email` as a real Celery task message (contract section 7). The
// preview lists owners and campaigns from the completeness query. An owner already told about a
// campaign for the same month in this incident (the journal's record of an earlier notice) is
// refused unless the operator confirms with `renotify` (then only those are sent again, on purpose).
//
// Parameters: campaigns (default: every active campaign), month (YYYY-MM), queue (default
// `email`), and, beyond the catalogue's MitigationParams until it has it, `renotify` (true).
import { randomUUID } from 'node:crypto';
import type { TaskSpec } from '../celery/types.js';
import { formatDays, parseMonth, type CompletenessReport } from '../../core/completeness.js';
import type { TimelineEntry } from '../../core/timeline.js';
import { stepServices } from './stepServices.js';
import type { Failure, Mitigation, MitigationContext, MitigationParams, PreviewLine } from './types.js';

export const NOTIFY_OWNERS_ID = 'notify-owners';
export const NOTIFY_TASK = 'email.notify_owner';
export const NOTIFY_QUEUE = 'email';
const MAX_NOTICES = 5000;

export interface OwnerNoticeParams extends MitigationParams {
  /** Confirms notifying again owners already told for this month in this incident. */
  renotify?: boolean;
}

export interface Notice {
  campaign: string;
  name: string;
  owner: string | null;
  month: string;
  missingDays: string[];
}

export interface SentNotice {
  campaign: string;
  owner: string | null;
  month: string;
  taskId: string;
  seq: number;
  at: string;
}

/** The notices a completeness report calls for: one per campaign with an irrecoverable gap. */
export function noticesFor(report: CompletenessReport): Notice[] {
  return report.campaigns
    .filter((c) => c.irrecoverableDays.length > 0)
    .map((c) => ({ campaign: c.id, name: c.name, owner: c.ownerEmail, month: report.window.month, missingDays: [...c.irrecoverableDays] }));
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const obj = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Notices already sent in this incident, from the journal (done or partly done runs). */
export function sentNotices(entries: readonly TimelineEntry[]): SentNotice[] {
  const out: SentNotice[] = [];
  for (const e of entries) {
    if (e.kind !== 'action' || e.details.mitigation !== NOTIFY_OWNERS_ID) continue;
    const result = str(obj(e.details.audit).result);
    if (result !== 'done' && result !== 'partial') continue;
    const sent = obj(e.details.record).sent;
    if (!Array.isArray(sent)) continue;
    for (const s of sent) {
      const n = obj(s);
      if (!str(n.campaign) || !str(n.month)) continue;
      out.push({
        campaign: str(n.campaign),
        owner: str(n.owner) || null,
        month: str(n.month),
        taskId: str(n.taskId),
        seq: e.seq,
        at: e.at,
      });
    }
  }
  return out;
}

/** Of the planned notices, those already sent for the same owner, campaign and month. */
export function alreadySent(plan: readonly Notice[], sent: readonly SentNotice[]): { notice: Notice; before: SentNotice }[] {
  const out: { notice: Notice; before: SentNotice }[] = [];
  for (const n of plan) {
    const before = sent.find((s) => s.campaign === n.campaign && s.month === n.month && s.owner === n.owner);
    if (before) out.push({ notice: n, before });
  }
  return out;
}

interface Plan {
  report: CompletenessReport;
  notices: Notice[];
  repeats: { notice: Notice; before: SentNotice }[];
  blockers: string[];
}

async function plan(ctx: MitigationContext): Promise<Plan | string> {
  const s = stepServices(ctx.backend);
  const month = ctx.params.month;
  if (!month || !parseMonth(month)) return 'month is needed as YYYY-MM';
  if (!s.completeness) return 'no completeness query in this session (needs the PostgreSQL primary)';
  const campaigns = ctx.params.campaigns?.length ? ctx.params.campaigns : null;
  const report = await s.completeness({ month, campaigns });
  const notices = noticesFor(report);
  const repeats = alreadySent(notices, sentNotices(s.journal?.() ?? []));
  const blockers: string[] = [];
  if (notices.length === 0)
    blockers.push(`no campaign has an irrecoverable gap in ${month} (before ${report.window.historyCutoff}): nobody to notify`);
  if (notices.length > MAX_NOTICES) blockers.push(`${notices.length} notices: at most ${MAX_NOTICES} per action`);
  const noOwner = notices.filter((n) => !n.owner);
  if (noOwner.length)
    blockers.push(
      `no owner e-mail for ${noOwner
        .map((n) => n.campaign)
        .slice(0, 10)
        .join(', ')}${noOwner.length > 10 ? ' ...' : ''}: fix campaigns.owner_email first`,
    );
  if (repeats.length && (ctx.params as OwnerNoticeParams).renotify !== true) {
    blockers.push(
      `already notified in this incident: ${repeats
        .slice(0, 5)
        .map((r) => `${r.notice.owner} about ${r.notice.campaign} ${r.notice.month} (seq ${r.before.seq})`)
        .join('; ')}${repeats.length > 5 ? ` and ${repeats.length - 5} more` : ''}: confirm with renotify=true to notify them again`,
    );
  }
  return { report, notices, repeats, blockers };
}

function specs(ctx: MitigationContext, notices: readonly Notice[]): TaskSpec[] {
  return notices.map((n) => ({
    task: NOTIFY_TASK,
    queue: ctx.params.queue ?? NOTIFY_QUEUE,
    kwargs: { campaign_id: n.campaign, month: n.month, missing_days: n.missingDays },
    id: randomUUID(),
  }));
}

const notifyOwners: Mitigation = {
  id: NOTIFY_OWNERS_ID,
  title: 'Notify owners of irrecoverable gaps',
  runbook: '4.5',
  appliesTo: 'global',
  required: ['month'],
  optional: ['campaigns', 'queue'],
  role: 'operator',
  dangerous: false,
  description: `Enqueue ${NOTIFY_TASK} (campaign_id, month, missing_days) on queue ${NOTIFY_QUEUE} for each campaign whose report month has days older than the providers' history; an owner already told in this incident needs renotify=true.`,
  async preview(ctx) {
    const p = await plan(ctx);
    if (typeof p === 'string') return { title: 'Notify owners', lines: [], blockers: [p], simulated: ctx.backend.simulated };
    const owners = new Map<string, Notice[]>();
    for (const n of p.notices) owners.set(n.owner ?? '(no owner)', [...(owners.get(n.owner ?? '(no owner)') ?? []), n]);
    const lines: PreviewLine[] = [
      {
        kind: 'note',
        text: `${p.report.window.month}: ${p.notices.length} campaigns with irrecoverable gaps (days before ${p.report.window.historyCutoff}), ${owners.size} owners`,
      },
    ];
    for (const [owner, ns] of owners) {
      for (const n of ns) lines.push({ kind: 'message', text: `${owner}: ${n.campaign} ${n.name} missing ${formatDays(n.missingDays)}` });
    }
    lines.push({
      kind: 'message',
      text: `publish ${p.notices.length} x ${NOTIFY_TASK} -> ${ctx.params.queue ?? NOTIFY_QUEUE} (Celery protocol v2, lsos_sent_at stamped)`,
    });
    for (const r of p.repeats)
      lines.push({
        kind: 'note',
        text: `again: ${r.notice.owner} was told about ${r.notice.campaign} at ${r.before.at} (seq ${r.before.seq})`,
      });
    return {
      title: `Notify ${owners.size} owners (${p.notices.length} campaigns, ${p.report.window.month})`,
      lines,
      blockers: p.blockers,
      simulated: ctx.backend.simulated,
    };
  },
  async run(ctx, opts) {
    // Judged again at run time: the preview may be minutes old.
    const p = await plan(ctx);
    if (typeof p === 'string') throw new Error(p);
    if (p.blockers.length) throw new Error(p.blockers.join('; '));
    const out = specs(ctx, p.notices);
    const r = await ctx.backend.publish(out, opts);
    const byId = new Map(out.map((s, i) => [s.id as string, p.notices[i] as Notice]));
    const sent = r.published.map((x) => {
      const n = byId.get(x.id);
      return {
        campaign: n?.campaign ?? '',
        owner: n?.owner ?? null,
        month: n?.month ?? '',
        missingDays: n?.missingDays ?? [],
        taskId: x.id,
      };
    });
    const failures: Failure[] = [];
    if (r.error) failures.push({ target: `${out.length - r.published.length} of ${out.length} notices`, error: r.error });
    else if (r.published.length < out.length)
      failures.push({ target: `${out.length - r.published.length} of ${out.length} notices`, error: 'stopped by the operator' });
    const owners = new Set(sent.map((s) => s.owner));
    return {
      status: failures.length === 0 ? 'done' : sent.length ? 'partial' : 'failed',
      details: [
        `published ${sent.length} x ${NOTIFY_TASK} -> ${ctx.params.queue ?? NOTIFY_QUEUE} for ${owners.size} owners`,
        ...sent.slice(0, 20).map((s) => `${s.owner}: ${s.campaign} ${s.month} (${s.missingDays.length} days) task ${s.taskId}`),
      ],
      failures,
      simulated: ctx.backend.simulated,
      taskIds: sent.map((s) => s.taskId),
      correlationIds: sent.map((s) => s.taskId),
      record: { sent, month: p.report.window.month, renotified: p.repeats.length },
      ...(opts.signal.aborted && sent.length < out.length ? { stopped: true } : {}),
    };
  },
};

export const OWNER_NOTICE_MITIGATIONS: readonly Mitigation[] = [notifyOwners];
