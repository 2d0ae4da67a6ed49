import { Controller, HttpStatus, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { IngestRequestDto } from './dto/ingest-request.dto';
import { IngestResponseDto } from './dto/ingest-response.dto';
import { IngestBody, IngestRequestPipe } from './ingest-request.pipe';
import { IngestService } from './ingest.service';
import { RequireRole } from '../auth/roles';
import { ApiBodyExamples, EXAMPLE_VECTOR } from '../common/api-examples';
import { ErrorResponseDto } from '../common/api-error-responses';
import { RateLimitClass } from '../auth/rate-limit';

@ApiTags('ingestion')
@RequireRole('writer')
@RateLimitClass('ingest')
@Controller('v1/ingest')
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  @Post()
  @ApiOperation({
    summary: 'Ingest a batch of chunks with their embeddings',
    description:
      'Validates the whole batch, writes chunks, outbox and audit rows in one transaction, then waits up to ' +
      'wait_ms for the vectors to become searchable.',
  })
  @ApiBodyExamples(IngestRequestDto, {
    embedded_by_the_service: {
      summary: 'Chunks embedded by the service',
      description: 'No embedding: the service embeds each chunk_text with its provider (EMBEDDING_PROVIDER).',
      value: {
        document_reference: 'robotics-handbook.pdf',
        processing_version: 'v1',
        chunks: [
          {
            chunk_index: 0,
            chunk_text: 'A strain gauge changes its electrical resistance when it is stretched.',
            page_reference: 42,
            section_title: 'Chapter 3 — Sensors',
          },
          {
            chunk_index: 1,
            chunk_text: 'A load cell combines four strain gauges in a Wheatstone bridge to measure force.',
            page_reference: 43,
            section_title: 'Chapter 3 — Sensors',
            metadata: { figure: '3.2' },
          },
        ],
      },
    },
    own_embeddings: {
      summary: 'Chunks with your own embeddings',
      description:
        'Each embedding has VECTOR_SIZE numbers (this example shows three: put your own), from the model ' +
        'named in embedding_model (default: the service provider’s).',
      value: {
        document_reference: 'robotics-handbook.pdf',
        processing_version: 'v1',
        chunks: [
          {
            chunk_index: 2,
            chunk_text: 'A thermocouple turns a temperature difference into a voltage.',
            embedding: EXAMPLE_VECTOR,
            page_reference: 44,
            section_title: 'Chapter 3 — Sensors',
          },
        ],
      },
    },
  })
  @ApiCreatedResponse({ type: IngestResponseDto, description: 'Every new vector is searchable' })
  @ApiAcceptedResponse({
    type: IngestResponseDto,
    description: 'Stored; some vectors are still being synced',
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'The batch is invalid; details list every bad item; nothing was written',
  })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'Duplicates with on_duplicate "error", or another embedding model',
  })
  async create(
    @IngestBody(IngestRequestPipe) body: IngestRequestDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IngestResponseDto> {
    const { response, synced } = await this.ingest.ingestBatch(body);
    void reply.status(synced ? HttpStatus.CREATED : HttpStatus.ACCEPTED);
    return response;
  }
}
