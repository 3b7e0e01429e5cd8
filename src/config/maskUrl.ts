// Passwords never reach a screen, a log, a journal or an error message: every URL the cockpit
// shows goes through maskUrl, and every error text built around a URL through redactSecrets.

const MASK = '***';
/** Query parameters that carry a secret in connection strings (libpq `password=`, some brokers `pass=`). */
const SECRET_PARAMS = /([?&](?:password|pass|passwd|pwd|secret|token|sslpassword)=)[^&#]*/gi;

/**
 * The URL with its password (userinfo after the colon, and secret query parameters) replaced by
 * `***`. Works on text that is not a valid URL too: a malformed URL is exactly the one that ends
 * up in an error message.
 */
export function maskUrl(url: string): string {
  let out = url;
  const scheme = out.indexOf('://');
  if (scheme >= 0) {
    const authStart = scheme + 3;
    // The userinfo ends at the last `@` before the path; a password may itself hold `@`, `/` or
    // a space when it was not percent-encoded, so look up to the first `?` or `#` instead.
    const tail = out.slice(authStart);
    const stop = tail.search(/[?#]/);
    const authority = stop >= 0 ? tail.slice(0, stop) : tail;
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      const colon = userinfo.indexOf(':');
      if (colon >= 0) {
        const masked = `${userinfo.slice(0, colon)}:${MASK}`;
        out = out.slice(0, authStart) + masked + out.slice(authStart + at);
      }
    }
  }
  return out.replace(SECRET_PARAMS, `$1${MASK}`);
}

/** The password of a URL (decoded), or null. Used to scrub error texts that might echo it. */
export function urlPassword(url: string): string | null {
  try {
    const u = new URL(url);
    const fromUserinfo = u.password ? decodeURIComponent(u.password) : null;
    return fromUserinfo ?? u.searchParams.get('password');
  } catch {
    return null;
  }
}

/**
 * Replaces every raw URL in `text` by its masked form and every known password by `***`.
 * For error messages from drivers, which may quote the connection string they were given.
 */
export function redactSecrets(text: string, urls: readonly string[]): string {
  let out = text;
  for (const url of urls) {
    if (!url) continue;
    out = out.split(url).join(maskUrl(url));
    const pw = urlPassword(url);
    if (pw && pw.length >= 3) {
      out = out.split(pw).join(MASK);
      const encoded = encodeURIComponent(pw);
      if (encoded !== pw) out = out.split(encoded).join(MASK);
    }
  }
  // A URL we were not told about still loses its password.
  return out.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (m) => maskUrl(m));
}
