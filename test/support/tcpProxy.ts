// A TCP proxy placed in front of a shared server, so fault tests never stop the server itself:
// `cut()` drops every relayed connection and stops listening (a dead server as the client sees
// it), `restore()` listens again on the same port. An optional delay per chunk in each direction
// makes a slow network (a round trip then costs 2 x delayMs, so round trips can be counted).
import net from 'node:net';

export class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  /** Bytes sent to the target / received from it, over all connections. */
  bytesUp = 0;
  bytesDown = 0;
  /** Connections accepted so far (a client's connection attempts, refused upstream or not). */
  accepted = 0;

  constructor(
    readonly targetPort: number,
    readonly delayMs = 0,
    readonly targetHost = '127.0.0.1',
  ) {}

  /** Listens on `port` (0: a free one) and returns it. */
  async start(port = 0): Promise<number> {
    const server = net.createServer((client) => {
      this.accepted++;
      const upstream = net.connect({ port: this.targetPort, host: this.targetHost });
      this.sockets.add(client);
      this.sockets.add(upstream);
      const relay = (from: net.Socket, to: net.Socket) => {
        from.on('data', (chunk: Buffer) => {
          if (from === client) this.bytesUp += chunk.length;
          else this.bytesDown += chunk.length;
          if (this.delayMs > 0) setTimeout(() => to.writable && to.write(chunk), this.delayMs);
          else if (to.writable) to.write(chunk);
        });
      };
      relay(client, upstream);
      relay(upstream, client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      for (const s of [client, upstream]) {
        s.on('close', drop);
        s.on('error', drop);
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Relayed connections open now. */
  get connections(): number {
    return this.sockets.size / 2;
  }

  /** Drops every open connection but keeps accepting new ones (a network blip). */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /** The server is gone: connections dropped, new ones refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.dropConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The server is back, on the same port. */
  async restore(): Promise<void> {
    await this.start(this.port);
  }

  async close(): Promise<void> {
    await this.cut();
  }
}
