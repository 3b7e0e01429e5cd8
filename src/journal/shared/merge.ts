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
    // Each entry is touched as few times as can be (in an order of arrival, not of memory, every
    // touch is a cache miss: 100,000 entries are merged in well under a second): once here, where
    // it is grouped by incident id and instance (no key string built per entry) and its seq
    // noted, and once more in its chain's order, below.
    const groups = new Map<string, Map<string, Group>>();
    const odd = new Map<string, Group>();
    let lastId: string | null = null;
    let lastById: Map<string, Group> | undefined;
    for (const e of entries) {
      const id = e.incidentId;
      let byInstance = id === lastId ? lastById : groups.get(id);
      if (!byInstance) groups.set(id, (byInstance = new Map()));
      lastId = id;
      lastById = byInstance;
      const o = e.origin;
      const inst = o?.instance ?? '';
      let g = byInstance.get(inst);
      if (!g) byInstance.set(inst, (g = { entries: [], seqs: [], user: o?.user, host: o?.host }));
      // One instance is one origin; an entry claiming its instance under another name is a chain of its own.
      if (o?.user !== g.user || o?.host !== g.host) {
        const k = chainKey(e);
        g = odd.get(k);
        if (!g) odd.set(k, (g = { entries: [], seqs: [], user: o?.user, host: o?.host }));
      }
      g.entries.push(e);
      g.seqs.push(e.seq);
    }
    const byChain = new Map<string, Group>();
    for (const byInstance of groups.values())
      for (const g of byInstance.values()) if (g.entries.length > 0) byChain.set(chainKey(g.entries[0]!), g);
    for (const [k, g] of odd) byChain.set(k, g);
    // Chains in key order: a chain's place in that order stands for its key in the order rule.
    const ranked = [...byChain.keys()].sort();
    const perChain: Item[][] = [];
    const perChainView: TimelineEntry[][] = [];
    for (const k of ranked) {
      // In seq order; the same entry read from two files (a cockpit's copy and the origin's own
      // journal) is one entry, and two different entries with one seq are a fork (the first kept).
      const { kept, forks } = bySeq(byChain.get(k)!);
      for (const e of forks) m.problems.push(`${label(e)} seq ${e.seq}: two different entries with this seq (a fork); the first is kept`);
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
      // In full: every entry's hash (verifyChain). Else the links only, in the loop below.
      const check = opts.hashesChecked ? null : verifyChain(kept);
      let brokenAtSeq = check?.brokenAtSeq ?? null;
      if (check && brokenAtSeq !== null) m.problems.push(...check.problems.map((p) => `${label(first)}: ${p}`));
      let eff = 0;
      const list = new Array<Item>(kept.length);
      const views = new Array<TimelineEntry>(kept.length);
      let prev: TimelineEntry | null = null;
      for (let i = 0; i < kept.length; i++) {
        const e = kept[i]!;
        if (!check && brokenAtSeq === null) {
          // verifyChain without recomputing each entry's hash: seq continuity and the links only.
          if (e.seq !== (prev === null ? 1 : prev.seq + 1) || e.prevHash !== (prev === null ? GENESIS_HASH : prev.hash)) {
            brokenAtSeq = e.seq;
            m.problems.push(`${label(first)}: seq ${e.seq}: does not link to the entry before it`);
          }
        }
        prev = e;
        eff = Math.max(eff, msOf(e.at));
        const item = { eff, chain: k, seq: e.seq, raw: e };
        list[i] = item;
        views[i] = viewEntry(e, 0); // its place is set once the chains are merged
        if (brokenAtSeq !== null && e.seq === brokenAtSeq && (m.firstBroken === null || compareKeys(item, m.firstBroken) < 0)) {
          m.firstBroken = { eff, chain: k, seq: e.seq };
        }
      }
      if (brokenAtSeq !== null) chain.ok = false;
      perChain.push(list);
      perChainView.push(views);
      chain.lastEff = eff;
      m.chains.set(k, chain);
    }
    // Each chain is already in the order rule's order (seq ascending, effective time never going
    // back): the merged order is a k-way merge of the chains, not a sort of every entry.
    const order = mergeOrder(perChain);
    const items = new Array<Item>(order.length);
    const view = new Array<TimelineEntry>(order.length);
    const cursor = new Int32Array(perChain.length);
    for (let i = 0; i < order.length; i++) {
      const c = order[i]!;
      const p = cursor[c]!;
      cursor[c] = p + 1;
      items[i] = perChain[c]![p]!;
      const v = perChainView[c]![p]!;
      v.seq = i + 1;
      view[i] = v;
    }
    m.items = items;
    m.view = view;
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

