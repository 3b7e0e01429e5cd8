// The Lua script the Redis source runs inside Redis each tick, called in chunks so that no single
// call holds Redis for long (Redis runs one command at a time: a 185 ms script is 185 ms of
// latency for every LSOS worker and producer). Issue 16 measured the one-call-for-all-queues script
// at a median of 40 ms and a maximum of 185 ms per tick at 2,000 queues.
//
// Two modes, each bounded per call:
// - 'q', a chunk of queues (RedisSourceOptions.queuesPerCall, default 250): per queue LLEN of the
//   ready list, of Q.dead when the caller asks (every queue's in rotation, at least every
//   deadCountEveryTicks ticks), of the three priority lists when asked, and a reading of the
//   oldest ready message only when the caller asks for one (HEAD), or the list's length differs
//   from the one the caller last read (the head may have moved). A DEEP ask reads the sampleDepth
//   oldest messages for readability; a DEAD ask classifies the newest deadSample dead letters.
//   Messages read per call are capped (readsPerCall and bytesPerCall): what does not fit is
//   answered "deferred" and asked again next tick. A queue where nothing changed answers 0.
// - 'u', a window of the unacked index (newest first): reserved counts by routing key.
// Reading a message costs far more than counting one (Redis copies it into Lua: about 3 µs for a
// 1.2 KB Celery message, 25 µs at 12 KB, against 0.5 µs for an LLEN), so the caller spreads reads
// over ticks (RedisCelerySource plans HEAD, DEEP and DEAD asks with per-tick budgets), and a 5 MB
// message at the head of a queue is looked at inside Redis, never sent to the cockpit.
// The script only reads, and it names keys through ARGV (fine on a standalone Redis, which is
// what kombu's Redis transport uses; it would not be cluster-safe).

