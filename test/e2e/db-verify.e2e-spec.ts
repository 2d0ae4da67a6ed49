import { createServer, connect, type Server, type Socket } from 'node:net';
import { chmodSync, mkdtempSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { EmbeddedPostgresServer } from '../../src/database/embedded-postgres.server';
import { applyRoles } from '../../src/database/roles';
import { loadQdrantConfig } from '../../config';
import { QdrantVectorStore } from '../../src/vectors/qdrant/qdrant-vector-store';
import { startQdrantDouble, type QdrantDouble } from '../qdrant-double/qdrant-double';
import { startTestApp, type TestApp } from '../support/app';
import { runCliScript } from './cli-run';

/** PostgreSQL runs as the `postgres` user when the tests run as root: it must reach the directory. */
function traversableTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ragstore-verify-'));
  chmodSync(dir, 0o755);
  return dir;
}

const API_KEY = 'verify-test-key';
const READ_KEY = 'verify-read-only-key';
const ENV = { VECTOR_SIZE: '8', OUTBOX_POLL_MS: '100', DB_CONNECT_RETRY_MS: '0' };

/** Runs `npm run db:verify` as a child process; its table and exit code. */
const dbVerify = (env: Record<string, string>) => runCliScript('db-verify', [], { ...ENV, ...env });

const line = (output: string, check: string) =>
  output.split('\n').find((l) => l.startsWith(`${check} `)) ?? `(no "${check}" line)`;

/** This machine's first non-loopback IPv4 address: a "remote" host the test can still reach. */
function nonLoopbackAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  if (!address) throw new Error('this test needs a non-loopback IPv4 interface');
  return address.address;
}

/** Plain TCP forwarding from host:random-port to the test PostgreSQL: no TLS on the way. */
async function forward(host: string, target: URL): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

