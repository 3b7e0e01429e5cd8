// The broker constructors the configuration's buildLiveSources() needs: one place that knows how
// a configured Redis or RabbitMQ becomes a Source (queues, failure-class rules, the event
// aggregator's classifier), so the cockpit and `check` build exactly the same sources.
import { buildLiveSources, type BrokerFactories, type CockpitConfig, type LiveSource } from '../config/index.js';
import { createClassifier, fromConfigRules } from '../core/failureClass.js';
import { RabbitMqSource } from './amqp/index.js';
import { RedisCelerySource } from './redis/index.js';

export function brokerFactories(): BrokerFactories {
  return {
    redis: (redis, config) => {
      const failureRules = fromConfigRules(config.failureClasses);
      return new RedisCelerySource({
        url: redis.url,
        db: redis.db,
        queues: config.queues,
        failureRules,
        aggregator: { classify: createClassifier(failureRules) },
      });
    },
    amqp: (amqp, config) =>
      new RabbitMqSource({
        url: amqp.url,
        queues: config.queues,
        events: { classify: createClassifier(fromConfigRules(config.failureClasses)) },
      }),
  };
}

/** Every live source of a configuration, brokers included. */
export function openLiveSources(config: CockpitConfig): LiveSource[] {
  return buildLiveSources(config, brokerFactories());
}
