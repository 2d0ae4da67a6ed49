import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configuredSecrets, REDACTED, SecretScrubber } from './secret-scrubber';

describe('secret scrubbing', () => {
  it('finds every configured secret: key-like variables, their _FILE, and URL passwords', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrub-'));
    writeFileSync(join(dir, 'key'), 'file-held-admin-key\n');
    const secrets = configuredSecrets({
      ADMIN_API_KEY_FILE: join(dir, 'key'),
      QDRANT_API_KEY: 'qdrant-rw-key',
      QDRANT_READ_API_KEY: 'qdrant-ro-key',
      EMBEDDING_API_KEY: 'sk-embedding',
      SOME_FUTURE_TOKEN: 'a-token-added-later',
      DATABASE_URL: 'postgresql://app:db%40pass@db.example.com/book',
      REDIS_URL: 'redis://:redis-pass@cache:6379',
      QDRANT_URL: 'https://cluster.example.com',
      PORT: '3000',
      SHORT_KEY: 'abc',
    });
    expect(secrets.sort()).toEqual(
      [
        'a-token-added-later',
        'db@pass',
        'file-held-admin-key',
        'qdrant-ro-key',
        'qdrant-rw-key',
        'redis-pass',
        'sk-embedding',
      ].sort(),
    );
  });

  it('replaces secrets (raw or URL-encoded), bearer tokens and our key format, and nothing else', () => {
    const scrubber = new SecretScrubber(['qdrant-rw-key', 'db@pass']);
    expect(
      scrubber.scrub(
        'HTTP 401: api-key qdrant-rw-key; url postgres://u:db%40pass@h; Bearer sk-whatever; key rsk_AbCdEfGhIjKl',
      ),
    ).toBe(`HTTP 401: api-key ${REDACTED}; url postgres://u:${REDACTED}@h; ${REDACTED}; key ${REDACTED}`);
    expect(scrubber.scrub('collection book_embeddings not found')).toBe(
      'collection book_embeddings not found',
    );
  });
});
