/**
 * Exponential backoff with "equal jitter": half of the capped exponential delay is fixed, half
 * random, so retries of many rows spread out but none comes back sooner than half the delay.
 */
export function equalJitterBackoff(
  attempts: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempts - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
