// One Lua script reads every queue in a single round trip: depths of the four priority lists,
// the oldest ready message of each (its lsos_sent_at, or an identity for "first seen"), a bounded
// sample of the oldest messages checked for readability, dead-letter list lengths with a bounded
// classification of the newest dead letters, and reserved (unacked) counts per queue.
//
// Why Lua rather than a pipeline of LRANGEs: a 5 MB message at the head of a queue must never
// travel to the cockpit each tick; the script looks at messages inside Redis and returns only a
// few fields per list. Bounds per call: sampleDepth messages per priority list (only the head
// when the list did not change since the last tick), deadSample
// messages per dead-letter list (only when its length changed), maxUnackedScan unacked entries.
// The script only reads, and it names keys through ARGV (fine on a standalone Redis, which is
// what kombu's Redis transport uses; it would not be cluster-safe).

export const INSPECT_LUA = String.raw`
local sampleDepth = tonumber(ARGV[1])
local maxBytes = tonumber(ARGV[2])
local deadSample = tonumber(ARGV[3])
local maxUnackedScan = tonumber(ARGV[4])
local unackedKey = ARGV[5]
local unackedIndexKey = ARGV[6]
local nQueues = tonumber(ARGV[7])
local SEP = string.char(6, 22)
local STEPS = {'', SEP .. '3', SEP .. '6', SEP .. '9'}

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
  return 'x:' .. redis.sha1hex(string.sub(s, 1, 4096)) .. ':' .. #s
end

local function subList(key, lastKey)
  local len = redis.call('LLEN', key)
  if len == 0 then return {0, 0, 0, 0, '', '', '', ''} end
  -- The sample is the same messages as last tick when the length and the tail are unchanged
  -- (nothing consumed from the tail, nothing pushed).
  local tail = redis.call('LINDEX', key, -1)
  local sampleKey = len .. ':' .. #tail .. ':' .. redis.sha1hex(string.sub(tail, 1, 4096))
  -- Unchanged: the caller keeps what it read last time, head included.
  if sampleKey == lastKey then return {len, -1, 0, -1, '', '', '', sampleKey} end
  local items = redis.call('LRANGE', key, -sampleDepth, -1)
  local unreadable = 0
  local headStatus, headSentAt, headId, headTask = 0, '', '', ''
  for i = 1, #items do
    local s = items[i]
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
  return {len, unreadable, #items, headStatus, headSentAt, headId, headTask, sampleKey}
end

local function deadLetters(queue, lastLen)
  local key = queue .. '.dead'
  local len = redis.call('LLEN', key)
  if len == lastLen or len == 0 or deadSample <= 0 then return {len, 0} end
  -- LPUSH puts the newest at index 0.
  local items = redis.call('LRANGE', key, 0, deadSample - 1)
  local counts = {}
  local order = {}
  for i = 1, #items do
    local s = items[i]
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
  local out = {len, 1, #items}
  for _, t in ipairs(order) do
    out[#out + 1] = t
    out[#out + 1] = counts[t]
  end
  return out
end

local function unacked()
  local total = redis.call('ZCARD', unackedIndexKey)
  local out = {total, 0}
  if total == 0 or maxUnackedScan <= 0 then return out end
  local tags
  if total <= maxUnackedScan then
    tags = redis.call('ZRANGE', unackedIndexKey, 0, -1)
  else
    -- Too many to read every tick: the most recently fetched ones stand for the rest.
    tags = redis.call('ZREVRANGE', unackedIndexKey, 0, maxUnackedScan - 1)
  end
  local counts, order, scanned = {}, {}, 0
  local chunk = 500
  for i = 1, #tags, chunk do
    local batch = {}
    for j = i, math.min(i + chunk - 1, #tags) do batch[#batch + 1] = tags[j] end
    local values = redis.call('HMGET', unackedKey, unpack(batch))
    for _, v in ipairs(values) do
      if v then
        scanned = scanned + 1
        -- The value is [envelope, exchange, routing_key]: the routing key closes the array.
        local rk = string.match(string.sub(v, -400), '"([^"]*)"%s*%]%s*$')
        if rk then
          if counts[rk] == nil then counts[rk] = 0; order[#order + 1] = rk end
          counts[rk] = counts[rk] + 1
        end
      end
    end
  end
  out[2] = scanned
  for _, rk in ipairs(order) do
    out[#out + 1] = rk
    out[#out + 1] = counts[rk]
  end
  return out
end

local result = {unacked()}
local PER = 6
for q = 0, nQueues - 1 do
  local at = 8 + q * PER
  local name = ARGV[at]
  local lastDead = tonumber(ARGV[at + 1])
  local entry = {deadLetters(name, lastDead)}
  for i, step in ipairs(STEPS) do entry[#entry + 1] = subList(name .. step, ARGV[at + 1 + i]) end
  result[#result + 1] = entry
end
return result
`;

