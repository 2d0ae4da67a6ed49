import { Logger } from '@nestjs/common';
import { execSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  dataDirectory,
  freePort,
  postgresProcessesUsing,
  spawnService,
  waitForHttp,
} from '../support/service-process';
import { EmbeddedPostgresServer } from '../../src/database/embedded-postgres.server';

const SECRET = 'S3cret-Pa55word-do-not-print';

describe('start-up as `npm start` runs it', () => {
  it('with no database URL, runs an embedded PostgreSQL that keeps its data and leaves no process behind', async () => {
    const dataDir = dataDirectory('ragstore-start-');
    const port = await freePort();
    const env = { DATA_DIR: dataDir, PORT: String(port) };

    const first = spawnService(env);
    await waitForHttp(`http://127.0.0.1:${port}/db/status/neon`, 60_000, first);
    expect(first.output()).toMatch(
      /Backends: postgres=embedded \(127\.0\.0\.1:\d+\/postgres\); vectors=embedded/,
    );

    const pgdata = join(dataDir, 'postgres', 'pgdata');
    const adminUrl = `postgresql://postgres:${execSync(`cat ${join(dataDir, 'postgres', 'superuser-password')}`, { encoding: 'utf8' }).trim()}@127.0.0.1:${/127\.0\.0\.1:(\d+)\/postgres/.exec(first.output())![1]}/postgres`;
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`INSERT INTO users (email) VALUES ('persisted@example.com')`);
    await client.end();

    const intruder = spawnService({ DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(await intruder.exited).toBe(1);
    expect(intruder.output()).toContain(`is in use by another ragstore process (pid ${first.child.pid})`);
    expect((await fetch(`http://127.0.0.1:${port}/db/status/neon`)).status).toBe(200);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(postgresProcessesUsing(pgdata)).toEqual([]);

    const second = spawnService(env);
    await waitForHttp(`http://127.0.0.1:${port}/db/status/neon`, 60_000, second);
    const port2 = /127\.0\.0\.1:(\d+)\/postgres/.exec(second.output())![1];
    const again = new Client({ connectionString: adminUrl.replace(/:\d+\/postgres$/, `:${port2}/postgres`) });
    await again.connect();
    const { rows } = await again.query(`SELECT email FROM users`);
    await again.end();
    expect(rows).toEqual([{ email: 'persisted@example.com' }]);

    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(postgresProcessesUsing(pgdata)).toEqual([]);
  }, 120_000);

  it('recovers from a previous run killed with SIGKILL (its orphaned server is stopped)', async () => {
    const dataDir = dataDirectory('ragstore-kill-');
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()) };
    const first = spawnService(env);
    await waitForHttp(`http://127.0.0.1:${env.PORT}/health/live`, 60_000, first);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = spawnService(env);
    await waitForHttp(`http://127.0.0.1:${env.PORT}/db/status/neon`, 60_000, second);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(postgresProcessesUsing(join(dataDir, 'postgres', 'pgdata'))).toEqual([]);
  }, 120_000);

  // PostgreSQL never runs as root: as root the service runs it as the `postgres` user, who cannot
  // enter a private directory even though root can write there. Only root can meet this.
  (process.getuid?.() === 0 ? it : it.skip)(
    'as root with DATA_DIR under a private (0700) directory, exits 1 with one line naming it and the fix',
    async () => {
      const privateDir = mkdtempSync(join(tmpdir(), 'ragstore-private-'));
      const proc = spawnService({ DATA_DIR: join(privateDir, 'data'), PORT: String(await freePort()) });
      expect(await proc.exited).toBe(1);
      const lines = proc.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`cannot enter ${privateDir} (mode 0700)`);
      expect(lines[0]).toContain('set DATA_DIR to a directory it can reach');
      expect(lines[0]).not.toMatch(/TypeError|\n\s+at /);
    },
    30_000,
  );

  it('gives up on an unreachable database after bounded retries, one line per attempt, exit 1, no password', async () => {
    const proc = spawnService({
      DATABASE_URL: `postgresql://app:${SECRET}@127.0.0.1:1/book`,
      DB_CONNECT_RETRY_MS: '1500',
      PORT: String(await freePort()),
    });
    expect(await proc.exited).toBe(1);
    const output = proc.output();
    expect(output).toMatch(/PostgreSQL connection attempt 1 failed: ECONNREFUSED/);
    expect(output).toMatch(/PostgreSQL unreachable after \d+ attempt\(s\)/);
    expect(output).not.toContain(SECRET);
  }, 30_000);

  describe('with a wrong password', () => {
    // Its own embedded server (scram-sha-256): TEST_DATABASE_URL's server may trust any password.
    let server: EmbeddedPostgresServer;
    beforeAll(async () => {
      // Its start-up line is no part of the test's output: a passing run prints only jest's report.
      Logger.overrideLogger(['error', 'warn']);
      server = await EmbeddedPostgresServer.start(join(dataDirectory('ragstore-auth-'), 'pg'));
    });
    afterAll(() => server?.stop());

    it('says authentication failed on each attempt, exits 1 and never prints the password', async () => {
      const url = new URL(server.url);
      url.password = SECRET;
      const proc = spawnService({
        DATABASE_URL: url.toString(),
        DB_CONNECT_RETRY_MS: '600',
        PORT: String(await freePort()),
      });
      expect(await proc.exited).toBe(1);
      const output = proc.output();
      expect(output).toMatch(/attempt 1 failed: 28P01: password authentication failed for user "postgres"/);
      expect(output).not.toContain(SECRET);
    }, 30_000);
  });
});
