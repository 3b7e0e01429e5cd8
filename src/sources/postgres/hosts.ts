// libpq's host lists (src/config/pgUrl.ts) for the connections that are not the PostgreSQL
// source's own reads (which try every host per read, src/sources/postgres/source.ts): the pools of
// the reporting and integrity services and the audit log's client (through hostListClient). node-postgres takes one host,
// so a connection goes to the host that answered last; a host that refuses, or is in recovery when
// target_session_attrs asks for a primary, fails that attempt and the next one goes to the next host.
import pg from 'pg';
import { parsePgHosts, type PgHosts } from '../../config/pgUrl.js';

/** The hosts of a list, null for an ordinary one-host URL (or one the parser refuses: the driver says why). */
export function hostList(url: string): PgHosts | null {
  const h = parsePgHosts(url);
  return 'problem' in h || h.urls.length < 2 ? null : h;
}

function wantsPrimary(h: PgHosts): boolean {
  return h.attrs === 'read-write' || h.attrs === 'primary';
}

/**
 * A pg.Client class for pg.Pool's `Client` option: each new client connects to the current host
 * of the list (each URL made by `urlOf`, e.g. with the session options); a failed or unfitting
 * host moves the list on for the next connection.
 */
export function hostListClient(h: PgHosts, urlOf: (oneHost: string) => string): typeof pg.Client {
  const cursor = { i: 0 };
  return class HostListClient extends pg.Client {
    private readonly hostIndex: number;
    constructor(config?: string | pg.ClientConfig) {
      const i = cursor.i % h.urls.length;
      super({ ...(typeof config === 'object' ? config : {}), connectionString: urlOf(h.urls[i] as string) });
      this.hostIndex = i;
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): void;
    override connect(callback?: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): Promise<pg.Client> | void {
      const done = new Promise<void>((resolve, reject) => {
        super.connect((err: Error | null) => (err ? reject(err) : resolve()));
      })
        .then(async (): Promise<pg.Client> => {
          if (wantsPrimary(h)) {
            const r = await this.query('select pg_is_in_recovery() as r');
            if ((r.rows[0] as { r?: boolean } | undefined)?.r === true)
              throw new Error(`${h.labels[this.hostIndex]} is in recovery (a standby), target_session_attrs=${h.attrs}`);
          }
          return this;
        })
        .catch(async (err: unknown) => {
          cursor.i = this.hostIndex + 1;
          await this.end().catch(() => undefined);
          throw err;
        });
      if (!callback) return done;
      const cb = callback as (err: Error | null, c?: pg.Client) => void;
      done.then(
        (c) => cb(null, c),
        (err: Error) => cb(err),
      );
    }
  };
}
