// Real local HTTP receivers, a roster pointing at them, and a cockpit (recorder + store +
// paging controller) over a temporary state directory that can be "restarted".
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCockpitStore, type CockpitStore } from '../../src/ui/state/store.js';
import type { Contact, LsosModule, Roster } from '../../src/core/paging.js';
import { LSOS_MODULES } from '../../src/core/paging.js';
import type { Clock } from '../../src/core/source.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { defaultPagingConfig, type PagingConfig } from '../../src/control/paging/config.js';
import { PagingController } from '../../src/control/paging/controller.js';
import { DEFAULT_WAIT_MS, nextTurn, waitFor as waitUntil } from '../support/waitFor.js';

export type ReceiverMode = 'ok' | 'error' | 'hang' | 'bad-request' | 'too-many';

export interface Received {
  path: string;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  /** The status it was answered with; null: left hanging. */
  status: number | null;
}

/** A webhook receiver on 127.0.0.1. `mode` decides the answer; every request is kept. */
export class Receiver {
  mode: ReceiverMode = 'ok';
  readonly requests: Received[] = [];
  private server: Server | null = null;
  private hanging: ServerResponse[] = [];
  port = 0;

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          body = { unparsable: true };
        }
        const r: Received = { path: req.url ?? '', body, headers: req.headers, status: null };
        this.requests.push(r);
        const answer = (status: number, text: string) => {
          r.status = status;
          // One connection per request: no kept-alive socket outlives a swapReceiver() and
          // turns the next attempt into a reset.
          res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
          res.end(text);
        };
        switch (this.mode) {
          case 'ok':
            return answer(202, '{"status":"success","message":"Event processed"}');
          case 'error':
            return answer(500, '{"error":"internal"}');
          case 'too-many':
            return answer(429, '{"error":"slow down"}');
          case 'bad-request':
            return answer(400, '{"status":"invalid event","errors":["routing_key invalid"]}');
          case 'hang':
            this.hanging.push(res);
            return;
        }
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  url(p: string): string {
    return `http://127.0.0.1:${this.port}${p}`;
  }

  /** Requests answered 2xx: what the endpoint accepted. */
  accepted(): Received[] {
    return this.requests.filter((r) => r.status !== null && r.status >= 200 && r.status < 300);
  }

  acceptedFor(dedup: string, action = 'trigger'): Received[] {
    return this.accepted().filter((r) => r.body.dedup_key === dedup && (r.body.event_action ?? r.body.action) === action);
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    for (const h of this.hanging.splice(0)) h.destroy();
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
}

/**
 * Stops `old` and starts a fresh receiver on its port. After a controller's stop() its aborted
 * attempts may still reach `old` (their bytes were written before the abort; this process reads
 * them later): closing `old` drops those, so the new one sees only requests sent afterwards.
 */
export async function swapReceiver(old: Receiver): Promise<Receiver> {
  const port = old.port;
  await old.stop();
  return new Receiver().start(port);
}

/** A port nothing listens on (taken, then released). */
export async function freePort(): Promise<number> {
  const r = await new Receiver().start();
  const port = r.port;
  await r.stop();
  return port;
}

function contact(name: string, webhook: string, routingKey: string, format: Contact['format'] = 'pagerduty'): Contact {
  return { name, webhook, routingKey, format };
}

/**
 * Everyone on one receiver, each on their own path (`/pd/<target>`); the email owner takes the
 * generic shape on `/generic/email-owner`.
 */
export function rosterFor(base: string): Roster {
  const owners = Object.fromEntries(
    LSOS_MODULES.map((m) => [
      m,
      m === 'email'
        ? contact('Emil Email', `${base}/generic/email-owner`, 'rk-email', 'generic')
        : contact(`${m[0]?.toUpperCase()}${m.slice(1)} Owner`, `${base}/pd/${m}-owner`, `rk-${m}`),
    ]),
  ) as Record<LsosModule, Contact>;
  return {
    onCallEngineer: contact('Ana Oncall', `${base}/pd/on-call-engineer`, 'rk-oncall'),
    securityLead: contact('Sam Security', `${base}/pd/security-lead`, 'rk-security'),
    primaryOnCall: contact('Priya Primary', `${base}/pd/primary-on-call`, 'rk-primary'),
    owners,
  };
}

