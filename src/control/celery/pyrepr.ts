// Python repr() of JSON values, for Celery's `argsrepr` / `kwargsrepr` headers: Celery puts
// `repr(args)` (a tuple) and `repr(kwargs)` (a dict) there, and events and Flower show them.

/** repr() of a string as CPython prints it: single quotes unless the text has ' and no ". */
function reprString(s: string): string {
  const useDouble = s.includes("'") && !s.includes('"');
  const q = useDouble ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + q;
}

function reprNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return String(n);
}

export function pyRepr(v: unknown, depth = 0): string {
  if (depth > 50) return '...';
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return reprNumber(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return reprString(v);
  if (Array.isArray(v)) return `[${v.map((x) => pyRepr(x, depth + 1)).join(', ')}]`;
  if (typeof v === 'object') {
    const parts = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${reprString(k)}: ${pyRepr(x, depth + 1)}`);
    return `{${parts.join(', ')}}`;
  }
  return reprString(String(v));
}

/** repr(tuple(args)): `('a',)` for one element, `()` for none. */
export function pyReprArgs(args: unknown[]): string {
  if (args.length === 1) return `(${pyRepr(args[0])},)`;
  return `(${args.map((a) => pyRepr(a)).join(', ')})`;
}
