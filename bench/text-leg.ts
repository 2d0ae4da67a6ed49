import 'reflect-metadata';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createApp } from '../src/app.factory';
import { resolveDatabaseServer } from '../src/database/database-server';
import { textQuery } from '../src/retrieval/text-query';
import { queryText } from './corpus';
import { createScratchTable, rawInsert, rawRow } from './raw-insert';

/**
 * `[N=10000 MATCH=1000 VARIANTS=fastupdate=on,fastupdate=off] node -r @swc-node/register
 * bench/text-leg.ts`: the hybrid text leg on its own (the shape of
 * RetrievalRepository.findHybridCandidates' `text_hits`, full-question OR queries as textQuery
 * builds them), EXPLAIN ANALYZE'd on a copy of `chunks` right after a bulk load and again after
 * VACUUM ANALYZE, with the GIN indexes' pending list on (PostgreSQL's default) or off; also the
 * load's insert rate and how many rows each query matches.
 */
const N = Number(process.env.N ?? 10000);
const dir = mkdtempSync(join(tmpdir(), 'gin-probe-'));
chmodSync(dir, 0o711);
Object.assign(process.env, {
  DATA_DIR: dir,
  LOG_LEVEL: 'warn',
  VECTOR_SIZE: '1024',
  OUTBOX_RELAY_ENABLED: 'false',
});

const leg = (table: string) => `SELECT c.chunk_id, ts_rank_cd(c.search_vector, c.query, 1) AS text_score
  FROM (SELECT m.*, q.query FROM ${table} m, websearch_to_tsquery('english', $1) AS q(query)
         WHERE m.search_vector @@ q.query LIMIT ${process.env.MATCH ?? 1000}) c
 WHERE c.deleted_at IS NULL ORDER BY text_score DESC LIMIT 50`;

async function main() {
  const server = await resolveDatabaseServer();
  const app = await createApp({ databaseUrl: server.url });
  const pg = new Client({ connectionString: server.url });
  await pg.connect();
  const rows = Array.from({ length: N }, (_, i) => rawRow('probe', i, 1024, 1));
  const queries = Array.from({ length: 30 }, (_, q) => textQuery(queryText(q, 1) + ' how does the', 64));
  const measure = async (table: string) => {
    const times: number[] = [];
    let plan = '';
    for (const q of queries) {
      const { rows: r } = await pg.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${leg(table)}`, [q]);
      times.push(r[0]['QUERY PLAN'][0]['Execution Time']);
      plan ||= JSON.stringify(r[0]['QUERY PLAN'][0].Plan)
        .match(/"Node Type":"[^"]+"/g)!
        .join(' > ');
    }
    times.sort((a, b) => a - b);
    return {
      p50: times[15].toFixed(2),
      mean: (times.reduce((a, b) => a + b) / times.length).toFixed(2),
      plan,
    };
  };
  for (const variant of (process.env.VARIANTS ?? 'fastupdate=on,fastupdate=off').split(',')) {
    const table = `probe_${variant.includes('off') ? 'off' : 'on'}`;
    await createScratchTable(pg, table, 'shaped');
    const { rows: idx } = await pg.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = $1 AND indexdef LIKE '%gin%'`,
      [table],
    );
    if (variant.includes('off'))
      for (const { indexname } of idx) await pg.query(`ALTER INDEX ${indexname} SET (fastupdate = off)`);
    const ms = await rawInsert(pg, table, 'multi_row', (i) => rows[i], N, 500);
    const fresh = await measure(table);
    const { rows: m } = await pg.query(
      `SELECT avg((SELECT count(*) FROM ${table} WHERE search_vector @@ websearch_to_tsquery('english', q)))::int AS n FROM unnest($1::text[]) q`,
      [queries],
    );
    console.log(`matching rows per query (mean): ${m[0].n} of ${N}`);
    await pg.query(`VACUUM ANALYZE ${table}`);
    const vacuumed = await measure(table);
    console.log(
      `${variant}: insert ${N} rows ${(ms / 1000).toFixed(2)} s (${Math.round(N / (ms / 1000))} rows/s); ` +
        `text leg fresh p50 ${fresh.p50} ms mean ${fresh.mean} [${fresh.plan}]; after VACUUM ANALYZE p50 ${vacuumed.p50} mean ${vacuumed.mean} [${vacuumed.plan}]`,
    );
    await pg.query(`DROP TABLE ${table}`);
  }
  console.log('example query:', queries[0]);
  await pg.end();
  await app.close();
  await server.embedded?.stop();
}
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
