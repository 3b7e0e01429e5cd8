// The merged timeline of a shared incident: every cockpit's entries, each origin's hash chain
// checked on its own, in one deterministic order that every cockpit computes alike from the same
// entries, whatever order they arrived in.
//
// The order rule (docs/shared-incident.md):
//   1. within one chain (an origin's entries for one incident id), by its seq;
//   2. across chains, by effective time: the entry's wall-clock `at`, or the effective time of the
//      entry before it in its chain when that is later (a clock stepping back never reorders a
//      chain);
//   3. equal times: by chain key (incident id, then `user@host/instance`, compared as strings);
//   4. then by seq.
// The merged view renumbers `seq` 1..n in that order (the chain's own seq is kept as `originSeq`),
// so code that names entries by seq keeps working; references meant to outlive a merge use
// entryRef() (chain + chain seq).
import type { TimelineEntry } from '../../core/timeline.js';
import { GENESIS_HASH, entryHash, verifyChain } from '../../core/timeline.js';
import { chainKey, originLabel } from './origin.js';

export interface ChainSummary {
  key: string;
  incidentId: string;
  origin: TimelineEntry['origin'] | null;
  entries: number;
  lastSeq: number;
  lastHash: string;
  /** Every link and hash of this chain checked out. */
  ok: boolean;
}

/** What reading a merged incident found: the JournalReport shape, plus one line per chain. */
export interface MergeReport {
  ok: boolean;
  /** The merged view: seq is the place in the merged order, originSeq the chain's seq. */
  entries: TimelineEntry[];
  /** Place (merged seq) of the first entry from which a chain can no longer be trusted; null when intact. */
  brokenAtSeq: number | null;
  tornTail: boolean;
  problems: string[];
  /** Hash of the last entry in merged order (GENESIS_HASH when none). */
  lastHash: string;
  chains: ChainSummary[];
}

/** Why an entry offered to a merged timeline was not taken. */
export type Refusal = 'duplicate' | 'conflict' | 'altered' | 'not-linked';

interface SortKey {
  eff: number;
  chain: string;
  seq: number;
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (a.eff !== b.eff) return a.eff - b.eff;
  if (a.chain !== b.chain) return a.chain < b.chain ? -1 : 1;
  return a.seq - b.seq;
}

/** An entry with its place in the order (one object per entry: merging 100,000 allocates little). */
interface Item extends SortKey {
  raw: TimelineEntry;
}

interface ChainState {
  key: string;
  incidentId: string;
  origin: TimelineEntry['origin'] | null;
  /** The chain's entries in seq order (seq i at index i - 1, when linked). */
  entries: TimelineEntry[];
  lastEff: number;
  ok: boolean;
  /** Strict mode: entries that arrived ahead of a gap, by seq. */
  waiting: Map<number, TimelineEntry>;
}

function msOf(at: string): number {
  const ms = Date.parse(at);
  return Number.isFinite(ms) ? ms : 0;
}

function viewEntry(raw: TimelineEntry, place: number): TimelineEntry {
  return { ...raw, seq: place, originSeq: raw.seq };
}

/**
 * The merged timeline, built once (fromEntries: a journal read from disk) or entry by entry as
 * they arrive from other cockpits (offer). Strict offers refuse what does not verify; a journal
 * read from disk keeps everything readable and reports where a chain breaks.
 */
export class MergedTimeline {
  private readonly chains = new Map<string, ChainState>();
  private items: Item[] = [];
  private view: TimelineEntry[] = [];
  private readonly problems: string[] = [];
  private firstBroken: SortKey | null = null;
  private torn = false;