describe('npm run db:verify', () => {
  let double: QdrantDouble;
  let t: TestApp;

  beforeAll(async () => {
    double = await startQdrantDouble({ apiKey: API_KEY, readOnlyApiKey: READ_KEY });
    // The service's own start-up creates the collection and its payload indexes, as in production.
    t = await startTestApp({ env: { ...ENV, QDRANT_URL: double.url, QDRANT_API_KEY: API_KEY } });
    // A provisioned deployment: the least-privilege roles are in place (npm run db:roles).
    const dataSource = t.app.get(DataSource);
    await dataSource.transaction((manager) => applyRoles(manager, {}));
    await t.app.close();
  });
  afterAll(async () => {
    await t.db.drop();
    await double.close();
  });

  const configured = () => ({ DATABASE_URL: t.db.url, QDRANT_URL: double.url, QDRANT_API_KEY: API_KEY });

  it('passes on the local stack: every line PASS or a SKIP that says why, a clean round trip, exit 0', async () => {
    const from = double.requests.length;
    const { code, output } = await dbVerify({ ...configured(), QDRANT_READ_API_KEY: READ_KEY });
    expect(output).toContain('db:verify: all checks passed');
    expect(line(output, 'postgres reachable')).toMatch(/PASS/);
    expect(line(output, 'postgres TLS')).toMatch(/PASS {2}no TLS, acceptable: 127\.0\.0\.1 is loopback/);
    expect(line(output, 'migrations')).toMatch(/PASS {2}all \d+ applied/);
    expect(line(output, 'extensions')).toMatch(/PASS {2}pgcrypto, pg_trgm, citext/);
    expect(line(output, 'qdrant read-only key')).toMatch(/PASS {2}a write with it was refused \(403\)/);
    expect(line(output, 'qdrant collection')).toMatch(/PASS {2}book_embeddings: size 8, Cosine/);
    expect(line(output, 'qdrant payload indexes')).toMatch(/PASS/);
    expect(line(output, 'round trip')).toMatch(
      /PASS {2}ingest → search → read → hard delete → clean, via qdrant/,
    );
    expect(output).not.toMatch(/ FAIL /);
    expect(code).toBe(0);
    // Its own probes and the round trip through the service alike ask for uncompressed answers.
    const sent = double.requests.slice(from);
    expect(sent.length).toBeGreaterThan(5);
    expect(new Set(sent.map((r) => r.headers['accept-encoding']))).toEqual(new Set(['identity']));
    // Both sides clean: no probe chunk row, no point left in the collection.
    const rows = await fetch(`${double.url}/collections/book_embeddings`, {
      headers: { 'api-key': API_KEY },
    });
    expect(((await rows.json()) as { result: { points_count: number } }).result.points_count).toBe(0);
  }, 30_000);

  it('fails, each with a line saying why: wrong password, a writable "read-only" key, a size mismatch', async () => {
    // Its own scram-auth server: TEST_DATABASE_URL's server may trust any password.
    const authServer = await EmbeddedPostgresServer.start(join(traversableTempDir(), 'pg'));
    const wrongPassword = new URL(authServer.url);
    wrongPassword.password = 'not-the-password';
    const [password, readOnly, size] = await Promise.all([
      dbVerify({ ...configured(), DATABASE_URL: wrongPassword.toString() }),
      dbVerify({ ...configured(), QDRANT_READ_API_KEY: API_KEY }),
      dbVerify({ ...configured(), VECTOR_SIZE: '16' }),
    ]);
    expect(line(password.output, 'postgres reachable')).toMatch(
      /FAIL {2}.*28P01: password authentication failed/,
    );
    expect(line(password.output, 'round trip')).toMatch(/SKIP {2}not attempted: postgres reachable failed/);
    expect(password.output).not.toContain('not-the-password');
    expect(password.code).toBe(1);
    await authServer.stop();

    expect(line(readOnly.output, 'qdrant read-only key')).toMatch(
      /FAIL {2}a write with it succeeded .*not read-only/,
    );
    expect(readOnly.code).toBe(1);

    expect(line(size.output, 'qdrant collection')).toMatch(
      /FAIL {2}book_embeddings: size 8 Cosine, configured VECTOR_SIZE 16 Cosine/,
    );
    expect(size.code).toBe(1);
  }, 40_000);

  it('reads HNSW where Qdrant reports the per-vector settings, and says why a read-only key cannot be probed on a missing collection', async () => {
    const store = new QdrantVectorStore({
      ...loadQdrantConfig({}),
      url: double.url,
      apiKey: API_KEY,
      collection: 'hnsw_custom',
      vectorSize: 8,
      hnswM: 32,
      hnswEfConstruct: 200,
    });
    await store.ensureCollection();
    const custom = {
      ...configured(),
      QDRANT_COLLECTION: 'hnsw_custom',
      QDRANT_HNSW_M: '32',
      QDRANT_HNSW_EF_CONSTRUCT: '200',
    };
    const [hnsw, missing] = await Promise.all([
      dbVerify(custom),
      dbVerify({ ...configured(), QDRANT_COLLECTION: 'not_there', QDRANT_READ_API_KEY: READ_KEY }),
    ]);
    expect(line(hnsw.output, 'qdrant HNSW')).toMatch(/PASS {2}m=32, ef_construct=200/);
    expect(line(missing.output, 'qdrant read-only key')).toMatch(
      /SKIP {2}not testable: not_there does not exist, and Qdrant answers 404 before checking a key's rights/,
    );
    expect(line(missing.output, 'qdrant collection')).toMatch(/FAIL {2}not_there does not exist/);
  }, 40_000);

  it('fails when PostgreSQL on a non-loopback host is reached without TLS', async () => {
    // A real non-loopback address of this machine, forwarding in plain TCP to the test database:
    // what a misconfigured remote server looks like from the client. The configuration allows
    // it explicitly (DATABASE_ALLOW_INSECURE), which is exactly what db:verify must still flag.
    const host = nonLoopbackAddress();
    const { server, port } = await forward(host, new URL(t.db.url));
    try {
      const remote = new URL(t.db.url);
      remote.hostname = host;
      remote.port = String(port);
      remote.searchParams.set('sslmode', 'disable');
      const { code, output } = await dbVerify({
        ...configured(),
        DATABASE_URL: remote.toString(),
        DATABASE_ALLOW_INSECURE: 'true',
        // A remote database needs the API key guard on (AUTH_MODE=disabled is loopback-only).
        ADMIN_API_KEY: 'db-verify-test-admin-key-0123456789abcdef',
      });
      expect(line(output, 'postgres reachable')).toMatch(/PASS/);
      expect(line(output, 'postgres TLS')).toMatch(
        new RegExp(`FAIL {2}no TLS to non-loopback host ${host.replace(/\./g, '\\.')}`),
      );
      expect(code).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 30_000);
});