export const INSPECT_LUA = String.raw`
local SEP = string.char(6, 22)
local STEPS = {'', SEP .. '3', SEP .. '6', SEP .. '9'}
local mode = ARGV[1]

local function unackedWindow()
  local unackedKey, indexKey = ARGV[2], ARGV[3]
  local from, to, since, maxReads = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
  local after = ARGV[8] == '1'
  local total = redis.call('ZCARD', indexKey)
  local out = {total}
  if total == 0 or from >= total then return out end
  -- Newest first: when not every entry is looked at, the most recently fetched stand for the rest.
  local items = redis.call('ZREVRANGE', indexKey, from, to, 'WITHSCORES')
  -- A delivery's routing key never changes: only entries fetched since the caller's mark are read.
  local want, at = {}, {}
  for i = 1, #items, 2 do
    local score = tonumber(items[i + 1])
    if #want < maxReads and (score > since or (score == since and not after)) then
      want[#want + 1] = items[i]
      at[#want] = i
    end
  end
  local rk = {}
  if #want > 0 then
    local values = redis.call('HMGET', unackedKey, unpack(want))
    for j = 1, #want do
      local v = values[j]
      local r = '!'
      -- The value is [envelope, exchange, routing_key]: the routing key closes the array.
      if v then r = string.match(string.sub(v, -400), '"([^"]*)"%s*%]%s*$') or '!' end
      rk[at[j]] = r
    end
  end
  for i = 1, #items, 2 do
    out[#out + 1] = items[i]
    out[#out + 1] = items[i + 1]
    out[#out + 1] = rk[i] or ''
  end
  return out
end

if mode == 'u' then return unackedWindow() end

local sampleDepth = tonumber(ARGV[2])
local maxBytes = tonumber(ARGV[3])
local deadSample = tonumber(ARGV[4])
local readBudget = tonumber(ARGV[5])
local byteBudget = tonumber(ARGV[6])
local nQueues = tonumber(ARGV[7])
local reads, bytes = 0, 0

local function canRead(n)
  return reads + n <= readBudget and bytes < byteBudget
end

-- 1 ok, 2 too large, 3 not JSON, 4 not a Celery envelope (headers/properties missing), 5 bad body encoding
local function check(s)
  if #s > maxBytes then return 2, nil end
  local ok, env = pcall(cjson.decode, s)
  if not ok or type(env) ~= 'table' then return 3, nil end
  local h = env['headers']
  local p = env['properties']
  if type(h) ~= 'table' or type(p) ~= 'table' then return 4, nil end
  if type(h['task']) ~= 'string' or type(h['id']) ~= 'string' then return 4, env end
  if env['content-type'] ~= 'application/json' then return 4, env end
  local di = p['delivery_info']
  if type(di) ~= 'table' or type(di['exchange']) ~= 'string' or type(di['routing_key']) ~= 'string' then return 4, env end
  if type(p['delivery_tag']) ~= 'string' then return 4, env end
  local body = env['body']
  if type(body) ~= 'string' then return 5, env end
  local enc = p['body_encoding']
  if enc == 'base64' then
    -- Celery's body is a JSON array; base64 of '[' (0x5B) starts with 'W'.
    if #body % 4 ~= 0 or string.find(body, '[^%w%+/=]') or string.find(body, '=[^=]') or string.sub(body, 1, 1) ~= 'W' then
      return 5, env
    end
  elseif enc == nil or enc == cjson.null then
    if string.sub(body, 1, 1) ~= '[' then return 5, env end
  else
    return 5, env
  end
  return 1, env
end

local function identity(s, env)
  if env then
    local p = env['properties']
    if type(p) == 'table' and type(p['delivery_tag']) == 'string' then return 't:' .. p['delivery_tag'] end
    local h = env['headers']
    if type(h) == 'table' and type(h['id']) == 'string' then return 'i:' .. h['id'] end
  end
  return 'x:' .. #s .. ':' .. redis.sha1hex(string.sub(s, 1, 256))
end

-- {len, status, sentAt, id, task, unreadable (-1: not sampled), sampled}
-- head: the oldest message when already read (sameHead), else nil.
local function readHead(key, len, deep, head)
  local depth = 1
  if deep then depth = math.min(sampleDepth, len) end
  local items
  if head then
    items = {head}
  else
    if depth == 1 then items = {redis.call('LINDEX', key, -1)} else items = redis.call('LRANGE', key, -depth, -1) end
    reads = reads + #items
  end
  local unreadable = 0
  local headStatus, headSentAt, headId, headTask = 0, '', '', ''
  for i = 1, #items do
    local s = items[i]
    bytes = bytes + #s
    local status, env = check(s)
    if status ~= 1 then unreadable = unreadable + 1 end
    if i == #items then
      -- The last element of LRANGE .. -1 is the tail: the oldest ready message.
      headStatus = status
      headId = identity(s, env)
      if status == 1 then
        local sent = env['headers']['lsos_sent_at']
        if type(sent) == 'number' then headSentAt = string.format('%.6f', sent) end
        headTask = string.sub(env['headers']['task'], 1, 200)
      end
    end
  end
  if not deep then unreadable = -1 end
  return {len, headStatus, headSentAt, headId, headTask, unreadable, #items}
end

-- {len, sampled, type, count, ...}: the newest dead letters by lsos_exc_type.
local function deadLetters(key, len)
  -- LPUSH puts the newest at index 0.
  local items = redis.call('LRANGE', key, 0, deadSample - 1)
  reads = reads + #items
  local counts, order = {}, {}
  for i = 1, #items do
    local s = items[i]
    bytes = bytes + #s
    local t = '(unreadable)'
    if #s <= maxBytes then
      local ok, env = pcall(cjson.decode, s)
      if ok and type(env) == 'table' and type(env['headers']) == 'table' then
        local et = env['headers']['lsos_exc_type']
        if type(et) == 'string' and #et > 0 then t = string.sub(et, 1, 128) else t = '(none)' end
      end
    end
    if counts[t] == nil then counts[t] = 0; order[#order + 1] = t end
    counts[t] = counts[t] + 1
  end
  local out = {len, #items}
  for _, t in ipairs(order) do
    out[#out + 1] = t
    out[#out + 1] = counts[t]
  end
  return out
end

-- The same head still there? A head re-read while the list's length stayed the same looks for the
-- delivery tag the caller last read at the message's end (kombu writes properties last and
-- delivery_tag last in them; a tag is unique to a message, kept when kombu restores it) without
-- decoding the message: 2 us against 6 us and more for a decode (measured). Any other layout or
-- tag makes a full read.
-- Returns true, or false and the message read (for readHead, not read twice).
local function sameHead(key, tag)
  local s = redis.call('LINDEX', key, -1)
  if not s then return false, nil end
  reads = reads + 1
  local tail = string.sub(s, -(#tag + 40))
  local k = string.find(tail, '"delivery_tag"', 1, true)
  if k ~= nil and string.find(tail, '"' .. tag .. '"', k + 14, true) ~= nil then
    bytes = bytes + #s
    return true, nil
  end
  return false, s
end

local result = {}
local deadAsks = {}

-- Queue q (position in this call), asked flags; dead: Q.dead's length (-1: not counted), len0:
-- the ready list's length when already counted (-1: not yet); lastLen: its length when its head
-- was last read; x: the ARGV index of its priority lists' last read lengths (SUBS).
local function inspect(q, name, flags, lastDead, dead, len0, lastLen, headTag, x)
  local wantHead = flags % 2 == 1
  local deep = flags % 4 >= 2
  local wantDead = flags % 8 >= 4
  local nLists = 1
  if flags % 16 >= 8 then nLists = 4 end
  local last = {lastLen}
  for k = 2, nLists do last[k] = tonumber(ARGV[x + k - 2]) end

  local deadPart = dead
  local changed = dead ~= lastDead
  if wantDead and dead > 0 and deadSample > 0 then
    -- Classified after every queue's lists, with what the read budget has left ({dead}: deferred).
    changed = true
    deadPart = {dead}
    deadAsks[#deadAsks + 1] = {q, name .. '.dead', dead}
  end
  local rec = {deadPart}
  for k = 1, nLists do
    local key = name .. STEPS[k]
    local len = len0
    if k > 1 or len < 0 then len = redis.call('LLEN', key) end
    local entry = len
    if len ~= last[k] then changed = true end
    if len > 0 and (len ~= last[k] or wantHead or deep) then
      local cost = 1
      if deep then cost = math.min(sampleDepth, len) end
      local same, head = false, nil
      if not canRead(cost) then
        changed = true
        entry = {len}
      else
        if k == 1 and not deep and len == last[k] and headTag ~= '' then same, head = sameHead(key, headTag) end
        if not same then
          changed = true
          entry = readHead(key, len, deep, head)
        end
      end
    end
    rec[k + 1] = entry
  end
  if changed then result[q] = rec else result[q] = 0 end
end

-- ARGV from 10: LENS, then the FULL queues' arguments. The queues come in three runs (the caller
-- orders each call's queues so). FULL queues, asked for reads, each: name, the ready list's length
-- when its head was last read, flags (1 HEAD, 2 DEEP, 4 DEAD, 8 SUBS), Q.dead's length as last
-- counted, the delivery tag of the head last read ('': unknown), and when SUBS the three priority
-- lists' last read lengths. Then COUNT queues, whose Q.dead is counted this tick, and the rest
-- (Q.dead not counted: answered -1), both in LENS only, each: the ready list's last read length
-- (for COUNT then Q.dead's last length), 4 bytes each, big-endian, 4294967295 for "never", the
-- name's length in bytes (4 bytes) and the name's bytes. An argument costs Redis about 0.2 us to
-- parse and hand to Lua (measured, docs/performance.md), and the cockpit encoded every name
-- argument again every tick; a name here is bytes the caller encoded once, and any byte may be in
-- it (its length says where it ends: no separator to escape).
local nFull, nCount = tonumber(ARGV[8]), tonumber(ARGV[9])
local LENS = ARGV[10]
local byte, sub = string.byte, string.sub
local at = 11
for q = 1, nFull do
  local name, lastLen, flags, lastDead = ARGV[at], tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
  local headTag = ARGV[at + 4]
  at = at + 5
  inspect(q, name, flags, lastDead, redis.call('LLEN', name .. '.dead'), -1, lastLen, headTag, at)
  if flags % 16 >= 8 then at = at + 3 end
end
local j = 1
for q = nFull + 1, nFull + nCount do
  local b1, b2, b3, b4, d1, d2, d3, d4, n1, n2, n3, n4 = byte(LENS, j, j + 11)
  local lastLen = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
  local lastDead = ((d1 * 256 + d2) * 256 + d3) * 256 + d4
  local nameEnd = j + 11 + ((n1 * 256 + n2) * 256 + n3) * 256 + n4
  local name = sub(LENS, j + 12, nameEnd)
  j = nameEnd + 1
  local dead = redis.call('LLEN', name .. '.dead')
  local len = -1
  if dead == lastDead then
    len = redis.call('LLEN', name)
    if len == lastLen then result[q] = 0 end
  end
  if result[q] == nil then inspect(q, name, 0, lastDead, dead, len, lastLen, '', at) end
end
for q = nFull + nCount + 1, nQueues do
  -- The common case, kept free of allocations but its name: one LLEN, the same length as last read.
  local b1, b2, b3, b4, n1, n2, n3, n4 = byte(LENS, j, j + 7)
  local lastLen = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
  local nameEnd = j + 7 + ((n1 * 256 + n2) * 256 + n3) * 256 + n4
  local name = sub(LENS, j + 8, nameEnd)
  j = nameEnd + 1
  local len = redis.call('LLEN', name)
  if len ~= lastLen then inspect(q, name, 0, -1, -1, len, lastLen, '', at) else result[q] = 0 end
end
for _, d in ipairs(deadAsks) do
  if canRead(math.min(d[3], deadSample)) then result[d[1]][1] = deadLetters(d[2], d[3]) end
end
return result
`;

