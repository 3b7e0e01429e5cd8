// NODE_EXTRA_CA_CERTS read at the first TLS context (src/cli/extraCaCerts.ts): what the bin does
// with the variable its sh line moved aside, shown with real TLS connections to a local server whose
// certificate a private CA signed. The module patches a copy of node:tls's two members here, not
// the worker's node:tls; test/e2e/extra-ca.e2e.test.ts shows the built bin's real wiring.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFERRED_CA_ENV, deferExtraCaCerts, loadFailed, type DeferDeps, type TlsModule } from '../../src/cli/extraCaCerts.js';
import { makeTestCerts, type TestCerts } from '../support/tlsCerts.js';

let certs: TestCerts;
let server: Server;
let port: number;

beforeAll(async () => {
  certs = await makeTestCerts();
  server = createServer({ key: await readFile(certs.serverKey), cert: await readFile(certs.serverCert) }, (_q, r) => r.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await certs?.cleanup();
});

/** node:tls's two members the module uses, on an object of the test's own. */
function tlsCopy(): TlsModule & { made: number } {
  const copy = {
    made: 0,
    rootCertificates: tls.rootCertificates,
    createSecureContext(options?: tls.SecureContextOptions): tls.SecureContext {
      copy.made += 1;
      return tls.createSecureContext(options);
    },
  };
  return copy;
}

function deps(tlsModule: TlsModule, over: Partial<DeferDeps> = {}): DeferDeps & { warnings: string[]; reads: string[]; loads: number } {
  const d = {
    warnings: [] as string[],
    reads: [] as string[],
    loads: 0,
    loadTls: () => {
      d.loads += 1;
      return tlsModule;
    },
    readFile: (path: string) => {
      d.reads.push(path);
      return readFileSync(path, 'utf8');
    },
    readable: () => true,
    warn: (m: string) => void d.warnings.push(m),
    ...over,
  };
  return d;
}

/** A TLS handshake with the local server through a context the module made: verified or why not. */
function handshake(secureContext: tls.SecureContext): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, secureContext, servername: 'localhost' }, () => {
      resolve(s.authorized ? 'verified' : String(s.authorizationError));
      s.end();
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

describe('NODE_EXTRA_CA_CERTS deferred by the bin', () => {
  it('does nothing when the sh line moved nothing: node:tls not even loaded', () => {
    const env: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: '/given/to/node' };
    const d = deps(tlsCopy());
    expect(deferExtraCaCerts(env, d)).toEqual({ kind: 'none' });
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/given/to/node' });
    expect(d.loads).toBe(0);
  });

  it('puts the variable back for child programs, and a context made with no CA trusts the file from its first use', async () => {
    const copy = tlsCopy();
    const env: NodeJS.ProcessEnv = { [DEFERRED_CA_ENV]: certs.caCert, PATH: '/bin' };
    const d = deps(copy);
    expect(deferExtraCaCerts(env, d)).toEqual({ kind: 'deferred', file: certs.caCert });
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: certs.caCert, PATH: '/bin' });
    // Read at the first context, not before.
    expect(d.reads).toEqual([]);
    const ctx = copy.createSecureContext({});
    expect(await handshake(ctx)).toBe('verified');
    // Node's bundled roots are still trusted beside the file's certificates.
    expect(d.reads).toEqual([certs.caCert]);
    // Without the module the same context is Node's default, which does not know the private CA.
    expect(await handshake(tls.createSecureContext({}))).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('shares one context among connections that set no context option, as Node shares its root store', async () => {
    const copy = tlsCopy();
    deferExtraCaCerts({ [DEFERRED_CA_ENV]: certs.caCert }, deps(copy));
    // What tls.connect hands it: the whole options object, socket options included.
    const a = copy.createSecureContext({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      rejectUnauthorized: true,
    } as tls.SecureContextOptions);
    const b = copy.createSecureContext(undefined);
    expect(b).toBe(a);
    expect(copy.made).toBe(1);
    // A client certificate makes a context of its own, still trusting the file.
    const own = copy.createSecureContext({ cert: await readFile(certs.clientCert), key: await readFile(certs.clientKey) });
    expect(own).not.toBe(a);
    expect(await handshake(own)).toBe('verified');
  });

  it('leaves a context that names its own CA as it is', async () => {
    const copy = tlsCopy();
    deferExtraCaCerts({ [DEFERRED_CA_ENV]: certs.caCert }, deps(copy));
    const ctx = copy.createSecureContext({ ca: await readFile(certs.otherCaCert) });
    expect(await handshake(ctx)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it("an unreadable file: Node's warning at start, the variable back, Node's roots only", () => {
    const copy = tlsCopy();
    const env: NodeJS.ProcessEnv = { [DEFERRED_CA_ENV]: '/nonexistent/ca.pem' };
    const d = deps(copy, { readable: () => false });
    expect(deferExtraCaCerts(env, d)).toEqual({ kind: 'none' });
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' });
    expect(d.warnings).toEqual([loadFailed('/nonexistent/ca.pem', 'the file cannot be read')]);
    expect(d.warnings[0]).toMatch(/^Ignoring extra certs from `\/nonexistent\/ca.pem`, load failed: /);
    expect(d.loads).toBe(0);
  });

  it('a file gone between the start and the first context: warned once, then the roots only', async () => {
    const copy = tlsCopy();
    const file = `${certs.dir}/gone.crt`;
    writeFileSync(file, await readFile(certs.caCert));
    const d = deps(copy);
    deferExtraCaCerts({ [DEFERRED_CA_ENV]: file }, d);
    rmSync(file);
    const ctx = copy.createSecureContext({});
    copy.createSecureContext({});
    expect(d.warnings).toHaveLength(1);
    expect(d.warnings[0]).toContain(`Ignoring extra certs from \`${file}\`, load failed: ENOENT`);
    expect(await handshake(ctx)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('an empty value moved: Node ignores it, so the module does too', () => {
    const env: NodeJS.ProcessEnv = { [DEFERRED_CA_ENV]: '' };
    const d = deps(tlsCopy());
    expect(deferExtraCaCerts(env, d)).toEqual({ kind: 'none' });
    expect(env).toEqual({});
    expect(d.loads).toBe(0);
  });
});
