import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCliScript } from './cli-run';
import {
  dataDirectory,
  freePort,
  spawnService,
  waitForHttp,
  type ServiceProcess,
} from '../support/service-process';

const ADMIN_KEY = `beside-admin-${'k'.repeat(32)}`;
const VECTOR_SIZE = 8;

/**
 * `npm start` on the embedded database and vector store, and the CLIs run beside it from another
 * shell, as a user would: they use the service's PostgreSQL (port in DATA_DIR/postgres/owner.json,
 * password beside it) instead of refusing, and reach the vector store it owns through its admin API.
 */
describe('CLIs beside a running service (embedded database)', () => {
  let dataDir: string;
  let baseUrl: string;
  let service: ServiceProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = dataDirectory('ragstore-beside-');
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = { DATA_DIR: dataDir, VECTOR_SIZE: String(VECTOR_SIZE) };
    service = spawnService({ ...env, PORT: String(port), ADMIN_API_KEY: ADMIN_KEY });
    await waitForHttp(`${baseUrl}/health/ready`, 90_000, service);
    const ingest = await fetch(`${baseUrl}/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({
        document_reference: 'beside.md',
        embedding_model: 'beside-test',
        chunks: [
          { chunk_index: 0, chunk_text: 'The lantern gallery', embedding: [1, 0, 0, 0, 0, 0, 0, 0] },
          { chunk_index: 1, chunk_text: 'The keeper’s stair', embedding: [0, 1, 0, 0, 0, 0, 0, 0] },
        ],
      }),
    });
    expect(ingest.status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    if (service && service.child.exitCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the service advertises its PostgreSQL port and admin API in a file only its user can read', () => {
    const file = join(dataDir, 'postgres', 'owner.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      pid: service.child.pid,
      port: expect.any(Number),
      service_url: baseUrl,
    });
  });

  it('apikey:create makes a working key in the running service’s database', async () => {
    const { code, output } = await runCliScript('apikey-create', ['--name', 'beside', '--role', 'writer'], {
      ...env,
      LOG_LEVEL: 'info',
    });
    expect(code).toBe(0);
    expect(output).toContain(
      `Using the embedded PostgreSQL of the running service (pid ${service.child.pid})`,
    );
    const key = /^(rsk_[A-Za-z0-9_-]{43})$/m.exec(output)?.[1];
    expect(key).toBeDefined();
    expect((await fetch(`${baseUrl}/v1/logs`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(
      200,
    );
  }, 60_000);

  it('consistency:check --json asks the service (which owns the vector store) and prints only its JSON', async () => {
    const { code, stdout } = await runCliScript('consistency', ['--json'], {
      ...env,
      ADMIN_API_KEY: ADMIN_KEY,
    });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      check: { consistent: boolean; postgres: { live: number }; vector_store: { points: number } };
    };
    expect(report.check).toMatchObject({
      consistent: true,
      postgres: { live: 2 },
      vector_store: { points: 2 },
    });
  }, 60_000);

  it('consistency:check --repair goes through the admin API as well', async () => {
    const { code, stdout } = await runCliScript('consistency', ['--repair'], {
      ...env,
      RAGSTORE_API_KEY: ADMIN_KEY,
    });
    expect(code).toBe(0);
    expect(stdout).toContain('before repair: postgres live=2 deleted=0; vector store points=2');
    expect(stdout).toContain('after repair: postgres live=2 deleted=0; vector store points=2');
  }, 60_000);

  it('without an admin key for the service, consistency:check says which variable to set, in one line', async () => {
    const { code, stdout, stderr } = await runCliScript('consistency', ['--json'], env);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(lastLine(stderr)).toBe(
      `The running service (pid ${service.child.pid}) refused GET /v1/admin/consistency (401 UNAUTHORIZED: ` +
        'An API key is required: send Authorization: Bearer <key> or x-api-key): set RAGSTORE_API_KEY (or ' +
        'ADMIN_API_KEY) to one of its admin keys',
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('vectors:rebuild refuses in one line: the store is the service’s, and says what to do instead', async () => {
    const { code, stderr } = await runCliScript('rebuild', [], env);
    expect(code).toBe(1);
    expect(lastLine(stderr)).toBe(
      `The embedded vector store in ${join(dataDir, 'vectors')} belongs to the running service ` +
        `(pid ${service.child.pid}, ${baseUrl}) and only it may open it: stop the service (Ctrl-C, or kill -TERM ` +
        'on its pid) and run the rebuild again; to fix drift while it runs, use POST /v1/admin/consistency/repair ' +
        '(npm run consistency:check -- --repair)',
    );
    expect(stderr).not.toMatch(/\n\s+at /);
    // The service still serves its vectors: nothing opened the store behind its back.
    const check = await fetch(`${baseUrl}/v1/admin/consistency`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(((await check.json()) as { consistent: boolean }).consistent).toBe(true);
  }, 60_000);

  it('backup and db:verify run against the service’s database', async () => {
    const backup = await runCliScript('backup', ['--out', join(dataDir, 'backups')], env);
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/^Backed up 127\.0\.0\.1:\d+\/postgres to .* chunks=2, /);

    const verify = await runCliScript('db-verify', [], env);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(
      /embedded vector store +PASS +the running service \(pid \d+\) reports it up/,
    );
    expect(verify.stdout).toMatch(
      /round trip +SKIP +The embedded vector store .* belongs to the running service/,
    );
  }, 90_000);

  it('once the service has stopped, a CLI starts its own embedded server again', async () => {
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    const { code, stdout, stderr } = await runCliScript('consistency', ['--json'], {
      ...env,
      LOG_LEVEL: 'info',
    });
    expect(code).toBe(0);
    expect(stderr).not.toContain('Using the embedded PostgreSQL of the running');
    expect(
      (JSON.parse(stdout) as { check: { vector_store: { points: number } } }).check.vector_store.points,
    ).toBe(2);
  }, 90_000);
});

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}