export type HeadStatus = 'empty' | 'ok' | 'too-large' | 'not-json' | 'not-envelope' | 'bad-encoding';
const STATUS: Record<number, HeadStatus> = { 0: 'empty', 1: 'ok', 2: 'too-large', 3: 'not-json', 4: 'not-envelope', 5: 'bad-encoding' };

/** Asks per queue (bits of the flags argument). */
export const ASK_HEAD = 1;
export const ASK_DEEP = 2;
export const ASK_DEAD = 4;
export const ASK_SUBS = 8;
/** Count Q.dead this tick (every asked queue's is counted; this bit asks for nothing else). */
export const ASK_COUNT = 16;

export interface QueueAsk {
  name: string;
  /** ASK_* bits; 0: only the ready list is counted (Q.dead is not). */
  flags: number;
  /** Q.dead's length as last counted (-1: unknown); sent only when flags is not 0. */
  lastDead: number;
  /** The length each list had when its head was last read (-1: never): 1 entry, or 4 with ASK_SUBS. */
  lastLens: number[];
  /** The delivery tag of the ready list's head as last read, if it had one: an ASK_HEAD re-read that finds it still there decodes nothing. */
  headTag?: string;
  /** The name's UTF-8 bytes, made once per queue by the caller (queueChunkArgv makes them when missing). */
  nameBytes?: Buffer;
}

