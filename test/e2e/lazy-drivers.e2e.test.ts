// What a live cockpit loads is what its configuration needs: amqplib only once a RabbitMQ
// connection is opened (src/sources/connect/amqp.ts), so a cockpit reading Redis alone never
// loads it (about 10 ms of a live launch, docs/performance.md "Eighth session"). Checked on the
// built modules (dist/, as tsc writes them) in a Node of their own: an ES module importing a
// CommonJS package goes through Node's CommonJS loader, whose cache names every file it loaded.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIST = (f: string) => new URL(`../../dist/src/${f}`, import.meta.url).href;

/** A port on 127.0.0.1 that refuses connections: one a server held and let go. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('the live sources load a driver only when it is used', () => {
  it('loads amqplib at the first RabbitMQ connection, not with the live sources', async () => {
    expect(existsSync(fileURLToPath(DIST('sources/liveSources.js'))), 'dist/ is built (npm run build)').toBe(true);
    const port = await refusedPort();
    const script = `
import { createRequire } from 'node:module';
const cache = createRequire(import.meta.url).cache;
const loaded = (pkg) => Object.keys(cache).some((f) => f.includes('/node_modules/' + pkg + '/'));
await import(${JSON.stringify(DIST('sources/liveSources.js'))});
const withSources = { amqplib: loaded('amqplib'), ioredis: loaded('ioredis') };
const { connectAmqp } = await import(${JSON.stringify(DIST('sources/connect/amqp.js'))});
const problem = await connectAmqp('amqp://guest:guest@127.0.0.1:${port}/', { timeoutMs: 5000 }).then(
  () => 'connected',
  (err) => err.message,
);
process.stdout.write(JSON.stringify({ withSources, afterConnect: loaded('amqplib'), problem }));
`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout) as { withSources: Record<string, boolean>; afterConnect: boolean; problem: string };
    // The check sees a loaded package: ioredis, which the Redis source imports, is there.
    expect(seen.withSources).toEqual({ amqplib: false, ioredis: true });
    expect(seen.afterConnect).toBe(true);
    expect(seen.problem).toMatch(/refused|ECONNREFUSED/i);
  });
});