/** One chain's entries as they were given, with their seqs (read once, in arrival order). */
interface Group {
  entries: TimelineEntry[];
  seqs: number[];
  user: string | undefined;
  host: string | undefined;
}

/**
 * One chain's entries in seq order, stable (of two with one seq the first given is kept; a
 * different second one is a fork). Entries read from a file come in order already; otherwise
 * they are placed by seq, or sorted when the seqs are too sparse for that. Reads only the seqs
 * noted when grouping (no entry is touched but a duplicate).
 */
function bySeq(g: Group): { kept: TimelineEntry[]; forks: TimelineEntry[] } {
  const { entries: list, seqs } = g;
  let ordered = true;
  let max = 0;
  let integral = true;
  for (let i = 0; i < seqs.length; i++) {
    const s = seqs[i]!;
    if (i > 0 && !(s > seqs[i - 1]!)) ordered = false;
    if (!Number.isInteger(s) || s < 1) integral = false;
    else if (s > max) max = s;
  }
  if (ordered) return { kept: list, forks: [] };
  const forks: TimelineEntry[] = [];
  if (integral && max <= 2 * list.length + 1024) {
    const slots = new Int32Array(max + 1).fill(-1);
    const dups: number[] = [];
    for (let i = 0; i < seqs.length; i++) {
      const s = seqs[i]!;
      if (slots[s] === -1) slots[s] = i;
      else dups.push(i);
    }
    const kept: TimelineEntry[] = [];
    for (let s = 1; s <= max; s++) {
      const i = slots[s]!;
      if (i !== -1) kept.push(list[i]!);
    }
    // Reported in seq order (stable), as a sort would meet them.
    dups.sort((a, b) => seqs[a]! - seqs[b]! || a - b);
    for (const i of dups) if (list[slots[seqs[i]!]!]!.hash !== list[i]!.hash) forks.push(list[i]!);
    return { kept, forks };
  }
  const sorted = [...list].sort((a, b) => a.seq - b.seq);
  const kept: TimelineEntry[] = [];
  for (const e of sorted) {
    const prev = kept[kept.length - 1];
    if (prev && prev.seq === e.seq) {
      if (prev.hash !== e.hash) forks.push(e);
      continue;
    }
    kept.push(e);
  }
  return { kept, forks };
}

/**
 * Merges chains, each already in order and given in chain key order, by the order rule: effective
 * time, then chain (its place in the list), then seq. A binary heap of the chains' heads; returns
 * the chain of each place in the merged order.
 */
function mergeOrder(chains: readonly Item[][]): Uint32Array {
  let total = 0;
  for (const c of chains) total += c.length;
  const out = new Uint32Array(total);
  if (chains.length <= 1) return out;
  const pos = new Int32Array(chains.length);
  // The heap holds chain indexes; a head is ordered by (eff, chain index).
  const heap: number[] = [];
  const headEff = new Float64Array(chains.length);
  const less = (a: number, b: number): boolean => headEff[a]! < headEff[b]! || (headEff[a] === headEff[b] && a < b);
  const down = (from: number): void => {
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) return;
      const r = l + 1;
      const c = r < heap.length && less(heap[r]!, heap[l]!) ? r : l;
      if (!less(heap[c]!, heap[i]!)) return;
      const t = heap[c]!;
      heap[c] = heap[i]!;
      heap[i] = t;
      i = c;
    }
  };
  for (let c = 0; c < chains.length; c++) {
    if (chains[c]!.length === 0) continue;
    headEff[c] = chains[c]![0]!.eff;
    heap.push(c);
  }
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  let n = 0;
  while (heap.length > 0) {
    const c = heap[0]!;
    const list = chains[c]!;
    out[n++] = c;
    const p = pos[c]! + 1;
    pos[c] = p;
    if (p >= list.length) {
      const last = heap.pop()!;
      if (heap.length === 0) break;
      heap[0] = last;
    } else headEff[c] = list[p]!.eff;
    down(0);
  }
  return out;
}

function label(e: TimelineEntry): string {
  return `${originLabel(e.origin, 'journal')}${e.origin ? `/${e.origin.instance}` : ''} (${e.incidentId})`;
}

/** Merges any number of entries (from any files, in any order) into the deterministic view. */
export function mergeEntries(entries: readonly TimelineEntry[]): MergeReport {
  return MergedTimeline.fromEntries(entries).report();
}
