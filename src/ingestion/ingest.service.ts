import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ingestionConfig, vectorsConfig } from '../../config';
import { AuditLogsService } from '../audit-logs/audit-logs.service';
import { ChunkOutboxRepository } from '../chunks/chunk-outbox.repository';
import { ChunksRepository } from '../chunks/chunks.repository';
import { DomainError } from '../common/errors';
import { validationFailed } from '../common/validation';
import { contentHash, deriveChunkId } from './chunk-identity';
import type { IngestRequestDto } from './dto/ingest-request.dto';
import type { IngestedChunkDto, IngestResponseDto } from './dto/ingest-response.dto';
import { encodeEmbedding } from '../chunks/embedding-codec';
import { validateBatch } from './ingest-validation';
import { IngestRepository, type ChunkWrite } from './ingest.repository';
import { OutboxRelay } from '../sync/outbox-relay.service';
import { OutboxRepository } from '../sync/outbox.repository';

const MAX_METADATA_BYTES = 16 * 1024;

export interface IngestResult {
  response: IngestResponseDto;
  /** Every new or changed vector was searchable before the wait ran out. */
  synced: boolean;
}

interface PlannedChunk {
  write: ChunkWrite;
  /** insert: new row; overwrite: replace an existing row; skip: a duplicate left alone. */
  action: 'insert' | 'overwrite' | 'skip';
}

