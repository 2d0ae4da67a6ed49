import { rmSync } from 'node:fs';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { dataDirectory, freePort, spawnService, waitForHttp } from '../support/service-process';

interface LogLine {
  msg?: string;
  context?: string;
  request_id?: string;
  client_request_id?: string;
  route?: string;
  status_code?: number;
}

describe('request logging', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('puts the request id on every line a request writes, and one access line per non-probe request', async () => {
    const dataDir = dataDirectory('ragstore-logging-');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const service = spawnService({
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'debug',
    });
    try {
      await waitForHttp(`${base}/health/live`, 60_000, service);
      const probe = await fetch(`${base}/db/status/qdrant`, { headers: { 'x-request-id': 'probe-7' } });
      expect(probe.status).toBe(200);
      const list = await fetch(`${base}/v1/users?limit=1`, { headers: { 'x-request-id': 'list-7' } });
      expect(list.status).toBe(200);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
    const lines = service
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);

    // The request id is the server's; the caller's x-request-id rides along as client_request_id.
    expect(lines.filter((l) => l.request_id === 'probe-7' || l.request_id === 'list-7')).toEqual([]);
    const probeLines = lines.filter((l) => l.client_request_id === 'probe-7');
    expect(probeLines.map((l) => l.context)).toEqual(['QdrantHealthIndicator']);
    expect(probeLines[0].request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.filter((l) => l.client_request_id === 'list-7')).toEqual([
      expect.objectContaining({
        request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        context: 'HttpRequest',
        msg: 'request completed',
        route: '/v1/users',
        status_code: 200,
      }),
    ]);
    expect(lines.find((l) => l.msg === 'Nest application successfully started')).not.toHaveProperty(
      'request_id',
    );
  }, 90_000);
});
