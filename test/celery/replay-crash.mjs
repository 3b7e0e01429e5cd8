// Child process for the replay crash tests: runs one dead-letter replay with the compiled wire
// layer and prints the replayed count after every batch (one line each), then a final JSON line.
// The test SIGKILLs it part way, then resumes the replay and counts what reached the queue.
// usage: node replay-crash.mjs <compiled dir> <redis|amqp> <url> <queue> <stateDir> <ratePerSecond>
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, kind, url, queue, stateDir, rate] = process.argv.slice(2);
const file = path.join(dir, 'src', 'control', 'celery', kind === 'redis' ? 'redisReplay.js' : 'amqpReplay.js');
const mod = await import(pathToFileURL(file).href);
const replayer = kind === 'redis' ? new mod.RedisDeadLetterReplayer({ url }) : new mod.AmqpDeadLetterReplayer({ url, stateDir });
const res = await replayer.replay({
  queue,
  operator: 'crash-test',
  reasonCode: 'transient-cleared',
  allowedTasks: () => true,
  ratePerSecond: Number(rate),
  onProgress: (p) => process.stdout.write(`${p.replayed}\n`),
});
process.stdout.write(`${JSON.stringify({ ...res, ids: res.ids.length })}\n`);
await replayer.close();
