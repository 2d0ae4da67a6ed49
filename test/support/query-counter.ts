import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { RequestContextService } from '../../src/common/request-context.module';

type Query = (this: Client, ...args: unknown[]) => unknown;
type Connect = (this: Client, ...args: unknown[]) => unknown;

/**
 * Counts the statements the app sends to PostgreSQL, per HTTP request: pg's Client.query is
 * wrapped, and each statement is attributed to the request whose async context issued it.
 * Background work (the outbox relay, batched log writes) belongs to no request.
 */
export class QueryCounter {
  private readonly byRequest = new Map<string, string[]>();
  private readonly connectsByRequest = new Map<string, number>();
  private readonly original: Query;
  private readonly originalConnect: Connect;

  private constructor(context: RequestContextService) {
    const byRequest = this.byRequest;
    this.original = Client.prototype.query;
    const original = this.original;
    (Client.prototype as unknown as { query: Query }).query = function (this: Client, ...args: unknown[]) {
      const requestId = context.current().request_id;
      if (requestId) {
        const config = args[0] as string | { text?: string };
        const text = typeof config === 'string' ? config : (config?.text ?? '');
        byRequest.set(requestId, [...(byRequest.get(requestId) ?? []), text]);
      }
      return original.apply(this, args);
    };
    // A new connection is several round trips (startup, authentication) before any statement.
    const connects = this.connectsByRequest;
    this.originalConnect = Client.prototype.connect;
    const originalConnect = this.originalConnect;
    (Client.prototype as unknown as { connect: Connect }).connect = function (
      this: Client,
      ...args: unknown[]
    ) {
      const requestId = context.current().request_id;
      if (requestId) connects.set(requestId, (connects.get(requestId) ?? 0) + 1);
      return originalConnect.apply(this, args);
    };
  }

  static install(app: INestApplication): QueryCounter {
    return new QueryCounter(app.get(RequestContextService));
  }

  statementsFor(requestId: string): string[] {
    return this.byRequest.get(requestId) ?? [];
  }

  /** New PostgreSQL connections opened on behalf of the request (0 when the pool had one ready). */
  connectionsFor(requestId: string): number {
    return this.connectsByRequest.get(requestId) ?? 0;
  }

  uninstall(): void {
    (Client.prototype as unknown as { query: Query }).query = this.original;
    (Client.prototype as unknown as { connect: Connect }).connect = this.originalConnect;
  }
}
