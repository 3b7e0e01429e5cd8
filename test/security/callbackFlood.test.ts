// The acknowledgement callback under a flood of half-open connections. The listener and the page
// sender run together in a process limited to 256 file descriptors (prlimit); another process
// keeps thousands of connections open to the listener, opening a new one whenever one is closed.
// Meanwhile: an authorised caller's acknowledgements go through, a POST without the token is 401
// and records nothing, pages keep being delivered (no EMFILE), and the listener's process never
// holds more descriptors than its connection cap allows. Before the cap, ~20,000 such connections
// exhausted the cockpit's descriptors and page sends failed with EMFILE.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckListener, MAX_CALLBACK_CONNECTIONS } from '../../src/control/paging/callback.js';
import { CALLBACK_TOKEN_ENV, loadPagingConfig } from '../../src/control/paging/config.js';

const TOKEN = 'flood-test-token-0123456789abcdef';
const FD_LIMIT = 256;
const FLOOD = 5000;

interface Line {
  listening?: number;
  ack?: { dedupKey?: string; by: string };
  page?: number;
  result?: string;
  error?: string | null;
  fds?: number;
  conns?: number;
  stats?: { evicted: number; refused: number; unauthorised: number; peak: number };
}

let dir = '';
let harness: ChildProcess | null = null;
let flooder: ChildProcess | null = null;
let receiver: Server | null = null;
let received = 0;
const lines: Line[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, fn: () => T | undefined | null | false, ceilingMs = 30_000): Promise<T> {
  const deadline = Date.now() + ceilingMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last lines: ${JSON.stringify(lines.slice(-5))}`);
    await sleep(25);
  }
}

// Opens connections and sends nothing; opens another whenever one is closed, as fast as it can.
const FLOODER = `
const net = require('node:net');
const [port, n] = process.argv.slice(2).map(Number);
let open = 0, opened = 0;
function one() {
  const s = net.connect(port, '127.0.0.1');
  s.on('connect', () => { open++; opened++; });
  s.on('error', () => {});
  s.on('close', (hadErr) => { open = Math.max(0, open - 1); setImmediate(one); });
}
for (let i = 0; i < n; i++) one();
setInterval(() => process.stdout.write(JSON.stringify({ open, opened }) + '\\n'), 200);
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lsos-flood-'));
  const bundle = join(dir, 'ackHarness.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'fixtures/ackHarness.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundle,
    logLevel: 'silent',
  });
  writeFileSync(join(dir, 'flooder.cjs'), FLOODER);
  // The pager's webhook.
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
  });
  await new Promise<void>((r) => receiver?.listen(0, '127.0.0.1', () => r()));
  const webhook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/enqueue`;
  harness = spawn('prlimit', [`--nofile=${FD_LIMIT}:${FD_LIMIT}`, process.execPath, bundle], {
    env: { PATH: process.env.PATH ?? '', ACK_TOKEN: TOKEN, WEBHOOK_URL: webhook },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buf = '';
  harness.stdout?.on('data', (c: Buffer) => {
    buf += c.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (l.trim()) lines.push(JSON.parse(l) as Line);
    }
  });
});

afterAll(async () => {
  flooder?.kill('SIGKILL');
  harness?.kill('SIGKILL');
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

async function post(port: number, body: unknown, token: string | null): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/ack`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  await res.text();
  return res.status;
}

/** As a paging system calls back: retried on a refused or reset connection. Returns the status and the attempts. */
async function postRetrying(
  port: number,
  body: unknown,
  token: string | null,
  ceilingMs = 30_000,
): Promise<{ status: number; attempts: number }> {
  const deadline = Date.now() + ceilingMs;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      return { status: await post(port, body, token), attempts };
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`no answer after ${attempts} attempts: ${String(err)}`);
      await sleep(50);
    }
  }
}

