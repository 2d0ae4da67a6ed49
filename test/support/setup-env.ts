import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Quiet, deterministic defaults for every test file; a test that needs others sets them itself.
process.env.LOG_LEVEL ??= 'silent';
process.env.NODE_ENV ??= 'test';
// Apps created without an explicit DATA_DIR must not share the repository's ./.data.
process.env.DATA_DIR ??= mkdtempSync(join(tmpdir(), 'ragstore-worker-'));
