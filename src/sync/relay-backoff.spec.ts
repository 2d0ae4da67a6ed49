import { equalJitterBackoff } from './relay-backoff';

describe('equalJitterBackoff', () => {
  it.each([
    [1, 0, 250],
    [1, 1, 500],
    [3, 0, 1_000],
    [3, 1, 2_000],
    [20, 0, 30_000],
    [20, 1, 60_000],
  ])('attempt %i with random %d waits %i ms (base 500, cap 60 000)', (attempts, random, expected) => {
    expect(equalJitterBackoff(attempts, 500, 60_000, () => random)).toBe(expected);
  });
});
