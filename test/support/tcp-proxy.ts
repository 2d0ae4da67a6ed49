import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a server. `freeze()` makes it stop forwarding in both
 * directions without closing anything: to the client the server looks hung, not down. With
 * `rttMs`, every chunk is held for half of it in each direction, as a network of that
 * round-trip time would (order is kept: equal delays fire in order). With `port`, it listens on
 * that port (to bring a server "back" where a client left it).
 */
export class TcpProxy {
  private frozen = false;
  /** Half the round-trip time, in ms; settable while connections are open (setRtt). */
  private oneWay = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(
    targetHost: string,
    targetPort: number,
    options: { rttMs?: number; port?: number } = {},
  ): Promise<TcpProxy> {
    const holder: { proxy?: TcpProxy } = {};
    const forward = (to: Socket, data: Buffer) => {
      const oneWay = holder.proxy!.oneWay;
      return oneWay > 0 ? void setTimeout(() => to.destroyed || to.write(data), oneWay) : to.write(data);
    };
    const server = createServer((client) => {
      const proxy = holder.proxy!;
      const upstream = connect(targetPort, targetHost);
      // A network hop forwards each packet as it comes. With Nagle's algorithm on here, a reply in
      // two chunks (PostgreSQL flushes every 8 KiB) would hold the second until the client's
      // delayed ACK, ≈ 40 ms: a wait of the proxy's making, not the service's.
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      proxy.track(client, upstream);
      client.on('data', (data: Buffer) => proxy.frozen || forward(upstream, data));
      upstream.on('data', (data: Buffer) => proxy.frozen || forward(client, data));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', resolve);
    });
    const address = server.address();
    holder.proxy = new TcpProxy(server, typeof address === 'object' && address ? address.port : 0);
    holder.proxy.setRtt(options.rttMs ?? 0);
    return holder.proxy;
  }

  /** From now on, every chunk is held for half of `rttMs` in each direction. */
  setRtt(rttMs: number): void {
    this.oneWay = rttMs / 2;
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
  }

  /** Cuts every open connection at once, as a network reset does: the server never says goodbye. */
  cut(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private track(...sockets: Socket[]): void {
    for (const socket of sockets) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    }
  }
}
