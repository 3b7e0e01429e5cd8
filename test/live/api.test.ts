// API health against a real local HTTP server: healthy only on 200 + {"status":"ok"} within 2 s.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHealthSource, checkApiHealth, healthUrl } from '../../src/sources/http/index.js';
import { runCheck, type CheckReport } from '../../src/cli/check.js';
import { loadConfig } from '../../src/config/index.js';
import { LOAD_SLACK_MS } from '../support/timing.js';

interface Seen {
  path: string;
  /** How long the server held the request before it finished answering, ms. */
  heldMs: number;
  authorization: string | undefined;
}

const DELAY_MS = 150;

describe('API health (real HTTP server)', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  const hanging: ServerResponse[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const started = performance.now();
      const path = req.url ?? '';
      const done = () => seen.push({ path, heldMs: performance.now() - started, authorization: req.headers.authorization });
      res.on('finish', done);
      const json = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      };
      switch (path) {
        case '/ok/health':
          setTimeout(() => json(200, '{"status":"ok","version":"1.2"}'), DELAY_MS);
          break;
        case '/err/health':
          json(500, '{"status":"error"}');
          break;
        case '/badjson/health':
          json(200, '<html>ok</html>');
          break;
        case '/degraded/health':
          json(200, '{"status":"degraded"}');
          break;
        case '/array/health':
          json(200, '["ok"]');
          break;
        case '/redirect/health':
          res.writeHead(302, { location: '/ok/health' });
          res.end();
          break;
        case '/huge/health':
          json(200, `{"status":"ok","pad":"${'x'.repeat(1024 * 1024)}"}`);
          break;
        case '/hang/health':
          hanging.push(res);
          break; // never answers
        case '/slowbody/health': {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"status":');
          hanging.push(res); // the rest never comes
          break;
        }
        default:
          json(404, '{"error":"not found"}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const r of hanging) r.destroy();
    await new Promise((r) => server.close(r));
  });

  it('builds {api}/health whatever the base looks like', () => {
    expect(healthUrl('https://api.example.com')).toBe('https://api.example.com/health');
    expect(healthUrl('https://api.example.com/')).toBe('https://api.example.com/health');
    expect(healthUrl('https://api.example.com/lsos//')).toBe('https://api.example.com/lsos/health');
  });

  it('200 with {"status":"ok"} is healthy, with its latency', async () => {
    const h = await checkApiHealth(`${base}/ok/`);
    const truth = seen.filter((s) => s.path === '/ok/health').at(-1);
    expect(h.healthy).toBe(true);
    expect(h.detail).toBe('ok');
    expect(truth).toBeDefined();
    // The client waited at least as long as the server held the request, and not absurdly longer.
    expect(h.latencyMs).toBeGreaterThanOrEqual(Math.floor(truth?.heldMs ?? DELAY_MS));
    expect(h.latencyMs).toBeLessThan((truth?.heldMs ?? 0) + 1000);
  });

  it('500 is unhealthy with the status code', async () => {
    const h = await checkApiHealth(`${base}/err`);
    expect(h).toMatchObject({ healthy: false, detail: 'HTTP 500 Internal Server Error' });
    expect(h.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('200 with a body that is not JSON is unhealthy', async () => {
    const h = await checkApiHealth(`${base}/badjson`);
    expect(h.healthy).toBe(false);
    expect(h.detail).toBe('HTTP 200 but the body is not JSON: "<html>ok</html>"');
  });

  it('200 with JSON whose status is not "ok" is unhealthy, and says what it was', async () => {
    expect((await checkApiHealth(`${base}/degraded`)).detail).toBe('HTTP 200 but status is "degraded", not "ok"');
    expect((await checkApiHealth(`${base}/array`)).detail).toBe('HTTP 200 but status is missing, not "ok"');
  });

  it('a redirect is not followed and is unhealthy', async () => {
    const before = seen.filter((s) => s.path === '/ok/health').length;
    const h = await checkApiHealth(`${base}/redirect`);
    expect(h).toMatchObject({ healthy: false, detail: 'HTTP 302 Found' });
    expect(seen.filter((s) => s.path === '/ok/health').length).toBe(before);
  });

  it('a body larger than a health answer is refused', async () => {
    const h = await checkApiHealth(`${base}/huge`);
    expect(h.healthy).toBe(false);
    expect(h.detail).toMatch(/body unreadable: body larger than 65536 bytes/);
  });

  it('no answer within 2 s is unhealthy: "no answer within 2000 ms", after 2 s and not much more', async () => {
    const t0 = performance.now();
    const h = await checkApiHealth(`${base}/hang`);
    const took = performance.now() - t0;
    expect(h).toMatchObject({ healthy: false, detail: 'no answer within 2000 ms', latencyMs: null });
    expect(took).toBeGreaterThanOrEqual(1990);
    expect(took).toBeLessThan(2000 + LOAD_SLACK_MS); // its 2 s timeout, not a hang
  });

  it('headers in time but a body that never ends is unhealthy too', async () => {
    const t0 = performance.now();
    const h = await checkApiHealth(`${base}/slowbody`);
    expect(performance.now() - t0).toBeLessThan(2000 + LOAD_SLACK_MS);
    expect(h).toMatchObject({ healthy: false, detail: 'HTTP 200, but the body did not arrive within 2000 ms' });
  });

  it('a refused connection is unhealthy: "connection refused"', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const h = await checkApiHealth(`http://127.0.0.1:${port}`);
    expect(h).toMatchObject({ healthy: false, detail: 'connection refused', latencyMs: null });
  });

  it('credentials in the URL go as Basic auth and never appear in the detail', async () => {
    const h = await checkApiHealth(`http://ops:S3cr3tP4ss@${base.slice('http://'.length)}/err`);
    const truth = seen.filter((s) => s.path === '/err/health').at(-1);
    expect(truth?.authorization).toBe(`Basic ${Buffer.from('ops:S3cr3tP4ss').toString('base64')}`);
    expect(h.healthy).toBe(false);
    expect(JSON.stringify(h)).not.toContain('S3cr3tP4ss');
    const src = new ApiHealthSource(`http://ops:S3cr3tP4ss@${base.slice('http://'.length)}/ok`);
    expect(src.describe()).toBe(`api http://ops:***@${base.slice('http://'.length)}/ok/health`);
  });

  it('ApiHealthSource.read resolves with the api part of the snapshot, stamped by its clock', async () => {
    const clock = { now: () => 1_700_000_000_000 };
    const src = new ApiHealthSource(`${base}/ok`, { clock });
    const healthy = await src.read(new AbortController().signal);
    expect(src.name).toBe('api');
    expect(Object.keys(healthy)).toEqual(['api']);
    expect(healthy.api).toMatchObject({ healthy: true, detail: 'ok', checkedAt: 1_700_000_000_000 });
    const bad = await new ApiHealthSource(`${base}/err`, { clock }).read(new AbortController().signal);
    expect(bad.api).toMatchObject({ healthy: false, detail: 'HTTP 500 Internal Server Error' });
    await src.close();
  });

  it('check: a source with a warm-up is read twice, the figures come from the second read; a hang is unknown after --timeout', async () => {
    const loaded = loadConfig({ argv: ['--api-url', `${base}/ok`], env: {}, cwd: tmpdir() });
    const before = seen.filter((s) => s.path === '/ok/health').length;
    let out = '';
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true }, env: {} };
    const t0 = performance.now();
    const code = await runCheck(['--json', '--only', 'api-health'], io, {
      loaded,
      sources: [{ source: new ApiHealthSource(`${base}/ok`), area: 'api', pollIntervalMs: 5000, warmupMs: 400 }],
    });
    const took = performance.now() - t0;
    const report = JSON.parse(out) as CheckReport;
    expect(code).toBe(0);
    expect(seen.filter((s) => s.path === '/ok/health').length - before).toBe(2);
    expect(took).toBeGreaterThanOrEqual(400 + 2 * DELAY_MS);
    expect(report.checks[0]).toMatchObject({ id: 'api-health', status: 'ok' });

    // A source that never answers: its checks could not run, after --timeout.
    out = '';
    const stuck = { name: 'api', owns: [], read: () => new Promise<never>(() => undefined), close: async () => undefined };
    const t1 = performance.now();
    const code2 = await runCheck(['--json', '--only', 'api-health', '--timeout', '300'], io, {
      loaded,
      sources: [{ source: stuck, area: 'api', pollIntervalMs: 5000 }],
    });
    expect(performance.now() - t1).toBeLessThan(300 + LOAD_SLACK_MS); // its --timeout, not a hang
    const r2 = JSON.parse(out) as CheckReport;
    expect(code2).toBe(3);
    expect(r2.sources).toEqual([{ name: 'api', area: 'api', state: 'unreachable', error: 'no answer within 300 ms' }]);
    expect(r2.checks[0]?.detail).toBe('could not run: source unreachable: api: no answer within 300 ms');
  });
});
