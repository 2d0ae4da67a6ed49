import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ingestionConfig } from '../../config';
import { validationFailed } from '../common/validation';
import { chunkDocument } from './chunking/chunker';
import { DocumentContentError } from './chunking/document-blocks';
import { parseDocument } from './chunking/parse-document';
import type { PutDocumentDto } from './dto/put-document.dto';
import { IngestService, type IngestResult } from './ingest.service';

/**
 * PUT /v1/documents/{ref}: parse → structure-aware chunks → the ingest flow with full cleanup, so
 * the document ends with exactly the new set. Unchanged chunks match their stored content and
 * are skipped (same ids, no provider call); changed ones are embedded; removed ones soft-deleted.
 */
@Injectable()
export class DocumentSyncService {
  constructor(
    private readonly ingest: IngestService,
    @Inject(ingestionConfig.KEY) private readonly config: ConfigType<typeof ingestionConfig>,
  ) {}

  async put(documentReference: string, request: PutDocumentDto): Promise<IngestResult> {
    this.checkContent(request.content);
    let parsed;
    try {
      parsed = parseDocument(request.format, request.content);
    } catch (error) {
      if (error instanceof DocumentContentError) throw contentViolation('parsable', error.message);
      throw error;
    }
    const chunks = chunkDocument(parsed, {
      targetTokens: this.config.chunkTargetTokens,
      overlapTokens: this.config.chunkOverlapTokens,
    });
    if (chunks.length === 0) throw contentViolation('hasText', `content has no text to index`);
    if (chunks.length > this.config.maxBatch) {
      throw contentViolation(
        'maxChunks',
        `content makes ${chunks.length} chunks; at most ${this.config.maxBatch} (INGEST_MAX_BATCH) per document`,
      );
    }
    const title = request.title ?? parsed.title;
    const metadata = { ...parsed.metadata, ...request.metadata, ...(title ? { title } : {}) };
    return this.ingest.ingestBatch({
      document_reference: documentReference,
      processing_version: request.processing_version,
      cleanup: 'full',
      on_duplicate: 'skip',
      wait_ms: request.wait_ms,
      chunks: chunks.map((chunk) => ({
        chunk_index: chunk.chunk_index,
        chunk_text: chunk.chunk_text,
        section_title: chunk.section_title?.slice(0, 500),
        page_reference: chunk.page_reference ?? undefined,
        metadata,
      })),
    });
  }

  private checkContent(content: string): void {
    if (content.trim() === '') throw contentViolation('notEmpty', 'content must not be empty');
    if (content.length > this.config.documentMaxChars) {
      throw contentViolation(
        'maxLength',
        `content must be at most ${this.config.documentMaxChars} characters (DOCUMENT_MAX_CHARS)`,
      );
    }
    // NUL never occurs in text; a run of U+FFFD is what a binary file decoded as UTF-8 becomes.
    if (content.includes('\u0000') || (content.match(/\uFFFD/g)?.length ?? 0) > 16) {
      throw contentViolation('notBinary', 'content must be text, not binary data');
    }
  }
}

const contentViolation = (rule: string, message: string) =>
  validationFailed([{ field: 'content', rules: [rule], messages: [message] }]);
