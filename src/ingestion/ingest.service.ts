import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { ingestionConfig, vectorsConfig } from '../../config';
import { ChunkChanges } from '../chunks/chunk-changes';
import type { ChunkWrite } from '../chunks/chunk-columns';
import { DocumentChunksRepository } from '../chunks/document-chunks.repository';
import { encodeEmbedding } from '../chunks/embedding-codec';
import { validationFailed } from '../common/validation';
import type { Transaction } from '../database/transactions';
import { CollectionBindingRepository } from '../sync/collection-binding.repository';
import { OutboxRelay } from '../sync/outbox-relay.service';
import { contentHash, deriveChunkId } from './chunk-identity';
import type { IngestRequestDto } from './dto/ingest-request.dto';
import type { IngestedChunkDto, IngestResponseDto } from './dto/ingest-response.dto';
import { countOf, planIngest, type PlannedAction, type PlannedChunk } from './ingest-plan';
import { validateBatch } from './ingest-validation';
import {
  ChunkOfAnotherDocumentError,
  DuplicateContentError,
  EmbeddingModelMismatchError,
} from './ingestion.errors';

const MAX_METADATA_BYTES = 16 * 1024;

export interface IngestResult {
  response: IngestResponseDto;
  /** Every chunk in the answer was searchable (and every removed point gone) before the wait ran out. */
  synced: boolean;
}

@Injectable()
export class IngestService {
  constructor(
    private readonly changes: ChunkChanges,
    private readonly documentChunks: DocumentChunksRepository,
    private readonly bindings: CollectionBindingRepository,
    private readonly relay: OutboxRelay,
    @Inject(ingestionConfig.KEY) private readonly config: ConfigType<typeof ingestionConfig>,
    @Inject(vectorsConfig.KEY) private readonly collection: ConfigType<typeof vectorsConfig>,
  ) {}

  /**
   * One unit of work writes the chunk rows (pending), their outbox rows and the audit row; the
   * relay then pushes them to the vector store. Nothing is written unless the whole batch is valid.
   */
  async ingestBatch(request: IngestRequestDto): Promise<IngestResult> {
    const violations = validateBatch(request, {
      vectorSize: this.collection.vectorSize,
      maxBatch: this.config.maxBatch,
      maxTextChars: this.config.maxTextChars,
      maxMetadataBytes: MAX_METADATA_BYTES,
    });
    if (violations.length > 0) throw validationFailed(violations);

    const ingestId = randomUUID();
    const onDuplicate = request.on_duplicate ?? 'skip';
    const documentReference = request.document_reference;
    const writes = request.chunks.map((chunk, position) => toWrite(request, chunk, position));

    const { result, changed } = await this.changes.apply(async (tx) => {
      await this.documentChunks.lockDocument(tx, documentReference);
      await this.guardEmbeddingModel(tx, request.embedding_model);
      const existing = await this.documentChunks.findCollisions(
        tx,
        documentReference,
        writes.map((w) => w.chunk_id),
        writes.map((w) => w.content_hash),
      );
      const { planned, duplicates, foreign } = planIngest(documentReference, writes, existing, onDuplicate);
      if (foreign.length > 0) throw new ChunkOfAnotherDocumentError(documentReference, foreign);
      if (onDuplicate === 'error' && duplicates.length > 0) {
        throw new DuplicateContentError(documentReference, duplicates);
      }

      await this.documentChunks.insertMany(tx, writesOf(planned, 'insert'));
      await this.documentChunks.overwriteMany(tx, writesOf(planned, 'overwrite'));
      const deleted =
        request.cleanup === 'full'
          ? await this.documentChunks.softDeleteOthers(
              tx,
              documentReference,
              planned.map((p) => p.write.chunk_id),
            )
          : [];
      const counts = {
        created: countOf(planned, 'insert'),
        updated: countOf(planned, 'overwrite'),
        skipped: countOf(planned, 'skip'),
        deleted: deleted.length,
      };
      return {
        upserted: planned.filter((p) => p.action !== 'skip').map((p) => p.write.chunk_id),
        deleted,
        audit: {
          operation_type: 'ingest',
          resource_type: 'document',
          resource_id: documentReference,
          user_id: null,
          details: {
            ingest_id: ingestId,
            embedding_model: request.embedding_model,
            on_duplicate: onDuplicate,
            cleanup: request.cleanup ?? 'none',
            ...counts,
          },
        },
        result: { planned, counts },
      };
    });

    // A skipped chunk counts too: a re-sent batch whose vectors are still pending is not searchable.
    const answered = result.planned.map((p) => p.write.chunk_id);
    const synced = await this.relay.waitUntilSynced(
      [...new Set([...answered, ...changed])],
      request.wait_ms ?? this.config.waitMs,
    );
    const unsynced = new Set(synced ? [] : await this.relay.unsyncedAmong(answered));

    const chunks: IngestedChunkDto[] = result.planned.map((p) => ({
      chunk_id: p.write.chunk_id,
      chunk_index: p.write.chunk_index,
      status: unsynced.has(p.write.chunk_id) ? 'pending' : p.action === 'skip' ? 'skipped' : 'synced',
    }));
    return {
      synced,
      response: { ingest_id: ingestId, document_reference: documentReference, ...result.counts, chunks },
    };
  }

  private async guardEmbeddingModel(tx: Transaction, model: string) {
    const { collection: name, vectorSize } = this.collection;
    const requested = { embedding_model: model, vector_size: vectorSize };
    const bound = await this.bindings.bindIfUnbound(tx, name, requested);
    if (bound.embedding_model !== model || bound.vector_size !== vectorSize) {
      throw new EmbeddingModelMismatchError(name, bound, requested);
    }
  }
}

function toWrite(
  request: IngestRequestDto,
  chunk: IngestRequestDto['chunks'][number],
  position: number,
): ChunkWrite {
  const chunkIndex = chunk.chunk_index ?? position;
  const hash = contentHash(chunk.chunk_text);
  return {
    chunk_id: chunk.chunk_id?.toLowerCase() ?? deriveChunkId(request.document_reference, chunkIndex, hash),
    document_reference: request.document_reference,
    chunk_index: chunkIndex,
    chunk_text: chunk.chunk_text,
    content_hash: hash,
    embedding: encodeEmbedding(chunk.embedding),
    embedding_model: request.embedding_model,
    page_reference: chunk.page_reference ?? null,
    section_title: chunk.section_title ?? null,
    processing_version: request.processing_version ?? 'v1',
    metadata: chunk.metadata ?? {},
  };
}

const writesOf = (planned: readonly PlannedChunk<ChunkWrite>[], action: PlannedAction) =>
  planned.filter((p) => p.action === action).map((p) => p.write);
