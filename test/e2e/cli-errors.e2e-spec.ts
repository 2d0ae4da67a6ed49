import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

const ROOT = join(__dirname, '..', '..');

function run(script: string, args: string[], env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join(ROOT, 'src', 'cli', `${script}.ts`), ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('CLIs: expected errors are one line, unknown flags refused, --json is only JSON', () => {
  let db: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'ragstore-cli-'));
    env = { DATABASE_URL: db.url, DATA_DIR: dataDir };
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('restore of a missing archive prints one line naming the file, no stack', async () => {
    const missing = join(dataDir, 'nope.ndjson.gz');
    const { code, stdout, stderr } = await run('restore', [missing], env);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([`ENOENT: no such file or directory, access '${missing}'`]);
  }, 30_000);

  (process.getuid?.() === 0 ? it : it.skip)(
    'as root, a DATA_DIR the postgres user cannot enter prints one line with the fix, no stack',
    async () => {
      const parent = mkdtempSync(join(tmpdir(), 'ragstore-cli-closed-'));
      chmodSync(parent, 0o700);
      try {
        const { code, stdout, stderr } = await run('consistency', [], { DATA_DIR: join(parent, 'data') });
        expect(code).toBe(1);
        expect(stdout).toBe('');
        expect(stderr.trim().split('\n').at(-1)).toMatch(
          new RegExp(
            `^PostgreSQL runs as the 'postgres' user .* cannot enter ${parent} \\(mode 0700\\).*set DATA_DIR`,
          ),
        );
        expect(stderr).not.toMatch(/\n\s+at /);
      } finally {
        rmSync(parent, { recursive: true, force: true });
      }
    },
    30_000,
  );

  it.each([
    ['consistency', ['--bogus']],
    ['backup', ['--outt', 'x']],
    ['apikey-create', ['--name', 'n', '--role', 'reader', '--admin']],
    ['restore', ['--force', 'x.gz']],
  ])(
    '%s refuses an unknown flag with exit 2 and its usage',
    async (script, args) => {
      const { code, stderr } = await run(script, args, env);
      expect(code).toBe(2);
      expect(stderr).toMatch(/^Unknown option '--\w+'/);
      expect(stderr).toMatch(/\nusage: npm run /);
      expect(stderr).not.toMatch(/\n\s+at /);
    },
    30_000,
  );

  it('consistency:check --json prints one JSON document on stdout; the logs go to stderr', async () => {
    const { code, stdout, stderr } = await run('consistency', ['--json'], env);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { check: { consistent: boolean } };
    expect(report.check.consistent).toBe(true);
    expect(stderr).toContain('Starting Nest application');
  }, 60_000);
});