export interface ChunkLimits {
  sampleDepth: number;
  maxMessageBytes: number;
  deadSample: number;
  /** Messages read (copied into Lua) per call, at most. */
  readsPerCall: number;
  /** Bytes of messages read per call, at most (checked before each read). */
  bytesPerCall: number;
}

/**
 * The order of a call's queues in its ARGV and reply (the script's three runs): asked for reads
 * first, then asked to count Q.dead only, then the rest. Indices into `asks`.
 */
export function callOrder(asks: readonly QueueAsk[]): number[] {
  // Index loops, no spreads: this runs over every queue every tick.
  const out: number[] = [];
  for (let i = 0; i < asks.length; i++) {
    const f = (asks[i] as QueueAsk).flags;
    if (f !== 0 && f !== ASK_COUNT) out.push(i);
  }
  for (let i = 0; i < asks.length; i++) if ((asks[i] as QueueAsk).flags === ASK_COUNT) out.push(i);
  for (let i = 0; i < asks.length; i++) if ((asks[i] as QueueAsk).flags === 0) out.push(i);
  return out;
}

/** A length in LENS: 4 bytes, 0xffffffff for "never" (-1); a name's byte length is 4 bytes too (a key is at most 512 MB). */
const NEVER_LEN = 0xffffffff;

/** A queue name as the script reads it from LENS: its UTF-8 bytes (what ioredis would send for the string). */
export function nameBytes(name: string): Buffer {
  return Buffer.from(name, 'utf8');
}

/**
 * Writes a length into LENS at `at`; returns where the next goes. A module function, not a closure
 * made per call: a closure made anew each tick loses its optimised code at every full GC.
 */
function putLen(lens: Buffer, at: number, n: number): number {
  lens.writeUInt32BE(Number.isInteger(n) && n >= 0 && n < NEVER_LEN ? n : NEVER_LEN, at);
  return at + 4;
}

