// Duration strings, as written in scenario and config files: "250ms", "90s", "15m", "1h30m", "2d".

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds for a duration string, or null when it is not one. */
export function parseDurationMs(text: string): number | null {
  const s = text.trim();
  if (s === '') return null;
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    part.lastIndex = pos;
    const m = part.exec(s);
    if (!m || m[1] === undefined || m[2] === undefined) return null;
    total += Number(m[1]) * (UNIT_MS[m[2]] ?? Number.NaN);
    pos = part.lastIndex;
  }
  return Number.isFinite(total) ? total : null;
}
