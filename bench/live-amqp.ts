// RabbitMQ source benchmark: the cost of one read (tick) over 200 LSOS-style queues on the live
// broker: AMQP method round trips (counted by the source) and wall time, median of several
// ticks; directly on localhost and through a proxy that adds 1 ms each way (a 2 ms RTT network,
// where round trips dominate). Uses a private vhost (rabbitmqctl), or the default vhost with
// unique queue names when rabbitmqctl is not usable; cleans up after itself. Prints nothing.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { RabbitMqSource, type RabbitMqSourceOptions } from '../src/sources/amqp/index.js';

const run = promisify(execFile);
const HOST = process.env.LSOS_BENCH_AMQP_HOST ?? '127.0.0.1';
const PORT = Number(process.env.LSOS_BENCH_AMQP_PORT ?? 5672);
const QUEUES = 200;
const TICKS = 9;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

/** Forwards to the broker, delaying every chunk by `delayMs` in each direction. */
async function delayProxy(delayMs: number): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const up = net.connect(PORT, HOST);
    sockets.add(client).add(up);
    const relay = (from: net.Socket, to: net.Socket) => from.on('data', (c) => setTimeout(() => to.writable && to.write(c), delayMs));
    relay(client, up);
    relay(up, client);
    const drop = () => {
      client.destroy();
      up.destroy();
    };
    for (const s of [client, up]) {
      s.on('error', drop);
      s.on('close', drop);
      s.setNoDelay(true);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function ticks(opts: RabbitMqSourceOptions): Promise<{ rt: number; ms: number; connectRt: number }> {
  const src = new RabbitMqSource(opts);
  try {
    const ctl = new AbortController();
    await src.read(ctl.signal); // connect, open channels, start the taps
    const connectRt = src.stats().lastReadRoundTrips;
    const rts: number[] = [];
    const mss: number[] = [];
    for (let i = 0; i < TICKS; i++) {
      const t0 = performance.now();
      await src.read(ctl.signal);
      mss.push(performance.now() - t0);
      rts.push(src.stats().lastReadRoundTrips);
    }
    return { rt: median(rts), ms: median(mss), connectRt };
  } finally {
    await src.close();
  }
}

export async function benchAmqp(): Promise<Record<string, number | string>> {
  const tag = `lsos-bench-amqp-${process.pid}`;
  let vhost = tag;
  let prefix = '';
  try {
    await run('rabbitmqctl', ['-q', 'add_vhost', vhost], { timeout: 30_000 });
    await run('rabbitmqctl', ['-q', 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*'], { timeout: 30_000 });
  } catch {
    vhost = '/';
    prefix = `${tag}-`;
  }
  const url = (port: number) => `amqp://guest:guest@${HOST}:${port}/${encodeURIComponent(vhost)}`;
  const names = Array.from({ length: QUEUES }, (_, i) => `${prefix}q${String(i).padStart(3, '0')}`);
  const admin = await amqp.connect(url(PORT));
  const proxy = await delayProxy(1);
  try {
    const ch = await admin.createChannel();
    await ch.assertExchange(`${prefix}lsos.dlx`, 'direct', { durable: false, autoDelete: false });
    await ch.assertExchange(`${prefix}celeryev`, 'topic', { durable: false });
    for (const [i, q] of names.entries()) {
      await ch.assertQueue(q, {
        durable: false,
        arguments: { 'x-dead-letter-exchange': `${prefix}lsos.dlx`, 'x-dead-letter-routing-key': q },
      });
      await ch.assertQueue(`${q}.dead`, { durable: false });
      await ch.bindQueue(`${q}.dead`, `${prefix}lsos.dlx`, q);
      // Half the queues have a backlog (so their head is peeked), every 10th has dead letters.
      if (i % 2 === 0) {
        for (let k = 0; k < 3; k++) {
          ch.sendToQueue(q, Buffer.from('[[],{},{}]'), {
            contentType: 'application/json',
            headers: { task: 'crawl.fetch_page', id: `${q}-${k}`, lsos_sent_at: Date.now() / 1000 },
          });
        }
      }
      if (i % 10 === 0)
        ch.sendToQueue(`${q}.dead`, Buffer.from('[[],{},{}]'), { contentType: 'application/json', headers: { task: 't', id: `${q}-d` } });
    }
    await ch.checkQueue(names[0] as string);

    const base: RabbitMqSourceOptions = {
      url: url(PORT),
      queues: names,
      deadLetterExchange: `${prefix}lsos.dlx`,
      eventExchange: `${prefix}celeryev`,
      deadLetterSample: 0,
    };
    const local4 = await ticks({ ...base, channels: 4 });
    const local1 = await ticks({ ...base, channels: 1 });
    const noPeek = await ticks({ ...base, channels: 4, lagPeek: 'never' });
    const far4 = await ticks({ ...base, url: url(proxy.port), channels: 4 });
    const far16 = await ticks({ ...base, url: url(proxy.port), channels: 16 });
    return {
      queues: QUEUES,
      'ticks (median of)': TICKS,
      'round trips per tick': local4.rt,
      'round trips per queue': round(local4.rt / QUEUES),
      'round trips per tick, lagPeek never': noPeek.rt,
      'round trips of the first read (connect, taps)': local4.connectRt,
      'ms per tick, localhost, 4 channels': round(local4.ms),
      'ms per tick, localhost, 1 channel': round(local1.ms),
      'ms per tick, localhost, lagPeek never': round(noPeek.ms),
      'ms per tick, 2 ms RTT, 4 channels': round(far4.ms),
      'ms per tick, 2 ms RTT, 16 channels': round(far16.ms),
      vhost: vhost === '/' ? '/ (rabbitmqctl unusable: prefixed queues)' : 'private',
    };
  } finally {
    await proxy.close();
    if (vhost === '/') {
      const ch = await admin.createChannel();
      for (const q of names) {
        await ch.deleteQueue(q).catch(() => undefined);
        await ch.deleteQueue(`${q}.dead`).catch(() => undefined);
      }
      await ch.deleteExchange(`${prefix}lsos.dlx`).catch(() => undefined);
      await ch.deleteExchange(`${prefix}celeryev`).catch(() => undefined);
    }
    await admin.close().catch(() => undefined);
    if (vhost !== '/') await run('rabbitmqctl', ['-q', 'delete_vhost', vhost], { timeout: 30_000 }).catch(() => undefined);
  }
}
