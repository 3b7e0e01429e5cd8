// A PostgreSQL connection cut while a client is checked out of the pool (between two queries)
// must not end the process: pg-pool removes its own 'error' listener at checkout, so the cut
// emitted an unhandled 'error' ("Connection terminated unexpectedly") that crashed the cockpit
// and failed the degradation suite. The shared server stays up: the cut is a proxy in front.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOut, createReadOnlyPool } from '../../src/sources/postgres/pool.js';
import { TcpProxy } from '../support/tcpProxy.js';

async function pgUp(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port: 5432, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

const up = await pgUp();
if (!up && process.env.CI === 'true') throw new Error('test/live/pg-checkout.test.ts: PostgreSQL 127.0.0.1:5432 is down under CI');
if (!up) console.warn('\n*** SKIPPING test/live/pg-checkout.test.ts: PostgreSQL 127.0.0.1:5432 is down ***\n');

describe.skipIf(!up)('a checked-out PostgreSQL client whose connection is cut', () => {
  const proxy = new TcpProxy(5432);
  beforeAll(async () => {
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.cut();
  });

  it('is reported by the next query, never as an uncaught error', async () => {
    const pool = createReadOnlyPool(`postgres://postgres@127.0.0.1:${proxy.port}/test`, { statementTimeoutMs: 2000, max: 1 });
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.prependListener('uncaughtException', onUncaught);
    try {
      const client = await checkOut(pool);
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
      const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
      proxy.dropConnections();
      await ended;
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release(true);
      expect(uncaught).toEqual([]);
      // The pool recovers on its own once the server is reachable again.
      const again = await checkOut(pool);
      expect((await again.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
      again.release();
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      await pool.end();
    }
  });
});
