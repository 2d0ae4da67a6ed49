import { TEMPLATE_ENV, withAdminClient } from './postgres';

export default async function globalTeardown(): Promise<void> {
  const template = process.env[TEMPLATE_ENV];
  if (template) {
    await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`)).catch(
      () => undefined,
    );
  }
  await globalThis.__RAGSTORE_PG__?.stop();
}
