// The built bin with NODE_EXTRA_CA_CERTS (issue 16): its sh line moves the variable aside so Node 20
// does not parse the file at start (40 ms and 2 MB with Debian's bundle), and the cockpit still
// trusts the file's CA on its first TLS connection (src/cli/extraCaCerts.ts). Shown through the
// daily check's API health over HTTPS, the bin run as a program (the kernel runs its `#!/bin/sh`).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, type TestCerts } from '../support/tlsCerts.js';

const BIN = fileURLToPath(new URL('../../dist/src/cli.cjs', import.meta.url));

// A preload: NODE_EXTRA_CA_CERTS as Node started with it, and as the process holds it at exit.
const REPORT = `const atStart = process.env.NODE_EXTRA_CA_CERTS ?? null;
process.on('exit', () => process.stderr.write('\\nREPORT ' + JSON.stringify({ atStart, atExit: process.env.NODE_EXTRA_CA_CERTS ?? null, moved: process.env.LSOS_COCKPIT_NODE_EXTRA_CA_CERTS ?? null }) + '\\n'));
`;

let certs: TestCerts;
let server: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  certs = await makeTestCerts();
  dir = mkdtempSync(join(tmpdir(), 'lsos-extra-ca-'));
  writeFileSync(join(dir, 'report.cjs'), REPORT);
  server = createServer({ key: await readFile(certs.serverKey), cert: await readFile(certs.serverCert) }, (_q, r) => {
    r.setHeader('content-type', 'application/json');
    r.end('{"status":"ok"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await certs?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  health: string | undefined;
  /** The check's own words for it. */
  detail: string | undefined;
  report: { atStart: string | null; atExit: string | null; moved: string | null };
  stderr: string;
}

/** `lsos-cockpit check --json --only api-health` against the local HTTPS server. */
function check(env: Record<string, string | undefined>): Promise<Run> {
  const child = spawn(BIN, ['check', '--json', '--only', 'api-health', '--api-url', base], {
    // No config file of the machine's: XDG_CONFIG_HOME is the test's own, empty.
    env: { ...process.env, CI: 'true', XDG_CONFIG_HOME: dir, LSOS_COCKPIT_CODE_CACHE: 'off', NODE_EXTRA_CA_CERTS: undefined, ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const report = JSON.parse(/^REPORT (.*)$/m.exec(err)?.[1] ?? 'null') as Run['report'];
      let found: { status: string; detail: string } | undefined;
      try {
        found = (JSON.parse(out) as { checks: { id: string; status: string; detail: string }[] }).checks.find((c) => c.id === 'api-health');
      } catch {
        found = undefined;
      }
      resolve({ code, health: found?.status, detail: found?.detail, report, stderr: err });
    }),
  );
}

/** What the check says of a certificate no trusted CA signed. */
const UNTRUSTED = /unable to verify the first certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE/i;

const preload = () => `--require=${join(dir, 'report.cjs')}`;

describe('the built bin and NODE_EXTRA_CA_CERTS', () => {
  it('starts Node without it, puts it back, and trusts its CA at the first TLS connection', async () => {
    const run = await check({ NODE_EXTRA_CA_CERTS: certs.caCert, NODE_OPTIONS: preload() });
    expect(run.report).toEqual({ atStart: null, atExit: certs.caCert, moved: null });
    expect(run.health, run.stderr).toBe('ok');
    expect(run.code).toBe(0);
  });

  it('the same server is untrusted without it, and with a CA that did not sign its certificate', async () => {
    const none = await check({ NODE_OPTIONS: preload() });
    expect(none.report).toEqual({ atStart: null, atExit: null, moved: null });
    expect(none.health).toBe('breach');
    expect(none.detail).toMatch(UNTRUSTED);
    const other = await check({ NODE_EXTRA_CA_CERTS: certs.otherCaCert, NODE_OPTIONS: preload() });
    expect(other.report.atStart).toBeNull();
    expect(other.health).toBe('breach');
    expect(other.detail).toMatch(UNTRUSTED);
  });

  it("is left to Node when NODE_OPTIONS asks for OpenSSL's store, whose roots the bin could not rebuild", async () => {
    const run = await check({ NODE_EXTRA_CA_CERTS: certs.caCert, NODE_OPTIONS: `--use-openssl-ca ${preload()}` });
    expect(run.report).toEqual({ atStart: certs.caCert, atExit: certs.caCert, moved: null });
    expect(run.health, run.stderr).toBe('ok');
  });

  it("an unreadable file: Node's own warning, at start", async () => {
    const run = await check({ NODE_EXTRA_CA_CERTS: join(dir, 'missing.crt'), NODE_OPTIONS: preload() });
    expect(run.report.atStart).toBeNull();
    expect(run.stderr).toContain(`Ignoring extra certs from \`${join(dir, 'missing.crt')}\`, load failed`);
    expect(run.health).toBe('breach');
    expect(run.detail).toMatch(UNTRUSTED);
  });
});
