import { ThrottlerStorageService } from '@nestjs/throttler';
import { MemoryThrottlerStorage } from './memory-throttler.storage';

/** The same answers as @nestjs/throttler's own in-memory storage, request by request. */
describe('MemoryThrottlerStorage', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it.each([
    ['blocking for the window (the guard default)', 1_000, 1_000],
    ['blocking for longer than the window', 1_000, 2_500],
    ['without a block', 1_000, 0],
  ])('agrees with the library over a random stream of hits, %s', async (_name, ttl, blockDuration) => {
    const ours = new MemoryThrottlerStorage();
    const theirs = new ThrottlerStorageService();
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    let refused = 0;
    for (let i = 0; i < 3_000; i++) {
      jest.advanceTimersByTime(Math.floor(random() * 60));
      const key = random() < 0.8 ? 'key:a' : 'key:b';
      const expected = await theirs.increment(key, ttl, 20, blockDuration, 'default');
      const actual = await ours.increment(key, ttl, 20, blockDuration, 'default');
      // The guard reads timeToBlockExpire only when blocked (the library leaves a stale figure otherwise).
      const used = (r: typeof actual) => ({ ...r, timeToBlockExpire: r.isBlocked ? r.timeToBlockExpire : 0 });
      expect({ i, ...used(actual) }).toEqual({ i, ...used(expected) });
      if (actual.isBlocked) refused++;
    }
    // The stream must exercise both sides of the limit.
    expect(refused).toBeGreaterThan(100);
    expect(refused).toBeLessThan(2_900);
    ours.onApplicationShutdown();
    theirs.onApplicationShutdown();
  });

  it('costs the same per hit whatever the number of hits in the window', async () => {
    const storage = new MemoryThrottlerStorage();
    // 200 000 hits inside one window: the library's storage would filter an array of that size per hit.
    for (let i = 0; i < 200_000; i++) await storage.increment('key:a', 60_000, 1_000_000, 60_000, 'default');
    const record = await storage.increment('key:a', 60_000, 1_000_000, 60_000, 'default');
    expect(record).toMatchObject({ totalHits: 200_001, isBlocked: false });
    jest.advanceTimersByTime(60_001);
    expect(await storage.increment('key:a', 60_000, 1_000_000, 60_000, 'default')).toMatchObject({
      totalHits: 1,
    });
    storage.onApplicationShutdown();
  });

  it('forgets idle keys', async () => {
    const storage = new MemoryThrottlerStorage();
    await storage.increment('key:a', 1_000, 5, 1_000, 'default');
    expect(storage.size).toBe(1);
    storage.evictIdle(Date.now() + 1_001);
    expect(storage.size).toBe(0);
    storage.onApplicationShutdown();
  });
});