export type HeadStatus = 'empty' | 'ok' | 'too-large' | 'not-json' | 'not-envelope' | 'bad-encoding';
/** `unchanged`: same length and tail as the sample key the caller passed; reuse its last reading. */
export type ReadingStatus = HeadStatus | 'unchanged';
const STATUS: Record<number, HeadStatus> = { 0: 'empty', 1: 'ok', 2: 'too-large', 3: 'not-json', 4: 'not-envelope', 5: 'bad-encoding' };

export interface SubListReading {
  length: number;
  /** Unreadable messages among the `sampled` oldest; null when unchanged (headStatus `unchanged`). */
  unreadable: number | null;
  sampled: number;
  headStatus: ReadingStatus;
  /** lsos_sent_at of the oldest ready message, epoch seconds; null when unstamped or unreadable. */
  headSentAt: number | null;
  /** Identity of the oldest ready message (delivery tag, task id, or a digest), '' when empty. */
  headId: string;
  headTask: string | null;
  /** Length, tail size and tail digest: equal next tick means the same sample. */
  sampleKey: string;
}

export interface QueueReading {
  queue: string;
  deadLetters: number;
  /** Newest dead letters by lsos_exc_type; null when the list did not change since the last sample. */
  deadSample: { sampled: number; byExcType: Record<string, number> } | null;
  /** The four priority lists, in PRIORITY_STEPS order. */
  lists: SubListReading[];
}

export interface UnackedReading {
  /** Entries in unacked_index. */
  total: number;
  /** Entries whose routing key was read (all of them unless total > maxUnackedScan). */
  scanned: number;
  byRoutingKey: Record<string, number>;
}

export interface InspectReading {
  unacked: UnackedReading;
  queues: QueueReading[];
}

export interface InspectArgs {
  sampleDepth: number;
  maxMessageBytes: number;
  deadSample: number;
  maxUnackedScan: number;
  unackedKey: string;
  unackedIndexKey: string;
  /** Queues with the dead-letter length seen last tick (-1: sample it) and the four lists' last sample keys ('' : sample). */
  queues: { name: string; lastDeadLetters: number; lastSampleKeys?: string[] }[];
}

export function inspectArgv(a: InspectArgs): string[] {
  const argv = [a.sampleDepth, a.maxMessageBytes, a.deadSample, a.maxUnackedScan, a.unackedKey, a.unackedIndexKey, a.queues.length].map(
    String,
  );
  for (const q of a.queues) argv.push(q.name, String(q.lastDeadLetters), ...[0, 1, 2, 3].map((i) => q.lastSampleKeys?.[i] ?? ''));
  return argv;
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

/** Validates the script's reply (edge of the system: never trust its shape). */
export function decodeInspectReply(reply: unknown, queues: readonly string[]): InspectReading {
  if (!Array.isArray(reply) || reply.length !== queues.length + 1) throw new ReplyShapeError('top level');
  const u = reply[0];
  if (!Array.isArray(u) || u.length < 2) throw new ReplyShapeError('unacked block');
  const unacked: UnackedReading = {
    total: int(u[0], 'unacked total'),
    scanned: int(u[1], 'unacked scanned'),
    byRoutingKey: pairs(u, 2, 'unacked counts'),
  };
  const out: QueueReading[] = [];
  queues.forEach((queue, qi) => {
    const entry = reply[qi + 1];
    if (!Array.isArray(entry) || entry.length !== 5) throw new ReplyShapeError(`queue ${queue}`);
    const d = entry[0];
    if (!Array.isArray(d) || d.length < 2) throw new ReplyShapeError(`dead letters of ${queue}`);
    const deadLetters = int(d[0], 'dead length');
    const deadSample =
      int(d[1], 'dead sampled flag') === 1 ? { sampled: int(d[2], 'dead sampled'), byExcType: pairs(d, 3, 'dead types') } : null;
    const lists = entry.slice(1).map((s, i): SubListReading => {
      if (!Array.isArray(s) || s.length !== 8) throw new ReplyShapeError(`list ${i} of ${queue}`);
      const unchanged = s[1] === -1;
      const status = unchanged ? 'unchanged' : STATUS[int(s[3], 'status')];
      if (!status) throw new ReplyShapeError('status');
      const sent = text(s[4], 'sent_at');
      const sentNum = sent === '' ? null : Number(sent);
      const task = text(s[6], 'task');
      return {
        length: int(s[0], 'length'),
        unreadable: s[1] === -1 ? null : int(s[1], 'unreadable'),
        sampled: int(s[2], 'sampled'),
        headStatus: status,
        headSentAt: sentNum !== null && Number.isFinite(sentNum) && sentNum > 0 ? sentNum : null,
        headId: text(s[5], 'head id'),
        headTask: task === '' ? null : task,
        sampleKey: text(s[7], 'sample key'),
      };
    });
    out.push({ queue, deadLetters, deadSample, lists });
  });
  return { unacked, queues: out };
}
