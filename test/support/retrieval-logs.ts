import { Client } from 'pg';

type Queryable = Pick<Client, 'query'>;

/**
 * A retrieval's `logs` row, once the log writer has written it: it writes in batches after the
 * answer, so a test polls. `database` is a connected client or a connection string.
 */
export async function waitForLogRow(
  database: Queryable | string,
  logId: string,
  withinMs = 2_000,
): Promise<Record<string, any>> {
  const own = typeof database === 'string' ? new Client({ connectionString: database }) : null;
  const pg = own ?? (database as Queryable);
  await own?.connect();
  try {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const { rows } = await pg.query(`SELECT * FROM logs WHERE log_id = $1`, [logId]);
      if (rows.length > 0) return rows[0];
      if (Date.now() > deadline) throw new Error(`log row ${logId} did not appear within ${withinMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await own?.end();
  }
}
