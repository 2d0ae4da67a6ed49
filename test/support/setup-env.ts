import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configVariableNames } from '../../config';
import { REAL_QDRANT_API_KEY_ENV, REAL_QDRANT_URL_ENV } from './real-qdrant';

// Tests build their own configuration: nothing the caller exported (ADMIN_API_KEY, NODE_ENV,
// DATABASE_URL, …) may reach an app or a child process started here. The documented switches
// survive: TEST_DATABASE_URL (not a service setting) and QDRANT_URL/QDRANT_API_KEY, kept under test
// names for the real-Qdrant block only.
if (process.env[REAL_QDRANT_URL_ENV] === undefined && process.env.QDRANT_URL) {
  process.env[REAL_QDRANT_URL_ENV] = process.env.QDRANT_URL;
  if (process.env.QDRANT_API_KEY) process.env[REAL_QDRANT_API_KEY_ENV] = process.env.QDRANT_API_KEY;
}
for (const name of configVariableNames()) delete process.env[name];
// Behind a pooler that loses named prepared statements (.ci/run's PgBouncer before 1.21), the
// setting a user of one would make.
if (process.env.TEST_DATABASE_PREPARED_STATEMENTS) {
  process.env.DB_PREPARED_STATEMENTS = process.env.TEST_DATABASE_PREPARED_STATEMENTS;
}

// Quiet, deterministic defaults for every test file; a test that needs others sets them itself.
process.env.LOG_LEVEL = 'silent';
process.env.NODE_ENV = 'test';
// Apps created without an explicit DATA_DIR must not share the repository's ./.data.
process.env.DATA_DIR = mkdtempSync(join(tmpdir(), 'ragstore-worker-'));