@Injectable()
export class IngestService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ingest: IngestRepository,
    private readonly chunks: ChunksRepository,
    private readonly chunkOutbox: ChunkOutboxRepository,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditLogsService,
    private readonly relay: OutboxRelay,
    @Inject(ingestionConfig.KEY) private readonly config: ConfigType<typeof ingestionConfig>,
    @Inject(vectorsConfig.KEY) private readonly collection: ConfigType<typeof vectorsConfig>,
  ) {}

  /**
   * One transaction writes the chunk rows (pending), their outbox rows and the audit row; the
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
    const writes = request.chunks.map((chunk, position) => toWrite(request, chunk, position));

    const { planned, deleted } = await this.dataSource.transaction(async (manager) => {
      await this.ingest.lockDocument(manager, request.document_reference);
      await this.guardEmbeddingModel(manager, request.embedding_model);
      const planned = await this.plan(manager, request.document_reference, writes, onDuplicate);

      await this.chunks.insertMany(manager, pick(planned, 'insert'));
      await this.ingest.overwriteMany(manager, pick(planned, 'overwrite'));
      const deleted =
        request.cleanup === 'full'
          ? await this.ingest.softDeleteOthers(
              manager,
              request.document_reference,
              planned.map((p) => p.write.chunk_id),
            )
          : [];
      const toSync = planned.filter((p) => p.action !== 'skip').map((p) => p.write.chunk_id);
      await this.chunkOutbox.enqueue(manager, toSync, 'upsert');
      await this.chunkOutbox.enqueue(manager, deleted, 'delete');
      await this.audit.record(manager, {
        operation_type: 'ingest',
        resource_type: 'document',
        resource_id: request.document_reference,
        user_id: null,
        details: {
          ingest_id: ingestId,
          embedding_model: request.embedding_model,
          on_duplicate: onDuplicate,
          cleanup: request.cleanup ?? 'none',
          created: count(planned, 'insert'),
          updated: count(planned, 'overwrite'),
          skipped: count(planned, 'skip'),
          deleted: deleted.length,
        },
      });
      return { planned, deleted };
    });

    const changed = planned.filter((p) => p.action !== 'skip').map((p) => p.write.chunk_id);
    const synced = await this.relay.waitUntilSynced(
      [...changed, ...deleted],
      request.wait_ms ?? this.config.waitMs,
    );
    const unsynced = synced ? new Set<string>() : new Set(await this.unsyncedAmong(changed));

    const chunks: IngestedChunkDto[] = planned.map((p) => ({
      chunk_id: p.write.chunk_id,
      chunk_index: p.write.chunk_index,
      status: p.action === 'skip' ? 'skipped' : unsynced.has(p.write.chunk_id) ? 'pending' : 'synced',
    }));
    return {
      synced,
      response: {
        ingest_id: ingestId,
        document_reference: request.document_reference,
        created: count(planned, 'insert'),
        updated: count(planned, 'overwrite'),
        skipped: count(planned, 'skip'),
        deleted: deleted.length,
        chunks,
      },
    };
  }

  private async guardEmbeddingModel(
    manager: Parameters<IngestRepository['bindCollection']>[0],
    model: string,
  ) {
    const { collection: name, vectorSize } = this.collection;
    const bound = await this.ingest.bindCollection(manager, name, model, vectorSize);
    if (bound.embedding_model !== model || bound.vector_size !== vectorSize) {
      throw new DomainError(
        'EMBEDDING_MODEL_MISMATCH',
        `Collection ${name} holds ${bound.embedding_model} embeddings of size ${bound.vector_size}; ` +
          `this batch is ${model} of size ${vectorSize}. Changing models goes through vectors:rebuild.`,
        {
          collection: name,
          bound: { embedding_model: bound.embedding_model, vector_size: bound.vector_size },
          requested: { embedding_model: model, vector_size: vectorSize },
        },
      );
    }
  }

  /**
   * Decides each chunk's fate against what the document already holds. A chunk collides with an
   * existing row by id (live or soft-deleted) or by live content; soft-deleted rows are revived
   * in place, live duplicates follow the on_duplicate policy, and a repeat of earlier content in
   * the same batch is a duplicate of that earlier chunk.
   */
  private async plan(
    manager: Parameters<IngestRepository['findCollisions']>[0],
    documentReference: string,
    writes: ChunkWrite[],
    onDuplicate: 'skip' | 'overwrite' | 'error',
  ): Promise<PlannedChunk[]> {
    const existing = await this.ingest.findCollisions(
      manager,
      documentReference,
      writes.map((w) => w.chunk_id),
      writes.map((w) => w.content_hash),
    );
    const byId = new Map(existing.map((e) => [e.chunk_id, e]));
    const liveByHash = new Map(existing.filter((e) => e.live).map((e) => [e.content_hash, e]));
    const firstInBatch = new Map<string, string>();
    const duplicates: { index: number; chunk_id: string; existing_chunk_id: string }[] = [];

    const planned = writes.map((write): PlannedChunk => {
      const sameId = byId.get(write.chunk_id);
      const sameContent = liveByHash.get(write.content_hash);
      const earlierInBatch = firstInBatch.get(write.content_hash);
      const match = (sameId?.live ? sameId : undefined) ?? sameContent;
      if (!earlierInBatch) firstInBatch.set(write.content_hash, match?.chunk_id ?? write.chunk_id);
      if (!earlierInBatch && sameId && !sameId.live && !sameContent) return { write, action: 'overwrite' };
      if (!match && !earlierInBatch) return { write, action: 'insert' };
      const existingId = earlierInBatch ?? match!.chunk_id;
      duplicates.push({ index: write.chunk_index, chunk_id: write.chunk_id, existing_chunk_id: existingId });
      if (onDuplicate === 'overwrite' && match && !earlierInBatch) {
        return { write: { ...write, chunk_id: match.chunk_id }, action: 'overwrite' };
      }
      return { write: { ...write, chunk_id: existingId }, action: 'skip' };
    });

    if (onDuplicate === 'error' && duplicates.length > 0) {
      throw new DomainError(
        'DUPLICATE',
        `${duplicates.length} chunk(s) duplicate existing content of ${documentReference} (on_duplicate: "error")`,
        { duplicates: duplicates.slice(0, 100) },
      );
    }
    return planned;
  }

  private async unsyncedAmong(chunkIds: readonly string[]): Promise<string[]> {
    return this.outbox.unsyncedIds(chunkIds);
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

const pick = (planned: PlannedChunk[], action: PlannedChunk['action']) =>
  planned.filter((p) => p.action === action).map((p) => p.write);
const count = (planned: PlannedChunk[], action: PlannedChunk['action']) =>
  planned.filter((p) => p.action === action).length;
