import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../../config';
import { ChunkOutboxRepository } from '../../src/chunks/chunk-outbox.repository';
import { DocumentChunksRepository } from '../../src/chunks/document-chunks.repository';
import { decodeEmbedding } from '../../src/chunks/embedding-codec';
import { fingerprints } from '../../src/chunks/text-shingles';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import { buildChunk, buildDocumentChunks } from '../factories/chunk.factory';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

describe('DocumentChunksRepository and ChunkOutboxRepository', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const outbox = new ChunkOutboxRepository();
  const writes = new DocumentChunksRepository();

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource(buildDataSourceOptions(loadDatabaseConfig({}), db.url));
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('insertMany stores the embedding as float32 little-endian bytes and applies column defaults', async () => {
    const row = buildChunk({ embedding: [1, -2.5, 0.1], metadata: undefined, section_title: undefined });
    await dataSource.transaction((m) => writes.insertMany(m, [row]));
    const [stored] = await dataSource.query<{ embedding: Buffer; metadata: unknown; sync_status: string }[]>(
      `SELECT embedding, metadata, sync_status, processing_version FROM chunks WHERE chunk_id = $1`,
      [row.chunk_id],
    );
    expect(stored.embedding.toString('hex')).toBe('0000803f000020c0cdcccc3d');
    expect(Array.from(decodeEmbedding(stored.embedding))).toEqual(
      Array.from(Float32Array.from([1, -2.5, 0.1])),
    );
    expect(stored).toMatchObject({ metadata: {}, sync_status: 'pending', processing_version: 'v1' });
  });

  it('insertMany is all or nothing: one bad row rolls the batch back', async () => {
    const rows = buildDocumentChunks('all-or-nothing', 3);
    rows[2].chunk_index = -1; // breaks chunks_chunk_index_check
    await expect(dataSource.transaction((m) => writes.insertMany(m, rows))).rejects.toThrow(
      /chunk_index_check/,
    );
    expect(
      await dataSource.query(`SELECT 1 FROM chunks WHERE document_reference = 'all-or-nothing'`),
    ).toEqual([]);
  });

  it('insertMany splits a batch past the 65 535-parameter limit into several statements', async () => {
    const rows = buildDocumentChunks('large-batch', 5_000);
    await dataSource.transaction((m) => writes.insertMany(m, rows));
    const [{ n, with_fingerprints }] = await dataSource.query<{ n: number; with_fingerprints: number }[]>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE cardinality(fingerprints) > 0)::int AS with_fingerprints
         FROM chunks WHERE document_reference = 'large-batch'`,
    );
    expect(n).toBe(5_000);
    expect(with_fingerprints).toBe(rows.filter((r) => fingerprints(r.chunk_text).length > 0).length);
  });

  it('enqueue writes one outbox row per chunk id in the caller’s transaction, and nothing for none', async () => {
    const ids = buildDocumentChunks('outbox', 3).map((c) => c.chunk_id);
    await dataSource.transaction(async (m) => {
      await outbox.enqueue(m, ids, 'upsert');
      await outbox.enqueue(m, [], 'delete');
    });
    const rows = await dataSource.query<{ chunk_id: string; operation: string; attempts: number }[]>(
      `SELECT chunk_id, operation, attempts FROM vector_outbox WHERE chunk_id = ANY($1) ORDER BY id`,
      [ids],
    );
    expect(rows).toEqual(ids.map((chunk_id) => ({ chunk_id, operation: 'upsert', attempts: 0 })));

    await expect(
      dataSource.transaction(async (m) => {
        await outbox.enqueue(m, [ids[0]], 'delete');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await dataSource.query(`SELECT 1 FROM vector_outbox WHERE operation = 'delete'`)).toEqual([]);
  });
});