export function queueChunkArgv(l: ChunkLimits, asks: readonly QueueAsk[]): (string | Buffer)[] {
  let nFull = 0;
  let nCount = 0;
  let size = 0;
  for (let i = 0; i < asks.length; i++) {
    const a = asks[i] as QueueAsk;
    if (a.flags === ASK_COUNT) {
      nCount += 1;
      size += 12 + (a.nameBytes ??= nameBytes(a.name)).length;
    } else if (a.flags !== 0) nFull += 1;
    else size += 8 + (a.nameBytes ??= nameBytes(a.name)).length;
  }
  const argv: (string | Buffer)[] = [
    'q',
    String(l.sampleDepth),
    String(l.maxMessageBytes),
    String(l.deadSample),
    String(l.readsPerCall),
    String(l.bytesPerCall),
    String(asks.length),
    String(nFull),
    String(nCount),
  ];
  const lens = Buffer.allocUnsafe(size);
  argv.push(lens);
  let j = 0;
  const order = callOrder(asks);
  for (let o = 0; o < order.length; o++) {
    const a = asks[order[o] as number] as QueueAsk;
    const lastLen = a.lastLens[0] ?? -1;
    if (a.flags === 0 || a.flags === ASK_COUNT) {
      j = putLen(lens, j, lastLen);
      if (a.flags === ASK_COUNT) j = putLen(lens, j, a.lastDead);
      // Copied from the bytes made when the queue was first seen: no name encoded per tick.
      const b = a.nameBytes as Buffer;
      lens.writeUInt32BE(b.length, j);
      lens.set(b, j + 4);
      j += 4 + b.length;
      continue;
    }
    argv.push(a.name, String(lastLen), String(a.flags), String(a.lastDead), a.headTag ?? '');
    if ((a.flags & ASK_SUBS) !== 0) for (let k = 1; k < 4; k++) argv.push(String(a.lastLens[k] ?? -1));
  }
  return argv;
}

/**
 * A window of the unacked index, newest first (ranks from..to inclusive): every entry's tag and
 * score, and the routing key of at most maxReads entries scored at or after `since` (strictly
 * after when `after`); '' for the others (not read).
 */
export function unackedArgv(
  unackedKey: string,
  indexKey: string,
  from: number,
  to: number,
  since: { score: number; after: boolean },
  maxReads: number,
): string[] {
  const score = Number.isFinite(since.score) ? String(since.score) : '-1e300';
  return ['u', unackedKey, indexKey, String(from), String(to), score, String(maxReads), since.after ? '1' : '0'];
}

export interface UnackedEntry {
  tag: string;
  score: number;
  /** The routing key read this tick; null: the value is missing or unreadable; undefined: not read. */
  routingKey: string | null | undefined;
}

export interface UnackedWindow {
  total: number;
  entries: UnackedEntry[];
}

/** The oldest ready message of a list, as read this tick. */
export interface HeadReading {
  status: HeadStatus;
  /** lsos_sent_at, epoch seconds; null when unstamped or unreadable. */
  sentAt: number | null;
  /** Delivery tag, task id, or a digest; '' when empty. */
  id: string;
  task: string | null;
  /** Unreadable messages among the `sampled` oldest; null when only the head was read. */
  unreadable: number | null;
  sampled: number;
}

export interface ListEntry {
  length: number;
  /** Read this tick; null when not read (unchanged, empty, or deferred). */
  head: HeadReading | null;
  /** The head was due (length changed) but the call's read budget was spent: ask again. */
  deferred: boolean;
}

export interface QueueRecord {
  /** Q.dead's length; null when not counted this tick (the queue was not asked for anything). */
  deadLetters: number | null;
  /** Classified this tick; null when not asked or deferred. */
  deadSample: { sampled: number; byExcType: Record<string, number> } | null;
  deadDeferred: boolean;
  /** The ready list, then the three priority lists when they were asked for. */
  lists: ListEntry[];
}

export interface UnackedReading {
  /** Entries in unacked_index. */
  total: number;
  /** Entries whose routing key was read (all of them unless total > maxUnackedScan). */
  scanned: number;
  byRoutingKey: Record<string, number>;
}

