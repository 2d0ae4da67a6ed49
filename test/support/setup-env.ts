// Quiet, deterministic defaults for every test file; a test that needs others sets them itself.
process.env.LOG_LEVEL ??= 'silent';
process.env.NODE_ENV ??= 'test';
// Apps created without an explicit DATA_DIR must not share the repository's ./.data.
process.env.DATA_DIR ??= require('node:fs').mkdtempSync(
  require('node:path').join(require('node:os').tmpdir(), 'ragstore-worker-'),
);