/** Real time plus an offset the test moves forward (re-page timeouts). */
export class OffsetClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

const dirs: string[] = [];
export function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-paging-test-'));
  dirs.push(d);
  return d;
}
export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export function testConfig(partial: Partial<PagingConfig> = {}): PagingConfig {
  return defaultPagingConfig({
    rosterFile: '/dev/null',
    requestTimeoutMs: 2000,
    retry: { initialMs: 30, maxMs: 120, jitter: 0 },
    sweepMs: 10,
    ...partial,
  });
}

/** A cockpit's paging half: recorder, store and controller over `dir`. restart() rebuilds all three from the journal. */
export class Cockpit {
  recorder: IncidentRecorder;
  store: CockpitStore;
  paging: PagingController;

  constructor(
    readonly dir: string,
    readonly roster: Roster | null,
    public config: PagingConfig,
    readonly clock: OffsetClock = new OffsetClock(),
  ) {
    this.recorder = new IncidentRecorder({ stateDir: dir, clock, operator: 'alice' });
    this.store = createCockpitStore({ session: { operator: 'alice' } });
    this.paging = new PagingController(this.recorder, this.store, roster, config, clock);
  }

  async start(): Promise<this> {
    await this.paging.start();
    return this;
  }

  /** Tear everything down (in-flight attempts abandoned) and build it again from the journal. */
  async restart(config: PagingConfig = this.config): Promise<void> {
    await this.paging.stop();
    this.recorder.close();
    this.config = config;
    this.recorder = new IncidentRecorder({ stateDir: this.dir, clock: this.clock, operator: 'alice' });
    this.store = createCockpitStore({ session: { operator: 'alice' } });
    this.paging = new PagingController(this.recorder, this.store, this.roster, config, this.clock);
    await this.paging.start();
  }

  async stop(): Promise<void> {
    await this.paging.stop();
    this.recorder.close();
  }

  incidentId(): string {
    const v = this.recorder.view();
    if (!v) throw new Error('no incident');
    return v.id;
  }

  /** The page entries' details, in order. */
  pageEntries(): Record<string, unknown>[] {
    return (this.recorder.view()?.entries ?? []).filter((e) => e.kind === 'page').map((e) => e.details);
  }

  intents(target?: string, action = 'trigger'): Record<string, unknown>[] {
    return this.pageEntries().filter(
      (d) => d.event === 'intent' && (target === undefined || d.target === target) && (d.message as { action?: string }).action === action,
    );
  }
}

/** Polls `pred` every 10 ms until it holds; the ceiling is generous (a loaded machine is slow, not wrong). */
export async function waitFor(what: string, pred: () => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  await waitUntil(pred, { what, timeoutMs, everyMs: 10 });
}

/**
 * Waits until paging is at rest: nothing waiting to be sent (pending or retrying) in the current
 * incident, no other incident's sends unfinished, and no attempt on the wire. Since the receivers
 * run in this process and an attempt ends only once its answer came back, every request sent so
 * far has been seen by them then; nothing more is sent until something changes.
 */
export async function settled(ck: Cockpit, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  const unsent = () => [...(ck.paging.state()?.messages.values() ?? [])].some((m) => m.state === 'pending' || m.state === 'retrying');
  // Reactions the controller queued (a decision's pages, a resolution's resolves) run first.
  await nextTurn();
  await waitUntil(() => !unsent() && ck.paging.backgroundIncidents().length === 0, { what: 'paging at rest', timeoutMs, everyMs: 10 });
  await ck.paging.idle();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Opens an incident with a trigger of `module` fired (so the matrix knows the affected module). */
export function openWithTrigger(c: Cockpit, modules: string[]): void {
  for (const m of modules) {
    c.recorder.onTriggerFired({
      triggerKey: 'queue-lag',
      title: 'Queue lag',
      section: '3',
      target: m,
      value: 1200,
      threshold: 900,
      unit: 's',
      module: m,
      detail: `${m} lag 20m`,
    });
  }
}
