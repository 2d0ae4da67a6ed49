import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../../config';
import { ChunkEntity } from '../../src/chunks/chunk.entity';
import {
  CHUNK_LIFECYCLE_COLUMNS,
  CHUNK_WRITE_COLUMNS,
  type ChunkWrite,
} from '../../src/chunks/chunk-columns';
import { DocumentChunksRepository } from '../../src/chunks/document-chunks.repository';
import { encodeEmbedding } from '../../src/chunks/embedding-codec';
import { fingerprints } from '../../src/chunks/text-shingles';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import { buildChunk } from '../factories/chunk.factory';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

describe('the chunk write projection', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const chunks = new DocumentChunksRepository();

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource(buildDataSourceOptions(loadDatabaseConfig({}), db.url));
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('covers every column of the chunks entity: a new column must be written, or declared lifecycle', () => {
    const entityColumns = dataSource
      .getMetadata(ChunkEntity)
      .columns.map((c) => c.databaseName)
      .sort();
    const declared = [...CHUNK_WRITE_COLUMNS.map((c) => c.name), ...CHUNK_LIFECYCLE_COLUMNS].sort();
    expect(declared).toEqual(entityColumns);
  });

  it('an overwrite replaces every written column and revives a soft-deleted row', async () => {
    const first = buildChunk({ sync_status: 'synced', embedding_id: undefined });
    await dataSource.transaction((tx) => chunks.insertMany(tx, [first]));
    await dataSource.query(
      `UPDATE chunks SET deleted_at = now(), sync_status = 'synced' WHERE chunk_id = $1`,
      [first.chunk_id],
    );
    const second: ChunkWrite = {
      chunk_id: first.chunk_id,
      document_reference: 'book/chapter-02.md',
      chunk_index: 41,
      chunk_text: 'Every word of this text is new, so its fingerprints differ from the first text too.',
      content_hash: 'f'.repeat(64),
      embedding: encodeEmbedding([1, 2, 3, 4, 5, 6, 7, 8]),
      embedding_model: 'other-model',
      page_reference: 99,
      section_title: 'Appendix',
      processing_version: 'v7',
      metadata: { source: 'second' },
    };
    await dataSource.transaction((tx) => chunks.overwriteMany(tx, [second]));

    const [stored] = await dataSource.query(
      `SELECT ${CHUNK_WRITE_COLUMNS.map((c) => c.name).join(', ')}, deleted_at FROM chunks WHERE chunk_id = $1`,
      [first.chunk_id],
    );
    expect(stored).toEqual({
      ...second,
      sync_status: 'pending',
      embedding_id: null,
      fingerprints: fingerprints(second.chunk_text),
      deleted_at: null,
    });
  });
});
