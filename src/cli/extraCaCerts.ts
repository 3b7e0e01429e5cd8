// NODE_EXTRA_CA_CERTS read at the first TLS context instead of at Node's start.
//
// Node 20 reads the file NODE_EXTRA_CA_CERTS names before any script runs: it parses its own bundled
// root certificates and every certificate of the file into one store, whether or not the process
// ever opens a TLS connection. Set to Debian's whole bundle (220 KB, 146 certificates), as on this
// project's machines, that is 40 ms of every start and 2 MB of RSS (docs/performance.md, "Ninth
// session"), paid by a simulation that never uses TLS. The bin's sh line (scripts/bundle.mjs) moves
// the variable to DEFERRED_CA_ENV before Node starts; deferExtraCaCerts puts it back for the
// programs the cockpit starts, and has every TLS context that names no CA of its own trust what
// Node's would have: Node's bundled roots and the file's certificates, the file read once, when the
// first such context is made.

import type { SecureContext, SecureContextOptions } from 'node:tls';

/** Where the bin's sh line keeps NODE_EXTRA_CA_CERTS while Node starts (scripts/bundle.mjs writes the same name). */
export const DEFERRED_CA_ENV = 'LSOS_COCKPIT_NODE_EXTRA_CA_CERTS';

/** What deferExtraCaCerts changes of node:tls (the module object itself: Node's https, fetch and tls.connect call through it). */
export interface TlsModule {
  createSecureContext(options?: SecureContextOptions): SecureContext;
  readonly rootCertificates: readonly string[];
}

/**
 * tls.createSecureContext's options (Node 20's documentation): a context made with none of them is
 * the same for every connection, so one is made and shared, as Node shares its root store. A
 * connection that sets any of them (a client certificate, a TLS version) gets its own.
 */
const CONTEXT_OPTIONS = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'ciphers',
  'ecdhCurve',
  'dhparam',
  'honorCipherOrder',
  'minVersion',
  'maxVersion',
  'secureProtocol',
  'secureOptions',
  'sessionIdContext',
  'ticketKeys',
  'sessionTimeout',
  'crl',
  'sigalgs',
  'clientCertEngine',
  'privateKeyEngine',
  'privateKeyIdentifier',
] as const;

export interface DeferDeps {
  /** node:tls, loaded only when a file was deferred (5 ms of a start otherwise not spent). */
  loadTls: () => TlsModule;
  readFile: (path: string) => string;
  /** Whether the file can be read now: Node warns at start when it cannot, and so does the bin. */
  readable: (path: string) => boolean;
  warn: (message: string) => void;
}

export type Deferred = { kind: 'none' } | { kind: 'deferred'; file: string };

/** Node's own words when it cannot load the file, so an operator finds the same message either way. */
export const loadFailed = (file: string, reason: string): string => `Ignoring extra certs from \`${file}\`, load failed: ${reason}`;

/**
 * Puts NODE_EXTRA_CA_CERTS back from DEFERRED_CA_ENV, and has node:tls trust the file's
 * certificates from its first context on. Nothing happens when the bin's line did not defer one
 * (unset, empty, `--use-openssl-ca` in NODE_OPTIONS, or the script run by `node` directly: Node
 * then loaded it itself).
 */
export function deferExtraCaCerts(env: NodeJS.ProcessEnv, deps: DeferDeps): Deferred {
  const file = env[DEFERRED_CA_ENV];
  delete env[DEFERRED_CA_ENV];
  if (file === undefined || file === '') return { kind: 'none' };
  env.NODE_EXTRA_CA_CERTS = file;
  if (!deps.readable(file)) {
    deps.warn(loadFailed(file, 'the file cannot be read'));
    return { kind: 'none' };
  }
  const tls = deps.loadTls();
  const make = tls.createSecureContext.bind(tls);
  let trusted: string[] | null | undefined;
  let shared: SecureContext | undefined;
  // Read once; a file gone since the start is what Node does with an unreadable one: its roots only.
  const trust = (): string[] | null => {
    if (trusted !== undefined) return trusted;
    try {
      trusted = [...tls.rootCertificates, deps.readFile(file)];
    } catch (e) {
      deps.warn(loadFailed(file, e instanceof Error ? e.message : String(e)));
      trusted = null;
    }
    return trusted;
  };
  tls.createSecureContext = function createSecureContext(options?: SecureContextOptions): SecureContext {
    if (options?.ca !== undefined) return make(options);
    const ca = trust();
    if (ca === null) return make(options);
    const own = options !== undefined && CONTEXT_OPTIONS.some((k) => options[k] !== undefined);
    if (own) return make({ ...options, ca });
    shared ??= make({ ca });
    return shared;
  };
  return { kind: 'deferred', file };
}
