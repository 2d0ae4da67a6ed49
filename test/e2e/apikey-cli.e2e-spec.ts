import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../support/app';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

describe('npm run apikey:create', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ADMIN_API_KEY: `cli-admin-${'z'.repeat(32)}` } });
  });
  afterAll(() => t?.close());

  it('prints a working key of the requested role once, on stdout', async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      ['-r', '@swc-node/register', 'src/cli/apikey-create.ts', '--name', 'cli-made', '--role', 'writer'],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: t.db.url, DATA_DIR: t.dataDir, LOG_LEVEL: 'silent' },
      },
    );
    const key = stdout.trim();
    expect(key).toMatch(/^rsk_[A-Za-z0-9_-]{43}$/);
    expect(stderr).toContain('Created writer key "cli-made"');
    expect(stderr).not.toContain(key);
    expect((await fetch(`${t.baseUrl}/v1/logs`, { headers: { 'x-api-key': key } })).status).toBe(200);
    expect((await fetch(`${t.baseUrl}/v1/audit-logs`, { headers: { 'x-api-key': key } })).status).toBe(403);
  }, 60_000);

  it('refuses an unknown role with its usage line and exit code 2', async () => {
    await expect(
      run(
        process.execPath,
        ['-r', '@swc-node/register', 'src/cli/apikey-create.ts', '--name', 'x', '--role', 'root'],
        {
          cwd: ROOT,
          env: { ...process.env, DATABASE_URL: t.db.url, DATA_DIR: t.dataDir, LOG_LEVEL: 'silent' },
        },
      ),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run apikey:create') });
  }, 60_000);
});
