import { AsyncLocalStorage } from 'node:async_hooks';
import { connect } from 'node:net';
import { Client } from 'pg';

/**
 * Statement timeouts that hold through any pooler, at no cost per statement.
 *
 * PostgreSQL's own `statement_timeout` cannot be used: as a startup parameter a transaction-mode
 * PgBouncer (Neon's `-pooler` host) refuses the connection ("unsupported startup parameter") and
 * Neon's proxy drops it silently even on the direct host; a session `SET` does not survive a
 * transaction-mode pooler, and `SET LOCAL` costs a transaction and two more round trips per
 * statement. So the client keeps the time: each statement arms a timer, and one past its budget is
 * cancelled with a protocol CancelRequest — PostgreSQL stops it and answers 57014, and a PgBouncer
 * forwards the request to the server connection its client is linked to (1.18+ never to another
 * client's). The normal path sends nothing extra.
 *
 * A connection whose statement ended some other way while its cancel was in flight is closed, not
 * reused: the late cancel could otherwise stop its next statement. If the server never answers the
 * cancel (network gone), the connection is dropped after a grace period.
 *
 * A budget counts from the call. A cancel stops whatever the connection is running, so code that
 * queues several statements on one connection at once (pg runs them one after another; the
 * service does not do this) shares the budget between them.
 */
const budget = new AsyncLocalStorage<number>();

/** How long a cancelled statement may take to stop before its connection is dropped. */
export const CANCEL_GRACE_MS = 1_000;

/** The statements `work` sends (on any pooled connection) are bounded by `ms` instead of the default. */
export function withStatementTimeout<T>(ms: number, work: () => Promise<T>): Promise<T> {
  return budget.run(ms, work);
}

/**
 * A statement stopped at its budget. SQLSTATE 57014 (query_canceled), like PostgreSQL's own
 * statement timeout, so the error classifier treats both alike.
 */
export class StatementTimeoutError extends Error {
  override readonly name = 'StatementTimeoutError';
  readonly code = '57014';
  constructor(
    readonly budgetMs: number,
    options?: { cause?: unknown },
  ) {
    super(`canceling statement due to statement timeout (${budgetMs} ms)`, options);
  }
}

type Callback = (error: Error | null, result?: unknown) => void;
type AnyQuery = (this: Client, ...args: unknown[]) => unknown;

/**
 * A node-postgres `Client` class (for `new Pool({ Client })`) whose statements are bounded by
 * `defaultMs`, or by the budget of the enclosing `withStatementTimeout`; 0 means unbounded.
 */
export function clientWithStatementTimeout(defaultMs: number): typeof Client {
  return class StatementTimeoutClient extends Client {
    // pg's overloads (text, config object, submittable; promise or callback) in one signature.
    override query(...args: unknown[]): never {
      const [config, values, callback] = args;
      const ms = budget.getStore() ?? defaultMs;
      // eslint-disable-next-line @typescript-eslint/unbound-method -- always invoked with .call/.apply(this)
      const plain = super.query as unknown as AnyQuery;
      // Submittables (cursors, streams) manage their own reads: unbounded, as before.
      if (!(ms > 0) || config == null || typeof (config as { submit?: unknown }).submit === 'function') {
        return plain.apply(this, args) as never;
      }
      const done = (typeof values === 'function' ? values : callback) as Callback | undefined;
      const params = typeof values === 'function' ? undefined : values;
      const result = new Promise((resolve, reject) => {
        const deadline = this.arm(ms);
        plain.call(this, config, params, (error: Error | null, res: unknown) => {
          const failure = deadline.settle(error);
          if (failure) reject(failure);
          else resolve(res);
        });
      });
      if (!done) return result as never;
      result.then(
        (res) => done(null, res),
        (error: Error) => done(error),
      );
      return undefined as never;
    }

    private arm(ms: number): { settle(error: Error | null): Error | null } {
      let cancelled = false;
      let grace: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        cancelled = true;
        // Set from the server's BackendKeyData at connect (a pooler sends its own key).
        const key = this as unknown as { processID: number | null; secretKey: number | null };
        sendCancel(this.host, this.port, key.processID, key.secretKey);
        grace = setTimeout(() => this.connection.stream.destroy(), CANCEL_GRACE_MS);
      }, ms);
      return {
        settle: (error) => {
          clearTimeout(timer);
          clearTimeout(grace);
          if (!cancelled) return error;
          // 57014: the cancel stopped this statement and is spent. Anything else: it may still be
          // on its way, so this connection serves nothing more.
          if ((error as { code?: unknown } | null)?.code !== '57014') void this.end().catch(() => undefined);
          return error ? new StatementTimeoutError(ms, { cause: error }) : null;
        },
      };
    }
  };
}

/**
 * The protocol's CancelRequest on a new connection (unencrypted, as PostgreSQL and PgBouncer
 * accept it before any TLS negotiation); best effort: the grace timer covers a cancel that never
 * arrives.
 */
function sendCancel(host: string, port: number, processID: number | null, secretKey: number | null): void {
  if (processID === null || secretKey === null) return;
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80877102, 4);
  packet.writeInt32BE(processID, 8);
  packet.writeInt32BE(secretKey, 12);
  const socket = host.startsWith('/') ? connect(`${host}/.s.PGSQL.${port}`) : connect({ host, port });
  // The server closes the connection once it has acted; closing ours first can drop the request
  // (PgBouncer forgets a cancel whose client has gone before it was forwarded).
  socket.setTimeout(CANCEL_GRACE_MS, () => socket.destroy());
  socket.once('connect', () => socket.write(packet));
  socket.on('end', () => socket.destroy());
  socket.on('error', () => socket.destroy());
}
