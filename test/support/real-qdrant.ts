/**
 * Where the test setup keeps the caller's QDRANT_URL / QDRANT_API_KEY (the documented switch for the
 * real-Qdrant contract block) after clearing every service setting from the environment.
 */
export const REAL_QDRANT_URL_ENV = 'RAGSTORE_TEST_REAL_QDRANT_URL';
export const REAL_QDRANT_API_KEY_ENV = 'RAGSTORE_TEST_REAL_QDRANT_API_KEY';
