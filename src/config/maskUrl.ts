// Passwords never reach a screen, a log, a journal or an error message: every URL the cockpit
// shows goes through maskUrl, and every error text built around a URL through redactSecrets.
//
// The URLs that end up in an error message are exactly the malformed ones: a password with an
// unencoded `#`, `/`, `?`, `@` or `%` does not parse as a URL (or parses into the wrong parts), so
// masking never relies on a URL parser. It works on the text: the userinfo is everything between
// the scheme and the LAST `@`, whatever it holds.

const MASK = '***';
/**
 * Secret parameters: in a query (`?password=…&`), or libpq's keyword/value form
 * (`host=db password='a b'`). The value runs to the next `&` or blank, or to its closing quote.
 */
const SECRET_PARAMS =
  /((?:^|[?&;\s])(?:password|pass|passwd|pwd|secret|token|sslpassword|sslkey|sentinel_password)=)('(?:[^'\\]|\\.)*'?|[^&\s]*)/gi;

/**
 * The URL with its password (userinfo after the colon, and secret parameters) replaced by `***`.
 * Works on text that is not a valid URL too.
 */
export function maskUrl(url: string): string {
  return listItems(url)
    .map((item) => maskUserinfo(item).replace(SECRET_PARAMS, `$1${MASK}`))
    .join(';');
}

/**
 * A Celery broker failover list (`amqp://u:p@h1;amqp://u:p@h2`, `sentinel://…;sentinel://…`) in
 * its items: split at a `;` that starts another URL, so each item's password is found by its own
 * last `@` (a `;` inside a password stays where it is).
 */
function listItems(s: string): string[] {
  return s.split(/;(?=\s*[a-z][a-z0-9+.-]*:\/\/)/i);
}

function maskUserinfo(s: string): string {
  const scheme = s.indexOf('://');
  const start = scheme >= 0 ? scheme + 3 : 0;
  const at = s.lastIndexOf('@');
  if (at >= start) {
    const userinfo = s.slice(start, at);
    if (scheme < 0) {
      // No scheme at all (`cockpit:pw@db/lsos`, a replica item split at a `,` in its password):
      // which part is the user cannot be told, so nothing before the `@` is shown.
      return userinfo === '' ? s : `${MASK}${s.slice(at)}`;
    }
    const colon = userinfo.indexOf(':');
    if (colon < 0) return s;
    return `${s.slice(0, start)}${userinfo.slice(0, colon)}:${MASK}${s.slice(at)}`;
  }
  if (scheme < 0) return s;
  // No `@`: `scheme://host:port/...`. A "port" that is not a number is a password whose `@host`
  // is missing or was cut off (`postgres://cockpit:S3cret/db`): mask it and all that follows.
  const rest = s.slice(start);
  const authority = rest.split(/[/?#]/, 1)[0] ?? '';
  const colon = authority.startsWith('[') ? authority.indexOf(':', authority.indexOf(']')) : authority.indexOf(':');
  if (colon < 0) return s;
  if (/^\d*$/.test(authority.slice(colon + 1))) return s;
  return `${s.slice(0, start + colon + 1)}${MASK}`;
}

/**
 * The password of a URL as written and as decoded (either may be what a driver echoes), or [].
 * Text-based like maskUrl: a password with an unencoded `#` is still found.
 */
export function urlPasswords(url: string): string[] {
  const items = listItems(url);
  if (items.length > 1) return [...new Set(items.flatMap((i) => urlPasswords(i)))];
  const out = new Set<string>();
  const scheme = url.indexOf('://');
  const at = url.lastIndexOf('@');
  if (scheme >= 0 && at > scheme) {
    const userinfo = url.slice(scheme + 3, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) {
      const raw = userinfo.slice(colon + 1);
      if (raw) out.add(raw);
      try {
        out.add(decodeURIComponent(raw));
      } catch {
        /* a lone `%`: the raw form is what a driver would have */
      }
    }
  }
  for (const m of url.matchAll(SECRET_PARAMS)) {
    const v = (m[2] ?? '').replace(/^'|'$/g, '');
    if (v) out.add(v);
    try {
      out.add(decodeURIComponent(v));
    } catch {
      /* kept raw */
    }
  }
  return [...out].filter((p) => p.length > 0);
}

/** The password of a URL (decoded), or null. */
export function urlPassword(url: string): string | null {
  const all = urlPasswords(url);
  return all[all.length - 1] ?? null;
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
    for (const pw of urlPasswords(url)) {
      // A one- or two-character password would blank out ordinary text; such a password is not
      // worth protecting from a log anyway.
      if (pw.length < 3) continue;
      out = out.split(pw).join(MASK);
      const encoded = encodeURIComponent(pw);
      if (encoded !== pw) out = out.split(encoded).join(MASK);
    }
  }
  // A URL we were not told about still loses its password. The URL runs to a blank or a quote.
  return out.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (m) => maskUrl(m)).replace(SECRET_PARAMS, `$1${MASK}`);
}
