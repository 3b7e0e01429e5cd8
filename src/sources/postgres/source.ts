// The PostgreSQL source: the primary and each replica read independently, in parallel, each
// through its own small read-only pool.
//
// When the primary cannot be read, read() still resolves, with `primaryReachable: false`, the
// reason in `primaryDegraded`/`primaryError`, and the primary's last known figures (dated by
// `primaryCheckedAt`). Rejecting would leave the store's last snapshot in place, with
// `primaryReachable` still true: the "primary degradation" trigger and the SEV-1 suggestion
// would never fire, and the replicas' figures, which matter most exactly when the primary is
// down (runbook 6.3: fail over reads), would be lost with it. read() rejects only when aborted.
import type pg from 'pg';
import { maskUrl } from '../../config/maskUrl.js';
import type { Clock, Source, SnapshotPatch, SnapshotSlice } from '../../core/source.js';
import { systemClock } from '../../core/source.js';
import type { DatabaseSnapshot, EpochMs, FreshnessKind, SourceEndpoint } from '../../core/snapshot.js';
import { parsePgHosts, type TargetSessionAttrs } from '../../config/pgUrl.js';
import { DEFAULT_THRESHOLDS } from '../../domain/thresholds.js';
import { DEFAULT_BACKUP_OK_STATUSES } from '../../config/types.js';
import { combineReplicas, type ReplicaOutcome } from './combine.js';
import { checkOut, createReadOnlyPool, describePgError, serverLabel } from './pool.js';
import { BrokenSession, readPrimary, type PrimaryReading } from './primary.js';
import { readReplica } from './replica.js';

export interface PostgresSourceOptions {
  primaryUrl: string;
  replicas?: readonly { name: string; url: string }[];
  /** Every session's statement timeout; default 2 s. */
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  freshnessSeconds?: Record<FreshnessKind, number>;
  backupOkStatuses?: readonly string[];
  worstCampaigns?: number;
  clock?: Clock;
}

const DEFAULT_OK = DEFAULT_BACKUP_OK_STATUSES;

interface Server {
  name: string;
  url: string;
  label: string;
  pool: pg.Pool;
}

/**
 * The primary as configured: one host, or libpq's list (`host=a,b`, `postgres://u@a:5432,b:5433/db`)
 * with target_session_attrs. The hosts are tried from the one used last; with `read-write` or
 * `primary` a host in recovery is passed over, so the figures follow a promoted standby.
 */
interface Primary {
  hosts: Server[];
  current: number;
  attrs: TargetSessionAttrs;
  /** What the configuration says (masked when shown). */
  url: string;
  /** The host read from last time, null when the last read found none. */
  lastGood: number | null;
}

type PrimaryOutcome = { ok: true; reading: PrimaryReading } | { ok: false; error: string };

export class PostgresSource implements Source {
  readonly name = 'postgres';
  readonly owns: readonly SnapshotSlice[] = ['database'];
  private readonly primary: Primary;
  private readonly replicas: Server[];
  private readonly clock: Clock;
  private last: { reading: PrimaryReading; at: EpochMs } | null = null;
  private closed = false;

  constructor(private readonly opts: PostgresSourceOptions) {
    const timeout = opts.statementTimeoutMs ?? 2000;
    const poolOpts = {
      statementTimeoutMs: timeout,
      ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    };
    const server = (name: string, url: string): Server => ({ name, url, label: serverLabel(url), pool: createReadOnlyPool(url, poolOpts) });
    const hosts = parsePgHosts(opts.primaryUrl);
    // A string the parser refuses is left to the driver as one host (its error is shown on read).
    const urls = 'problem' in hosts ? [opts.primaryUrl] : hosts.urls;
    this.primary = {
      hosts: urls.map((u) => server('primary', u)),
      current: 0,
      attrs: 'problem' in hosts ? 'any' : hosts.attrs,
      url: opts.primaryUrl,
      lastGood: null,
    };
    this.replicas = (opts.replicas ?? []).map((r) => server(r.name, r.url));
    this.clock = opts.clock ?? systemClock;
  }

  /** For messages: where this source reads from, passwords masked. */
  describe(): string[] {
    return [`primary ${maskUrl(this.primary.url)}`, ...this.replicas.map((r) => `replica ${r.name} ${maskUrl(r.url)}`)];
  }

  async read(signal: AbortSignal): Promise<SnapshotPatch> {
    if (this.closed) throw new Error('postgres source is closed');
    signal.throwIfAborted();
    const [primary, ...replicas] = await Promise.all([this.readPrimary(), ...this.replicas.map((r) => this.readReplica(r))]);
    signal.throwIfAborted();
    const now = this.clock.now();
    if (primary.ok) this.last = { reading: primary.reading, at: now };
    const r = primary.ok ? primary.reading : (this.last?.reading ?? null);
    const standbys = primary.ok && primary.reading.standbys !== undefined ? primary.reading.standbys : null;
    const partErrors = primary.ok ? primary.reading.partErrors : {};
    const database: DatabaseSnapshot = {
      primaryReachable: primary.ok,
      connections: r?.connections ?? 0,
      maxConnections: r?.maxConnections ?? 0,
      blocking: r?.blocking ?? [],
      // Failed migrations come from the deploy pipeline, not from here.
      failedMigrations: 0,
      primaryDegraded: primary.ok ? degradation(primary.reading) : `primary ${this.primaryLabel()} unreachable: ${primary.error}`,
      replicas: combineReplicas(replicas, standbys, this.replicasNowPrimary(primary.ok)),
      lastBackupAt: r?.backup?.lastOkAt ?? null,
      primaryError: primary.ok ? null : primary.error,
      primaryCheckedAt: primary.ok ? now : (this.last?.at ?? null),
      partErrors,
    };
    // A part that failed keeps its last known value (dated by nothing newer): partErrors says so.
    if (r) database.reservedConnections = r.reservedConnections;
    if (r?.archiver !== undefined) database.archiver = r.archiver;
    if (r?.backup !== undefined) database.backup = r.backup;
    if (r?.freshness !== undefined) database.freshness = r.freshness;
    return { database };
  }

