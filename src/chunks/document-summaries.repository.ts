import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Page, PageRequest } from '../common/pagination';
import { keysetOrder, paginateKeysetRows } from '../database/keyset-pagination';
import { ChunkEntity } from './chunk.entity';

/** A document as its live chunks describe it. */
export interface DocumentSummaryRow {
  document_reference: string;
  title: string | null;
  chunks: number;
  synced_chunks: number;
  pending_chunks: number;
  failed_chunks: number;
  /** int8: pg hands it over as a string. */
  characters: string;
  last_updated_at: Date;
}

const BY_REFERENCE = keysetOrder('ASC', ['document_reference', 'text']);

/** The documents there are, one row per document_reference with live chunks. */
@Injectable()
export class DocumentSummariesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One statement per page: the live chunks grouped by document, keyset-paginated on the
   * reference. The partial unique index on live rows (document_reference, content_hash) yields
   * them already in reference order, so a page reads only its own documents' rows, however
   * many documents come after it (test/integration/explain.spec.ts).
   */
  list(page: PageRequest): Promise<Page<DocumentSummaryRow>> {
    const qb = this.dataSource.manager
      .createQueryBuilder(ChunkEntity, 'c')
      .select('c.document_reference', 'document_reference')
      .addSelect(`min(c.metadata ->> 'title')`, 'title')
      .addSelect('count(*)::int', 'chunks')
      .addSelect(`(count(*) FILTER (WHERE c.sync_status = 'synced'))::int`, 'synced_chunks')
      .addSelect(`(count(*) FILTER (WHERE c.sync_status = 'pending'))::int`, 'pending_chunks')
      .addSelect(`(count(*) FILTER (WHERE c.sync_status = 'failed'))::int`, 'failed_chunks')
      .addSelect('sum(char_length(c.chunk_text))::int8', 'characters')
      .addSelect('max(c.updated_at)', 'last_updated_at')
      .where('c.deleted_at IS NULL')
      .groupBy('c.document_reference');
    return paginateKeysetRows<DocumentSummaryRow>(qb, BY_REFERENCE, page);
  }
}
