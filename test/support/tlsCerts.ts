// Certificates made by the test with `openssl`, in a temporary directory: a CA, a server
// certificate for 127.0.0.1 and localhost signed by it, a client certificate signed by it, and a
// second CA the servers never use (a client that trusts only it sees an untrusted certificate).
// A server that also listens on 127.0.0.2 answers there with a certificate that does not name
// that address: the host name mismatch, without DNS.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCerts {
  dir: string;
  caCert: string;
  /** A CA that signed nothing the servers present. */
  otherCaCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The addresses the server certificate names (IP SANs and DNS SANs). */
  names: { ips: string[]; dns: string[] };
  cleanup(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: 60_000 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}`);
  }
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    ],
    dir,
  );
}

async function signed(dir: string, name: string, ca: string, ext: string[]): Promise<void> {
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
  await writeFile(join(dir, `${name}.ext`), `${ext.join('\n')}\n`);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
}

/** Makes the CA, the server and client certificates and the other CA; every file readable by all (servers run as other users). */
export async function makeTestCerts(): Promise<TestCerts> {
  const dir = await mkdtemp(join(tmpdir(), 'lsos-tls-'));
  await chmod(dir, 0o755);
  const names = { ips: ['127.0.0.1'], dns: ['localhost'] };
  await makeCa(dir, 'ca');
  await makeCa(dir, 'other-ca');
  await signed(dir, 'server', 'ca', [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${[...names.ips.map((i) => `IP:${i}`), ...names.dns.map((d) => `DNS:${d}`)].join(',')}`,
  ]);
  await signed(dir, 'client', 'ca', [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=clientAuth',
  ]);
  for (const f of ['ca.crt', 'other-ca.crt', 'server.crt', 'server.key', 'client.crt', 'client.key']) await chmod(join(dir, f), 0o644);
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    otherCaCert: join(dir, 'other-ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
    names,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** What every one-line connection error must be: one line, naming the source, no stack, no password. */
export function oneLineProblems(message: string, o: { source: RegExp; password: string }): string[] {
  const out: string[] = [];
  if (message.includes('\n')) out.push('more than one line');
  if (/\n\s+at |\bat [\w.<>]+ \(/.test(message)) out.push('a stack trace');
  if (!o.source.test(message)) out.push(`no source name matching ${String(o.source)}`);
  if (message.includes(o.password)) out.push('the password');
  return out;
}
