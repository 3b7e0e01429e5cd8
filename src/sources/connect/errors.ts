// One line for a connection that failed, naming the source and saying what is wrong in the
// runbook's words: a wrong password, an untrusted certificate, a host name the certificate does
// not cover. Never a stack trace, never a password (the caller's redactSecrets still runs over it).

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** What went wrong, in one line without the source's name: the caller prefixes it. */
export function connectProblem(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = String(e?.message ?? err).split('\n')[0] ?? '';
  const known = authOrTlsProblem(err);
  if (known) return known;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ETIMEDOUT') return 'connection timed out';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${code})`;
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * A wrong password, an untrusted certificate, a host name mismatch, an expired certificate or a
 * server without TLS, in those words; null for anything else.
 */
export function authOrTlsProblem(err: unknown): string | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = String(e?.message ?? err).split('\n')[0] ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /does not match certificate|altnames/i.test(message))
    return `host name mismatch: the server's certificate does not name this host (${message.replace(/^Hostname\/IP does not match certificate's altnames: /, '')})`;
  if (UNTRUSTED.has(code) || /self[- ]signed certificate|unable to verify|unable to get local issuer/i.test(message))
    return `untrusted certificate: the server's certificate is not signed by a trusted CA (${code || message}); name the CA file (ssl_ca_certs, sslrootcert)`;
  if (code === 'CERT_HAS_EXPIRED') return `the server's certificate has expired`;
  if (
    /WRONGPASS|invalid username-password|NOAUTH|ACCESS[-_]REFUSED|authentication failed|password authentication/i.test(message) ||
    code === '28P01'
  )
    return `wrong user name or password (the server refused the login: ${message
      .replace(/\s*For details see the broker logfile\.?"?/i, '')
      .replace(/\s+/g, ' ')
      .slice(0, 160)})`;
  if (/wrong version number|packet length too long|unknown protocol/i.test(message))
    return `TLS handshake failed: the server does not speak TLS on this port (${message})`;
  return null;
}
