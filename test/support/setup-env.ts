// Quiet, deterministic defaults for every test file; a test that needs others sets them itself.
process.env.LOG_LEVEL ??= 'silent';
process.env.NODE_ENV ??= 'test';