class ReplyShapeError extends Error {
  constructor(what: string) {
    super(`unexpected reply from the Redis inspection script: ${what}`);
  }
}

function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ReplyShapeError(what);
  return v;
}

function text(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  throw new ReplyShapeError(what);
}

function pairs(arr: unknown[], from: number, what: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = from; i + 1 < arr.length; i += 2) out[text(arr[i], what)] = int(arr[i + 1], what);
  return out;
}

function listEntry(v: unknown, what: string): ListEntry {
  if (!Array.isArray(v)) return { length: int(v, what), head: null, deferred: false };
  if (v.length === 1) return { length: int(v[0], what), head: null, deferred: true };
  if (v.length !== 7) throw new ReplyShapeError(what);
  const status = STATUS[int(v[1], `${what} status`)];
  if (!status) throw new ReplyShapeError(`${what} status`);
  const sent = text(v[2], `${what} sent_at`);
  const sentNum = sent === '' ? null : Number(sent);
  const task = text(v[4], `${what} task`);
  const unreadable = v[5] === -1 ? null : int(v[5], `${what} unreadable`);
  return {
    length: int(v[0], what),
    head: {
      status,
      sentAt: sentNum !== null && Number.isFinite(sentNum) && sentNum > 0 ? sentNum : null,
      id: text(v[3], `${what} head id`),
      task: task === '' ? null : task,
      unreadable,
      sampled: int(v[6], `${what} sampled`),
    },
    deferred: false,
  };
}

/**
 * Validates one 'q' call's reply (edge of the system: never trust its shape). null: unchanged.
 * The records go into `into` (a new array when not given), ask i's at `at[i]` (at i when not
 * given): the source gathers a tick's calls into one array, with no array per call in between.
 */
export function decodeQueueChunk(
  reply: unknown,
  asks: readonly QueueAsk[],
  into: (QueueRecord | null)[] = new Array<QueueRecord | null>(asks.length).fill(null),
  at?: readonly number[],
): (QueueRecord | null)[] {
  if (!Array.isArray(reply) || reply.length !== asks.length) throw new ReplyShapeError('queue chunk');
  const order = callOrder(asks);
  for (let j = 0; j < order.length; j++) {
    const i = order[j] as number;
    const r: unknown = reply[j];
    into[at ? (at[i] as number) : i] = r === 0 ? null : queueRecord(r, asks[i] as QueueAsk);
  }
  return into;
}

function queueRecord(r: unknown, ask: QueueAsk): QueueRecord {
  const nLists = (ask.flags & ASK_SUBS) !== 0 ? 4 : 1;
  if (!Array.isArray(r) || r.length !== nLists + 1) throw new ReplyShapeError(`queue ${ask.name}`);
  const d: unknown = r[0];
  let deadLetters: number | null;
  let deadSample: QueueRecord['deadSample'] = null;
  let deadDeferred = false;
  if (d === -1 && ask.flags === 0) {
    deadLetters = null;
  } else if (Array.isArray(d)) {
    deadLetters = int(d[0], `dead letters of ${ask.name}`);
    if (d.length === 1) deadDeferred = true;
    else deadSample = { sampled: int(d[1], 'dead sampled'), byExcType: pairs(d, 2, 'dead types') };
  } else {
    deadLetters = int(d, `dead letters of ${ask.name}`);
  }
  const lists = r.slice(1).map((e, k) => listEntry(e, `list ${k} of ${ask.name}`));
  return { deadLetters, deadSample, deadDeferred, lists };
}

/** Validates one 'u' call's reply. */
export function decodeUnacked(reply: unknown): UnackedWindow {
  if (!Array.isArray(reply) || reply.length < 1 || (reply.length - 1) % 3 !== 0) throw new ReplyShapeError('unacked block');
  const entries: UnackedEntry[] = [];
  for (let i = 1; i < reply.length; i += 3) {
    const score = Number(text(reply[i + 1], 'unacked score'));
    if (!Number.isFinite(score)) throw new ReplyShapeError('unacked score');
    const rk = text(reply[i + 2], 'unacked routing key');
    entries.push({ tag: text(reply[i], 'unacked tag'), score, routingKey: rk === '' ? undefined : rk === '!' ? null : rk });
  }
  return { total: int(reply[0], 'unacked total'), entries };
}
