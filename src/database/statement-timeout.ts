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
 * reused: the late cancel could otherwise stop its next statement.
 *
 * A cancel can be slow to land: a PgBouncer forwards it on a new server connection, which waits
 * when the pool is busy. Past CANCEL_GRACE_MS the caller gets its timeout anyway, and the cancel is
 * sent once more, but the connection stays open, out of the pool, until the server answers: dropping
 * it would not stop the statement (neither PostgreSQL nor PgBouncer cancels a statement whose client
 * went away; a PgBouncer forgets the queued cancel too), which would run on, holding its locks and
 * a server connection. Only after CANCEL_ABANDON_MS with no answer (network gone) is it dropped.
 *
 * A budget counts from the call. A cancel stops whatever the connection is running, so code that
 * queues several statements on one connection at once (pg runs them one after another; the
 * service does not do this) shares the budget between them.
 */
const budget = new AsyncLocalStorage<number>();

/** How long a cancelled statement may take to stop before its caller is given the timeout. */
export const CANCEL_GRACE_MS = 1_000;
/** How long a cancelled statement may take to stop before its connection is dropped. */
export const CANCEL_ABANDON_MS = 30_000;

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
        const deadline = this.arm(ms, reject);
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

    /** Settles when the statement given up on at CANCEL_GRACE_MS has ended; until then, end() waits. */
    private abandoned: Promise<void> | undefined;

    // pg's end() destroys the socket under a running statement; one given up on must end first.
    override end(...args: unknown[]): never {
      const [callback] = args as [((error?: Error) => void) | undefined];
      // eslint-disable-next-line @typescript-eslint/unbound-method -- always invoked with .call(this)
      const plain = super.end as unknown as (this: Client, callback?: (error?: Error) => void) => unknown;
      if (!this.abandoned) return plain.call(this, callback) as never;
      // No statement may start meanwhile: a pool that gets this client back removes it.
      (this as unknown as { _ending: boolean })._ending = true;
      const ended = this.abandoned.then(() => plain.call(this) as Promise<void>);
      if (!callback) return ended as never;
      ended.then(
        () => callback(),
        (error: Error) => callback(error),
      );
      return undefined as never;
    }

    /** Closes this connection (once its abandoned statement, if any, has ended); errors are moot. */
    private closeQuietly(): void {
      void (this.end() as Promise<void>).catch(() => undefined);
    }

    private arm(ms: number, giveUp: (error: Error) => void): { settle(error: Error | null): Error | null } {
      let cancels = 0;
      const timers: NodeJS.Timeout[] = [];
      let ended: (() => void) | undefined;
      const cancel = () => {
        cancels++;
        // Set from the server's BackendKeyData at connect (a pooler sends its own key).
        const key = this as unknown as { processID: number | null; secretKey: number | null };
        sendCancel(this.host, this.port, key.processID, key.secretKey);
      };
      // Past the grace: the caller has its timeout now; the connection waits for the server.
      const giveUpAtGrace = () => {
        giveUp(new StatementTimeoutError(ms));
        this.abandoned = new Promise((resolve) => (ended = resolve));
        cancel();
        this.closeQuietly();
        timers.push(setTimeout(() => this.connection.stream.destroy(), CANCEL_ABANDON_MS - CANCEL_GRACE_MS));
      };
      const cancelAtBudget = () => {
        cancel();
        timers.push(setTimeout(giveUpAtGrace, CANCEL_GRACE_MS));
      };
      timers.push(setTimeout(cancelAtBudget, ms));
      return {
        settle: (error) => {
          for (const timer of timers) clearTimeout(timer);
          ended?.();
          if (cancels === 0) return error;
          // 57014 after one cancel: it stopped this statement and is spent. Anything else: a cancel
          // may still be on its way, so this connection serves nothing more.
          if (cancels > 1 || (error as { code?: unknown } | null)?.code !== '57014') {
            this.closeQuietly();
          }
          return error ? new StatementTimeoutError(ms, { cause: error }) : null;
        },
      };
    }
  };
}

/**
 * The protocol's CancelRequest on a new connection (unencrypted, as PostgreSQL and PgBouncer
 * accept it before any TLS negotiation); best effort: it is sent again at CANCEL_GRACE_MS, and
 * CANCEL_ABANDON_MS covers one that never arrives.
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
  socket.setTimeout(CANCEL_ABANDON_MS, () => socket.destroy());
  socket.unref();
  socket.once('connect', () => socket.write(packet));
  socket.on('end', () => socket.destroy());
  socket.on('error', () => socket.destroy());
}
