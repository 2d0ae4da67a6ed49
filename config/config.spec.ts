import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigValidationError,
  configVariableNames,
  loadAppConfig,
  loadAuthConfig,
  loadDatabaseConfig,
  loadQdrantConfig,
  loadVectorsConfig,
  validateAllConfig,
} from '.';

const SECRET = 'pa55-W0rd-never-print-me';

function errorOf(fn: () => unknown): ConfigValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigValidationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigValidationError');
}

describe('configuration', () => {
  it('applies the documented defaults to an empty environment', () => {
    expect(loadAppConfig({})).toMatchObject({ port: 3000, host: '127.0.0.1', logLevel: 'info' });
    expect(loadAppConfig({}).dataDir).toMatch(/\.data$/);
    expect(loadDatabaseConfig({})).toMatchObject({ url: undefined, poolMax: 10, migrationsRun: true });
    expect(loadQdrantConfig({})).toMatchObject({ url: undefined });
    expect(loadVectorsConfig({})).toEqual({
      collection: 'book_embeddings',
      vectorSize: 1024,
      annMinPoints: 1_000,
      annEfSearch: null,
    });
    expect(loadVectorsConfig({ EMBEDDED_ANN_EF_SEARCH: '200' }).annEfSearch).toBe(200);
  });

  it.each(['DATABASE_URL', 'NEON_DATABASE_URL', 'NEON_POSTGRES_CONNECTION_STRING'])(
    'accepts %s as the PostgreSQL URL',
    (name) => {
      const url = `postgresql://app:${SECRET}@db.example.com/book`;
      expect(loadDatabaseConfig({ [name]: url }).url).toBe(url);
    },
  );

  it('prefers DATABASE_URL over its aliases', () => {
    const config = loadDatabaseConfig({
      DATABASE_URL: 'postgres://a@one/db',
      NEON_DATABASE_URL: 'postgres://a@two/db',
    });
    expect(config.url).toBe('postgres://a@one/db');
  });

  it('reads a secret from a *_FILE variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'url'), `postgresql://app:${SECRET}@db/book\n`);
    writeFileSync(join(dir, 'key'), `${SECRET}\n`);
    expect(loadDatabaseConfig({ DATABASE_URL_FILE: join(dir, 'url') }).url).toBe(
      `postgresql://app:${SECRET}@db/book`,
    );
    expect(loadQdrantConfig({ QDRANT_API_KEY_FILE: join(dir, 'key') }).apiKey).toBe(SECRET);
  });

  it('names an unreadable *_FILE without failing obscurely', () => {
    expect(errorOf(() => loadDatabaseConfig({ DATABASE_URL_FILE: '/nonexistent/secret' })).message).toBe(
      'DATABASE_URL_FILE: cannot read the file (ENOENT)',
    );
  });

  it('takes the Qdrant search-time hnsw_ef and oversampling, with defaults', () => {
    expect(loadQdrantConfig({})).toMatchObject({ searchHnswEf: 128, searchOversampling: 2 });
    expect(
      loadQdrantConfig({ QDRANT_SEARCH_HNSW_EF: '256', QDRANT_SEARCH_OVERSAMPLING: '1.5' }),
    ).toMatchObject({ searchHnswEf: 256, searchOversampling: 1.5 });
  });

  it('asks Qdrant for uncompressed answers unless QDRANT_COMPRESSION=on, and caps upsert bodies under 32 MiB', () => {
    expect(loadQdrantConfig({})).toMatchObject({ compression: 'off', upsertMaxBytes: 16 * 1024 * 1024 });
    expect(loadQdrantConfig({ QDRANT_COMPRESSION: 'on', QDRANT_UPSERT_MAX_BYTES: '1048576' })).toMatchObject({
      compression: 'on',
      upsertMaxBytes: 1048576,
    });
  });

  it('accepts QDRANT_URL, or QDRANT_HOST with QDRANT_PORT', () => {
    expect(loadQdrantConfig({ QDRANT_URL: 'https://xyz.cloud.qdrant.io:6333/' }).url).toBe(
      'https://xyz.cloud.qdrant.io:6333',
    );
    expect(loadQdrantConfig({ QDRANT_HOST: 'xyz.cloud.qdrant.io' }).url).toBe(
      'https://xyz.cloud.qdrant.io:6333',
    );
    expect(loadQdrantConfig({ QDRANT_HOST: 'localhost', QDRANT_PORT: '7000' }).url).toBe(
      'http://localhost:7000',
    );
    expect(loadQdrantConfig({ QDRANT_HOST: 'http://qdrant', QDRANT_PORT: '6333' }).url).toBe(
      'http://qdrant:6333',
    );
  });

  it.each([
    [{ PORT: 'eighty' }, 'Invalid configuration: PORT must be an integer number'],
    [{ PORT: '70000' }, 'Invalid configuration: PORT must not be greater than 65535'],
    [{ LOG_LEVEL: 'loud' }, 'Invalid configuration: LOG_LEVEL must be one of the following values:'],
    [{ DB_POOL_MAX: '0' }, 'Invalid configuration: DB_POOL_MAX must not be less than 1'],
    [{ MIGRATIONS_RUN: 'maybe' }, 'Invalid configuration: MIGRATIONS_RUN must be a boolean value'],
    [{ VECTOR_SIZE: '-3' }, 'Invalid configuration: VECTOR_SIZE must not be less than 1'],
    [{ QDRANT_COLLECTION: 'bad name!' }, 'Invalid configuration: QDRANT_COLLECTION must be 1-237 letters'],
    [
      { QDRANT_COLLECTION: 'c'.repeat(238) },
      'Invalid configuration: QDRANT_COLLECTION must be 1-237 letters, digits, _ or - (a rebuild adds',
    ],
    [
      { QDRANT_COMPRESSION: 'gzip' },
      'Invalid configuration: QDRANT_COMPRESSION must be one of the following values:',
    ],
    [
      { QDRANT_UPSERT_MAX_BYTES: '40000000' },
      'Invalid configuration: QDRANT_UPSERT_MAX_BYTES must not be greater than 33554432',
    ],
    [{ QDRANT_URL: 'qdrant:6333' }, 'Invalid configuration: QDRANT_URL must be an http(s)://host[:port] URL'],
    [{ QDRANT_SEARCH_HNSW_EF: '2' }, 'Invalid configuration: QDRANT_SEARCH_HNSW_EF must not be less than 4'],
    [
      { QDRANT_SEARCH_OVERSAMPLING: '0.5' },
      'Invalid configuration: QDRANT_SEARCH_OVERSAMPLING must not be less than 1',
    ],
    [
      { EMBEDDED_ANN_MIN_POINTS: '-1' },
      'Invalid configuration: EMBEDDED_ANN_MIN_POINTS must not be less than 0',
    ],
    [
      { EMBEDDED_ANN_EF_SEARCH: '5' },
      'Invalid configuration: EMBEDDED_ANN_EF_SEARCH must be auto or an integer from 10 to 4096',
    ],
    [
      { EMBEDDED_ANN_EF_SEARCH: 'wide' },
      'Invalid configuration: EMBEDDED_ANN_EF_SEARCH must be auto or an integer from 10 to 4096',
    ],
  ])('rejects %p with one line naming the variable and the rule', (env, expected) => {
    const message = errorOf(() => validateAllConfig(env)).message;
    expect(message.startsWith(expected)).toBe(true);
    expect(message).not.toContain('\n');
  });

  it.each(['NEON_DATABASE_URL', 'NEON_POSTGRES_CONNECTION_STRING'])(
    'names the alias %s that held a bad URL, and never prints its value',
    (name) => {
      const message = errorOf(() => loadDatabaseConfig({ [name]: `mysql://root:${SECRET}@db/x` })).message;
      expect(message).toBe(
        `Invalid configuration: ${name} must be a postgres:// or postgresql:// connection string`,
      );
      expect(message).not.toContain(SECRET);
    },
  );

  it('refuses plaintext PostgreSQL to a non-loopback host unless explicitly allowed', () => {
    const url = `postgresql://app:${SECRET}@db.example.com/book?sslmode=disable`;
    const message = errorOf(() => loadDatabaseConfig({ DATABASE_URL: url })).message;
    expect(message).toMatch(/^Invalid configuration: DATABASE_URL asks for no TLS/);
    expect(message).not.toContain(SECRET);
    expect(loadDatabaseConfig({ DATABASE_URL: url, DATABASE_ALLOW_INSECURE: 'true' }).url).toBe(url);
    expect(
      loadDatabaseConfig({ DATABASE_URL: 'postgresql://a@127.0.0.1/db?sslmode=disable' }).url,
    ).toBeDefined();
    expect(
      loadDatabaseConfig({ DATABASE_URL: 'postgresql://a@db.example.com/db?sslmode=require' }).url,
    ).toBeDefined();
  });

  it('accepts every value .env.example documents', () => {
    const example = readFileSync(join(__dirname, '..', '.env.example'), 'utf8');
    const env = Object.fromEntries(
      example
        .split('\n')
        .map((line) => /^([A-Z0-9_]+)=(\S*)/.exec(line))
        .filter((match): match is RegExpExecArray => match !== null)
        .map((match) => [match[1], match[2]]),
    );
    expect(Object.keys(env).length).toBeGreaterThan(40);
    expect(() => validateAllConfig(env)).not.toThrow();
  });
});

