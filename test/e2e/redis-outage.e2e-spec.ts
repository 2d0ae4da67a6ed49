import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import {
  dataDirectory,
  freePort,
  spawnService,
  waitForHttp,
  type ServiceProcess,
} from '../support/service-process';
import { TcpProxy } from '../support/tcp-proxy';

const REDIS = new URL(process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379');

interface LogLine {
  level?: number;
  msg?: string;
  context?: string;
}

/**
 * Issue 16 item 12, with a real Redis behind a loopback proxy that hangs, goes away and comes
 * back. The policy (docs/SECURITY.md): rate limiting falls back to per-process counters at once,
 * with one JSON warning per outage; readiness stays up and says the limits are per process.
 */
describe('rate limiting when Redis becomes unreachable', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let service: ServiceProcess;
  let base: string;
  let dataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await TcpProxy.start(REDIS.hostname, Number(REDIS.port || 6379));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    dataDir = dataDirectory('ragstore-redis-');
    service = spawnService({
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      PORT: String(port),
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      REDIS_KEY_PREFIX: `test-${randomUUID()}:`,
      RATE_LIMIT_ADMIN: '6',
    });
    await waitForHttp(`${base}/health/ready`, 60_000, service);
  }, 90_000);
  afterAll(async () => {
    if (service) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    await proxy?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await db?.drop();
  });

  const timed = async (path: string) => {
    const started = Date.now();
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: await res.json(), ms: Date.now() - started };
  };
  const logLines = () =>
    service
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '');

  it('answers at once from per-process counters while Redis hangs or is gone, says so once in JSON, and goes back to Redis', async () => {
    const ready = await timed('/health/ready');
    expect(ready.body.info.rate_limit).toEqual({ status: 'up', store: 'redis' });
    expect((await timed('/v1/audit-logs')).status).toBe(200);

    // Hung: Redis accepts the connection and never answers.
    proxy.freeze();
    const hung = await timed('/v1/audit-logs');
    expect(hung.status).toBe(200);
    // Before: a 500 after 3-6 s. Now one command timeout (500 ms), far under that.
    expect(hung.ms).toBeLessThan(2_500);

    const redisPort = proxy.port;
    // Gone: nothing listens any more.
    await proxy.close();
    const gone = await timed('/v1/audit-logs');
    expect(gone.status).toBe(200);
    expect(gone.ms).toBeLessThan(2_500);

    // Still limited, per process: the limit (6) is counted here now, so it bites soon.
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await timed('/v1/audit-logs')).status);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);

    const degraded = await timed('/health/ready');
    expect(degraded.status).toBe(200);
    expect(degraded.body.info.rate_limit).toEqual({
      status: 'up',
      store: 'per_process',
      reason: 'redis_unreachable',
    });

    // Back where it was: the service reconnects and counts in Redis again.
    proxy = await TcpProxy.start(REDIS.hostname, Number(REDIS.port || 6379), { port: redisPort });
    const deadline = Date.now() + 15_000;
    while ((await timed('/health/ready')).body.info.rate_limit.store !== 'redis') {
      if (Date.now() > deadline) throw new Error(`never reconnected:\n${service.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const lines = logLines();
    // Every line is JSON: no "[ioredis] Unhandled error event" on stderr.
    expect(lines.filter((line) => !line.startsWith('{'))).toEqual([]);
    const parsed = lines.map((line) => JSON.parse(line) as LogLine);
    const fallbacks = parsed.filter((l) => l.context === 'RateLimitStore' && l.level === 40);
    expect(fallbacks).toEqual([
      expect.objectContaining({ msg: expect.stringMatching(/per-process counters/) }),
    ]);
    expect(parsed).toContainEqual(
      expect.objectContaining({
        context: 'RateLimitStore',
        msg: expect.stringMatching(/Redis reachable again/),
      }),
    );
    expect(service.output()).not.toContain('[ioredis]');
  }, 60_000);
});
