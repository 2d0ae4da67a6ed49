import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Embeddings already stored, by content: what lets an ingest skip the provider for unchanged text. */
@Injectable()
export class StoredEmbeddingsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One stored embedding per content hash among `hashes` made by `model` in the document, live
   * or soft-deleted (the same normalised text under the same model is the same vector). Scoped
   * to the document so the lookup stays on its indexes; re-syncing a document is what repeats
   * text. Read outside any transaction, before the ingest's own.
   */
  async findByContentHash(
    documentReference: string,
    model: string,
    hashes: readonly string[],
  ): Promise<Map<string, Buffer>> {
    if (hashes.length === 0) return new Map();
    const rows: { content_hash: string; embedding: Buffer }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (content_hash) content_hash, embedding
         FROM chunks
        WHERE document_reference = $3 AND content_hash = ANY($1::bpchar[]) AND embedding_model = $2
        ORDER BY content_hash, deleted_at IS NULL DESC`,
      [hashes, model, documentReference],
    );
    return new Map(rows.map((r) => [r.content_hash.trim(), r.embedding]));
  }
}