describe('the callback listener under a flood of half-open connections', () => {
  it('keeps acknowledging the authorised caller and sending pages, within its descriptors', async () => {
    const port = (await until('the listener', () => lines.find((l) => l.listening)))?.listening as number;
    await until('a page sent before the flood', () => lines.some((l) => l.page && l.result === 'accepted'));
    const pagesBefore = lines.filter((l) => l.page).length;

    flooder = spawn(process.execPath, [join(dir, 'flooder.cjs'), String(port), String(FLOOD)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let flood = { open: 0, opened: 0 };
    flooder.stdout?.on('data', (c: Buffer) => {
      const last = c.toString().trim().split('\n').pop();
      if (last) flood = JSON.parse(last) as typeof flood;
    });
    // The flood is on: far more connections opened than the listener keeps.
    await until('the flood', () => flood.opened > FLOOD, 60_000);

    // An authorised caller acknowledges five pages, one after the other.
    const acks: { status: number; attempts: number }[] = [];
    for (let i = 0; i < 5; i++) acks.push(await postRetrying(port, { dedup_key: `INC-1:target-${i}`, by: 'dana' }, TOKEN));
    expect(acks.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    // Without the token: 401, and the handler never sees it.
    const refused = await postRetrying(port, { dedup_key: 'INC-1:target-0', by: 'mallory' }, null);
    expect(refused.status).toBe(401);
    const wrong = await postRetrying(port, { dedup_key: 'INC-1:target-0', by: 'mallory' }, 'x'.repeat(TOKEN.length));
    expect(wrong.status).toBe(401);

    // Pages went on being delivered during the flood.
    const floodStart = pagesBefore;
    await until('pages during the flood', () => lines.filter((l) => l.page && l.result === 'accepted').length >= floodStart + 10, 60_000);
    const during = lines.filter((l) => l.page).slice(floodStart);
    const failed = during.filter((l) => l.result !== 'accepted');
    const stats = lines.filter((l) => l.stats);
    const last = stats[stats.length - 1];
    const summary = `flood ${JSON.stringify(flood)}, acks ${JSON.stringify(acks)}, pages during ${during.length} (failed ${JSON.stringify(failed.slice(0, 3))}), listener ${JSON.stringify(last)}, max fds ${Math.max(...stats.map((l) => l.fds ?? 0))}`;
    console.log(`callback flood: ${summary}`);
    expect(failed, summary).toEqual([]);
    expect(received, summary).toBeGreaterThanOrEqual(floodStart + 10);

    // The handler saw exactly the authorised acknowledgements.
    expect(lines.filter((l) => l.ack).map((l) => l.ack?.by)).toEqual(['dana', 'dana', 'dana', 'dana', 'dana']);
    // Bounded: never more connections than the cap, never near the descriptor limit.
    expect(Math.max(...stats.map((l) => l.conns ?? 0)), summary).toBeLessThanOrEqual(MAX_CALLBACK_CONNECTIONS);
    expect(Math.max(...stats.map((l) => l.fds ?? 0)), summary).toBeLessThan(MAX_CALLBACK_CONNECTIONS + 40);
    expect((last?.stats?.evicted ?? 0) + (last?.stats?.refused ?? 0), summary).toBeGreaterThan(FLOOD);
  });
});

describe('the callback listener refuses to run open', () => {
  it('will not start without a token unless paging is record-only; a short token is refused', async () => {
    const handler = () => ({ ok: true as const, acknowledged: [] });
    await expect(new AckListener(handler, { host: '127.0.0.1', port: 0 }).start()).rejects.toThrow(/needs a token/);
    await expect(new AckListener(handler, { host: '127.0.0.1', port: 0, token: 'short' }).start()).rejects.toThrow(/at least 16/);
    const sim = new AckListener(handler, { host: '127.0.0.1', port: 0, recordOnly: true });
    const addr = await sim.start();
    try {
      expect(await post(addr.port, { dedup_key: 'INC-1:x', by: 'sim' }, null)).toBe(200);
    } finally {
      await sim.stop();
    }
  });

  it('live paging with a callback and no token is refused at start; the token comes from the file or the environment', () => {
    const file = join(dir, 'paging.yaml');
    const live = 'paging:\n  mode: live\n  callback: { port: 8787 }\n';
    const load = (text: string, env: Record<string, string> = {}, flags = {}) =>
      loadPagingConfig({ configFile: file, configText: text, env, cwd: dir, flags });
    expect(() => load(live)).toThrow(
      /live paging with an acknowledgement callback needs a token .*anyone on this host could acknowledge pages/,
    );
    expect(() => load('paging:\n  mode: live\n', {}, { callbackPort: 0 })).toThrow(/^flag --paging-callback-port: .*needs a token/);
    expect(load(live, { [CALLBACK_TOKEN_ENV]: TOKEN }).callbackToken).toBe(TOKEN);
    expect(load(`paging:\n  mode: live\n  callback: { port: 8787, token: ${TOKEN} }\n`).callbackToken).toBe(TOKEN);
    expect(() => load(live, { [CALLBACK_TOKEN_ENV]: 'short' })).toThrow(
      new RegExp(`environment variable ${CALLBACK_TOKEN_ENV}: paging.callback.token: at least 16 characters`),
    );
    // Record-only (nothing is sent: the simulation) may listen without one.
    expect(load('paging:\n  mode: record-only\n  callback: { port: 8787 }\n').callbackToken).toBeNull();
  });

  it('closes a connection that sends nothing within the idle limit', async () => {
    const { connect } = await import('node:net');
    const l = new AckListener(() => ({ ok: true, acknowledged: [] }), { host: '127.0.0.1', port: 0, token: TOKEN, idleMs: 300 });
    const addr = await l.start();
    try {
      const s = connect(addr.port, '127.0.0.1');
      s.on('error', () => undefined);
      const closed = new Promise<number>((r) => {
        const t0 = Date.now();
        s.on('close', () => r(Date.now() - t0));
      });
      await until('the connection admitted', () => l.connections() === 1, 5000);
      expect(await closed).toBeLessThan(5000);
      await until('the server side closed', () => l.connections() === 0, 5000);
    } finally {
      await l.stop();
    }
  });
});
