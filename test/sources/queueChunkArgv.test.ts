// A queue call's arguments: the queues that only count (and those whose Q.dead is counted) travel
// inside one argument, LENS, as their last lengths, their name's byte length and the name's bytes,
// not as one string argument each (ioredis encoded every name of every call again every tick, and
// Redis parses every argument). Read back here the way the script reads LENS.
import { describe, expect, it } from 'vitest';
import {
  ASK_COUNT,
  ASK_HEAD,
  callOrder,
  nameBytes,
  queueChunkArgv,
  type ChunkLimits,
  type QueueAsk,
} from '../../src/sources/redis/inspectScript.js';

const L: ChunkLimits = { sampleDepth: 8, maxMessageBytes: 262_144, deadSample: 50, readsPerCall: 96, bytesPerCall: 196_608 };

/** LENS as the Lua script reads it: the COUNT run (two lengths), then the rest (one length). */
function readLens(lens: Buffer, nCount: number, nRest: number): { name: Buffer; lastLen: number; lastDead: number | null }[] {
  const out: { name: Buffer; lastLen: number; lastDead: number | null }[] = [];
  let j = 0;
  for (let q = 0; q < nCount + nRest; q++) {
    const lastLen = lens.readUInt32BE(j);
    j += 4;
    let lastDead: number | null = null;
    if (q < nCount) {
      lastDead = lens.readUInt32BE(j);
      j += 4;
    }
    const n = lens.readUInt32BE(j);
    out.push({ name: lens.subarray(j + 4, j + 4 + n), lastLen, lastDead });
    j += 4 + n;
  }
  expect(j).toBe(lens.length);
  return out;
}

describe('queueChunkArgv', () => {
  it('250 counting queues are ten arguments: the names are inside LENS, byte for byte, in call order', () => {
    const weird = ['a\u0000b', 'crlf\r\n$3\r\n', '\u0006\u00163', 'ünï😀', 'L'.repeat(300), ''];
    const asks: QueueAsk[] = Array.from({ length: 250 }, (_, i) => ({
      name: i < weird.length ? (weird[i] as string) : `celery.q${i}`,
      flags: i % 4 === 0 ? ASK_COUNT : 0,
      lastDead: i % 7 === 0 ? -1 : i,
      lastLens: [i % 5 === 0 ? -1 : i * 3],
    }));
    const argv = queueChunkArgv(L, asks);
    expect(argv.length).toBe(10);
    const nCount = asks.filter((a) => a.flags === ASK_COUNT).length;
    expect(argv.slice(6, 9)).toEqual(['250', '0', String(nCount)]);
    const read = readLens(argv[9] as Buffer, nCount, 250 - nCount);
    const order = callOrder(asks);
    read.forEach((r, o) => {
      const a = asks[order[o] as number] as QueueAsk;
      expect(r.name.equals(Buffer.from(a.name, 'utf8')), a.name).toBe(true);
      expect(r.lastLen).toBe(a.lastLens[0] === -1 ? 0xffffffff : a.lastLens[0]);
      if (a.flags === ASK_COUNT) expect(r.lastDead).toBe(a.lastDead === -1 ? 0xffffffff : a.lastDead);
      else expect(r.lastDead).toBeNull();
    });
  });

  it("uses the ask's own name bytes, and keeps a queue asked for reads as its own arguments", () => {
    const asks: QueueAsk[] = [
      { name: 'head', flags: ASK_HEAD, lastDead: 2, lastLens: [4], headTag: 'tag-1' },
      // Bytes made once by the caller are what is sent (here not the name's own, to tell them apart).
      { name: 'shown', flags: 0, lastDead: -1, lastLens: [1], nameBytes: nameBytes('sent') },
    ];
    const argv = queueChunkArgv(L, asks);
    expect(argv.slice(10)).toEqual(['head', '4', String(ASK_HEAD), '2', 'tag-1']);
    const [rest] = readLens(argv[9] as Buffer, 0, 1);
    expect(rest?.name.toString('utf8')).toBe('sent');
  });
});
