// A queue's recent lag values without a copy per reading. A source that reads 2,000 queues a
// second gave each new snapshot a fresh 30-value array: the largest allocation of a tick, and
// objects that live one tick are the ones scavenges copy and promote. A LagTrendLog appends to one
// array and gives out windows over it: a window is three fields, and what it shows never changes
// (the log only appends, and starts a new array when its array is full, copying the last values).

/** Recent lag values, oldest first: an array, or a window a LagTrendLog gave out. Read with `length` and `at`. */
export interface LagTrend {
  readonly length: number;
  /** The value at `index` (negative: from the end, as Array.prototype.at), undefined outside. */
  at(index: number): number | undefined;
}

/** An immutable view of `length` values of an append-only array from `from`. JSON: the values. */
export class LagTrendWindow implements LagTrend {
  constructor(
    private readonly values: readonly number[],
    private readonly from: number,
    readonly length: number,
  ) {}

  at(index: number): number | undefined {
    const i = index < 0 ? index + this.length : index;
    return i >= 0 && i < this.length ? this.values[this.from + i] : undefined;
  }

  /** The largest finite value, or `floor` when larger (a loop over the array: no number boxed per value). */
  peak(floor: number): number {
    let top = floor;
    for (let i = this.from; i < this.from + this.length; i++) {
      const v = this.values[i] as number;
      if (v > top && Number.isFinite(v)) top = v;
    }
    return top;
  }

  /** The same values as `other` (a window over the same array from the same place is). */
  sameAs(other: LagTrend): boolean {
    if (other === this) return true;
    if (other.length !== this.length) return false;
    if (other instanceof LagTrendWindow) {
      if (other.values === this.values && other.from === this.from) return true;
      for (let i = 0; i < this.length; i++) if (other.values[other.from + i] !== this.values[this.from + i]) return false;
      return true;
    }
    for (let i = 0; i < this.length; i++) if (other.at(i) !== this.values[this.from + i]) return false;
    return true;
  }

  /** The values as an array (the form a snapshot had before windows, and in JSON). */
  toJSON(): number[] {
    return this.values.slice(this.from, this.from + this.length);
  }
}

/** The last `keep` values appended, as windows that share one array (a copy every `keep` appends, not every append). */
export class LagTrendLog {
  private values: number[] = [];
  private readonly capacity: number;

  constructor(private readonly keep: number) {
    this.capacity = Math.max(1, keep) * 2;
  }

  append(value: number): void {
    if (this.keep <= 0) return;
    // Full: a new array from the last keep - 1 values. Windows given out keep the old one.
    if (this.values.length >= this.capacity) this.values = this.values.slice(this.values.length - (this.keep - 1));
    this.values.push(value);
  }

  get length(): number {
    return Math.min(this.keep, this.values.length);
  }

  /** The last `keep` values now; `prev` itself when it shows the same values (nothing to draw again). */
  window(prev?: LagTrend | null): LagTrend {
    const n = this.length;
    const from = this.values.length - n;
    const w = new LagTrendWindow(this.values, from, n);
    // (The window is three fields; allocating it to compare is cheaper than a second loop.)
    return prev && w.sameAs(prev) ? prev : w;
  }
}

/** A trend's values as an array (an array as it is): for the few rows drawn, not for every row of a reading. */
export function lagTrendValues(t: LagTrend): readonly number[] {
  if (Array.isArray(t)) return t as readonly number[];
  const out: number[] = [];
  for (let i = 0; i < t.length; i++) out.push(t.at(i) as number);
  return out;
}

/** The largest finite value of `t`, or `floor` when larger. */
export function lagTrendPeak(t: LagTrend, floor: number): number {
  if (t instanceof LagTrendWindow) return t.peak(floor);
  let top = floor;
  for (let i = 0; i < t.length; i++) {
    const v = t.at(i) as number;
    if (v > top && Number.isFinite(v)) top = v;
  }
  return top;
}

/** The same values in the same order. */
export function sameLagTrend(a: LagTrend, b: LagTrend): boolean {
  if (a === b) return true;
  if (a instanceof LagTrendWindow) return a.sameAs(b);
  if (b instanceof LagTrendWindow) return b.sameAs(a);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a.at(i) !== b.at(i)) return false;
  return true;
}
