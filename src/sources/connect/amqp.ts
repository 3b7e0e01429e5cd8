// The one place an AMQP connection is opened from a configured broker URL: one node or Celery's
// `;`-separated failover list (amqp://, amqps:// with a CA file and client certificate). The nodes
// are tried in order from the one after the node that was last lost, so a dead node is not asked
// first again; the connection says which node it is on.
import type { ChannelModel } from 'amqplib';
import { parseAmqpBroker, type AmqpNode } from '../../config/brokerUrl.js';
import { redactSecrets } from '../../config/maskUrl.js';
import { connectProblem } from './errors.js';
import { tlsOptions } from './redis.js';

export class AmqpConnectError extends Error {
  override name = 'AmqpConnectError';
}

export interface AmqpConnection {
  model: ChannelModel;
  node: AmqpNode;
  /** Index of the node in the list (pass it as `after` to start the next attempt past it). */
  index: number;
}

/** The nodes of a configured AMQP URL; throws AmqpConnectError (one line, masked) for a bad one. */
export function amqpNodes(url: string): AmqpNode[] {
  const nodes = parseAmqpBroker(url);
  if ('problem' in nodes) throw new AmqpConnectError(redactSecrets(`amqp: ${nodes.problem}`, [url]));
  return nodes;
}

/**
 * Connects to the first node of the list that answers, starting after `after` (the node lost
 * last). Rejects with one line naming every node tried and why each failed.
 */
export async function connectAmqp(
  url: string,
  o: { timeoutMs: number; after?: number; socket?: Record<string, unknown>; urlOf?: (nodeUrl: string) => string },
): Promise<AmqpConnection> {
  const nodes = amqpNodes(url);
  // amqplib is loaded by the first RabbitMQ connection: a cockpit that reads Redis alone never
  // loads it (about 10 ms of a live launch, profiled; docs/performance.md "Eighth session").
  const { connect } = await import('amqplib');
  const start = o.after === undefined ? 0 : (o.after + 1) % nodes.length;
  const failures: string[] = [];
  // One node: the caller names it already, the problem alone is said.
  let onlyProblem: string | null = null;
  for (let k = 0; k < nodes.length; k++) {
    const index = (start + k) % nodes.length;
    const node = nodes[index] as AmqpNode;
    try {
      const host = (() => {
        try {
          return new URL(node.url).hostname;
        } catch {
          return null;
        }
      })();
      const socket: Record<string, unknown> = { noDelay: true, timeout: o.timeoutMs, ...(o.socket ?? {}) };
      if (node.tls) Object.assign(socket, tlsOptions(node.tls, host, `amqp ${node.label}`));
      const model = await connect(o.urlOf ? o.urlOf(node.url) : node.url, socket);
      return { model, node, index };
    } catch (err) {
      onlyProblem = connectProblem(err);
      failures.push(`${node.label}: ${onlyProblem}`);
    }
  }
  throw new AmqpConnectError(
    redactSecrets(nodes.length === 1 ? (onlyProblem ?? 'no node') : `no node answered (${failures.join('; ')})`, [url]),
  );
}