  /** Configured replicas on the server the primary figures come from now (a promoted standby). */
  private replicasNowPrimary(primaryOk: boolean): Set<string> {
    const p = this.primary;
    const at = primaryOk && p.lastGood !== null ? p.hosts[p.lastGood]?.label : undefined;
    return new Set(at === undefined ? [] : this.replicas.filter((r) => r.label === at).map((r) => r.name));
  }

  /** The primary down is this source unreachable, even though its replicas may still answer. */
  unreachableIn(patch: SnapshotPatch): string | null {
    const db = patch.database;
    if (!db || db.primaryReachable) return null;
    return db.primaryError ?? 'primary unreachable';
  }

  /** host:port of the primary, or of every host of a list. */
  private primaryLabel(): string {
    return this.primary.hosts.map((h) => h.label).join(',');
  }

  /** Where the primary figures come from now, for a list of hosts (a single host: nothing to show). */
  endpoint(): SourceEndpoint | null {
    const p = this.primary;
    if (p.hosts.length < 2 || p.lastGood === null) return null;
    return { role: 'primary', address: (p.hosts[p.lastGood] as Server).label };
  }

  /** The primary's reading from the first host that answers and fits target_session_attrs, starting at the one used last. */
  private async readPrimary(): Promise<PrimaryOutcome> {
    const p = this.primary;
    if (p.hosts.length === 1) {
      const r = await this.readPrimaryOn(p.hosts[0] as Server);
      p.lastGood = r.ok ? 0 : null;
      return r;
    }
    const wantsPrimary = p.attrs === 'read-write' || p.attrs === 'primary';
    const failures: string[] = [];
    for (let k = 0; k < p.hosts.length; k++) {
      const i = (p.current + k) % p.hosts.length;
      const host = p.hosts[i] as Server;
      const r = await this.readPrimaryOn(host);
      if (!r.ok) {
        failures.push(`${host.label}: ${r.error}`);
        continue;
      }
      if (wantsPrimary && r.reading.inRecovery) {
        failures.push(`${host.label}: in recovery (a standby)`);
        continue;
      }
      p.current = i;
      p.lastGood = i;
      return r;
    }
    p.lastGood = null;
    const wanted = wantsPrimary ? `a ${p.attrs} primary` : 'answering';
    return { ok: false, error: `no host of the list is ${wanted} (${failures.join('; ')})` };
  }

  private async readPrimaryOn(server: Server): Promise<PrimaryOutcome> {
    let client: pg.PoolClient;
    try {
      client = await checkOut(server.pool);
    } catch (err) {
      return { ok: false, error: describePgError(err, server.url) };
    }
    let broken: unknown = undefined;
    try {
      const reading = await readPrimary(client, {
        freshnessSeconds: this.opts.freshnessSeconds ?? DEFAULT_THRESHOLDS.freshnessSeconds,
        backupOkStatuses: this.opts.backupOkStatuses ?? DEFAULT_OK,
        worstCampaigns: this.opts.worstCampaigns ?? 5,
        queryChars: 120,
      });
      // Keep the part figures we could not read this time from the previous read.
      const prev = this.last?.reading;
      if (prev) {
        for (const part of Object.keys(reading.partErrors) as (keyof PrimaryReading['partErrors'])[]) {
          if (part === 'replication') continue;
          if (part === 'blocking') reading.blocking ??= prev.blocking;
          if (part === 'archiver') reading.archiver ??= prev.archiver;
          if (part === 'backup' && prev.backup !== undefined) reading.backup ??= prev.backup;
          if (part === 'freshness' && prev.freshness !== undefined) reading.freshness ??= prev.freshness;
        }
      }
      return { ok: true, reading };
    } catch (err) {
      // The session is gone or in an unknown state: never give it back to the pool.
      broken = err;
      const cause = err instanceof BrokenSession ? err.cause : err;
      return { ok: false, error: describePgError(cause, server.url) };
    } finally {
      client.release(broken === undefined ? undefined : broken instanceof Error ? broken : true);
    }
  }

  private async readReplica(server: Server): Promise<ReplicaOutcome> {
    try {
      return { name: server.name, reading: await readReplica(server.pool) };
    } catch (err) {
      return { name: server.name, error: `replica ${server.label} unreachable: ${describePgError(err, server.url)}` };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.primary.hosts, ...this.replicas].map((s) => s.pool.end().catch(() => undefined)));
  }
}

/** A reachable primary is still degraded when it is in recovery or out of connection slots. */
function degradation(r: PrimaryReading): string | null {
  if (r.inRecovery) return 'the configured primary is in recovery (it is a standby)';
  const usable = r.maxConnections - r.reservedConnections;
  if (r.connections >= usable)
    return `connection slots exhausted: ${r.connections} of ${usable} (max_connections ${r.maxConnections} minus ${r.reservedConnections} reserved)`;
  return null;
}
