import { DomainError } from '../common/errors';

/** Enough for every client a replica meets in a window; past it the oldest is forgotten. */
const MAX_TRACKED_CLIENTS = 10_000;

/**
 * Failed key checks per client IP, in fixed windows, in this process: past the limit a client's
 * next attempts are refused before any lookup, so guessing keys costs the guesser the window.
 * Bounded: at most MAX_TRACKED_CLIENTS addresses are remembered (oldest first out).
 */
export class FailedAuthLimiter {
  private readonly clients = new Map<string, { failures: number; windowEnds: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  check(ip: string): void {
    if (this.limit === 0) return;
    const entry = this.clients.get(ip);
    if (!entry || entry.windowEnds <= Date.now() || entry.failures < this.limit) return;
    throw new DomainError('RATE_LIMITED', 'Too many failed authentication attempts from this address', {
      retry_after_seconds: Math.max(1, Math.ceil((entry.windowEnds - Date.now()) / 1000)),
    });
  }

  record(ip: string): void {
    if (this.limit === 0) return;
    const now = Date.now();
    const entry = this.clients.get(ip);
    if (entry && entry.windowEnds > now) {
      entry.failures += 1;
      return;
    }
    this.clients.delete(ip);
    if (this.clients.size >= MAX_TRACKED_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
    this.clients.set(ip, { failures: 1, windowEnds: now + this.windowMs });
  }
}
