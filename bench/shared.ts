// The shared incident (src/journal/shared): entry fan-out latency between two cockpits on loopback
// (two processes, one private redis-server), and merging 10 origins x 10,000 entries (goal: under
// 1 s). Prints nothing; run.ts prints the figures.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { EntryOrigin, TimelineEntry } from '../src/core/timeline.js';
import { formatUtc, sealEntry } from '../src/core/timeline.js';
import { IncidentRecorder } from '../src/journal/recorder.js';
import { MergedTimeline } from '../src/journal/shared/merge.js';
import { makeOrigin } from '../src/journal/shared/origin.js';
import { SharedSession } from '../src/journal/shared/session.js';
import { ownFileName, readMergedIncident } from '../src/journal/shared/storage.js';
import { startPrivateRedis } from './live-redis.js';

/** Wall-clock ms with sub-ms resolution, comparable between processes of one host. */
const wallNow = (): number => performance.timeOrigin + performance.now();

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

const r2 = (ms: number): number => Math.round(ms * 100) / 100;

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function cockpit(url: string, user: string, dir: string): { recorder: IncidentRecorder; session: SharedSession } {
  const session = new SharedSession({ url, stateDir: dir, origin: makeOrigin(user), access: 'operator', leaseTtlMs: 2000 });
  const recorder = new IncidentRecorder({ stateDir: dir, operator: user, sharing: session, live: true });
  session.attach(recorder);
  return { recorder, session };
}