describe('authentication mode', () => {
  it('never turns authentication off against a non-loopback database', () => {
    const remote = 'postgresql://app@db.example.com/book?sslmode=require';
    expect(errorOf(() => loadAuthConfig({ DATABASE_URL: remote })).message).toMatch(
      /AUTH_MODE=disabled is allowed only with a loopback/,
    );
    expect(
      errorOf(() => loadAuthConfig({ AUTH_MODE: 'disabled', NEON_DATABASE_URL: remote })).message,
    ).toMatch(/loopback/);
    expect(loadAuthConfig({ DATABASE_URL: 'postgresql://app@127.0.0.1/book' }).required).toBe(false);
    expect(loadAuthConfig({}).required).toBe(false);
    expect(loadAuthConfig({ DATABASE_URL: remote, AUTH_MODE: 'required' }).required).toBe(true);
  });
});

describe('configVariableNames', () => {
  it('lists every variable the namespaces read, aliases and _FILE forms included', () => {
    const names = configVariableNames();
    for (const name of [
      'NODE_ENV',
      'LOG_LEVEL',
      'CORS_ORIGINS',
      'ADMIN_API_KEY',
      'AUTH_MODE',
      'DATABASE_URL',
      'NEON_DATABASE_URL',
      'DATABASE_URL_FILE',
      'REDIS_URL',
      'QDRANT_URL',
      'QDRANT_API_KEY_FILE',
      'EMBEDDING_PROVIDER',
      'EMBEDDING_API_KEY',
      'VECTOR_SIZE',
    ])
      expect(names).toContain(name);
  });

  it('the test setup cleared them all: only its own defaults are set in a test', () => {
    const set = configVariableNames().filter((name) => process.env[name] !== undefined);
    expect(set.sort()).toEqual(['DATA_DIR', 'LOG_LEVEL', 'NODE_ENV']);
    expect(process.env.NODE_ENV).toBe('test');
  });
});
