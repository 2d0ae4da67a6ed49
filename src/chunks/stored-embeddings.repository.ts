import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Embeddings already stored, by content: what lets an ingest skip the provider for known text. */
@Injectable()
export class StoredEmbeddingsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One stored embedding per content hash among `hashes` made by `model`, in any document, live
   * or soft-deleted (the same normalised text under the same model is the same vector): a
   * re-synced document, a copied chapter or a boilerplate paragraph shared by many pages is
   * embedded once. A live row is preferred, then the document's own. Served by
   * `chunks_embedding_model_content_hash_idx`; read outside any transaction, before the ingest's
   * own.
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
        WHERE embedding_model = $2 AND content_hash = ANY($1::bpchar[])
        ORDER BY content_hash, deleted_at IS NULL DESC, document_reference = $3 DESC`,
      [hashes, model, documentReference],
    );
    return new Map(rows.map((r) => [r.content_hash.trim(), r.embedding]));
  }
}