/** The second cockpit, in a process of its own: joins, then reports when each note arrives. */
async function child(): Promise<void> {
  const url = process.env.BENCH_SHARED_URL ?? '';
  const dir = tmp('lsos-bench-shared-b-');
  const b = cockpit(url, 'bob', dir);
  // A note that lands inside the timeline (made before an entry this cockpit already shows) makes
  // the view fold again and is told with no entry: the view is then searched for notes not yet seen.
  const seen = new Set<string>();
  const report = (e: TimelineEntry, at: number) => {
    const text = String(e.details.text);
    if (seen.has(text)) return;
    seen.add(text);
    process.send?.({ text, at });
  };
  b.recorder.subscribe((v, e) => {
    const at = wallNow();
    if (e) {
      if (e.kind === 'note') report(e, at);
    } else for (const x of v?.entries ?? []) if (x.kind === 'note') report(x, at);
  });
  await b.session.start();
  // Ready once it shows the incident (start() may return before the join): notes made before that
  // arrive with the join, not through the stream, and would measure the join.
  const end = Date.now() + 30_000;
  while (!b.recorder.view() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  process.send?.({ ready: true, incident: b.recorder.view()?.id ?? null });
  process.on('message', (m: { quit?: boolean }) => {
    if (m.quit) void b.session.stop().then(() => process.exit(0));
  });
}

if (process.argv.includes('--shared-child')) void child();

async function fanout(n = 300): Promise<{ p50: number; p99: number; max: number; n: number }> {
  const redis = await startPrivateRedis();
  if (!redis) throw new Error('redis-server not found: the fan-out bench needs a private redis-server');
  const dir = tmp('lsos-bench-shared-a-');
  const a = cockpit(redis.url, 'alice', dir);
  await a.session.start();
  a.recorder.openIncident('bench: fan-out');
  const id = a.recorder.view()!.id;
  const script = fileURLToPath(import.meta.url);
  const proc = fork(script, ['--shared-child'], { env: { ...process.env, BENCH_SHARED_URL: redis.url }, stdio: 'ignore' });
  const arrived = new Map<string, number>();
  let ready = false;
  proc.on('message', (m: { ready?: boolean; incident?: string | null; text?: string; at?: number }) => {
    if (m.ready && m.incident === id) ready = true;
    else if (typeof m.text === 'string' && typeof m.at === 'number') arrived.set(m.text, m.at);
  });
  const until = async (cond: () => boolean, ms: number, what: string) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`fan-out bench: ${what} did not happen`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  try {
    await until(() => ready, 30_000, 'the second cockpit joining');
    const sent = new Map<string, number>();
    // Warm-up, then one note every 10 ms: the latency of a note, not of a queue of them.
    for (let i = 0; i < n + 20; i++) {
      const text = `${id} note ${i}`;
      const t = wallNow();
      a.recorder.note(text);
      if (i >= 20) sent.set(text, t);
      await new Promise((r) => setTimeout(r, 10));
    }
    await until(() => [...sent.keys()].every((k) => arrived.has(k)), 30_000, 'every note arriving');
    const lat = [...sent].map(([k, t]) => (arrived.get(k) ?? NaN) - t).sort((x, y) => x - y);
    return { p50: r2(percentile(lat, 0.5)), p99: r2(percentile(lat, 0.99)), max: r2(lat[lat.length - 1] ?? NaN), n: lat.length };
  } finally {
    proc.send({ quit: true });
    await new Promise((r) => setTimeout(r, 200));
    proc.kill('SIGKILL');
    await a.session.stop();
    a.recorder.close();
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** 10 chains of 10,000 notes each, spread over the same hour (interleaving in time). */
function chains(origins = 10, per = 10_000): { id: string; byOrigin: TimelineEntry[][] } {
  const id = 'INC-20261206-0806';
  const start = Date.parse('2026-12-06T08:06:00.000Z');
  const byOrigin: TimelineEntry[][] = [];
  for (let o = 0; o < origins; o++) {
    const origin: EntryOrigin = makeOrigin(`user${o}`, { host: `bastion-${o % 3}` });
    const list: TimelineEntry[] = [];
    let prev: TimelineEntry | null = null;
    for (let i = 0; i < per; i++) {
      const e: TimelineEntry = sealEntry(prev, {
        at: formatUtc(start + i * 360 + o * 17),
        operator: origin.user,
        kind: 'note',
        incidentId: id,
        details: { text: `note ${i} from ${origin.user}: the crawl backlog is draining at 40 tasks/s` },
        origin,
      });
      list.push(e);
      prev = e;
    }
    byOrigin.push(list);
  }
  return { id, byOrigin };
}

function merges(): Record<string, number | string> {
  const { id, byOrigin } = chains();
  const all = byOrigin.flat();
  // Read from disk in any order: every hash checked, every chain linked, sorted, renumbered.
  const shuffled = [...all].sort((x, y) => (x.hash < y.hash ? -1 : 1));
  const timed = <T>(fn: () => T): { value: T; wall: number; cpu: number } => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const value = fn();
    const c = process.cpuUsage(c0);
    return { value, wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
  };
  // As a cockpit merges what it holds (each entry's hash checked when it arrived): order, links, renumbering.
  const held = timed(() => MergedTimeline.fromEntries(shuffled, { hashesChecked: true }).report());
  if (!held.value.ok || held.value.entries.length !== all.length) throw new Error('merge bench: the merged timeline is wrong');
  // Read in any order with every hash checked again (what an export from disk does).
  const full = timed(() => MergedTimeline.fromEntries(shuffled).report());
  if (!full.value.ok) throw new Error('merge bench: verification failed');
  // As the stream delivers them: batches of 500 from the origins in turn, each checked strictly.
  // As the stream delivers them live: in the order they were made, 500 a read, each checked strictly.
  const byTime = [...all].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
  const streamed = timed(() => {
    const s = new MergedTimeline();
    for (let i = 0; i < byTime.length; i += 500) s.offer(byTime.slice(i, i + 500));
    return s.size();
  });
  // After an outage: one origin's 10,000 entries arriving late, landing inside a view of 90,000.
  const late = timed(() => {
    const s = new MergedTimeline();
    s.offer(byOrigin.slice(1).flat());
    s.offer(byOrigin[0]!);
    return s.size();
  });
  if (streamed.value !== all.length) throw new Error('merge bench: entries were refused');
  // From the files of a state directory (10 own-chain files), as `pir export` reads an incident.
  const dir = tmp('lsos-bench-merge-');
  const incDir = path.join(dir, id);
  fs.mkdirSync(incDir);
  byOrigin.forEach((chain, o) =>
    fs.writeFileSync(
      path.join(incDir, ownFileName(chain[0]!.origin?.instance ?? `o${o}`)),
      chain.map((e) => `${JSON.stringify(e)}\n`).join(''),
    ),
  );
  const disk = timed(() => readMergedIncident(dir, id));
  fs.rmSync(dir, { recursive: true, force: true });
  if (!disk.value?.ok) throw new Error('merge bench: reading back failed');
  const fig = (t: { wall: number; cpu: number }) => `${r2(t.wall)} (cpu ${r2(t.cpu)})`;
  return {
    'merge 10 origins x 10,000 entries, ms wall (cpu)': fig(held),
    '  same, every hash checked again': fig(full),
    '  same, streamed in time order 500 a read, checked': fig(streamed),
    "  same, 90,000 then one origin's 10,000 late, checked": fig(late),
    '  same, read from 10 files on disk, checked': fig(disk),
    '  goal': 'under 1,000 ms',
    '  load average (1 min) during the run': os.loadavg()[0]?.toFixed(1) ?? '?',
  };
}

export async function benchShared(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  Object.assign(out, merges());
  try {
    const f = await fanout();
    out['fan-out, two cockpit processes on loopback: p50 (ms)'] = f.p50;
    out['  p99 (ms)'] = f.p99;
    out['  max (ms)'] = f.max;
    out['  notes measured'] = f.n;
  } catch (err) {
    out['fan-out'] = `could not run: ${err instanceof Error ? err.message : String(err)}`;
  }
  return out;
}
