import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHITECTURE_DOC, renderErd, withErd } from '../../src/cli/docs-erd';
import { ENTITIES } from '../../src/database/entities';

const ROOT = join(__dirname, '..', '..');

describe('docs:erd', () => {
  it('the committed ER diagram matches the entities (`npm run docs:erd -- --check` exits 0)', () => {
    const run = spawnSync(
      process.execPath,
      ['-r', '@swc-node/register', join(ROOT, 'src', 'cli', 'docs-erd.ts'), '--check'],
      { cwd: ROOT, env: process.env, encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  }, 30_000);

  it('draws every mapped table and its foreign keys', async () => {
    const erd = await renderErd();
    expect(erd.match(/^ {2}\w+ \{$/gm)).toHaveLength(ENTITIES.length);
    for (const name of ['chunks', 'logs', 'chat_history', 'users', 'audit_logs', 'vector_outbox', 'api_keys'])
      expect(erd).toMatch(new RegExp(`^  ${name} \\{$`, 'm'));
    expect(erd).toContain('uuid chunk_id PK');
    expect(erd).toContain('users |o--o{ chat_history : "user_id (on delete CASCADE)"');
  });

  it('--check notices a diagram that no longer matches', async () => {
    const stale = readFileSync(ARCHITECTURE_DOC, 'utf8').replace('uuid chunk_id PK', 'uuid chunk_id');
    expect(withErd(stale, await renderErd())).not.toBe(stale);
  });
});
