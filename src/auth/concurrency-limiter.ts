import type { FastifyReply } from 'fastify';
import { DomainError } from '../common/errors';

/**
 * Requests in flight per API key, in this process. A rate limit
 * bounds how many requests a key sends per window, not how many it keeps running at once: a
 * key inside its rate with slow requests could still hold every database connection. Past the
 * limit a request is refused at once (429) instead of queueing behind the caller's own.
 */
export class ConcurrencyLimiter {
  private readonly inFlight = new Map<string, number>();

  /** A limit of 0 turns the check off. */
  constructor(private readonly limit: number) {}

  /** Counts the request until its response has been sent or its connection has closed. */
  admit(tracker: string, reply: FastifyReply): void {
    if (this.limit === 0) return;
    const running = this.inFlight.get(tracker) ?? 0;
    if (running >= this.limit) {
      throw new DomainError(
        'RATE_LIMITED',
        `This caller already has ${running} requests in flight (the limit is ${this.limit})`,
        { retry_after_seconds: 1 },
      );
    }
    this.inFlight.set(tracker, running + 1);
    reply.raw.once('close', () => {
      const left = (this.inFlight.get(tracker) ?? 1) - 1;
      if (left > 0) this.inFlight.set(tracker, left);
      else this.inFlight.delete(tracker);
    });
  }
}
