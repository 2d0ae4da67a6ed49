import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a server. `freeze()` makes it stop forwarding in both
 * directions without closing anything: to the client the server looks hung, not down. With
 * `rttMs`, every chunk is held for half of it in each direction, as a network of that
 * round-trip time would (order is kept: equal delays fire in order). With `port`, it listens on
 * that port (to bring a server "back" where a client left it). `delayNewConnections(ms)` holds
 * connections opened from then on for `ms` before linking them, as a pooler waiting for a free
 * server connection does (what a client sends meanwhile is forgotten if it leaves first); open
 * connections are left alone.
 */
export class TcpProxy {
  private frozen = false;
  /** Half the round-trip time, in ms; settable while connections are open (setRtt). */
  private oneWay = 0;
  private newConnectionDelay = 0;
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
      proxy.track(client);
      if (proxy.newConnectionDelay === 0) return link(client, []);
      // Held as a pooler holds a request waiting for a server connection: read, not forwarded, and
      // forgotten if its client leaves first.
      const held: Buffer[] = [];
      const hold = (data: Buffer) => held.push(data);
      let left = false;
      client.on('data', hold);
      client.once('end', () => (left = true));
      client.once('error', () => client.destroy());
      setTimeout(() => {
        if (left || client.destroyed) return client.destroy();
        client.off('data', hold);
        link(client, held);
      }, proxy.newConnectionDelay);
    });
    const link = (client: Socket, held: Buffer[]) => {
      const proxy = holder.proxy!;
      const upstream = connect(targetPort, targetHost);
      for (const data of held) upstream.write(data);
      // A network hop forwards each packet as it comes. With Nagle's algorithm on here, a reply in
      // two chunks (PostgreSQL flushes every 8 KiB) would hold the second until the client's
      // delayed ACK, ≈ 40 ms: a wait of the proxy's making, not the service's.
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      proxy.track(upstream);
      client.on('data', (data: Buffer) => proxy.frozen || forward(upstream, data));
      upstream.on('data', (data: Buffer) => proxy.frozen || forward(client, data));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    };
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

  delayNewConnections(ms: number): void {
    this.newConnectionDelay = ms;
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