  /** Every entry, read leniently (a journal on disk): nothing readable is dropped, problems are reported. */
  static fromEntries(
    entries: readonly TimelineEntry[],
    opts: {
      tornTail?: boolean;
      problems?: readonly string[];
      /**
       * The entries' own hashes were checked already (they came through offer()): only the links
       * between them are checked again. Anything read from disk is checked in full.
       */
      hashesChecked?: boolean;
    } = {},
  ): MergedTimeline {
    const m = new MergedTimeline();
    m.torn = opts.tornTail ?? false;
    m.problems.push(...(opts.problems ?? []));
    // Grouped by incident id and instance first (no key string built per entry: 100,000 entries
    // are merged in well under a second), then named by their chain key.
    const groups = new Map<string, Map<string, TimelineEntry[]>>();
    for (const e of entries) {
      let byInstance = groups.get(e.incidentId);
      if (!byInstance) groups.set(e.incidentId, (byInstance = new Map()));
      const inst = e.origin?.instance ?? '';
      let list = byInstance.get(inst);
      if (!list) byInstance.set(inst, (list = []));
      list.push(e);
    }
    const byChain = new Map<string, TimelineEntry[]>();
    const add = (k: string, e: TimelineEntry) => {
      let l = byChain.get(k);
      if (!l) byChain.set(k, (l = []));
      l.push(e);
    };
    for (const byInstance of groups.values()) {
      for (const list of byInstance.values()) {
        const first = list[0]!;
        const k = chainKey(first);
        // One instance is one origin; an entry claiming its instance under another name is a chain of its own.
        for (const e of list) {
          if (e.origin?.user === first.origin?.user && e.origin?.host === first.origin?.host) add(k, e);
          else add(chainKey(e), e);
        }
      }
    }
    // Chains in key order: an item's rank stands for its chain key in the sort.
    const ranked = [...byChain.keys()].sort();
    const rankOf = new Map(ranked.map((k, i) => [k, i]));
    const ranks: number[] = [];
    for (const k of ranked) {
      const list = byChain.get(k)!;
      list.sort((a, b) => a.seq - b.seq);
      // The same entry read from two files (a cockpit's copy and the origin's own journal) is one entry.
      const kept: TimelineEntry[] = [];
      for (const e of list) {
        const prev = kept[kept.length - 1];
        if (prev && prev.seq === e.seq) {
          if (prev.hash !== e.hash)
            m.problems.push(`${label(e)} seq ${e.seq}: two different entries with this seq (a fork); the first is kept`);
          continue;
        }
        kept.push(e);
      }
      const first = kept[0]!;
      const chain: ChainState = {
        key: k,
        incidentId: first.incidentId,
        origin: first.origin ?? null,
        entries: kept,
        lastEff: 0,
        ok: true,
        waiting: new Map(),
      };
      const check = opts.hashesChecked ? linkCheck(kept) : verifyChain(kept);
      if (check.brokenAtSeq !== null) {
        chain.ok = false;
        m.problems.push(...check.problems.map((p) => `${label(first)}: ${p}`));
      }
      let eff = 0;
      const rank = rankOf.get(k)!;
      for (const e of kept) {
        eff = Math.max(eff, msOf(e.at));
        const item = { eff, chain: k, seq: e.seq, raw: e };
        m.items.push(item);
        ranks.push(rank);
        if (check.brokenAtSeq !== null && e.seq === check.brokenAtSeq && (m.firstBroken === null || compareKeys(item, m.firstBroken) < 0)) {
          m.firstBroken = { eff, chain: k, seq: e.seq };
        }
      }
      chain.lastEff = eff;
      m.chains.set(k, chain);
    }
    // The order rule (compareKeys), with the chain key compared by its rank: typed arrays, numbers only.
    const items = m.items;
    const n = items.length;
    const effs = new Float64Array(n);
    const rnk = new Int32Array(ranks);
    const seqs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      effs[i] = items[i]!.eff;
      seqs[i] = items[i]!.seq;
    }
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((x, y) => effs[x]! - effs[y]! || rnk[x]! - rnk[y]! || seqs[x]! - seqs[y]!);
    m.items = Array.from(order, (i) => items[i]!);
    m.view = m.items.map((it, i) => viewEntry(it.raw, i + 1));
    return m;
  }

  /** The merged view (seq renumbered in merged order). */
  entries(): readonly TimelineEntry[] {
    return this.view;
  }

  size(): number {
    return this.view.length;
  }

  /** Has this exact entry (chain, seq, hash)? */
  has(e: Pick<TimelineEntry, 'incidentId' | 'origin' | 'seq' | 'hash'>): boolean {
    const c = this.chains.get(chainKey(e));
    return c !== undefined && c.entries[e.seq - 1]?.hash === e.hash;
  }

  /** The last seq and hash of a chain (null: no entry of it yet). */
  head(key: string): { seq: number; hash: string } | null {
    const c = this.chains.get(key);
    const last = c?.entries[c.entries.length - 1];
    return last ? { seq: last.seq, hash: last.hash } : null;
  }

  /**
   * Entries arriving from another cockpit (or this one's own append), checked strictly: an
   * entry is taken only when its hash is right and it links to the entry before it in its chain.
   * One arriving ahead of a gap waits until the gap is filled. Returns the view entries added
   * (in merged order) and whether any landed before an entry already in the view (the view was
   * renumbered: whoever folded it must fold again).
   */
  offer(raws: readonly TimelineEntry[]): {
    added: TimelineEntry[];
    reordered: boolean;
    refused: Array<{ entry: TimelineEntry; why: Refusal }>;
  } {
    const refused: Array<{ entry: TimelineEntry; why: Refusal }> = [];
    const fresh: Item[] = [];
    for (const raw of raws) {
      const k = chainKey(raw);
      let c = this.chains.get(k);
      if (!c) {
        c = { key: k, incidentId: raw.incidentId, origin: raw.origin ?? null, entries: [], lastEff: 0, ok: true, waiting: new Map() };
        this.chains.set(k, c);
      }
      const have = c.entries[raw.seq - 1];
      if (have) {
        refused.push({ entry: raw, why: have.hash === raw.hash ? 'duplicate' : 'conflict' });
        continue;
      }
      if (entryHash(raw) !== raw.hash) {
        refused.push({ entry: raw, why: 'altered' });
        continue;
      }
      if (raw.seq > c.entries.length + 1) {
        if (c.waiting.has(raw.seq) && c.waiting.get(raw.seq)!.hash !== raw.hash) refused.push({ entry: raw, why: 'conflict' });
        else c.waiting.set(raw.seq, raw);
        continue;
      }
      let next: TimelineEntry | undefined = raw;
      while (next) {
        const prevHash = c.entries[c.entries.length - 1]?.hash ?? GENESIS_HASH;
        if (next.prevHash !== prevHash) {
          refused.push({ entry: next, why: 'not-linked' });
          break;
        }
        c.entries.push(next);
        c.lastEff = Math.max(c.lastEff, msOf(next.at));
        fresh.push({ eff: c.lastEff, chain: k, seq: next.seq, raw: next });
        c.waiting.delete(next.seq);
        next = c.waiting.get(next.seq + 1);
      }
    }
    if (fresh.length === 0) return { added: [], reordered: false, refused };
    fresh.sort(compareKeys);
    const last = this.items[this.items.length - 1];
    if (!last || compareKeys(last, fresh[0]!) < 0) {
      // The usual case: everything new comes after what is there.
      const base = this.items.length;
      const added = fresh.map((it, i) => viewEntry(it.raw, base + i + 1));
      this.items.push(...fresh);
      this.view.push(...added);
      return { added, reordered: false, refused };
    }
    // Something landed inside the view: merge and renumber from the first place that moved.
    const merged: Item[] = [];
    let i = 0;
    let j = 0;
    while (i < this.items.length || j < fresh.length) {
      if (j >= fresh.length || (i < this.items.length && compareKeys(this.items[i]!, fresh[j]!) < 0)) merged.push(this.items[i++]!);
      else merged.push(fresh[j++]!);
    }
    let firstMoved = 0;
    while (firstMoved < this.items.length && merged[firstMoved] === this.items[firstMoved]) firstMoved++;
    this.items = merged;
    const view = this.view.slice(0, firstMoved);
    for (let p = firstMoved; p < merged.length; p++) view.push(viewEntry(merged[p]!.raw, p + 1));
    this.view = view;
    const keys = new Set(fresh.map((f) => f.raw));
    return { added: view.filter((e, p) => keys.has(merged[p]!.raw) && e !== undefined), reordered: true, refused };
  }

  /** Entries still waiting for a gap in their chain to fill. */
  waiting(): number {
    let n = 0;
    for (const c of this.chains.values()) n += c.waiting.size;
    return n;
  }

  chainSummaries(): ChainSummary[] {
    return [...this.chains.values()]
      .filter((c) => c.entries.length > 0)
      .map((c) => {
        const last = c.entries[c.entries.length - 1]!;
        return {
          key: c.key,
          incidentId: c.incidentId,
          origin: c.origin,
          entries: c.entries.length,
          lastSeq: last.seq,
          lastHash: last.hash,
          ok: c.ok,
        };
      })
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The JournalReport-shaped account of the merged timeline. */
  report(extraProblems: readonly string[] = []): MergeReport {
    const problems = [...this.problems, ...extraProblems];
    let brokenAtSeq: number | null = null;
    if (this.firstBroken !== null) {
      const fb = this.firstBroken;
      const at = this.items.findIndex((it) => it.chain === fb.chain && it.seq === fb.seq);
      brokenAtSeq = at >= 0 ? at + 1 : null;
    }
    const last = this.view[this.view.length - 1];
    return {
      ok: problems.length === 0 && !this.torn,
      entries: [...this.view],
      brokenAtSeq,
      tornTail: this.torn,
      problems,
      lastHash: last ? last.hash : GENESIS_HASH,
      chains: this.chainSummaries(),
    };
  }
}

/** verifyChain without recomputing each entry's hash: seq continuity and the links only. */
function linkCheck(entries: readonly TimelineEntry[]): { brokenAtSeq: number | null; problems: string[] } {
  let prev: TimelineEntry | null = null;
  for (const e of entries) {
    const expectedSeq = prev === null ? 1 : prev.seq + 1;
    if (e.seq !== expectedSeq || e.prevHash !== (prev === null ? GENESIS_HASH : prev.hash)) {
      return { brokenAtSeq: e.seq, problems: [`seq ${e.seq}: does not link to the entry before it`] };
    }
    prev = e;
  }
  return { brokenAtSeq: null, problems: [] };
}

function label(e: TimelineEntry): string {
  return `${originLabel(e.origin, 'journal')}${e.origin ? `/${e.origin.instance}` : ''} (${e.incidentId})`;
}

/** Merges any number of entries (from any files, in any order) into the deterministic view. */
export function mergeEntries(entries: readonly TimelineEntry[]): MergeReport {
  return MergedTimeline.fromEntries(entries).report();
}
