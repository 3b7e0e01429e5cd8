// A cockpit without a screen, for the process-level shared-incident tests: composed as
// src/runtime/main.ts composes a live cockpit (store, recorder sharing through its session on
// the shared Redis, the paging controller with the sender lease and a live roster), run as its
// own process (as another OS user with runuser), driven by lines on stdin, reporting on stdout.
//
// Bundled by the test with esbuild (packages external) and run with plain Node.
//   env: SHARED_URL, STATE_DIR, OPERATOR, ACCESS (operator|viewer), RECEIVER (http://127.0.0.1:port)
//   stdin:  trigger | note TEXT | severity SEV-n REASON | take-command | ack TARGET | status | quit
//   stdout: one JSON object a line: {"ev":"ready"|"entry"|"status"|"sending"|…, "at": epoch ms, …}
import * as readline from 'node:readline';
import { defaultPagingConfig } from '../../../src/control/paging/config.js';
import { PagingController } from '../../../src/control/paging/controller.js';
import { LSOS_MODULES, type Contact, type LsosModule, type Roster } from '../../../src/core/paging.js';
import { systemClock } from '../../../src/core/source.js';
import { IncidentRecorder } from '../../../src/journal/recorder.js';
import { makeOrigin } from '../../../src/journal/shared/origin.js';
import { SharedSession } from '../../../src/journal/shared/session.js';
import { createCockpitStore } from '../../../src/ui/state/store.js';

const env = process.env;
const url = env.SHARED_URL ?? '';
const stateDir = env.STATE_DIR ?? '';
const operator = env.OPERATOR ?? 'unknown';
const access = env.ACCESS === 'viewer' ? 'viewer' : 'operator';
const receiver = env.RECEIVER ?? '';

function out(ev: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ ev, at: Date.now(), pid: process.pid, operator, ...fields })}\n`);
}

function contact(name: string, path: string, routingKey: string): Contact {
  return { name, webhook: `${receiver}${path}`, routingKey, format: 'pagerduty' };
}

const roster: Roster = {
  onCallEngineer: contact('Ana Oncall', '/pd/on-call-engineer', 'rk-oncall'),
  securityLead: contact('Sam Security', '/pd/security-lead', 'rk-security'),
  primaryOnCall: contact('Priya Primary', '/pd/primary-on-call', 'rk-primary'),
  owners: Object.fromEntries(LSOS_MODULES.map((m) => [m, contact(`${m} owner`, `/pd/${m}-owner`, `rk-${m}`)])) as Record<
    LsosModule,
    Contact
  >,
};

const store = createCockpitStore({ session: { operator, readonly: access === 'viewer' } });
const session = new SharedSession({
  url,
  stateDir,
  origin: makeOrigin(operator),
  access,
  role: 'on-call engineer',
  pages: access === 'operator',
  leaseTtlMs: Number(env.LEASE_TTL_MS ?? 3000),
  staleMs: Number(env.STALE_MS ?? 10_000),
});
const recorder = new IncidentRecorder({ stateDir, clock: systemClock, operator, sharing: session, live: true });
session.attach(recorder);
session.onChange((v) => store.setState({ shared: v }));
session.pagingLease.onChange((held) => out('sending', { held }));
recorder.subscribe((view, entry) => {
  if (entry)
    out('entry', {
      incident: view?.id ?? null,
      kind: entry.kind,
      by: entry.operator,
      text: entry.kind === 'note' ? entry.details.text : null,
      severity: entry.details.severity ?? null,
      event: entry.details.event ?? null,
    });
  else out('refold', { incident: view?.id ?? null, entries: view?.entries.length ?? 0 });
});

const paging = new PagingController(
  recorder,
  store,
  access === 'operator' ? roster : null,
  defaultPagingConfig({
    rosterFile: 'test-roster',
    mode: 'live',
    requestTimeoutMs: 2000,
    retry: { initialMs: Number(env.RETRY_MS ?? 300), maxMs: Number(env.RETRY_MS ?? 300), jitter: 0 },
    sweepMs: 100,
  }),
  systemClock,
  { lease: session.pagingLease },
);

function status(): Record<string, unknown> {
  const v = recorder.view();
  const s = session.view();
  return {
    incident: v?.id ?? null,
    state: v?.state ?? null,
    severity: v?.severity ?? null,
    decided: v?.severityDecided ?? false,
    notes: v?.notes.map((n) => n.text) ?? [],
    entries: v?.entries.length ?? 0,
    hashes: v?.entries.map((e) => e.hash) ?? [],
    commander: v?.commander ? `${v.commander.user}@${v.commander.host}` : null,
    presence: s.presence.map((p) => ({ user: p.user, access: p.access })),
    redis: s.redis,
    observing: s.observing,
    sending: s.sending,
    pagingSender: s.pagingSender,
    pages: [...(paging.state()?.messages.values() ?? [])].map((m) => ({ id: m.message.messageId, state: m.state, attempts: m.attempts })),
  };
}

const trigger = {
  triggerKey: 'queue-lag',
  title: 'Queue lag > 15 min',
  section: '3',
  target: 'crawl',
  value: 1260,
  threshold: 900,
  unit: 's',
  module: 'crawl',
  queues: ['crawl'],
  detail: 'crawl lag 21m00s',
};

await session.start(3000);
await paging.start();
session.pagingLease.setEnabled(access === 'operator');
out('ready', status());

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const [cmd, ...rest] = line.trim().split(' ');
  try {
    switch (cmd) {
      case 'trigger':
        recorder.onTriggerFired(trigger);
        break;
      case 'note':
        recorder.note(rest.join(' '));
        out('sent', { text: rest.join(' ') });
        break;
      case 'severity':
        recorder.decideSeverity(rest[0] as 'SEV-1' | 'SEV-2' | 'SEV-3', rest.slice(1).join(' ') || 'decided');
        out('sent', { severity: rest[0] });
        break;
      case 'take-command':
        recorder.takeCommand();
        break;
      case 'ack':
        void paging.acknowledgePage(rest[0] ?? 'all', operator).catch((err: unknown) => out('error', { error: String(err) }));
        break;
      case 'status':
        out('status', status());
        break;
      case 'quit':
        void (async () => {
          await paging.stop();
          await session.stop();
          recorder.close();
          out('bye');
          process.exit(0);
        })();
        break;
      default:
        out('error', { error: `unknown command ${cmd}` });
    }
  } catch (err) {
    out('error', { error: err instanceof Error ? err.message : String(err) });
  }
});
