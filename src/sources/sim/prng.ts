// Seeded randomness for the simulation. Never Math.random: the same seed and the same steps must
// give identical snapshots, so every random draw goes through one Prng in a fixed order.

/** mulberry32: a tiny 32-bit generator, good enough for a load model and fully reproducible. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal deviate (Box-Muller). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Poisson(lambda): arrivals in one step. Knuth for small lambda, normal approximation above. */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda < 30) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.next();
      while (p > limit) {
        k++;
        p *= this.next();
      }
      return k;
    }
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
  }

  /** Binomial(n, p): how many of n in-flight tasks finish, or fail, in one step. */
  binomial(n: number, p: number): number {
    if (n <= 0 || !(p > 0)) return 0;
    if (p >= 1) return n;
    if (n < 40) {
      let k = 0;
      for (let i = 0; i < n; i++) if (this.next() < p) k++;
      return k;
    }
    const mean = n * p;
    if (mean < 10) return Math.min(n, this.poisson(mean));
    if (n - mean < 10) return n - Math.min(n, this.poisson(n - mean));
    const sd = Math.sqrt(mean * (1 - p));
    return Math.min(n, Math.max(0, Math.round(mean + sd * this.normal())));
  }

  /** Pick one element uniformly. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

/**
 * Split `k` whole messages across buckets in proportion to their counts (largest remainder).
 * Deterministic, and never takes more from a bucket than it holds.
 */
export function allocate(counts: readonly number[], k: number): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const out = counts.map(() => 0);
  if (total <= 0 || k <= 0) return out;
  if (k >= total) return counts.slice();
  const rema: { i: number; r: number }[] = [];
  let given = 0;
  counts.forEach((c, i) => {
    const exact = (c * k) / total;
    const whole = Math.floor(exact);
    out[i] = whole;
    given += whole;
    rema.push({ i, r: exact - whole });
  });
  rema.sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of rema) {
    if (given >= k) break;
    if ((out[i] ?? 0) < (counts[i] ?? 0)) {
      out[i] = (out[i] ?? 0) + 1;
      given++;
    }
  }
  return out;
}
