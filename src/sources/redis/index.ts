export {
  RedisCelerySource,
  type RedisSourceOptions,
  type RedisSourceStats,
  type RedisQueueSnapshot,
  type RedisQueueDetail,
  type RedisTickStats,
} from './redisSource.js';
export { RedisEventStream, type EventStreamStats } from './eventStream.js';
export { DeadLetterTrend, type DeadLetterFigures, type DeadLetterTrendOptions } from './deadLetterTrend.js';
export { priorityKeys, queueFromBinding, KOMBU_SEP, PRIORITY_STEPS } from './keys.js';
