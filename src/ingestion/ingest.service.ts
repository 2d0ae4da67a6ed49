import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { ingestionConfig } from '../../config';
import { ChunkChanges } from '../chunks/chunk-changes';
import type { ChunkWrite } from '../chunks/chunk-columns';
import { DocumentChunksRepository } from '../chunks/document-chunks.repository';
import { encodeEmbedding } from '../chunks/embedding-codec';
import { validationFailed } from '../common/validation';
import { CollectionBindings } from '../sync/collection-binding.service';
import { OutboxRelay } from '../sync/outbox-relay.service';
import { ChunkEmbedder } from './chunk-embedder.service';
import { contentHash, deriveChunkId } from './chunk-identity';
import type { IngestRequestDto } from './dto/ingest-request.dto';
import type { IngestedChunkDto, IngestResponseDto } from './dto/ingest-response.dto';
import { countOf, planIngest, type PlannedAction, type PlannedChunk } from './ingest-plan';
import { validateBatch } from './ingest-validation';
import { ChunkOfAnotherDocumentError, DuplicateContentError } from './ingestion.errors';

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
    private readonly bindings: CollectionBindings,
    private readonly relay: OutboxRelay,
    private readonly embedder: ChunkEmbedder,
    @Inject(ingestionConfig.KEY) private readonly config: ConfigType<typeof ingestionConfig>,
  ) {}

  /**
   * One unit of work writes the chunk rows (pending), their outbox rows and the audit row; the
   * relay then pushes them to the vector store. Nothing is written unless the whole batch is valid.
   */
  async ingestBatch(request: IngestRequestDto): Promise<IngestResult> {
    const violations = validateBatch(request, {
      vectorSize: this.bindings.vectorSize,
      maxBatch: this.config.maxBatch,
      maxTextChars: this.config.maxTextChars,
      maxMetadataBytes: MAX_METADATA_BYTES,
    });
    if (violations.length > 0) throw validationFailed(violations);

    const ingestId = randomUUID();
    const onDuplicate = request.on_duplicate ?? 'skip';
    const documentReference = request.document_reference;
    const model = this.modelFor(request);
    const hashes = request.chunks.map((chunk) => contentHash(chunk.chunk_text));
    // Before the transaction: the provider's network calls never hold a lock or a connection.
    const { embeddings, embedded } = await this.embedder.embed(
      documentReference,
      request.chunks.flatMap((chunk, position) =>
        chunk.embedding ? [] : [{ position, chunk_text: chunk.chunk_text, content_hash: hashes[position] }],
      ),
    );
    const writes = request.chunks.map((chunk, position) =>
      toWrite(request, chunk, position, {
        hash: hashes[position],
        model,
        embedding: embeddings.get(position) ?? encodeEmbedding(chunk.embedding!),
      }),
    );

    const { result, changed } = await this.changes.apply(async (tx) => {
      await this.documentChunks.lockDocument(tx, documentReference);
      await this.bindings.bindOrRefuse(tx, model);
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
            embedding_model: model,
            embedded,
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
      response: {
        ingest_id: ingestId,
        document_reference: documentReference,
        ...result.counts,
        embedded,
        embedding_model: model,
        chunks,
      },
    };
  }

  /**
   * The batch's model: the one it names, else the provider's. Chunks the provider embeds carry
   * the provider's model, so a batch naming another model cannot also leave vectors out: its
   * chunks would end up embedded by two models in one collection.
   */
  private modelFor(request: IngestRequestDto): string {
    const model = request.embedding_model ?? this.embedder.model;
    const withoutVector = request.chunks.findIndex((chunk) => !chunk.embedding);
    if (withoutVector >= 0 && model !== this.embedder.model) {
      const field = 'embedding_model';
      throw validationFailed([
        {
          field,
          rules: ['providerModel'],
          messages: [
            `${field} is ${model}, but chunks.${withoutVector} has no embedding and would be embedded by the ` +
              `service's provider (${this.embedder.model}); send every embedding, or none with embedding_model ` +
              `${this.embedder.model} or absent`,
          ],
        },
      ]);
    }
    return model;
  }
}

function toWrite(
  request: IngestRequestDto,
  chunk: IngestRequestDto['chunks'][number],
  position: number,
  { hash, model, embedding }: { hash: string; model: string; embedding: Buffer },
): ChunkWrite {
  const chunkIndex = chunk.chunk_index ?? position;
  return {
    chunk_id: chunk.chunk_id?.toLowerCase() ?? deriveChunkId(request.document_reference, chunkIndex, hash),
    document_reference: request.document_reference,
    chunk_index: chunkIndex,
    chunk_text: chunk.chunk_text,
    content_hash: hash,
    embedding,
    embedding_model: model,
    page_reference: chunk.page_reference ?? null,
    section_title: chunk.section_title ?? null,
    processing_version: request.processing_version ?? 'v1',
    metadata: chunk.metadata ?? {},
  };
}

const writesOf = (planned: readonly PlannedChunk<ChunkWrite>[], action: PlannedAction) =>
  planned.filter((p) => p.action === action).map((p) => p.write);
