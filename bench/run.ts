// `npm run bench`: prints the figures the issues ask for. Not a test: this machine is shared and
// noisy, so figures are read by people, not asserted.
delete process.env.CI; // Ink writes nothing until exit under CI: the render bench needs real writes.
// Before any bench module loads React: the figures are those of the production build the cockpit runs.
process.env.NODE_ENV = 'production';

type Figures = Record<string, number | string>;

async function section(title: string, run: () => Promise<Figures>): Promise<void> {
  process.stdout.write(`\n## ${title}\n`);
  try {
    const figures = await run();
    for (const [k, v] of Object.entries(figures)) process.stdout.write(`  ${k.padEnd(44)} ${v}\n`);
  } catch (err) {
    process.stdout.write(`  could not run: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

async function main(): Promise<void> {
  process.stdout.write(`lsos-cockpit bench  node ${process.version}  ${new Date().toISOString()}\n`);
  const only = process.argv[2];
  const want = (name: string) => !only || only === name;
  if (want('htop')) {
    const { benchBesideHtop } = await import('./beside-htop.js');
    await section('Beside htop (same run, tmux, 120x40): launch, CPU, RSS, bytes, key to frame', () => benchBesideHtop());
  }
  if (want('scale')) {
    const { benchScale } = await import('./scale.js');
    await section('Scale: live on 2,000 and 10,000 queues, 50 tasks/s (private redis-server)', () => benchScale());
  }
  if (only === 'side-by-side') {
    const { benchSideBySide } = await import('./side-by-side.js');
    await section('Side by side: builds live on one private Redis, the same windows', () => benchSideBySide());
  }
  if (want('redis-time')) {
    const { benchRedisTime } = await import('./redis-time.js');
    await section('Redis server time per tick (private redis-server; INFO commandstats, SLOWLOG)', () => benchRedisTime());
  }
  if (want('render')) {
    const { benchRender } = await import('./render.js');
    await section('Rendering (120x40, incremental, frame = rows - 1)', () => benchRender());
    await section('Rendering (80x24)', () => benchRender(80, 24));
  }
  if (want('redis')) {
    const { benchRedis } = await import('./live-redis.js');
    await section('Redis source (200 queues) and event ingestion', () => benchRedis());
  }
  if (want('amqp')) {
    const { benchAmqp } = await import('./live-amqp.js');
    await section('RabbitMQ source (200 queues)', () => benchAmqp());
  }
  if (want('replay')) {
    const { benchReplay } = await import('./replay.js');
    await section('Dead-letter replay throughput (2,000 dead letters, rate limit off)', () => benchReplay());
  }
  if (want('timeline')) {
    const { benchTimeline } = await import('./timeline.js');
    await section('Timeline journal and PIR export', () => benchTimeline());
  }
  if (want('shared')) {
    const { benchShared } = await import('./shared.js');
    await section('Shared incident: fan-out between two cockpits (loopback), merging 10 origins x 10,000 entries', () => benchShared());
  }
  if (only === 'profile') {
    const { benchProfile } = await import('./profile.js');
    await section('CPU profiles and heap snapshots (start-up excluded)', () => benchProfile());
  }
  if (only === 'memory') {
    const { benchMemory } = await import('./memory.js');
    await section('Memory: what the RSS is made of (cockpits side by side; simulation and live on 200 queues, 50 tasks/s)', () =>
      benchMemory(),
    );
  }
  if (only === 'growth') {
    const { benchHeapGrowth } = await import('./heapGrowth.js');
    await section('Heap growth between two snapshots, by path (simulation at speed 60, live on 500 queues)', () => benchHeapGrowth());
  }
  // Last: the soak takes BENCH_SOAK_MIN minutes (default 10).
  if (want('soak')) {
    const { benchSoak } = await import('./beside-htop.js');
    await section(`Soak: heap after gc (${process.env.BENCH_SOAK_MIN ?? 10} min; simulation at speed 60, live on 500 queues)`, () =>
      benchSoak(),
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
