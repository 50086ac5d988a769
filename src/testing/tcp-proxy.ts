import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on 127.0.0.1 standing for the network path to Prometheus: the service keeps one URL while
 * the Prometheus behind it is stopped and a new one started.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  port = 0;

  private constructor(
    private readonly server: Server,
    public upstreamPort: number,
  ) {}

  static async start(upstreamPort: number): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, upstreamPort);
    server.on('connection', (client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: proxy.upstreamPort });
      for (const socket of [client, upstream]) {
        proxy.sockets.add(socket);
        socket.on('close', () => proxy.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    proxy.port = typeof address === 'object' && address !== null ? address.port : 0;
    return proxy;
  }

  /** Drops open connections (kept-alive ones would otherwise still reach the old upstream). */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
